"""The ``librarena`` command: database, demo data, the worker, and serving."""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys
import time
from typing import Any

import click
from alembic import command
from flask import Flask, current_app
from flask.cli import FlaskGroup, with_appcontext

from lms.db import db

log = logging.getLogger(__name__)


def _create_app() -> Flask:
    from lms import create_app

    return create_app()


@click.group(
    cls=FlaskGroup, create_app=_create_app, add_version_option=False, add_default_commands=True
)
def main() -> None:
    """Librarena: learning management for Nordic public library staff."""


@click.group("db")
def db_group() -> None:
    """Database schema migrations (Alembic)."""


@db_group.command("upgrade")
@click.argument("revision", default="head")
@with_appcontext
def db_upgrade(revision: str) -> None:
    """Bring the database schema up to REVISION (default: the newest)."""
    from lms.migrations import alembic_config

    command.upgrade(alembic_config(), revision)
    click.echo(f"Database at {_safe_url()} is up to date.")
    db.engine.dispose()


@db_group.command("downgrade")
@click.argument("revision")
@with_appcontext
def db_downgrade(revision: str) -> None:
    """Take the schema back to REVISION."""
    from lms.migrations import alembic_config

    command.downgrade(alembic_config(), revision)
    db.engine.dispose()


@db_group.command("revision")
@click.option("-m", "--message", required=True)
@with_appcontext
def db_revision(message: str) -> None:
    """Write a new migration from the difference between models and database (developers)."""
    from lms.migrations import alembic_config

    command.revision(alembic_config(), message=message, autogenerate=True)


def _safe_url() -> str:
    from sqlalchemy.engine import make_url

    return make_url(current_app.config["DATABASE_URL"]).render_as_string(hide_password=True)


@click.command("demo")
@with_appcontext
def demo() -> None:
    """Load the demo data once, into an empty database, and print the demo accounts."""
    from lms.db import db
    from lms.demo import DEMO_PASSWORD, demo_accounts, load_demo

    loaded = load_demo(db.session)
    db.session.commit()
    click.echo("Demo data loaded." if loaded else "Demo data already there; nothing changed.")
    click.echo(f"\nDemo accounts (password for all: {DEMO_PASSWORD}):")
    for role, email in demo_accounts(db.session):
        click.echo(f"  {role:<12} {email}")
    db.remove()
    db.engine.dispose()


@click.command("worker")
@click.option("--once", is_flag=True, help="Deliver what is due, then stop.")
@click.option("--interval", default=5.0, show_default=True, help="Seconds between polls.")
@with_appcontext
def worker(once: bool, interval: float) -> None:
    """Deliver the outbox (mail, xAPI forwarding, grade passback) with retries."""
    from lms.errors import rollback_quietly
    from lms.outbox.services import deliver_due

    app = current_app._get_current_object()  # type: ignore[attr-defined]
    stop = {"now": False}

    def _stop(*_args: Any) -> None:
        stop["now"] = True

    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)
    while not stop["now"]:
        try:
            count = deliver_due(app, db.session)
        except Exception:
            # The database away or busy past its timeout: nothing of the round's message was
            # recorded, so it is sent again. Keep going, as the outbox promises.
            if once:
                raise
            log.exception("outbox round failed; trying again in %s s", interval)
            rollback_quietly()
            count = 0
        db.remove()
        if once:
            click.echo(f"Delivered {count} message(s).")
            return
        if count == 0:
            time.sleep(interval)


@click.command("serve")
@click.option("--bind", default="127.0.0.1:5000", show_default=True)
@click.option("--workers", default=2, show_default=True)
def serve(bind: str, workers: int) -> None:
    """Serve with gunicorn, and run the outbox worker beside it."""
    exe = os.path.dirname(sys.executable)
    worker_proc = subprocess.Popen([os.path.join(exe, "librarena"), "worker"])  # noqa: S603
    try:
        subprocess.call(  # noqa: S603 - fixed argv, our own executables
            [
                os.path.join(exe, "gunicorn"),
                "--bind",
                bind,
                "--workers",
                str(workers),
                "--access-logfile",
                "-",
                "wsgi:app",
            ]
        )
    finally:
        worker_proc.terminate()
        worker_proc.wait(timeout=10)


def register_commands(app: Flask) -> None:
    app.cli.add_command(db_group)
    app.cli.add_command(demo)
    app.cli.add_command(worker)
    app.cli.add_command(serve)
    from lms.xapi.cli import lrs_group

    app.cli.add_command(lrs_group)
    from lti.cli import lti_group

    app.cli.add_command(lti_group)
    from content.packages.cli import course_group

    app.cli.add_command(course_group)
    from lms.reporting.cli import reports_group

    app.cli.add_command(reports_group)

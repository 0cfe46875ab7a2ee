"""``librarena lrs …``: manage the credentials of LRS clients."""

from __future__ import annotations

import click
from flask.cli import with_appcontext
from sqlalchemy import select

from lms.db import db, transaction


@click.group("lrs")
def lrs_group() -> None:
    """The embedded xAPI Learning Record Store."""


@lrs_group.command("add-client")
@click.argument("name")
@click.option(
    "--scope",
    "scopes",
    multiple=True,
    default=("statements/write", "statements/read/mine"),
    show_default=True,
    help="A scope to grant; repeat for several (statements/write, statements/read/mine, "
    "statements/read, state, define, profile, all/read, all).",
)
@click.option("--user", "email", help="E-mail of the Librarena user this client acts for.")
@with_appcontext
def add_client(name: str, scopes: tuple[str, ...], email: str | None) -> None:
    """Create a client and print its key and secret (the secret is shown only now)."""
    from lms.auth.models import User
    from lms.xapi.auth import create_client
    from lms.xapi.errors import XapiError

    with transaction() as session:
        user = None
        if email:
            user = session.scalars(select(User).where(User.email == email)).first()
            if user is None:
                raise click.ClickException(f"no user with e-mail {email}")
        try:
            client, secret = create_client(session, name, list(scopes), user=user)
        except XapiError as exc:
            raise click.ClickException(exc.message) from None
        click.echo(f"key: {client.key}")
        click.echo(f"secret: {secret}")
    db.remove()
    db.engine.dispose()


@lrs_group.command("list-clients")
@with_appcontext
def list_clients() -> None:
    """Show every client: key, name, scopes, and whether it is active."""
    from lms.xapi.models import LrsClient

    for client in db.session.scalars(select(LrsClient).order_by(LrsClient.id)):
        state = "active" if client.is_active else "disabled"
        click.echo(f"{client.key}  {client.name}  [{client.scopes}]  {state}")
    db.remove()
    db.engine.dispose()


@lrs_group.command("disable-client")
@click.argument("key")
@with_appcontext
def disable_client(key: str) -> None:
    """Stop a client's credentials from working."""
    from lms.xapi.models import LrsClient

    with transaction() as session:
        client = session.scalars(select(LrsClient).where(LrsClient.key == key)).first()
        if client is None:
            raise click.ClickException(f"no client with key {key}")
        client.is_active = False
    click.echo(f"Client {key} disabled.")
    db.remove()
    db.engine.dispose()

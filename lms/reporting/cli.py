"""``librarena reports …``: upkeep of what the dashboards keep."""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from lms.db import transaction


@click.group("reports")
def reports_group() -> None:
    """Dashboards and reports."""


@reports_group.command("refresh")
@with_appcontext
def refresh() -> None:
    """Rebuild the stored track completions from the records they come from: after data was
    loaded behind the app's back (bulk inserts, SQL by hand). The app keeps them up to date
    itself otherwise."""
    from lms.reporting.completions import rebuild

    with transaction() as session:
        changes = rebuild(session)
    click.echo(f"Track completions: {changes.added} added, {changes.removed} removed.")

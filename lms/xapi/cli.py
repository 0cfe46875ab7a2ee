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
    from lms.xapi.auth import forget_credentials
    from lms.xapi.models import LrsClient

    with transaction() as session:
        client = session.scalars(select(LrsClient).where(LrsClient.key == key)).first()
        if client is None:
            raise click.ClickException(f"no client with key {key}")
        client.is_active = False
    forget_credentials(key)
    click.echo(f"Client {key} disabled.")
    db.remove()
    db.engine.dispose()


@lrs_group.command("add-forward")
@click.argument("name")
@click.argument("endpoint")
@click.option("--username", required=True, help="The other LRS's key (HTTP Basic user).")
@click.option("--secret", required=True, help="The other LRS's secret.")
@click.option("--xapi-version", default="1.0.3", show_default=True)
@click.option("--verb-prefix", help="Forward only statements whose verb starts so.")
@click.option("--activity-prefix", help="…or whose object activity starts so.")
@with_appcontext
def add_forward(
    name: str,
    endpoint: str,
    username: str,
    secret: str,
    xapi_version: str,
    verb_prefix: str | None,
    activity_prefix: str | None,
) -> None:
    """Forward statements stored from now on to the LRS at ENDPOINT (…/xapi/)."""
    from lms.xapi.models import ForwardTarget

    if not endpoint.lower().startswith(("http://", "https://")):
        raise click.ClickException("the endpoint must be an http(s) URL")
    with transaction() as session:
        target = ForwardTarget(
            name=name,
            endpoint=endpoint,
            username=username,
            secret=secret,
            version=xapi_version,
            verb_prefix=verb_prefix,
            activity_prefix=activity_prefix,
        )
        session.add(target)
        session.flush()
        click.echo(f"Forwarding to {name} (#{target.id}).")
    db.remove()
    db.engine.dispose()


@lrs_group.command("list-forwards")
@with_appcontext
def list_forwards() -> None:
    """Show every forwarding target with what is pending, delivered and failing for it."""
    from lms.xapi.forwarding import pending_counts
    from lms.xapi.models import ForwardTarget

    pending = pending_counts(db.session)
    for target in db.session.scalars(select(ForwardTarget).order_by(ForwardTarget.id)):
        state = "active" if target.is_active else "disabled"
        tally = f"delivered: {target.delivered_count}, pending: {pending.get(target.id, 0)}"
        if target.failures:
            tally += f", failing ({target.failures} times): {target.last_error}"
        click.echo(f"#{target.id} {target.name} {target.endpoint} [{state}] {tally}")
    db.remove()
    db.engine.dispose()

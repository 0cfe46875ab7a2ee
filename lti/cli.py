"""``librarena lti …``: register platforms and rotate our signing keys."""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from lms.db import db, transaction


@click.group("lti")
def lti_group() -> None:
    """LTI platform registrations and tool keys."""


@lti_group.command("add-platform")
@click.option("--name", required=True, help="A name for people, e.g. 'Moodle Dalarna'.")
@click.option("--issuer", required=True, help="The platform's issuer (iss).")
@click.option("--client-id", required=True, help="The client id the platform gave Librarena.")
@click.option("--auth-login-url", required=True, help="The platform's authentication request URL.")
@click.option("--token-url", required=True, help="The platform's access token URL.")
@click.option("--jwks-url", required=True, help="The platform's public keyset URL.")
@click.option("--token-audience", default=None, help="Audience for access token requests.")
@click.option("--deployment", "deployments", multiple=True, help="A deployment id; repeatable.")
@with_appcontext
def add_platform(
    name: str,
    issuer: str,
    client_id: str,
    auth_login_url: str,
    token_url: str,
    jwks_url: str,
    token_audience: str | None,
    deployments: tuple[str, ...],
) -> None:
    """Register a platform and print the values to paste into it."""
    from flask import current_app

    from lms.errors import ValidationFailed
    from lti import services

    raw = {
        "name": name,
        "issuer": issuer,
        "client_id": client_id,
        "auth_login_url": auth_login_url,
        "auth_token_url": token_url,
        "jwks_url": jwks_url,
        "token_audience": token_audience,
        "deployment_ids": "\n".join(deployments),
    }
    try:
        # A request context: url_for and the messages' language need one.
        with current_app.test_request_context(), transaction() as session:
            platform_id = services.register_from_form(session, raw).id
    except ValidationFailed as exc:
        problems = "; ".join(f"{k}: {' '.join(v)}" for k, v in exc.errors.items())
        raise click.ClickException(problems) from None
    click.echo(f"Platform {platform_id} registered: {name}")
    for label, url in _tool_urls().items():
        click.echo(f"  {label:<14} {url}")
    db.remove()
    db.engine.dispose()


def _tool_urls() -> dict[str, str]:
    from flask import current_app

    from lti.launch import tool_urls

    with current_app.test_request_context():
        return tool_urls()


@lti_group.command("rotate-keys")
@with_appcontext
def rotate_keys() -> None:
    """Sign with a new key from now on; the previous one stays published at /lti/jwks until
    the next rotation, so platforms that cached it keep working."""
    from lti import keys

    with transaction() as session:
        key = keys.rotate(session)
        kid = key.kid
    click.echo(f"New active key: {kid}")
    db.remove()
    db.engine.dispose()

"""Platform registrations and the platform's public keys."""

from __future__ import annotations

import logging
import re
from datetime import timedelta
from typing import Any

import jwt
import requests
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session

from lms.db import utcnow
from lms.errors import ValidationFailed
from lti.models import LtiDeployment, LtiPlatform
from lti.validate import LaunchError

log = logging.getLogger(__name__)

HTTP_TIMEOUT = 10
#: How long a key set is kept when the platform sends no caching headers.
DEFAULT_JWKS_SECONDS = 300
#: Never keep a key set longer than this, whatever the headers say.
MAX_JWKS_SECONDS = 24 * 3600


def platforms(session: Session) -> list[LtiPlatform]:
    return list(session.scalars(select(LtiPlatform).order_by(LtiPlatform.name, LtiPlatform.id)))


def find_platform(session: Session, issuer: str, client_id: str | None) -> LtiPlatform | None:
    """The active registration of ``issuer`` (and ``client_id`` when given or needed)."""
    stmt = select(LtiPlatform).where(LtiPlatform.issuer == issuer, LtiPlatform.is_active)
    if client_id:
        stmt = stmt.where(LtiPlatform.client_id == client_id)
    found = list(session.scalars(stmt.limit(2)))
    return found[0] if len(found) == 1 else None


def find_deployment(
    session: Session, platform: LtiPlatform, deployment_id: str
) -> LtiDeployment | None:
    return session.scalars(
        select(LtiDeployment).where(
            LtiDeployment.platform_id == platform.id,
            LtiDeployment.deployment_id == deployment_id,
        )
    ).first()


def split_deployments(raw: str) -> list[str]:
    """Deployment ids typed one a line or separated by commas."""
    return [part.strip() for part in re.split(r"[\n,]", raw) if part.strip()]


def register_platform(
    session: Session,
    *,
    name: str,
    issuer: str,
    client_id: str,
    auth_login_url: str,
    auth_token_url: str,
    jwks_url: str,
    deployment_ids: list[str],
    token_audience: str | None = None,
) -> LtiPlatform:
    """Register a platform with its deployments; an issuer + client id pair is unique."""
    exists = session.scalars(
        select(LtiPlatform.id).where(
            LtiPlatform.issuer == issuer, LtiPlatform.client_id == client_id
        )
    ).first()
    if exists:
        raise ValidationFailed(
            errors={"client_id": [str(_l("This issuer and client id are registered already."))]}
        )
    platform = LtiPlatform(
        name=name,
        issuer=issuer,
        client_id=client_id,
        auth_login_url=auth_login_url,
        auth_token_url=auth_token_url,
        jwks_url=jwks_url,
        token_audience=token_audience or None,
    )
    session.add(platform)
    session.flush()
    for deployment_id in dict.fromkeys(deployment_ids):
        add_deployment(session, platform, deployment_id)
    return platform


def register_from_form(session: Session, raw: Any) -> LtiPlatform:
    """Load the platform form (or the CLI's options) and register the platform."""
    from lms.schema import load
    from lti.schemas import PlatformSchema

    data = load(PlatformSchema(), raw)
    return register_platform(
        session,
        name=data["name"],
        issuer=data["issuer"],
        client_id=data["client_id"],
        auth_login_url=data["auth_login_url"],
        auth_token_url=data["auth_token_url"],
        jwks_url=data["jwks_url"],
        token_audience=data.get("token_audience"),
        deployment_ids=split_deployments(data.get("deployment_ids") or ""),
    )


def add_deployment(session: Session, platform: LtiPlatform, deployment_id: str) -> LtiDeployment:
    if find_deployment(session, platform, deployment_id):
        raise ValidationFailed(
            errors={"deployment_id": [str(_l("This deployment id is registered already."))]}
        )
    deployment = LtiDeployment(platform=platform, deployment_id=deployment_id)
    session.add(deployment)
    session.flush()
    return deployment


def _cache_seconds(headers: Any) -> int:
    """How long HTTP caching lets us keep a response (RFC 9111 §5.2.2: ``no-store``,
    ``no-cache``, ``max-age``)."""
    value = str(headers.get("Cache-Control", "")).lower()
    if "no-store" in value or "no-cache" in value:
        return 0
    match = re.search(r"max-age=(\d+)", value)
    if match:
        return min(int(match.group(1)), MAX_JWKS_SECONDS)
    return DEFAULT_JWKS_SECONDS


def fetch_jwks(platform: LtiPlatform) -> dict[str, Any]:
    """GET the platform's key set; a platform that does not answer is a clear launch error."""
    try:
        response = requests.get(platform.jwks_url, timeout=HTTP_TIMEOUT)
        response.raise_for_status()
        body = response.json()
    except (requests.RequestException, ValueError) as exc:
        log.warning("LTI: key set of %s not fetched: %s", platform.issuer, exc)
        raise LaunchError(
            "jwks_down",
            _l(
                "The platform's public keys could not be fetched from %(url)s. Try again in a "
                "moment; if it persists, the platform's administrator should check that address.",
                url=platform.jwks_url,
            ),
            status=502,
        ) from None
    if not isinstance(body, dict) or not isinstance(body.get("keys"), list):
        raise LaunchError(
            "jwks_down",
            _l("The platform's key set at %(url)s is not a JWKS document.", url=platform.jwks_url),
            status=502,
        )
    platform.jwks_cache = body
    platform.jwks_expires_at = utcnow() + timedelta(seconds=_cache_seconds(response.headers))
    return body


def _find_jwk(keyset: dict[str, Any] | None, kid: str) -> dict[str, Any] | None:
    for jwk in (keyset or {}).get("keys", []):
        if isinstance(jwk, dict) and jwk.get("kid") == kid:
            return jwk
    return None


def platform_key(platform: LtiPlatform, kid: str) -> Any:
    """The platform's public key ``kid``: from the cached key set while HTTP caching allows,
    fetched again when it expired or does not hold ``kid`` (the platform rotated its keys;
    Security Framework 1.0 §6.3)."""
    fresh = platform.jwks_expires_at is not None and platform.jwks_expires_at > utcnow()
    jwk = _find_jwk(platform.jwks_cache, kid) if fresh else None
    if jwk is None:
        jwk = _find_jwk(fetch_jwks(platform), kid)
    if jwk is None:
        raise LaunchError(
            "unknown_kid",
            _l(
                "The platform's key set at %(url)s has no key %(kid)s.",
                url=platform.jwks_url,
                kid=kid[:100],
            ),
        )
    try:
        return jwt.algorithms.RSAAlgorithm.from_jwk(jwk)
    except (jwt.PyJWTError, ValueError, KeyError, TypeError):
        raise LaunchError(
            "unknown_kid",
            _l("The platform's key %(kid)s is not a usable RSA key.", kid=kid[:100]),
        ) from None

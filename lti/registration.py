"""LTI Dynamic Registration 1.0 (https://www.imsglobal.org/spec/lti-dr/v1p0): the platform
opens our registration URL with its ``openid_configuration``; we read it, post our tool
configuration to its registration endpoint, store the answer as a platform registration and
close with the ``org.imsglobal.lti.close`` message.

Who may register: the URL carries a registration link an administrator made (signed with the
secret key, valid for a week, used once), because the platform's dialog usually shows our page
in an iframe where a Librarena sign-in cookie would not be sent.
"""

from __future__ import annotations

import secrets
from datetime import timedelta
from typing import Any
from urllib.parse import urlsplit

import requests
from flask import current_app
from flask_babel import lazy_gettext as _l
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from lms.db import utcnow
from lti import launch, services
from lti.advantage import SCOPE_LINEITEM, SCOPE_MEMBERS, SCOPE_SCORE
from lti.models import LtiPlatform, LtiUsedNonce
from lti.validate import LaunchError

LINK_DAYS = 7
HTTP_TIMEOUT = 10
TOOL_CONFIGURATION = "https://purl.imsglobal.org/spec/lti-tool-configuration"
PLATFORM_CONFIGURATION = "https://purl.imsglobal.org/spec/lti-platform-configuration"
SALT = "lti-dynamic-registration"


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(str(current_app.config["SECRET_KEY"]), salt=SALT)


def new_link() -> str:
    """A registration URL an administrator hands to a platform's administrator."""
    token = _serializer().dumps({"n": secrets.token_urlsafe(12)})
    return launch.base_url() + "/lti/register/" + token


def _check_link(session: Session, token: str) -> None:
    try:
        data = _serializer().loads(token, max_age=LINK_DAYS * 86400)
    except SignatureExpired:
        raise LaunchError(
            "registration_link",
            _l("This registration link has expired. Ask for a new one."),
        ) from None
    except BadSignature:
        raise LaunchError("registration_link", _l("This registration link is not valid.")) from None
    try:
        with session.begin_nested():
            session.add(
                LtiUsedNonce(
                    issuer="dynamic-registration",
                    value=str(data.get("n"))[:255],
                    expires_at=utcnow() + timedelta(days=LINK_DAYS + 1),
                )
            )
    except IntegrityError:
        raise LaunchError(
            "registration_link",
            _l("This registration link was used already. Ask for a new one."),
        ) from None


def _failed(url: str, error: Any) -> LaunchError:
    return LaunchError(
        "registration",
        _l(
            "The platform's registration service at %(url)s failed: %(error)s",
            url=url,
            error=str(error)[:300],
        ),
        status=502,
    )


def fetch_configuration(url: str, registration_token: str | None) -> dict[str, Any]:
    """GET the platform's OpenID configuration (Dynamic Registration 1.0 §3.4) and check that
    its issuer is on the same host as the address it came from (§3.5.1)."""
    headers = {"Accept": "application/json"}
    if registration_token:
        headers["Authorization"] = f"Bearer {registration_token}"
    try:
        response = requests.get(url, headers=headers, timeout=HTTP_TIMEOUT)
        response.raise_for_status()
        config = response.json()
    except (requests.RequestException, ValueError) as exc:
        raise _failed(url, exc) from None
    if not isinstance(config, dict):
        raise _failed(url, "not a JSON object")
    for key in (
        "issuer",
        "authorization_endpoint",
        "token_endpoint",
        "jwks_uri",
        "registration_endpoint",
    ):
        if not isinstance(config.get(key), str) or not config[key]:
            raise LaunchError(
                "registration",
                _l("The platform's configuration lacks %(name)s.", name=key),
            )
    issuer, origin = urlsplit(config["issuer"]), urlsplit(url)
    if (issuer.scheme, issuer.netloc) != (origin.scheme, origin.netloc):
        raise LaunchError(
            "registration",
            _l(
                "The platform's issuer %(issuer)s is not on the host of its configuration "
                "address %(url)s.",
                issuer=config["issuer"],
                url=url,
            ),
        )
    return config


def tool_configuration(config: dict[str, Any]) -> dict[str, Any]:
    """What we post to the registration endpoint (Dynamic Registration 1.0 §3.5.2)."""
    urls = launch.tool_urls()
    offered = set(config.get("scopes_supported") or [])
    wanted = [SCOPE_LINEITEM, SCOPE_SCORE, SCOPE_MEMBERS]
    scopes = [s for s in wanted if not offered or s in offered]
    return {
        "application_type": "web",
        "response_types": ["id_token"],
        "grant_types": ["implicit", "client_credentials"],
        "initiate_login_uri": urls["login"],
        "redirect_uris": [urls["launch"]],
        "client_name": "Librarena",
        "jwks_uri": urls["jwks"],
        "token_endpoint_auth_method": "private_key_jwt",
        "scope": " ".join(scopes),
        TOOL_CONFIGURATION: {
            "domain": urlsplit(urls["launch"]).netloc,
            "target_link_uri": urls["launch"],
            "description": "Courses, modules, webinars and tracks for public library staff",
            "claims": ["iss", "sub", "name", "given_name", "family_name", "email", "locale"],
            "messages": [
                {"type": "LtiResourceLinkRequest", "target_link_uri": urls["launch"]},
                {
                    "type": "LtiDeepLinkingRequest",
                    "target_link_uri": urls["deep_linking"],
                    "label": "Librarena",
                    "placements": ["ContentArea", "link_selection", "assignment_selection"],
                },
            ],
        },
    }


def register(
    session: Session, link_token: str, config_url: str | None, registration_token: str | None
) -> LtiPlatform:
    """The whole registration; nothing is stored unless the platform accepted us."""
    _check_link(session, link_token)
    if not config_url:
        raise LaunchError(
            "registration",
            _l("The platform did not say where its configuration is (openid_configuration)."),
        )
    config = fetch_configuration(config_url, registration_token)
    body = tool_configuration(config)
    headers = {"Content-Type": "application/json", "Accept": "application/json"}
    if registration_token:
        headers["Authorization"] = f"Bearer {registration_token}"
    endpoint = config["registration_endpoint"]
    try:
        response = requests.post(endpoint, json=body, headers=headers, timeout=HTTP_TIMEOUT)
        response.raise_for_status()
        answer = response.json()
        client_id = str(answer["client_id"])
    except (requests.RequestException, ValueError, KeyError, TypeError) as exc:
        raise _failed(endpoint, exc) from None
    tool_config = answer.get(TOOL_CONFIGURATION) or {}
    deployment = tool_config.get("deployment_id") if isinstance(tool_config, dict) else None
    product = config.get(PLATFORM_CONFIGURATION) or {}
    name = (product.get("product_family_code") if isinstance(product, dict) else None) or ""
    platform = services.register_platform(
        session,
        name=f"{name or 'LTI'} – {config['issuer']}"[:200],
        issuer=config["issuer"][:255],
        client_id=client_id[:255],
        auth_login_url=config["authorization_endpoint"][:1024],
        auth_token_url=config["token_endpoint"][:1024],
        jwks_url=config["jwks_uri"][:1024],
        token_audience=config.get("authorization_server"),
        deployment_ids=[str(deployment)[:255]] if deployment else [],
    )
    platform.registration = {"openid_configuration": config, "response": answer}
    session.flush()
    return platform

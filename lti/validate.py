"""The rules a launch must pass, one small helper each, citing the section it implements.

Specs: IMS Security Framework 1.0 (https://www.imsglobal.org/spec/security/v1p0/) and
LTI Core 1.3 (https://www.imsglobal.org/spec/lti/v1p3/). Every helper raises
:class:`LaunchError` with a code and a message for the person launching *and* the platform's
administrator, e.g. "The deployment id 7 is not registered for issuer https://moodle.example".
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import jwt
from flask_babel import lazy_gettext as _l

LTI = "https://purl.imsglobal.org/spec/lti/claim/"
MESSAGE_TYPE = LTI + "message_type"
VERSION = LTI + "version"
DEPLOYMENT_ID = LTI + "deployment_id"
TARGET_LINK_URI = LTI + "target_link_uri"
RESOURCE_LINK = LTI + "resource_link"
ROLES = LTI + "roles"
CONTEXT = LTI + "context"
CUSTOM = LTI + "custom"
LAUNCH_PRESENTATION = LTI + "launch_presentation"
DL_SETTINGS = "https://purl.imsglobal.org/spec/lti-dl/claim/deep_linking_settings"
AGS_ENDPOINT = "https://purl.imsglobal.org/spec/lti-ags/claim/endpoint"
NRPS = "https://purl.imsglobal.org/spec/lti-nrps/claim/namesroleservice"

RESOURCE_LINK_REQUEST = "LtiResourceLinkRequest"
DEEP_LINKING_REQUEST = "LtiDeepLinkingRequest"
MESSAGE_TYPES = (RESOURCE_LINK_REQUEST, DEEP_LINKING_REQUEST)


class LaunchError(Exception):
    """A launch refused: ``code`` for logs and tests, ``message`` for people (translated)."""

    def __init__(self, code: str, message: Any, *, status: int = 400) -> None:
        super().__init__(code)
        self.code = code
        self.message = message
        self.status = status


def unverified_parts(id_token: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """Header and claims, read before verification only to find the platform and key
    (Security Framework §5.1.3 steps 1–2)."""
    try:
        header = jwt.get_unverified_header(id_token)
        claims = jwt.decode(id_token, options={"verify_signature": False})
    except jwt.PyJWTError:
        raise LaunchError("malformed", _l("The id_token is not a readable JWT.")) from None
    if not isinstance(claims, dict):
        raise LaunchError("malformed", _l("The id_token is not a readable JWT."))
    return header, claims


def check_alg(header: Mapping[str, Any]) -> str:
    """Only RS256 (Security Framework §5.1.3 step 5: "The alg value SHOULD be the default of
    RS256"); never ``none`` or a symmetric algorithm a public key could be abused for."""
    if header.get("alg") != "RS256":
        raise LaunchError(
            "alg",
            _l(
                "The id_token is signed with %(alg)s; only RS256 is accepted.",
                alg=header.get("alg"),
            ),
        )
    kid = header.get("kid")
    if not isinstance(kid, str) or not kid:
        raise LaunchError("unknown_kid", _l("The id_token's header names no key (kid)."))
    return kid


def audiences(claims: Mapping[str, Any]) -> list[str]:
    aud = claims.get("aud")
    if isinstance(aud, str):
        return [aud]
    if isinstance(aud, list) and all(isinstance(a, str) for a in aud):
        return list(aud)
    return []


def check_audience(claims: Mapping[str, Any], client_id: str) -> None:
    """``aud`` MUST contain our client_id; with several audiences ``azp`` MUST be present and
    be our client_id (Security Framework §5.1.3 steps 3–4)."""
    auds = audiences(claims)
    if client_id not in auds:
        raise LaunchError(
            "wrong_aud",
            _l(
                "The id_token is addressed to %(aud)s, not to this tool's client id %(client_id)s.",
                aud=", ".join(auds) or "—",
                client_id=client_id,
            ),
        )
    azp = claims.get("azp")
    if (len(auds) > 1 or azp is not None) and azp != client_id:
        raise LaunchError(
            "wrong_azp",
            _l(
                "The id_token's authorised party (azp) %(azp)s is not this tool's client id "
                "%(client_id)s.",
                azp=azp or "—",
                client_id=client_id,
            ),
        )


def verify_signature(
    id_token: str, key: Any, *, issuer: str, client_id: str, leeway: int
) -> dict[str, Any]:
    """Signature, ``iss``, ``exp`` and ``iat`` (Security Framework §5.1.3 steps 1, 2, 5–7), with
    ``leeway`` seconds of clock tolerance either way."""
    try:
        claims: dict[str, Any] = jwt.decode(
            id_token,
            key,
            algorithms=["RS256"],
            issuer=issuer,
            leeway=leeway,
            options={"require": ["exp", "iat", "iss", "aud", "sub", "nonce"], "verify_aud": False},
        )
    except jwt.ExpiredSignatureError:
        raise LaunchError(
            "expired",
            _l(
                "The id_token has expired. If this happens every time, the platform's clock "
                "may be wrong (tolerance: %(leeway)s seconds).",
                leeway=leeway,
            ),
        ) from None
    except jwt.ImmatureSignatureError:
        raise LaunchError(
            "iat",
            _l(
                "The id_token was issued in the future; the platform's clock is ahead "
                "(tolerance: %(leeway)s seconds).",
                leeway=leeway,
            ),
        ) from None
    except jwt.InvalidIssuerError:
        raise LaunchError(
            "wrong_iss", _l("The id_token's issuer is not %(iss)s.", iss=issuer)
        ) from None
    except jwt.MissingRequiredClaimError as exc:
        raise LaunchError(
            "missing_claim",
            _l("The id_token lacks the required claim %(claim)s.", claim=exc.claim),
        ) from None
    except jwt.InvalidSignatureError:
        raise LaunchError(
            "bad_signature",
            _l("The id_token's signature does not verify with the platform's published key."),
        ) from None
    except jwt.PyJWTError as exc:
        raise LaunchError(
            "malformed", _l("The id_token is not valid: %(error)s", error=str(exc))
        ) from None
    check_audience(claims, client_id)
    return claims


def check_nonce_matches(claims: Mapping[str, Any], expected: str) -> None:
    """The id_token's ``nonce`` is the one we sent in the authentication request
    (Security Framework §5.1.3 step 9)."""
    if claims.get("nonce") != expected:
        raise LaunchError(
            "nonce", _l("The id_token's nonce is not the one this tool sent at login.")
        )


def replayed() -> LaunchError:
    """A nonce seen before: the id_token is being replayed (Security Framework §5.1.3 step 9,
    "the Tool SHOULD only accept a nonce value once")."""
    return LaunchError(
        "replayed",
        _l(
            "This launch has already been used. Each launch is accepted once; start it again "
            "from the platform."
        ),
    )


def check_state(form_state: str | None, bound_state: str | None) -> None:
    """The ``state`` we sent must come back, in the browser it was sent to (Security Framework
    §5.1.1.3 and §7.3.1: state bound to the user agent, against login CSRF)."""
    if not form_state or not bound_state or form_state != bound_state:
        raise LaunchError(
            "state",
            _l(
                "This launch does not belong to a login started in this browser. If your browser "
                "blocks cookies in embedded pages, open the content in a new window."
            ),
        )


def check_message_type(claims: Mapping[str, Any]) -> str:
    """LTI Core 1.3 §5.3.1: the message type claim is required; we accept resource link and
    deep-linking requests."""
    message_type = claims.get(MESSAGE_TYPE)
    if message_type is None:
        raise missing(MESSAGE_TYPE)
    if message_type not in MESSAGE_TYPES:
        raise LaunchError(
            "message_type",
            _l("This tool does not handle %(type)s messages.", type=str(message_type)[:100]),
        )
    return str(message_type)


def check_version(claims: Mapping[str, Any]) -> None:
    """LTI Core 1.3 §5.3.2: ``version`` MUST be ``1.3.0``."""
    version = claims.get(VERSION)
    if version is None:
        raise missing(VERSION)
    if version != "1.3.0":
        raise LaunchError(
            "version",
            _l(
                "LTI version %(version)s is not supported; this tool speaks 1.3.0.",
                version=str(version)[:20],
            ),
        )


def deployment_of(claims: Mapping[str, Any]) -> str:
    """LTI Core 1.3 §5.3.3: ``deployment_id`` is required, at most 255 ASCII characters."""
    value = claims.get(DEPLOYMENT_ID)
    if not isinstance(value, str) or not value:
        raise missing(DEPLOYMENT_ID)
    if len(value) > 255:
        raise LaunchError("deployment", _l("The deployment id is longer than 255 characters."))
    return value


def unknown_deployment(deployment_id: str, issuer: str) -> LaunchError:
    """LTI Core 1.3 §3.1.3: a tool must refuse launches of deployments it does not know."""
    return LaunchError(
        "unknown_deployment",
        _l(
            "The deployment id %(deployment)s is not registered for issuer %(issuer)s. An "
            "administrator of this tool can add it to the platform's registration.",
            deployment=deployment_id[:255],
            issuer=issuer,
        ),
    )


def check_roles(claims: Mapping[str, Any]) -> list[str]:
    """LTI Core 1.3 §5.3.7: ``roles`` is required (it may be an empty array)."""
    roles = claims.get(ROLES)
    if roles is None:
        raise missing(ROLES)
    if not isinstance(roles, list) or not all(isinstance(r, str) for r in roles):
        raise LaunchError("roles", _l("The roles claim is not a list of role URIs."))
    return roles


def resource_link_of(claims: Mapping[str, Any]) -> dict[str, Any]:
    """LTI Core 1.3 §5.3.5: a resource link launch carries ``resource_link`` with an ``id``."""
    link = claims.get(RESOURCE_LINK)
    if not isinstance(link, dict) or not isinstance(link.get("id"), str) or not link["id"]:
        raise missing(RESOURCE_LINK)
    return link


def check_target_link_uri(claims: Mapping[str, Any]) -> str:
    """LTI Core 1.3 §5.3.4: ``target_link_uri`` is required."""
    value = claims.get(TARGET_LINK_URI)
    if not isinstance(value, str) or not value:
        raise missing(TARGET_LINK_URI)
    return value


def check_sub(claims: Mapping[str, Any]) -> str:
    """LTI Core 1.3 §5.3.6: ``sub`` identifies the user; we need it to keep their progress
    (anonymous launches are refused)."""
    sub = claims.get("sub")
    if not isinstance(sub, str) or not sub or len(sub) > 255:
        raise missing("sub")
    return sub


def missing(claim: str) -> LaunchError:
    return LaunchError(
        "missing_claim", _l("The id_token lacks the required claim %(claim)s.", claim=claim)
    )


#: LIS role URIs (LTI Core 1.3 Appendix A.2) that make someone a coordinator of the context.
STAFF_ROLES = frozenset(
    {
        "http://purl.imsglobal.org/vocab/lis/v2/membership#Instructor",
        "http://purl.imsglobal.org/vocab/lis/v2/membership#Administrator",
        "http://purl.imsglobal.org/vocab/lis/v2/membership#ContentDeveloper",
        "http://purl.imsglobal.org/vocab/lis/v2/institution/person#Administrator",
        "http://purl.imsglobal.org/vocab/lis/v2/institution/person#Instructor",
        "http://purl.imsglobal.org/vocab/lis/v2/system/person#Administrator",
        # LTI Core 1.3 §A.2.3.1: simple names are deprecated but still sent by some platforms
        "Instructor",
        "Administrator",
    }
)


def is_staff(roles: list[str]) -> bool:
    """Instructor or Administrator, in the context or institution (LTI Core 1.3 §A.2)."""
    return any(role in STAFF_ROLES for role in roles)

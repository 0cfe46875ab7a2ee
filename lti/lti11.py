"""LTI 1.1 for older platforms: the basic launch, verified with OAuth 1.0a HMAC-SHA1, and
grades back by Basic Outcomes ``replaceResult``.

Specs: LTI 1.1 Implementation Guide §4 (https://www.imsglobal.org/specs/ltiv1p1/implementation-guide),
OAuth 1.0a (RFC 5849 §3.4.2 HMAC-SHA1, §3.3 timestamp and nonce), LTI Basic Outcomes 1.1 §6.
A launch is turned into the LTI 1.3 claim shape and then provisioned by the same code as an
LTI 1.3 launch.
"""

from __future__ import annotations

import secrets
import time
from datetime import timedelta
from typing import Any
from urllib.parse import urlencode
from xml.sax.saxutils import escape

import requests
from flask import Request
from flask_babel import lazy_gettext as _l
from oauthlib.common import Request as OAuthRequest
from oauthlib.oauth1 import Client
from oauthlib.oauth1.rfc5849 import signature
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from lms.db import utcnow
from lti import keys, services, validate
from lti import launch as lti13
from lti.models import Lti11Consumer, LtiDeployment, LtiPlatform, LtiUsedNonce
from lti.validate import LaunchError

#: RFC 5849 §3.3 leaves the window to the server; LTI tools commonly allow five minutes.
TIMESTAMP_WINDOW = 300
ROLE_PREFIXES = ("urn:lti:role:ims/lis/", "urn:lti:instrole:ims/lis/", "urn:lti:sysrole:ims/lis/")


def issuer_of(consumer: Lti11Consumer) -> str:
    """LTI 1.1 user ids are only unique per consumer key: they get an issuer of their own."""
    return f"lti1.1:{consumer.consumer_key}"


def add_consumer(session: Session, platform: LtiPlatform) -> tuple[Lti11Consumer, str]:
    """A new consumer key and secret for ``platform``; the secret is returned for showing."""
    secret = secrets.token_urlsafe(24)
    consumer = Lti11Consumer(
        platform=platform,
        consumer_key="librarena-" + secrets.token_hex(8),
        secret_encrypted=keys.encrypt(secret),
    )
    session.add(consumer)
    session.flush()
    return consumer, secret


def _consumer(session: Session, key: str | None) -> Lti11Consumer:
    found = (
        session.scalars(
            select(Lti11Consumer).where(
                Lti11Consumer.consumer_key == (key or "")[:255], Lti11Consumer.is_active
            )
        ).first()
        if key
        else None
    )
    if found is None or not found.platform.is_active:
        raise LaunchError(
            "unknown_consumer",
            _l("The consumer key %(key)s is not registered here.", key=(key or "—")[:255]),
        )
    return found


def check_signature(request: Request, url: str, secret: str) -> None:
    """RFC 5849 §3.4: the HMAC-SHA1 signature over the method, our launch URL and every
    parameter but the signature itself."""
    form = request.form
    if form.get("oauth_signature_method") != "HMAC-SHA1":
        raise LaunchError(
            "oauth_method", _l("Only HMAC-SHA1 signatures are accepted for LTI 1.1 launches.")
        )
    body = list(form.items(multi=True))
    oauth_request = OAuthRequest(
        url,
        "POST",
        body=urlencode(body),
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    oauth_request.params = signature.collect_parameters(
        uri_query=request.query_string.decode(), body=body, exclude_oauth_signature=True
    )
    oauth_request.signature = form.get("oauth_signature", "")
    if not signature.verify_hmac_sha1(oauth_request, secret):
        raise LaunchError(
            "bad_signature",
            _l("The launch's OAuth signature does not match: check the consumer secret."),
        )


def check_timestamp(raw: str | None, leeway: int) -> int:
    """RFC 5849 §3.3: a timestamp within the window (plus the clock tolerance)."""
    try:
        stamp = int(raw or "")
    except ValueError:
        raise validate.missing("oauth_timestamp") from None
    if abs(time.time() - stamp) > TIMESTAMP_WINDOW + leeway:
        raise LaunchError(
            "expired",
            _l(
                "The launch's timestamp is too far from this tool's clock; the platform's clock "
                "may be wrong (tolerance: %(leeway)s seconds).",
                leeway=TIMESTAMP_WINDOW + leeway,
            ),
        )
    return stamp


def spend_nonce(session: Session, issuer: str, nonce: str | None, leeway: int) -> None:
    """RFC 5849 §3.3: a nonce is accepted once within the timestamp window."""
    if not nonce:
        raise validate.missing("oauth_nonce")
    until = utcnow() + timedelta(seconds=2 * (TIMESTAMP_WINDOW + leeway))
    try:
        with session.begin_nested():
            session.add(LtiUsedNonce(issuer=issuer, value=nonce[:255], expires_at=until))
    except IntegrityError:
        raise validate.replayed() from None


def _roles(raw: str) -> list[str]:
    """LTI 1.1 roles (``Instructor``, ``urn:lti:role:ims/lis/Learner``) as LTI 1.3 ones."""
    roles = []
    for part in raw.split(","):
        role = part.strip()
        for prefix in ROLE_PREFIXES:
            if role.startswith(prefix):
                role = role[len(prefix) :]
        role = role.split("/")[0]
        if role:
            roles.append(role)
    return roles


def claims_of(form: Any) -> dict[str, Any]:
    """The launch's parameters in LTI 1.3's claim shape (LTI 1.1 Implementation Guide §3)."""
    if form.get("lti_version") != "LTI-1p0":
        raise LaunchError(
            "version",
            _l(
                "LTI version %(version)s is not supported; this tool speaks 1.3.0.",
                version=str(form.get("lti_version") or "—")[:20],
            ),
        )
    if not form.get("resource_link_id"):
        raise validate.missing("resource_link_id")
    if not form.get("user_id"):
        raise validate.missing("user_id")
    claims: dict[str, Any] = {
        "sub": form["user_id"][:255],
        "name": form.get("lis_person_name_full")
        or " ".join(
            p for p in (form.get("lis_person_name_given"), form.get("lis_person_name_family")) if p
        ),
        "email": form.get("lis_person_contact_email_primary"),
        validate.ROLES: _roles(form.get("roles", "")),
        validate.RESOURCE_LINK: {
            "id": form["resource_link_id"][:255],
            "title": form.get("resource_link_title", ""),
        },
        validate.LAUNCH_PRESENTATION: {
            "locale": form.get("launch_presentation_locale"),
            "return_url": form.get("launch_presentation_return_url"),
        },
        validate.CUSTOM: {"target": form.get("custom_target")},
    }
    if form.get("context_id"):
        claims[validate.CONTEXT] = {
            "id": form["context_id"][:255],
            "title": form.get("context_title", ""),
            "label": form.get("context_label", ""),
        }
    return claims


def launch(session: Session, request: Request) -> str:
    """Verify an LTI 1.1 ``basic-lti-launch-request`` and provision it; returns the one-time
    launch token. Checked before anything is written; one transaction."""
    form = request.form
    consumer = _consumer(session, form.get("oauth_consumer_key"))
    leeway = launch_tolerance()
    url = lti13.tool_urls()["launch"]
    check_signature(request, url, keys.decrypt(consumer.secret_encrypted))
    check_timestamp(form.get("oauth_timestamp"), leeway)
    claims = claims_of(form)
    spend_nonce(session, issuer_of(consumer), form.get("oauth_nonce"), leeway)
    deployment_key = issuer_of(consumer)
    deployment = services.find_deployment(session, consumer.platform, deployment_key)
    if deployment is None:
        deployment = LtiDeployment(platform=consumer.platform, deployment_id=deployment_key)
        session.add(deployment)
        session.flush()
    verified = lti13.Verified(consumer.platform, deployment, claims, validate.RESOURCE_LINK_REQUEST)
    record, token = lti13.complete(session, verified, issuer=issuer_of(consumer))
    if form.get("lis_outcome_service_url") and form.get("lis_result_sourcedid"):
        record.data = {
            **record.data,
            "lis_outcome_service_url": form["lis_outcome_service_url"][:1024],
            "lis_result_sourcedid": form["lis_result_sourcedid"][:1024],
            "lti11_consumer_id": consumer.id,
        }
        session.flush()
    return token


def launch_tolerance() -> int:
    return lti13.tolerance()


# -- Basic Outcomes ---------------------------------------------------------------------------


def replace_result_xml(sourcedid: str, score: float, message_id: str) -> str:
    """LTI Basic Outcomes 1.1 §6.1.1 ``replaceResultRequest``; ``score`` is 0.0–1.0."""
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<imsx_POXEnvelopeRequest xmlns="http://www.imsglobal.org/services/ltiv1p1/xsd/imsoms_v1p0">'
        "<imsx_POXHeader><imsx_POXRequestHeaderInfo><imsx_version>V1.0</imsx_version>"
        f"<imsx_messageIdentifier>{escape(message_id)}</imsx_messageIdentifier>"
        "</imsx_POXRequestHeaderInfo></imsx_POXHeader>"
        "<imsx_POXBody><replaceResultRequest><resultRecord>"
        f"<sourcedGUID><sourcedId>{escape(sourcedid)}</sourcedId></sourcedGUID>"
        f"<result><resultScore><language>en</language><textString>{score:.4f}</textString>"
        "</resultScore></result></resultRecord></replaceResultRequest></imsx_POXBody>"
        "</imsx_POXEnvelopeRequest>"
    )


def send_outcome(consumer: Lti11Consumer, url: str, sourcedid: str, score: float) -> None:
    """POST ``replaceResult``, signed with OAuth 1.0a and an ``oauth_body_hash`` (Basic
    Outcomes 1.1 §6, OAuth Request Body Hash 1.0). Raises on any failure (the outbox retries)."""
    from lti.advantage import ServiceError

    body = replace_result_xml(sourcedid, max(0.0, min(1.0, score)), secrets.token_hex(8))
    client = Client(consumer.consumer_key, client_secret=keys.decrypt(consumer.secret_encrypted))
    signed_url, headers, signed_body = client.sign(
        url, http_method="POST", body=body, headers={"Content-Type": "application/xml"}
    )
    try:
        response = requests.post(signed_url, data=signed_body, headers=headers, timeout=10)
        response.raise_for_status()
    except requests.RequestException as exc:
        raise ServiceError(f"replaceResult {url}: {exc}") from None
    if "<imsx_codeMajor>success</imsx_codeMajor>" not in response.text.replace(" ", ""):
        raise ServiceError(f"replaceResult {url}: the platform did not answer success")

"""LTI Advantage services we call: access tokens, Assignment and Grade Services 2.0 and Names
and Role Provisioning Services 2.0.

Grades leave through the durable outbox (channel ``lti.score``): a learner's quiz score or
course completion becomes an :class:`LtiGradeSend` in the same transaction as the event, and
the worker posts it, retrying with back-off, so a platform that is down loses nothing.
"""

from __future__ import annotations

import logging
import re
import secrets
import time
import uuid
from datetime import datetime
from typing import Any
from urllib.parse import urlencode, urlsplit, urlunsplit

import requests
from flask import Flask, current_app
from sqlalchemy import select
from sqlalchemy.orm import Session

from lms.auth.models import User
from lms.db import db, utcnow
from lms.outbox.models import OutboxMessage
from lms.outbox.services import register
from lms.xapi import events
from lti import keys
from lti.models import (
    ContextRole,
    GradeSendStatus,
    LtiContext,
    LtiContextMember,
    LtiGradeSend,
    LtiLaunch,
    LtiLineItem,
    LtiPlatform,
    LtiResourceLink,
    LtiUser,
    TargetKind,
)

log = logging.getLogger(__name__)

CHANNEL = "lti.score"
HTTP_TIMEOUT = 10
SCOPE_SCORE = "https://purl.imsglobal.org/spec/lti-ags/scope/score"
SCOPE_LINEITEM = "https://purl.imsglobal.org/spec/lti-ags/scope/lineitem"
SCOPE_MEMBERS = "https://purl.imsglobal.org/spec/lti-nrps/scope/contextmembership.readonly"
#: Refresh a cached access token this many seconds before it expires.
TOKEN_MARGIN = 30
MAX_ROSTER_PAGES = 200
#: One token for all grade calls: asking per scope set would double the token requests.
AGS_SCOPES = [SCOPE_LINEITEM, SCOPE_SCORE]


class ServiceError(Exception):
    """A platform service call that failed (the outbox retries; pages show the message)."""


# -- access tokens (Security Framework 1.0 §4.1) --------------------------------------------


def _token_cache() -> dict[tuple[int, str], tuple[str, float]]:
    cache: dict[tuple[int, str], tuple[str, float]] = current_app.extensions.setdefault(
        "librarena.lti.tokens", {}
    )
    return cache


def access_token(session: Session, platform: LtiPlatform, scopes: list[str]) -> str:
    """A bearer token for ``scopes``: client credentials grant with a JWT assertion signed by
    our key (Security Framework 1.0 §4.1, RFC 7523), cached until shortly before it expires so
    a platform that rate-limits token requests is asked once an hour."""
    key = (platform.id, " ".join(sorted(scopes)))
    cached = _token_cache().get(key)
    if cached and cached[1] > time.time() + TOKEN_MARGIN:
        return cached[0]
    now = int(time.time())
    assertion = keys.sign(
        session,
        {
            "iss": platform.client_id,
            "sub": platform.client_id,
            "aud": platform.token_audience or platform.auth_token_url,
            "iat": now,
            "exp": now + 300,
            "jti": secrets.token_urlsafe(16),
        },
    )
    try:
        response = requests.post(
            platform.auth_token_url,
            data={
                "grant_type": "client_credentials",
                "client_assertion_type": "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
                "client_assertion": assertion,
                "scope": " ".join(scopes),
            },
            timeout=HTTP_TIMEOUT,
        )
        response.raise_for_status()
        body = response.json()
        token = str(body["access_token"])
        lifetime = int(body.get("expires_in", 3600))
    except (requests.RequestException, ValueError, KeyError, TypeError) as exc:
        raise ServiceError(f"token endpoint {platform.auth_token_url}: {exc}") from None
    _token_cache()[key] = (token, now + lifetime)
    return token


def _call(
    session: Session,
    platform: LtiPlatform,
    method: str,
    url: str,
    scopes: list[str],
    *,
    accept: str,
    json_body: Any = None,
    content_type: str | None = None,
) -> requests.Response:
    headers = {
        "Authorization": f"Bearer {access_token(session, platform, scopes)}",
        "Accept": accept,
    }
    if content_type:
        headers["Content-Type"] = content_type
    try:
        response = requests.request(
            method, url, headers=headers, json=json_body, timeout=HTTP_TIMEOUT
        )
        response.raise_for_status()
    except requests.RequestException as exc:
        raise ServiceError(f"{method} {url}: {exc}") from None
    return response


def _append_path(url: str, suffix: str) -> str:
    """``…/lineitems/7?x=1`` + ``/scores`` → ``…/lineitems/7/scores?x=1`` (AGS 2.0 §3.4)."""
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=parts.path.rstrip("/") + suffix))


def _with_query(url: str, params: dict[str, str]) -> str:
    parts = urlsplit(url)
    query = "&".join(q for q in (parts.query, urlencode(params)) if q)
    return urlunsplit(parts._replace(query=query))


# -- grades: from learning events to the outbox -----------------------------------------------


def _sub_of(session: Session, issuer: str, user_id: int) -> str | None:
    return session.scalars(
        select(LtiUser.sub).where(LtiUser.issuer == issuer, LtiUser.user_id == user_id)
    ).first()


def _graded_links(session: Session, user_id: int, course_id: int) -> list[LtiResourceLink]:
    """Resource links to ``course_id`` that ``user_id`` launched, where the platform offers AGS."""
    with session.no_autoflush:
        return list(
            session.scalars(
                select(LtiResourceLink)
                .join(LtiLaunch, LtiLaunch.resource_link_id == LtiResourceLink.id)
                .where(
                    LtiLaunch.user_id == user_id,
                    LtiResourceLink.target_kind == TargetKind.COURSE,
                    LtiResourceLink.target_id == course_id,
                )
                .distinct()
            )
        )


def _outcome_of(session: Session, link: LtiResourceLink, user_id: int) -> dict[str, Any] | None:
    """The LTI 1.1 Basic Outcomes service and sourcedid of the user's latest launch of
    ``link``, if the consumer sent them."""
    with session.no_autoflush:
        launches = session.scalars(
            select(LtiLaunch)
            .where(LtiLaunch.resource_link_id == link.id, LtiLaunch.user_id == user_id)
            .order_by(LtiLaunch.id.desc())
            .limit(5)
        )
        for record in launches:
            if (record.data or {}).get("lis_outcome_service_url"):
                return record.data
    return None


def _score_from_event(payload: dict[str, Any]) -> tuple[float, str, str, str] | None:
    """(score, activityProgress, gradingProgress, resource key) for a graded event, or None.

    A quiz scored is progress (AGS 2.0 §3.4.5: Submitted, Pending); completing the course is
    the grade (Completed, FullyGraded, 100).
    """
    obj = payload.get("object") or {}
    verb = payload.get("verb")
    if verb == "completed" and obj.get("type") == "course":
        return 100.0, "Completed", "FullyGraded", f"course:{obj.get('id')}"
    if verb in ("passed", "failed") and obj.get("type") == "quiz":
        raw = ((payload.get("result") or {}).get("score") or {}).get("raw")
        if isinstance(raw, int | float):
            return float(raw), "Submitted", "Pending", f"quiz:{obj.get('id')}"
    return None


def grades_for_event(session: Session, payload: dict[str, Any]) -> list[LtiGradeSend]:
    """Queue the grade sends a learning event calls for (in the caller's transaction)."""
    scored = _score_from_event(payload)
    course_id = (payload.get("context") or {}).get("course_id")
    if scored is None or course_id is None:
        return []
    if payload["object"]["type"] == "course":
        course_id = int(payload["object"]["id"])
    user_id = int(payload["actor"]["user_id"])
    score, activity, grading, resource_key = scored
    sends = []
    for link in _graded_links(session, user_id, int(course_id)):
        context = link.context
        ags = bool(link.lineitem_url or (context and context.lineitems_url))
        if not ags and _outcome_of(session, link, user_id) is None:
            continue
        send = LtiGradeSend(
            key=str(uuid.uuid4()),
            resource_link=link,
            user_id=user_id,
            score_given=score,
            score_maximum=100.0,
            activity_progress=activity,
            grading_progress=grading,
            resource_key=resource_key,
        )
        session.add(send)
        session.add(OutboxMessage(channel=CHANNEL, payload={"grade_send": send.key}))
        sends.append(send)
    return sends


def init_app(app: Flask) -> None:
    register(app, CHANNEL, deliver_score)
    # Every learning event is looked at here as it is recorded, so content code needs no call
    # into LTI.
    events.subscribe(app, grades_for_event)


# -- grades: delivery ---------------------------------------------------------------------


def _line_item(session: Session, send: LtiGradeSend, platform: LtiPlatform) -> str:
    """The line item to score: the link's own, else found or created in the context's
    container by ``resourceId`` (AGS 2.0 §3.2)."""
    link = send.resource_link
    if link.lineitem_url:
        return link.lineitem_url
    context = link.context
    if context is None or not context.lineitems_url:
        raise ServiceError("the platform offers no line items for this link")
    resource_key = f"{link.target_kind}:{link.target_id}" if link.target_kind else send.resource_key
    known = session.scalars(
        select(LtiLineItem).where(
            LtiLineItem.context_id == context.id, LtiLineItem.resource_key == resource_key
        )
    ).first()
    if known:
        return known.url
    accept = "application/vnd.ims.lis.v2.lineitemcontainer+json"
    found = _call(
        session,
        platform,
        "GET",
        _with_query(context.lineitems_url, {"resource_id": resource_key}),
        AGS_SCOPES,
        accept=accept,
    ).json()
    item = next(
        (i for i in found if isinstance(i, dict) and i.get("resourceId") == resource_key), None
    )
    if item is None:
        item = _call(
            session,
            platform,
            "POST",
            context.lineitems_url,
            AGS_SCOPES,
            accept="application/vnd.ims.lis.v2.lineitem+json",
            content_type="application/vnd.ims.lis.v2.lineitem+json",
            json_body={
                "scoreMaximum": send.score_maximum,
                "label": link.title or resource_key,
                "resourceId": resource_key,
                "resourceLinkId": link.link_key,
            },
        ).json()
    url = str(item["id"])
    session.add(
        LtiLineItem(
            context_id=context.id,
            resource_link_id=link.id,
            url=url,
            label=str(item.get("label") or ""),
            score_maximum=float(item.get("scoreMaximum") or send.score_maximum),
            resource_key=resource_key,
        )
    )
    session.flush()
    return url


def post_score(session: Session, send: LtiGradeSend) -> None:
    """POST the score to the line item's ``/scores`` (AGS 2.0 §3.4); or, for an LTI 1.1
    launch, ``replaceResult`` to its outcome service."""
    link = send.resource_link
    platform = link.deployment.platform
    outcome = _outcome_of(session, link, send.user_id)
    if outcome is not None and not (
        link.lineitem_url or (link.context and link.context.lineitems_url)
    ):
        from lti.lti11 import send_outcome
        from lti.models import Lti11Consumer

        consumer = session.get(Lti11Consumer, outcome.get("lti11_consumer_id"))
        if consumer is None or not consumer.is_active:
            raise ServiceError("the LTI 1.1 consumer key was removed")
        send_outcome(
            consumer,
            outcome["lis_outcome_service_url"],
            outcome["lis_result_sourcedid"],
            send.score_given / (send.score_maximum or 100.0),
        )
        return
    sub = _sub_of(session, platform.issuer, send.user_id)
    if sub is None:
        raise ServiceError("the learner has no account on this platform")
    line_item = _line_item(session, send, platform)
    _call(
        session,
        platform,
        "POST",
        _append_path(line_item, "/scores"),
        AGS_SCOPES,
        accept="application/json",
        content_type="application/vnd.ims.lis.v1.score+json",
        json_body={
            "userId": sub,
            "scoreGiven": send.score_given,
            "scoreMaximum": send.score_maximum,
            "activityProgress": send.activity_progress,
            "gradingProgress": send.grading_progress,
            "timestamp": _iso(send.created_at),
        },
    )


def _iso(value: datetime) -> str:
    return value.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def deliver_score(app: Flask, payload: dict[str, Any]) -> None:
    """The outbox handler: send one grade; on failure note why and raise (the outbox retries)."""
    session = db.session
    send = session.scalars(
        select(LtiGradeSend).where(LtiGradeSend.key == str(payload.get("grade_send")))
    ).first()
    if send is None or send.status is GradeSendStatus.SENT:
        return
    send.attempts += 1
    try:
        with app.test_request_context():
            post_score(session, send)
    except ServiceError as exc:
        send.status = GradeSendStatus.FAILED
        send.last_error = str(exc)[:2000]
        session.flush()
        raise
    send.status = GradeSendStatus.SENT
    send.sent_at = utcnow()
    send.last_error = None
    session.flush()


# -- rosters (NRPS 2.0) ---------------------------------------------------------------------

_NEXT = re.compile(r'<([^>]+)>\s*;\s*rel="?next"?')


def next_link(header: str | None) -> str | None:
    """The ``rel=next`` URL of a ``Link`` header (NRPS 2.0 §2.4.1, RFC 8288)."""
    for part in (header or "").split(","):
        match = _NEXT.search(part)
        if match:
            return match.group(1)
    return None


def sync_roster(session: Session, context: LtiContext) -> int:
    """Read the context's whole membership, page by page, and add everyone as a member of the
    context (with an account, so they can be assigned tracks before they ever launch).
    Returns how many members the platform listed."""
    from lti import launch as lti_launch
    from lti import validate

    if not context.memberships_url:
        raise ServiceError("this context offers no roster service")
    platform = context.deployment.platform
    url: str | None = context.memberships_url
    count = 0
    pages = 0
    learners: list[User] = []
    while url and pages < MAX_ROSTER_PAGES:
        pages += 1
        response = _call(
            session,
            platform,
            "GET",
            url,
            [SCOPE_MEMBERS],
            accept="application/vnd.ims.lti-nrps.v2.membershipcontainer+json",
        )
        body = response.json()
        for member in body.get("members") or []:
            if not isinstance(member, dict) or not isinstance(member.get("user_id"), str):
                continue
            if member.get("status", "Active") != "Active":
                continue
            count += 1
            claims = {
                "sub": member["user_id"],
                "name": member.get("name") or "",
                "given_name": member.get("given_name"),
                "family_name": member.get("family_name"),
                "email": member.get("email"),
            }
            user = lti_launch.provision_user(session, platform.issuer, claims)
            roles = [str(r) for r in member.get("roles") or []]
            role = ContextRole.COORDINATOR if validate.is_staff(roles) else ContextRole.LEARNER
            _add_member(session, context, user, role)
            if role is ContextRole.LEARNER:
                learners.append(user)
        url = next_link(response.headers.get("Link"))
    _enrol_in_linked_courses(session, context, learners)
    session.flush()
    return count


def _enrol_in_linked_courses(session: Session, context: LtiContext, learners: list[User]) -> None:
    """The context's learners are enrolled in every published course linked from it, as a
    launch would, so their progress and assignments can start before they first launch."""
    from content.courses.models import Course
    from content.progress import services as progress

    course_ids = set(
        session.scalars(
            select(LtiResourceLink.target_id).where(
                LtiResourceLink.context_id == context.id,
                LtiResourceLink.target_kind == TargetKind.COURSE,
            )
        )
    )
    for course_id in course_ids:
        course = session.get(Course, course_id) if course_id is not None else None
        if course is None or not course.is_published:
            continue
        for user in learners:
            progress.enrol(session, course, user, locale=user.locale or course.fallback_locale)


def _add_member(session: Session, context: LtiContext, user: User, role: ContextRole) -> None:
    member = session.scalars(
        select(LtiContextMember).where(
            LtiContextMember.context_id == context.id, LtiContextMember.user_id == user.id
        )
    ).first()
    if member is None:
        session.add(LtiContextMember(context=context, user=user, role=role, source="roster"))
    else:
        member.role = role

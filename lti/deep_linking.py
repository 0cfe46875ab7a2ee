"""Deep Linking 2.0: an instructor picks our content; we answer with a signed message.

https://www.imsglobal.org/spec/lti-dl/v2p0 — the response (§4.2) is a JWT signed with our key,
``iss`` our client id, ``aud`` the platform's issuer, echoing ``data`` (§4.2.1) and carrying
``ltiResourceLink`` content items (§3.1) whose ``custom.target`` names what a launch opens.
"""

from __future__ import annotations

import secrets
import time
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from lti import keys, validate
from lti.models import LtiDeployment, LtiLaunch, TargetKind

CONTENT_ITEMS = "https://purl.imsglobal.org/spec/lti-dl/claim/content_items"
DATA = "https://purl.imsglobal.org/spec/lti-dl/claim/data"
RESPONSE_LIFETIME = 300
#: Graded targets get a line item with this maximum (a percentage).
SCORE_MAXIMUM = 100


@dataclass(frozen=True)
class Candidate:
    target: str
    kind: TargetKind
    title: str
    text: str
    graded: bool


def candidates(session: Session, locale: str, query: str = "") -> list[Candidate]:
    """Published courses and their modules, webinar series and published tracks, filtered by
    ``query`` (case-insensitive, in the title or summary)."""
    from content.courses.models import Course
    from content.webinars.models import EventSeries

    found: list[Candidate] = []
    courses = session.scalars(select(Course).where(Course.is_published).order_by(Course.slug)).all()
    for course in courses:
        try:
            t = course.translation(locale)
        except LookupError:
            continue
        found.append(Candidate(f"course:{course.id}", TargetKind.COURSE, t.title, t.summary, True))
        for module in course.modules:
            try:
                m = module.translation(locale)
            except LookupError:
                continue
            found.append(
                Candidate(
                    f"module:{module.id}",
                    TargetKind.MODULE,
                    f"{t.title}: {m.title}",
                    m.summary,
                    False,
                )
            )
    for series in session.scalars(select(EventSeries).order_by(EventSeries.title)):
        found.append(
            Candidate(
                f"webinar_series:{series.id}", TargetKind.WEBINAR_SERIES, series.title, "", False
            )
        )
    try:
        from lms.assignments.models import Track
    except ImportError:  # tracks arrive with the assignments package
        Track = None  # type: ignore[assignment,misc]
    if Track is not None:
        for track in session.scalars(select(Track).where(Track.is_published).order_by(Track.id)):
            found.append(
                Candidate(f"track:{track.id}", TargetKind.TRACK, track.title(locale), "", False)
            )
    needle = query.strip().lower()
    if needle:
        found = [c for c in found if needle in c.title.lower() or needle in c.text.lower()]
    return found


def content_item(candidate: Candidate, launch_url: str) -> dict[str, Any]:
    """An ``ltiResourceLink`` item (Deep Linking 2.0 §3.1), with a line item when graded
    (§3.1 ``lineItem``; AGS 2.0 §3.2)."""
    item: dict[str, Any] = {
        "type": "ltiResourceLink",
        "title": candidate.title[:255],
        "url": launch_url,
        "custom": {"target": candidate.target},
    }
    if candidate.text:
        item["text"] = candidate.text[:1000]
    if candidate.graded:
        item["lineItem"] = {
            "scoreMaximum": SCORE_MAXIMUM,
            "label": candidate.title[:255],
            "resourceId": candidate.target,
        }
    return item


def response_jwt(session: Session, launch: LtiLaunch, items: list[dict[str, Any]]) -> str:
    """The signed ``LtiDeepLinkingResponse`` (Deep Linking 2.0 §4.2)."""
    platform = launch.platform
    deployment = session.get(LtiDeployment, launch.data.get("deployment_id"))
    settings = launch.data.get("deep_linking") or {}
    now = int(time.time())
    payload: dict[str, Any] = {
        "iss": platform.client_id,
        "aud": platform.issuer,
        "azp": platform.client_id,
        "iat": now,
        "exp": now + RESPONSE_LIFETIME,
        "nonce": secrets.token_urlsafe(16),
        validate.MESSAGE_TYPE: "LtiDeepLinkingResponse",
        validate.VERSION: "1.3.0",
        validate.DEPLOYMENT_ID: deployment.deployment_id if deployment else "",
        CONTENT_ITEMS: items,
    }
    if settings.get("data") is not None:
        payload[DATA] = settings["data"]
    return keys.sign(session, payload)

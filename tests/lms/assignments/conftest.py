"""Factories for the track tests: a published track over a course, a module, a series and a
reflection; the content and webinar factories are borrowed from their tests."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from lms.assignments import services
from lms.assignments.models import StepKind, Track
from lms.auth.models import User
from lms.outbox.models import OutboxMessage
from tests.conftest import statements_of
from tests.content.conftest import create_course, enrol, request_context  # noqa: F401
from tests.content.webinars.conftest import create_session  # noqa: F401


@pytest.fixture
def create_track(session: Session, request_context: Any) -> Callable[..., Track]:  # noqa: F811
    """``create_track(steps=[(StepKind.COURSE, {"course_id": 1}), …])``, published unless
    ``publish=False``; with no steps given, one required reflection step."""
    counter = {"n": 0}

    def make(
        *,
        steps: list[tuple[StepKind, dict[str, Any]]] | None = None,
        publish: bool = True,
        is_ordered: bool = False,
        owner_unit: Any = None,
        by: User | None = None,
    ) -> Track:
        counter["n"] += 1
        track = services.create_track(
            session,
            texts={
                "en": {"title": f"Track {counter['n']}", "description": "Learn"},
                "sv": {"title": f"Spår {counter['n']}", "description": "Lär dig"},
            },
            fallback_locale="en",
            is_ordered=is_ordered,
            effort_hours=6,
            job_titles=[],
            owner_unit=owner_unit,
            by=by or session.scalars(select(User)).first(),
        )
        for kind, data in steps if steps is not None else [(StepKind.REFLECTION, {})]:
            if kind is StepKind.REFLECTION and "prompt" not in data:
                data = {**data, "prompt": {"en": {"title": "Think", "prompt": "What now?"}}}
            services.add_step(session, track, kind=kind, **{"is_required": True, **data})
        if publish:
            services.publish(session, track, True)
        session.commit()
        return track

    return make


def outbox(session: Session, channel: str) -> list[OutboxMessage]:
    return list(
        session.scalars(
            select(OutboxMessage).where(OutboxMessage.channel == channel).order_by(OutboxMessage.id)
        )
    )


def events_of(session: Session, verb: str) -> list[dict[str, Any]]:
    """The statements of ``verb`` that learning events stored (``lms.xapi.events``)."""
    return statements_of(session, verb)

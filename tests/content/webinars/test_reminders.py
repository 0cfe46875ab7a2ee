"""The reminder the day before: scheduled in the outbox, sent only if still true then."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session

from content.webinars import services
from content.webinars.models import EventSession
from lms.auth.models import User
from lms.db import db
from lms.outbox.models import OutboxMessage, OutboxStatus
from lms.outbox.services import deliver_due
from tests.content.webinars.conftest import mails
from tests.content.webinars.test_registration import _input


def _reminders(session: Session) -> list[OutboxMessage]:
    return list(
        session.scalars(
            select(OutboxMessage)
            .where(OutboxMessage.channel == services.REMINDER_CHANNEL)
            .order_by(OutboxMessage.id)
        )
    )


def _deliver(app: Flask, ev: EventSession) -> None:
    """Run the worker as it would run a few hours before the start."""
    with app.app_context():
        deliver_due(app, db.session, now=ev.starts_at - timedelta(hours=20))
        db.session.commit()


def _reminder_mails(session: Session) -> list[dict[str, object]]:
    session.expire_all()
    return [m for m in mails(session) if str(m["subject"]).startswith("Tomorrow")]


def test_reminder_is_due_the_day_before_and_sent(
    app: Flask,
    session: Session,
    create_session: Callable[..., EventSession],
    create_user: Callable[..., User],
) -> None:
    ev = create_session()
    learner = create_user(locale="en")
    services.register(session, ev, learner)
    session.commit()
    (reminder,) = _reminders(session)
    assert reminder.next_attempt_at == ev.starts_at - timedelta(days=1)
    _deliver(app, ev)
    (mail,) = _reminder_mails(session)
    assert mail["to"] == learner.email
    session.refresh(reminder)
    assert reminder.status is OutboxStatus.SENT


def test_no_reminder_after_cancelling(
    app: Flask,
    session: Session,
    create_session: Callable[..., EventSession],
    create_user: Callable[..., User],
) -> None:
    ev = create_session()
    reg = services.register(session, ev, create_user(locale="en"))
    services.cancel_registration(session, reg)
    session.commit()
    _deliver(app, ev)
    assert _reminder_mails(session) == []


def test_moved_session_sends_one_reminder_for_the_new_time(
    app: Flask,
    session: Session,
    create_session: Callable[..., EventSession],
    create_user: Callable[..., User],
) -> None:
    ev = create_session()
    services.register(session, ev, create_user(locale="en"))
    later = ev.starts_at + timedelta(days=2)
    services.update_session(
        session, ev, _input(ev, starts_at=later, ends_at=later + timedelta(hours=1))
    )
    session.commit()
    _old, new = _reminders(session)
    assert new.next_attempt_at == later - timedelta(days=1)
    _deliver(app, ev)
    assert len(_reminder_mails(session)) == 1

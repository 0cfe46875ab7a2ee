"""Issuing certificates and finding them by their verification code."""

from __future__ import annotations

from flask import current_app, url_for
from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from content.certificates.models import Certificate
from content.courses.snapshot import Snapshot
from content.progress.models import Enrolment
from content.progress.services import event_context
from lms.errors import NotFound
from lms.xapi import events


def issue(session: Session, enrolment: Enrolment, *, locale: str) -> Certificate:
    """The certificate of a completed enrolment, issued once (a second call returns it)."""
    existing = session.scalar(select(Certificate).where(Certificate.enrolment_id == enrolment.id))
    if existing is not None:
        return existing
    course = Snapshot(enrolment.version.snapshot, locale)
    certificate = Certificate(
        enrolment=enrolment,
        holder_name=enrolment.user.name,
        course_title=course.title,
        locale=locale,
    )
    session.add(certificate)
    session.flush()
    events.record(
        session,
        actor=enrolment.user,
        verb="earned",
        object_type="certificate",
        object_id=str(certificate.id),
        object_name={locale: course.title},
        context=event_context(enrolment, course),
    )
    return certificate


def by_code(session: Session, code: str) -> Certificate:
    """The certificate with this verification code, or NotFound."""
    found = session.scalar(
        select(Certificate)
        .where(Certificate.code == code)
        .options(joinedload(Certificate.enrolment))
    )
    if found is None:
        raise NotFound()
    return found


def for_enrolment(session: Session, enrolment: Enrolment) -> Certificate | None:
    return session.scalar(select(Certificate).where(Certificate.enrolment_id == enrolment.id))


def verification_url(code: str) -> str:
    """The public address that proves a certificate genuine: on the site's public URL
    (``BASE_URL``), whichever host the request came through, as it is printed and passed on."""
    return current_app.config["BASE_URL"].rstrip("/") + url_for(
        "certificates.certificate", code=code
    )

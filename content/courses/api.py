"""The catalogue, a course, and learners' enrolments and progress (JSON, read-only).

People sign in by the session cookie, with the same rules as the HTML pages. Machines send a
bearer token (``content.courses.tokens``) whose client holds the scope the view needs
(:data:`MACHINE_SCOPES`); views not listed there are for people only. Texts come in the
request's language (``Accept-Language`` or the account's choice), falling back as the course
says. Errors come from the one handler in :mod:`lms.errors` as ``{"errors": …}``.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from flask import Blueprint, g, jsonify, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user
from marshmallow import Schema, fields
from sqlalchemy import select
from sqlalchemy.orm import selectinload
from werkzeug.wrappers import Response

from content.certificates.models import Certificate
from content.certificates.services import verification_url
from content.courses import services, tokens
from content.courses.models import Course
from content.courses.snapshot import Snapshot
from content.openapi import documented
from content.progress import services as progress
from content.progress.models import Enrolment
from lms.auth.models import User
from lms.db import db, utcnow
from lms.errors import NotFound, error_response
from lms.orgs.schemas import PageQuerySchema
from lms.schema import Integer, Text, load
from lms.web import paginate

bp = Blueprint("courses_api", __name__, url_prefix="/api/v1")


#: The scope a machine client needs for each view it may call.
MACHINE_SCOPES = {
    "courses_api.catalogue": tokens.CATALOGUE_READ,
    "courses_api.course": tokens.CATALOGUE_READ,
    "courses_api.learner_enrolments": tokens.PROGRESS_READ,
}
#: Views only for machine clients: they read other people's data.
MACHINES_ONLY = frozenset({"courses_api.learner_enrolments"})
#: How stale a client's "last used" may get before a request writes it again.
_LAST_USED_EVERY = timedelta(minutes=1)


def _bearer_token() -> str | None:
    # RFC 6750 §2.1: "Authorization: Bearer <token>"; the scheme name is case-insensitive.
    scheme, _sep, token = request.headers.get("Authorization", "").partition(" ")
    return token.strip() if scheme.lower() == "bearer" else None


def _token_refused(status: int, message: str, error: str, scope: str | None = None) -> Response:
    response = error_response(status, message)
    # RFC 6750 §3: the challenge says why, so a client can tell a bad token from a weak one.
    challenge = f'Bearer realm="librarena", error="{error}"'
    if scope:
        challenge += f', scope="{scope}"'
    response.headers["WWW-Authenticate"] = challenge
    return response


@bp.before_request
def _signed_in() -> Response | None:
    token = _bearer_token()
    endpoint = request.endpoint or ""
    if token is not None:
        client = tokens.authenticate(db.session, token)
        if client is None:
            return _token_refused(
                401, _("The token is not valid, or it was revoked."), "invalid_token"
            )
        needed = MACHINE_SCOPES.get(endpoint)
        if needed is None:
            return _token_refused(
                403, _("This is for signed-in people, not machine clients."), "insufficient_scope"
            )
        if needed not in client.scopes:
            return _token_refused(
                403,
                _("The token does not allow this: it needs the scope %(scope)s.", scope=needed),
                "insufficient_scope",
                needed,
            )
        g.api_client = client
        if client.last_used_at is None or utcnow() - client.last_used_at > _LAST_USED_EVERY:
            client.last_used_at = utcnow()
            db.session.commit()
        return None
    if not current_user.is_authenticated:
        return error_response(401, _("Sign in to use this service."))
    if endpoint in MACHINES_ONLY:
        return error_response(403, _("This is for machine clients with a token."))
    return None


def _locale() -> str:
    return str(get_locale() or "en")


class CatalogueQuerySchema(PageQuerySchema):
    language = Text(max_length=8)
    topic = Text(max_length=80)
    max_minutes = Integer()


class ItemOut(Schema):
    id = fields.Integer()
    kind = fields.String()  # an ItemKind, a str enum
    title = fields.String()


class ProgressItemOut(ItemOut):
    done = fields.Boolean()


class ModuleOut(Schema):
    id = fields.Integer()
    title = fields.String()
    summary = fields.String()
    items = fields.List(fields.Nested(ItemOut))


class CourseOut(Schema):
    """A course as its latest published version shows it."""

    slug = fields.String()
    title = fields.String()
    summary = fields.String()
    topic = fields.String()
    estimated_minutes = fields.Integer()
    locales = fields.List(fields.String())
    url = fields.Function(lambda view: url_for("learn.course", slug=view.slug, _external=True))


class CourseDetailOut(CourseOut):
    description_html = fields.String()  # sanitised when written
    modules = fields.List(fields.Nested(ModuleOut))


class ProgressOut(Schema):
    course = fields.Nested(CourseOut)
    version = fields.Integer()
    enrolled_at = fields.DateTime()
    completed_at = fields.DateTime(allow_none=True)
    done = fields.Integer()
    total = fields.Integer()
    certificate_url = fields.String(allow_none=True)
    items = fields.List(fields.Nested(ProgressItemOut))


class EnrolmentOut(ProgressOut):
    """An enrolment in a list: the progress without its items."""

    class Meta:
        exclude = ("items",)


def _published(slug: str) -> tuple[Course, Snapshot]:
    course = db.session.scalar(select(Course).where(Course.slug == slug))
    if course is None:
        raise NotFound()
    progress.check_open(course)
    version = services.latest_version(db.session, course.id)
    if version is None:
        raise NotFound()
    return course, Snapshot(version.snapshot, _locale())


@bp.get("/courses")
@documented(response=CourseOut, query=CatalogueQuerySchema, paged=True)
def catalogue() -> Response:
    """Published courses, filtered by language, topic and length."""
    query = load(CatalogueQuerySchema(), request.args)
    stmt = services.catalogue(
        locale=query.get("language") or None,
        topic=query.get("topic") or None,
        max_minutes=query.get("max_minutes"),
    )
    page = paginate(db.session, stmt, page=query["page"], per_page=query["per_page"])
    headers = services.published_headers(db.session, [c.id for c in page.items], _locale())
    views = [headers[c.id] for c in page.items if c.id in headers]
    return jsonify(
        items=CourseOut(many=True).dump(views),
        page=page.page,
        per_page=page.per_page,
        total=page.total,
    )


@bp.get("/courses/<slug>")
@documented(response=CourseDetailOut)
def course(slug: str) -> Response:
    """A published course: its description, modules and items (never the answers)."""
    _course, view = _published(slug)
    return jsonify(CourseDetailOut().dump(view))


def _progress(enrolment: Enrolment, done: set[int], certificate: Certificate | None) -> Any:
    view = Snapshot(enrolment.version.snapshot, _locale())
    items = [
        {"id": i.id, "kind": i.kind, "title": i.title, "done": i.id in done} for i in view.items
    ]
    return {
        "course": view,
        "version": enrolment.version.number,
        "enrolled_at": enrolment.enrolled_at,
        "completed_at": enrolment.completed_at,
        "done": sum(1 for i in items if i["done"]),
        "total": len(items),
        "certificate_url": (
            verification_url(certificate.code) if certificate is not None else None
        ),
        "items": items,
    }


@bp.get("/courses/<slug>/progress")
@documented(response=ProgressOut)
def course_progress(slug: str) -> Response:
    """The signed-in learner's progress in one course (403 when not enrolled)."""
    course = db.session.scalar(select(Course).where(Course.slug == slug))
    if course is None:
        raise NotFound()
    enrolment = progress.require_enrolment(db.session, current_user, course)
    done = progress.done_ids(db.session, enrolment)
    certificate = db.session.scalar(
        select(Certificate).where(Certificate.enrolment_id == enrolment.id)
    )
    return jsonify(ProgressOut().dump(_progress(enrolment, done, certificate)))


def _enrolments_of(user_id: int) -> Response:
    """Every enrolment of one person, with how far they are (four queries)."""
    theirs = list(
        db.session.scalars(
            select(Enrolment)
            .where(Enrolment.user_id == user_id)
            .options(selectinload(Enrolment.version))
            .order_by(Enrolment.enrolled_at.desc(), Enrolment.id.desc())
        )
    )
    done = progress.done_by_enrolment(db.session, theirs)
    certificates = {
        c.enrolment_id: c
        for c in db.session.scalars(
            select(Certificate).where(Certificate.enrolment_id.in_([e.id for e in theirs]))
        )
    }
    rows = [_progress(e, done.get(e.id, set()), certificates.get(e.id)) for e in theirs]
    for row in rows:
        row.pop("items")
    return jsonify(items=EnrolmentOut(many=True).dump(rows))


@bp.get("/enrolments")
@documented(response=EnrolmentOut, many=True)
def enrolments() -> Response:
    """Every enrolment of the signed-in learner, with how far they are (four queries)."""
    return _enrolments_of(current_user.id)


@bp.get("/learners/<int:user_id>/enrolments")
@documented(response=EnrolmentOut, many=True)
def learner_enrolments(user_id: int) -> Response:
    """A learner's enrolments and progress, for machine clients with ``progress:read``."""
    if db.session.get(User, user_id) is None:
        raise NotFound()
    return _enrolments_of(user_id)

"""The learner's path in the browser: catalogue, course page, items, quizzes, reflections;
and the manager's view of their staff's courses."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, send_file, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select
from werkzeug.wrappers import Response

from content import labels, sanitize
from content.certificates.services import for_enrolment
from content.courses.models import Course, ItemKind
from content.courses.schemas import CatalogueQuerySchema
from content.courses.services import catalogue as catalogue_query
from content.courses.services import latest_version, published_headers, topics
from content.courses.snapshot import ItemView, Snapshot
from content.progress import services
from content.progress.models import Enrolment, Visibility
from content.progress.schemas import ReflectionSchema
from content.quizzes import services as quizzes
from lms.auth.models import Role
from lms.auth.permissions import has_role, roles_required, scope
from lms.competences import services as competences
from lms.config import LOCALES
from lms.db import db
from lms.errors import Errors, Forbidden, NotFound, ValidationFailed
from lms.i18n import LANGUAGE_NAMES
from lms.schema import load
from lms.web import page_number, paginate

bp = Blueprint("learn", __name__, template_folder="templates")

View = Response | str | tuple[str, int]

#: The catalogue's length filter: at most this many minutes.
LENGTHS = (30, 60, 120, 240)


@bp.after_request
def _allow_embeds(response: Response) -> Response:
    # setdefault: a media file sets its own, stricter policy.
    response.headers.setdefault("Content-Security-Policy", sanitize.content_security_policy())
    return response


def _locale() -> str:
    return str(get_locale() or "en")


def _course(slug: str) -> Course:
    found = db.session.scalar(select(Course).where(Course.slug == slug))
    if found is None:
        raise NotFound()
    return found


@bp.get("/courses")
@login_required
def catalogue() -> str:
    query = load(CatalogueQuerySchema(), request.args)
    language = query.get("language") if query.get("language") in LOCALES else None
    length = query.get("length") or ""
    max_minutes = int(length) if length.isdigit() and int(length) in LENGTHS else None
    stmt = catalogue_query(
        locale=language, topic=query.get("topic") or None, max_minutes=max_minutes
    )
    # Courses that build a competence, tagged in lms.competences (the course or one of its modules).
    competence = request.args.get("competence", type=int)
    if competence is not None and 0 < competence < 2**31:
        stmt = stmt.where(Course.id.in_(competences.courses_building(competence)))
    else:
        competence = None
    page = paginate(db.session, stmt, page=page_number())
    mine = {
        e.course_id: e
        for e in db.session.scalars(
            select(Enrolment).where(
                Enrolment.user_id == current_user.id,
                Enrolment.course_id.in_([c.id for c in page.items]),
            )
        )
    }
    # What learners see is the published version, never the draft being edited.
    published = published_headers(db.session, [c.id for c in page.items], _locale())
    return render_template(
        "progress/catalogue.html",
        page=page,
        published=published,
        mine=mine,
        locale=_locale(),
        languages=[(loc, LANGUAGE_NAMES[loc]) for loc in LOCALES],
        topics=topics(db.session),
        lengths=LENGTHS,
        competences=competences.catalogue_competences(db.session, _locale()),
        chosen={
            "language": language or "",
            "topic": query.get("topic") or "",
            "length": length,
            "competence": str(competence or ""),
        },
    )


@bp.get("/courses/<slug>")
@login_required
def course(slug: str) -> str:
    found = _course(slug)
    services.check_open(found)
    enrolment = services.enrolment_of(db.session, current_user, found)
    done: set[int] = set()
    certificate = None
    if enrolment is not None:
        data = enrolment.version.snapshot
        done = services.done_ids(db.session, enrolment)
        certificate = for_enrolment(db.session, enrolment)
    else:
        version = latest_version(db.session, found.id)
        if version is None:
            raise NotFound()
        data = version.snapshot
    view = Snapshot(data, _locale())
    return render_template(
        "progress/course.html",
        course=found,
        view=view,
        enrolment=enrolment,
        done=done,
        certificate=certificate,
    )


@bp.post("/courses/<slug>/enrol")
@login_required
def enrol(slug: str) -> Response:
    found = _course(slug)
    services.enrol(db.session, found, current_user, locale=_locale())
    db.session.commit()
    flash(_("You are enrolled. Welcome to the course!"), "success")
    return redirect(url_for("learn.resume", slug=slug))


@bp.get("/courses/<slug>/resume")
@login_required
def resume(slug: str) -> Response:
    """To the item last opened, else the first one not done."""
    found = _course(slug)
    enrolment = services.require_enrolment(db.session, current_user, found)
    view = Snapshot(enrolment.version.snapshot, _locale())
    if enrolment.last_item_id is not None and view.item(enrolment.last_item_id):
        target = enrolment.last_item_id
    else:
        done = services.done_ids(db.session, enrolment)
        target = next((i.id for i in view.items if i.id not in done), view.items[0].id)
    return redirect(url_for("learn.item", slug=slug, item_id=target))


def _item_page(
    found: Course, enrolment: Enrolment, item: ItemView, errors: Errors | None = None
) -> tuple[str, int]:
    if errors:
        db.session.rollback()
    view = Snapshot(enrolment.version.snapshot, _locale())
    done = services.done_ids(db.session, enrolment)
    context: dict[str, Any] = {}
    if item.kind is ItemKind.QUIZ:
        last = quizzes.last_attempt(db.session, enrolment, item.id)
        context.update(
            used=quizzes.attempts_used(db.session, enrolment, item.id),
            last=last,
            results=quizzes.grade(item, last.answers) if last and not errors else None,
        )
    elif item.kind is ItemKind.REFLECTION:
        context.update(
            reflection=services.reflection_of(db.session, enrolment, item.id),
            shared=services.shared_reflections(db.session, current_user, found.id, item.id),
            visibilities=[(v.value, str(label)) for v, label in labels.VISIBILITY_LABELS.items()],
        )
    prev, next_ = view.neighbours(item.id)
    values = request.form if request.method == "POST" else {}
    return render_template(
        "progress/item.html",
        course=found,
        view=view,
        item=item,
        enrolment=enrolment,
        done=done,
        prev=prev,
        next=next_,
        errors=errors or {},
        form=values,
        **context,
    ), (422 if errors else 200)


@bp.get("/courses/<slug>/items/<int:item_id>")
@login_required
def item(slug: str, item_id: int) -> View:
    found = _course(slug)
    enrolment = services.require_enrolment(db.session, current_user, found)
    opened = services.open_item(db.session, enrolment, item_id, locale=_locale())
    db.session.commit()
    return _item_page(found, enrolment, opened)


def _after_done(slug: str, enrolment: Enrolment, item_id: int, completed: bool) -> Response:
    if completed:
        flash(_("You have completed the course. Your certificate is ready."), "success")
        return redirect(url_for("learn.course", slug=slug))
    _prev, next_ = Snapshot(enrolment.version.snapshot, _locale()).neighbours(item_id)
    if next_ is not None:
        return redirect(url_for("learn.item", slug=slug, item_id=next_.id))
    return redirect(url_for("learn.course", slug=slug))


@bp.post("/courses/<slug>/items/<int:item_id>/seen")
@login_required
def mark_seen(slug: str, item_id: int) -> Response:
    found = _course(slug)
    enrolment = services.require_enrolment(db.session, current_user, found)
    completed = services.mark_seen(db.session, enrolment, item_id, locale=_locale())
    db.session.commit()
    flash(_("Marked as read."), "success")
    return _after_done(slug, enrolment, item_id, completed)


@bp.post("/courses/<slug>/items/<int:item_id>/answers")
@login_required
def answer(slug: str, item_id: int) -> View:
    found = _course(slug)
    enrolment = services.require_enrolment(db.session, current_user, found)
    answers = {
        int(key[1:]): request.form.getlist(key)
        for key in request.form
        if key.startswith("q") and key[1:].isdigit()
    }
    was_complete = enrolment.completed_at is not None
    try:
        attempt = quizzes.submit(db.session, enrolment, item_id, answers, locale=_locale())
    except ValidationFailed as exc:
        if not exc.errors:
            raise  # answers that do not belong here: refused with its message
        view = Snapshot(enrolment.version.snapshot, _locale())
        return _item_page(
            found, enrolment, services.open_item_of(enrolment, view, item_id), exc.errors
        )
    completed = not was_complete and enrolment.completed_at is not None
    db.session.commit()
    if attempt.is_passed:
        flash(_("You passed with %(score)d%%.", score=attempt.score), "success")
    else:
        flash(_("Not passed this time: %(score)d%%.", score=attempt.score), "error")
    if completed:
        flash(_("You have completed the course. Your certificate is ready."), "success")
    return redirect(url_for("learn.item", slug=slug, item_id=item_id, _anchor="result"))


@bp.post("/courses/<slug>/items/<int:item_id>/reflection")
@login_required
def reflect(slug: str, item_id: int) -> View:
    found = _course(slug)
    enrolment = services.require_enrolment(db.session, current_user, found)
    view = Snapshot(enrolment.version.snapshot, _locale())
    opened = services.open_item_of(enrolment, view, item_id)
    was_complete = enrolment.completed_at is not None
    try:
        data = load(ReflectionSchema(), request.form)
        services.write_reflection(
            db.session,
            enrolment,
            item_id,
            body=data["body"],
            visibility=data.get("visibility") or Visibility.PRIVATE,
            locale=_locale(),
        )
    except ValidationFailed as exc:
        return _item_page(found, enrolment, opened, exc.errors or {"_": [exc.message or ""]})
    completed = not was_complete and enrolment.completed_at is not None
    db.session.commit()
    flash(_("Your reflection is saved."), "success")
    return _after_done(slug, enrolment, item_id, completed)


@bp.get("/team/courses")
@roles_required(Role.MANAGER)
def team() -> str:
    page = paginate(
        db.session,
        services.staff_enrolments(scope(current_user, Role.MANAGER)),
        page=page_number(),
    )
    counts = services.done_counts(db.session, page.items)
    rows = []
    for enrolment in page.items:
        view = Snapshot(enrolment.version.snapshot, _locale())
        rows.append(
            {
                "enrolment": enrolment,
                "title": view.title,
                "done": counts.get(enrolment.id, 0),
                "total": len(view.items),
            }
        )
    return render_template("progress/team.html", page=page, rows=rows)


@bp.get("/media/<int:media_id>/<name>")
@login_required
def media_file(media_id: int, name: str) -> Response:
    """An uploaded file of a course: for authors always, for others once the course is published.

    Served with the type read from its bytes on upload, never sniffed again by the browser;
    only images, video and captions are shown in the page, anything else is a download.
    """
    from content.courses import media
    from content.courses.models import MediaFile

    found = db.session.get(MediaFile, media_id)
    if found is None or found.filename != name:
        raise NotFound()
    if not (found.course.is_published or has_role(current_user, Role.ADMIN, Role.COORDINATOR)):
        raise Forbidden(_("This file belongs to a course that is not published."))
    path = media.path_of(media.media_root(), found)
    if not path.is_file():
        raise NotFound()
    response = send_file(
        path,
        mimetype=found.content_type,
        as_attachment=found.kind not in media.INLINE_KINDS,
        download_name=found.filename,
        conditional=True,
        etag=found.sha256,
        max_age=0,
    )
    if found.content_type.startswith("text/"):
        response.headers["Content-Type"] = f"{found.content_type}; charset=utf-8"
    response.headers["X-Content-Type-Options"] = "nosniff"
    # Even if a browser rendered the file as a page, it could run nothing and reach nothing.
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response.headers["Cache-Control"] = "private, no-cache"
    return response

"""Authoring courses in the browser (coordinators and administrators)."""

from __future__ import annotations

from typing import Any, TypeVar

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user
from werkzeug.wrappers import Response

from content import labels, sanitize
from content.courses import media, services, snapshot, tokens
from content.courses.models import (
    ApiClient,
    Course,
    Item,
    ItemKind,
    MediaFile,
    Module,
    TextFormat,
)
from content.courses.schemas import (
    ApiClientSchema,
    CourseSchema,
    ItemKindQuerySchema,
    ItemSchema,
    MediaSchema,
    ModuleSchema,
    MoveSchema,
    QuestionSchema,
    parse_choices,
    translations,
)
from content.courses.snapshot import Snapshot
from content.progress.services import count_behind, move_to_latest
from content.quizzes.models import Question
from lms.auth.models import Role
from lms.auth.permissions import require, roles_required, scope
from lms.config import LOCALES
from lms.db import Base, db
from lms.errors import Conflict, Errors, NotFound, ValidationFailed
from lms.i18n import LANGUAGE_NAMES
from lms.schema import load
from lms.web import page_number, paginate, render_form

bp = Blueprint("courses", __name__, template_folder="templates", url_prefix="/author")

View = Response | str | tuple[str, int]
M = TypeVar("M", bound=Base)

labels.register(bp)

#: Who authors courses. Courses belong to the whole programme, not to one unit.
AUTHORS = (Role.ADMIN, Role.COORDINATOR)


@bp.after_request
def _allow_embeds(response: Response) -> Response:
    # Lesson previews show video players from the allowed hosts (content.sanitize).
    response.headers["Content-Security-Policy"] = sanitize.content_security_policy()
    return response


def _get(model: type[M], ident: int) -> M:
    found = db.session.get(model, ident)
    if found is None:
        raise NotFound()
    return found


def _locale() -> str:
    from flask_babel import get_locale

    return str(get_locale() or "en")


def _languages() -> list[tuple[str, str]]:
    return [(loc, LANGUAGE_NAMES[loc]) for loc in LOCALES]


def _formats() -> list[tuple[str, str]]:
    return [(TextFormat.MARKDOWN.value, "Markdown"), (TextFormat.HTML.value, "HTML")]


# Courses


@bp.get("/courses/")
@roles_required(*AUTHORS)
def index() -> str:
    page = paginate(db.session, services.courses_list(), page=page_number())
    return render_template(
        "courses/courses.html",
        page=page,
        locale=_locale(),
        manages_clients=scope(current_user, Role.ADMIN).everywhere,
    )


def _course_values(course: Course) -> dict[str, Any]:
    values: dict[str, Any] = {
        "slug": course.slug,
        "fallback_locale": course.fallback_locale,
        "topic": course.topic,
        "estimated_minutes": course.estimated_minutes,
    }
    for t in course.translations:
        values.update(
            {
                f"title_{t.locale}": t.title,
                f"summary_{t.locale}": t.summary,
                f"description_{t.locale}": t.description_source,
                f"format_{t.locale}": t.description_format.value,
            }
        )
    return values


def _course_fields(data: dict[str, Any]) -> dict[str, Any]:
    return {
        "slug": data["slug"],
        "fallback_locale": data["fallback_locale"],
        "topic": data.get("topic") or "",
        "estimated_minutes": data.get("estimated_minutes") or 0,
        "translations": translations(data, "title", "summary", "description", "format"),
    }


def _course_form(course: Course | None, errors: Errors | None = None) -> tuple[str, int]:
    return render_form(
        "courses/course_form.html",
        errors=errors,
        course=course,
        values=_course_values(course) if course else {"fallback_locale": _locale()},
        languages=_languages(),
        formats=_formats(),
    )


@bp.route("/courses/new", methods=["GET", "POST"])
@roles_required(*AUTHORS)
def new_course() -> View:
    if request.method == "GET":
        return _course_form(None)
    try:
        data = load(CourseSchema(), request.form)
        course = services.create_course(db.session, **_course_fields(data))
    except (ValidationFailed, Conflict) as exc:
        return _course_form(None, errors=exc.form_errors())
    db.session.commit()
    flash(_("The course is created."), "success")
    return redirect(url_for("courses.course", course_id=course.id))


@bp.get("/courses/<int:course_id>")
@roles_required(*AUTHORS)
def course(course_id: int) -> str:
    found = services.load_course(db.session, course_id)
    version = services.latest_version(db.session, found.id)
    return render_template(
        "courses/course.html",
        course=found,
        version=version,
        locale=_locale(),
        behind=count_behind(db.session, found),
    )


@bp.route("/courses/<int:course_id>/edit", methods=["GET", "POST"])
@roles_required(*AUTHORS)
def edit_course(course_id: int) -> View:
    found = services.load_course(db.session, course_id)
    if request.method == "GET":
        return _course_form(found)
    try:
        data = load(CourseSchema(), request.form)
        services.update_course(db.session, found, **_course_fields(data))
    except (ValidationFailed, Conflict) as exc:
        return _course_form(found, errors=exc.form_errors())
    db.session.commit()
    flash(_("The course is saved."), "success")
    return redirect(url_for("courses.course", course_id=found.id))


@bp.post("/courses/<int:course_id>/delete")
@roles_required(*AUTHORS)
def delete_course(course_id: int) -> Response:
    found = _get(Course, course_id)
    services.delete_course(db.session, found)
    db.session.commit()
    flash(_("The course is deleted."), "success")
    return redirect(url_for("courses.index"))


@bp.post("/courses/<int:course_id>/publish")
@roles_required(*AUTHORS)
def publish(course_id: int) -> View:
    found = services.load_course(db.session, course_id)
    try:
        version = services.publish(db.session, found, by=current_user)
    except ValidationFailed as exc:
        db.session.rollback()
        found = services.load_course(db.session, course_id)
        return render_template(
            "courses/course.html",
            course=found,
            version=services.latest_version(db.session, found.id),
            locale=_locale(),
            behind=count_behind(db.session, found),
            errors=exc.form_errors(),
        ), 422
    db.session.commit()
    flash(_("Version %(number)d is published.", number=version.number), "success")
    return redirect(url_for("courses.course", course_id=found.id))


@bp.post("/courses/<int:course_id>/unpublish")
@roles_required(*AUTHORS)
def unpublish(course_id: int) -> Response:
    found = _get(Course, course_id)
    services.unpublish(db.session, found)
    db.session.commit()
    flash(_("The course is unpublished."), "success")
    return redirect(url_for("courses.course", course_id=found.id))


@bp.post("/courses/<int:course_id>/move-learners")
@roles_required(*AUTHORS)
def move_learners(course_id: int) -> Response:
    """Move the learners still working on older versions to the latest one."""
    found = _get(Course, course_id)
    moved = move_to_latest(db.session, found, locale=_locale())
    db.session.commit()
    flash(
        ngettext(
            "%(num)d learner is now on the latest version.",
            "%(num)d learners are now on the latest version.",
            moved,
        ),
        "success",
    )
    return redirect(url_for("courses.course", course_id=found.id))


@bp.get("/courses/<int:course_id>/preview")
@roles_required(*AUTHORS)
def preview(course_id: int) -> str:
    """The draft as a learner would see it, nothing recorded."""
    found = services.load_course(db.session, course_id)
    view = Snapshot(snapshot.build(found), _locale())
    item_id = request.args.get("item", type=int)
    item = view.item(item_id) if item_id is not None else None
    if item_id is not None and item is None:
        raise NotFound()
    return render_template("courses/preview.html", course=found, view=view, item=item)


# Modules


def _module_values(module: Module) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for t in module.translations:
        values[f"title_{t.locale}"] = t.title
        values[f"summary_{t.locale}"] = t.summary
        values[f"intro_{t.locale}"] = t.intro_source
    return values


def _module_form(
    course: Course, module: Module | None, errors: Errors | None = None
) -> tuple[str, int]:
    return render_form(
        "courses/module_form.html",
        errors=errors,
        course=course,
        module=module,
        values=_module_values(module) if module else {},
        languages=_languages(),
    )


@bp.route("/courses/<int:course_id>/modules/new", methods=["GET", "POST"])
@roles_required(*AUTHORS)
def new_module(course_id: int) -> View:
    found = services.load_course(db.session, course_id)
    if request.method == "GET":
        return _module_form(found, None)
    try:
        data = load(ModuleSchema(), request.form)
        services.add_module(
            db.session, found, translations=translations(data, "title", "summary", "intro")
        )
    except ValidationFailed as exc:
        return _module_form(found, None, errors=exc.form_errors())
    db.session.commit()
    flash(_("The module is added."), "success")
    return redirect(url_for("courses.course", course_id=found.id))


@bp.route("/modules/<int:module_id>/edit", methods=["GET", "POST"])
@roles_required(*AUTHORS)
def edit_module(module_id: int) -> View:
    module = _get(Module, module_id)
    if request.method == "GET":
        return _module_form(module.course, module)
    try:
        data = load(ModuleSchema(), request.form)
        services.update_module(
            db.session, module, translations=translations(data, "title", "summary", "intro")
        )
    except ValidationFailed as exc:
        return _module_form(module.course, module, errors=exc.form_errors())
    db.session.commit()
    flash(_("The module is saved."), "success")
    return redirect(url_for("courses.course", course_id=module.course_id))


def _delta() -> int:
    data = load(MoveSchema(), request.form)
    return -1 if data["direction"] == "up" else 1


@bp.post("/modules/<int:module_id>/move")
@roles_required(*AUTHORS)
def move_module(module_id: int) -> Response:
    module = _get(Module, module_id)
    services.move_module(db.session, module, _delta())
    db.session.commit()
    flash(_("The order is saved."), "success")
    return redirect(url_for("courses.course", course_id=module.course_id, _anchor=f"m{module.id}"))


@bp.post("/modules/<int:module_id>/delete")
@roles_required(*AUTHORS)
def delete_module(module_id: int) -> Response:
    module = _get(Module, module_id)
    course_id = module.course_id
    services.delete_module(db.session, module)
    db.session.commit()
    flash(_("The module is deleted."), "success")
    return redirect(url_for("courses.course", course_id=course_id))


# Items


def _item_values(item: Item) -> dict[str, Any]:
    values: dict[str, Any] = {
        "pass_mark": "" if item.pass_mark is None else item.pass_mark,
        "max_attempts": "" if item.max_attempts is None else item.max_attempts,
    }
    for t in item.translations:
        values[f"title_{t.locale}"] = t.title
        values[f"body_{t.locale}"] = t.body_source
        values[f"format_{t.locale}"] = t.body_format.value
    return values


def _item_form(
    module: Module,
    kind: ItemKind,
    item: Item | None,
    errors: Errors | None = None,
    media_errors: Errors | None = None,
) -> tuple[str, int]:
    if media_errors:
        db.session.rollback()
    page, status = render_form(
        "courses/item_form.html",
        errors=errors,
        course=module.course,
        module=module,
        kind=kind,
        item=item,
        # After a failed upload the lesson's own fields still show what is saved (the upload
        # form's alt text and language are kept from the request by render_form).
        values=_item_values(item) if item else {"pass_mark": 80},
        languages=_languages(),
        formats=_formats(),
        media=_media_rows(module.course_id) if item else [],
        media_errors=media_errors or {},
        limits={kind.value: media.human_size(size) for kind, size in media.LIMITS.items()},
    )
    return page, 422 if media_errors else status


def _media_rows(course_id: int) -> list[dict[str, Any]]:
    rows = []
    for found in media.course_media(db.session, course_id):
        if found.kind is media.MediaKind.CAPTIONS:
            continue  # listed with its video
        rows.append(
            {
                "media": found,
                "url": media.url_of(found),
                "snippet": media.snippet(found),
                "size": media.human_size(found.size_bytes),
            }
        )
    return rows


def _item_fields(data: dict[str, Any]) -> dict[str, Any]:
    return {
        "translations": translations(data, "title", "body", "format"),
        "pass_mark": data.get("pass_mark"),
        "max_attempts": data.get("max_attempts"),
    }


@bp.route("/modules/<int:module_id>/items/new", methods=["GET", "POST"])
@roles_required(*AUTHORS)
def new_item(module_id: int) -> View:
    module = _get(Module, module_id)
    kind = load(ItemKindQuerySchema(), request.args)["kind"]
    if request.method == "GET":
        return _item_form(module, kind, None)
    try:
        data = load(ItemSchema(), request.form)
        item = services.add_item(db.session, module, kind=kind, **_item_fields(data))
    except ValidationFailed as exc:
        return _item_form(module, kind, None, errors=exc.form_errors())
    db.session.commit()
    flash(_("The item is added."), "success")
    if kind is ItemKind.QUIZ:
        return redirect(url_for("courses.edit_item", item_id=item.id, _anchor="questions"))
    return redirect(url_for("courses.course", course_id=module.course_id, _anchor=f"i{item.id}"))


@bp.route("/items/<int:item_id>/edit", methods=["GET", "POST"])
@roles_required(*AUTHORS)
def edit_item(item_id: int) -> View:
    item = _get(Item, item_id)
    if request.method == "GET":
        return _item_form(item.module, item.kind, item)
    try:
        data = load(ItemSchema(), request.form)
        services.update_item(db.session, item, **_item_fields(data))
    except ValidationFailed as exc:
        return _item_form(item.module, item.kind, item, errors=exc.form_errors())
    db.session.commit()
    flash(_("The item is saved."), "success")
    return redirect(
        url_for("courses.course", course_id=item.module.course_id, _anchor=f"i{item.id}")
    )


# Media


@bp.post("/items/<int:item_id>/media")
@roles_required(*AUTHORS)
def upload_media(item_id: int) -> View:
    """Upload an image, a video with captions, or a file to offer in the item's lesson text."""
    item = _get(Item, item_id)
    upload = request.files.get("file")
    captions = request.files.get("captions")
    try:
        data = load(MediaSchema(), request.form)
        if upload is None or not upload.filename:
            raise ValidationFailed(errors={"file": [_("Choose a file to upload.")]})
        body = media.read_limited(upload.stream, max(media.LIMITS.values()))
        captions_body = None
        if captions is not None and captions.filename:
            limit = media.LIMITS[media.MediaKind.CAPTIONS]
            captions_body = media.read_limited(captions.stream, limit)
        found = media.add_media(
            db.session,
            item.module.course,
            root=media.media_root(),
            data=body,
            filename=upload.filename,
            alt=data.get("alt") or "",
            by=current_user,
            captions=captions_body,
            captions_filename=(captions.filename or "") if captions is not None else "",
            language=data.get("language") or "",
        )
    except ValidationFailed as exc:
        return _item_form(item.module, item.kind, item, media_errors=exc.form_errors())
    db.session.commit()
    flash(_("The file is uploaded. Copy its code into the text where it belongs."), "success")
    return redirect(url_for("courses.edit_item", item_id=item.id, _anchor=f"media-{found.id}"))


@bp.post("/media/<int:media_id>/delete")
@roles_required(*AUTHORS)
def delete_media(media_id: int) -> Response:
    found = _get(MediaFile, media_id)
    course_id = found.course_id
    media.delete_media(db.session, found, root=media.media_root())
    db.session.commit()
    flash(_("The file is deleted."), "success")
    item_id = request.form.get("item", type=int)
    # Bounded: a number past INTEGER's range would fail in the database, not just miss.
    item = db.session.get(Item, item_id) if item_id is not None and 0 < item_id < 2**31 else None
    if item is not None and item.module.course_id == course_id:
        return redirect(url_for("courses.edit_item", item_id=item.id, _anchor="media"))
    return redirect(url_for("courses.course", course_id=course_id))


@bp.post("/items/<int:item_id>/move")
@roles_required(*AUTHORS)
def move_item(item_id: int) -> Response:
    item = _get(Item, item_id)
    services.move_item(db.session, item, _delta())
    db.session.commit()
    flash(_("The order is saved."), "success")
    return redirect(
        url_for("courses.course", course_id=item.module.course_id, _anchor=f"i{item.id}")
    )


@bp.post("/items/<int:item_id>/delete")
@roles_required(*AUTHORS)
def delete_item(item_id: int) -> Response:
    item = _get(Item, item_id)
    course_id = item.module.course_id
    services.delete_item(db.session, item)
    db.session.commit()
    flash(_("The item is deleted."), "success")
    return redirect(url_for("courses.course", course_id=course_id))


# Questions


def _question_values(question: Question) -> dict[str, Any]:
    """A question as its form shows it: one line per choice, ``*`` marks a correct one."""
    values: dict[str, Any] = {"kind": question.kind.value}
    for loc in LOCALES:
        values[f"prompt_{loc}"] = question.prompt.get(loc, "")
        values[f"feedback_{loc}"] = question.feedback.get(loc, "")
        if question.choices:
            lines = []
            for choice in question.choices:
                text = choice.text.get(loc, "")
                feedback = choice.feedback.get(loc, "")
                line = ("*" if choice.is_correct else "") + text
                lines.append(f"{line} | {feedback}" if feedback else line)
            values[f"choices_{loc}"] = (
                "\n".join(lines) if any(c.text.get(loc) for c in question.choices) else ""
            )
        else:
            values[f"choices_{loc}"] = "\n".join(question.answers.get(loc, []))
    return values


def _question_form(
    item: Item, errors: Errors | None = None, question: Question | None = None
) -> tuple[str, int]:
    return render_form(
        "courses/question_form.html",
        errors=errors,
        course=item.module.course,
        item=item,
        question=question,
        values=_question_values(question) if question is not None else {},
        kinds=[(k.value, str(label)) for k, label in labels.QUESTION_KIND_LABELS.items()],
        languages=_languages(),
    )


def _question_fields(item: Item) -> dict[str, Any]:
    data = load(QuestionSchema(), request.form)
    choices, answers = parse_choices(data, data["kind"], item.module.course.fallback_locale)
    return {
        "kind": data["kind"],
        "prompt": {loc: data.get(f"prompt_{loc}") or "" for loc in LOCALES},
        "feedback": {loc: data.get(f"feedback_{loc}") or "" for loc in LOCALES},
        "choices": choices,
        "answers": answers,
    }


@bp.route("/items/<int:item_id>/questions/new", methods=["GET", "POST"])
@roles_required(*AUTHORS)
def new_question(item_id: int) -> View:
    item = _get(Item, item_id)
    if item.kind is not ItemKind.QUIZ:
        raise NotFound()
    if request.method == "GET":
        return _question_form(item)
    try:
        services.add_question(db.session, item, **_question_fields(item))
    except ValidationFailed as exc:
        return _question_form(item, errors=exc.form_errors())
    db.session.commit()
    flash(_("The question is added."), "success")
    return redirect(url_for("courses.edit_item", item_id=item.id, _anchor="questions"))


@bp.route("/questions/<int:question_id>/edit", methods=["GET", "POST"])
@roles_required(*AUTHORS)
def edit_question(question_id: int) -> View:
    question = _get(Question, question_id)
    item = question.item
    if request.method == "GET":
        return _question_form(item, question=question)
    try:
        services.update_question(db.session, question, **_question_fields(item))
    except ValidationFailed as exc:
        return _question_form(item, errors=exc.form_errors(), question=question)
    db.session.commit()
    flash(_("The question is saved."), "success")
    return redirect(url_for("courses.edit_item", item_id=item.id, _anchor=f"q{question.id}"))


@bp.post("/questions/<int:question_id>/move")
@roles_required(*AUTHORS)
def move_question(question_id: int) -> Response:
    question = _get(Question, question_id)
    services.move_question(db.session, question, _delta())
    db.session.commit()
    flash(_("The order is saved."), "success")
    return redirect(
        url_for("courses.edit_item", item_id=question.item_id, _anchor=f"q{question.id}")
    )


@bp.post("/questions/<int:question_id>/delete")
@roles_required(*AUTHORS)
def delete_question(question_id: int) -> Response:
    question = _get(Question, question_id)
    item_id = question.item_id
    services.delete_question(db.session, question)
    db.session.commit()
    flash(_("The question is deleted."), "success")
    return redirect(url_for("courses.edit_item", item_id=item_id, _anchor="questions"))


# Machine clients of the content API (global administrators only: they read across regions)


def _require_global_admin() -> None:
    require(scope(current_user, Role.ADMIN).everywhere)


def _clients_page(
    errors: Errors | None = None, created: ApiClient | None = None, token: str | None = None
) -> tuple[str, int]:
    page, status = render_form(
        "courses/api_clients.html",
        errors=errors,
        clients=tokens.clients(db.session),
        scopes=[(name, str(label)) for name, label in tokens.SCOPES.items()],
        chosen=set(request.form.getlist("scopes")) if errors else set(),
        created=created,
        token=token,
    )
    return page, status


@bp.route("/api-clients", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def api_clients() -> View:
    """Machine clients and their scopes; a new client's token is shown once, here."""
    _require_global_admin()
    if request.method == "GET":
        return _clients_page()
    try:
        data = load(ApiClientSchema(), request.form)
        client, token = tokens.create_client(
            db.session,
            name=data.get("name") or "",
            scopes=data.get("scopes") or [],
            by=current_user,
        )
    except ValidationFailed as exc:
        return _clients_page(errors=exc.form_errors())
    db.session.commit()
    # Shown in this response only, never put in the session or a flash message.
    page, _status = _clients_page(created=client, token=token)
    return page, 201


@bp.post("/api-clients/<int:client_id>/revoke")
@roles_required(Role.ADMIN)
def revoke_api_client(client_id: int) -> Response:
    _require_global_admin()
    tokens.revoke(db.session, _get(ApiClient, client_id))
    db.session.commit()
    flash(_("The token is revoked: it no longer works."), "success")
    return redirect(url_for("courses.api_clients"))

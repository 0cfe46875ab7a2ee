"""Competence frameworks (HTML): everyone signed in reads them; coordinators and
administrators edit the tree, the scale, the target levels and the content tags, and import
and export them."""

from __future__ import annotations

import json
from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user, login_required
from markupsafe import Markup, escape
from sqlalchemy import select
from sqlalchemy.orm import selectinload
from werkzeug.wrappers import Response

from content.courses.models import Course, Module
from content.webinars.models import EventSeries
from lms.assignments.models import Track
from lms.auth.permissions import ORG_ADMIN_ROLES, Scope, has_role, require, roles_required, scope
from lms.competences import exchange, services
from lms.competences.api import case_base
from lms.competences.models import (
    TEXT_LOCALES,
    CompetenceLink,
    Framework,
    LinkKind,
    Node,
    NodeKind,
    TargetLevel,
    text_and_locale,
    text_in,
)
from lms.competences.schemas import (
    FrameworkSchema,
    LinkSchema,
    MoveSchema,
    NodeSchema,
    TargetSchema,
    parse_target,
    texts_from,
    texts_to,
)
from lms.core.labels import JOB_TITLE_LABELS
from lms.db import db
from lms.errors import Conflict, Errors, NotFound, ValidationFailed
from lms.i18n import LANGUAGE_NAMES
from lms.orgs import services as orgs
from lms.orgs.models import JobTitle, OrgUnit, UnitKind
from lms.schema import load
from lms.web import render_form

bp = Blueprint("competences", __name__, url_prefix="/competences", template_folder="templates")

View = Response | str | tuple[str, int]


def _locale() -> str:
    return str(get_locale() or "en")


def _edit_scope() -> Scope:
    return scope(current_user, *ORG_ADMIN_ROLES)


def may_edit() -> bool:
    """Frameworks are shared by the whole programme: any coordinator or administrator edits."""
    return has_role(current_user, *ORG_ADMIN_ROLES)


def _framework(framework_id: int) -> Framework:
    return services.get_framework(db.session, framework_id)


def _node(framework: Framework, node_id: int) -> Node:
    return services.get_node(db.session, node_id, framework)


def _languages() -> list[tuple[str, str]]:
    return [(loc, LANGUAGE_NAMES[loc]) for loc in TEXT_LOCALES]


def _kind_labels() -> dict[NodeKind, str]:
    return {NodeKind.AREA: _("Area"), NodeKind.COMPETENCE: _("Competence")}


def _link_labels() -> dict[LinkKind, str]:
    return {
        LinkKind.COURSE: _("Course"),
        LinkKind.MODULE: _("Module"),
        LinkKind.WEBINAR_SERIES: _("Webinar series"),
        LinkKind.TRACK: _("Track"),
    }


# Reading


@bp.get("/")
@login_required
def index() -> str:
    return render_template(
        "competences/index.html",
        frameworks=services.frameworks(db.session),
        locale=_locale(),
        may_edit=may_edit(),
    )


def _children(rows: list[services.TreeRow]) -> dict[int | None, list[Node]]:
    children: dict[int | None, list[Node]] = {}
    for row in rows:
        children.setdefault(row.node.parent_id, []).append(row.node)
    return children


@bp.get("/<int:framework_id>")
@login_required
def framework(framework_id: int) -> str:
    found = _framework(framework_id)
    rows = services.tree(db.session, found)
    return render_template(
        "competences/framework.html",
        framework=found,
        children=_children(rows),
        count=sum(1 for r in rows if r.node.is_competence),
        levels=services.levels(found),
        locale=_locale(),
        fallback=found.fallback_locale,
        kind_labels=_kind_labels(),
        may_edit=may_edit(),
    )


def _node_page(found: Framework, node: Node, errors: Errors | None = None) -> tuple[str, int]:
    if errors:
        db.session.rollback()
    rows = services.tree(db.session, found)
    by_id = {r.node.id: r.node for r in rows}
    trail: list[Node] = []
    cursor = by_id.get(node.parent_id) if node.parent_id is not None else None
    while cursor is not None and len(trail) < 50:
        trail.insert(0, cursor)
        cursor = by_id.get(cursor.parent_id) if cursor.parent_id is not None else None
    locale = _locale()
    context: dict[str, Any] = {
        "framework": found,
        "node": node,
        "trail": trail,
        "children": [r.node for r in rows if r.node.parent_id == node.id],
        "levels": services.levels(found),
        "locale": locale,
        "fallback": found.fallback_locale,
        "kind_labels": _kind_labels(),
        "link_labels": _link_labels(),
        "job_title_labels": JOB_TITLE_LABELS,
        "may_edit": may_edit(),
        "targets": [],
        "links": [],
    }
    if node.is_competence:
        targets = services.targets_of(db.session, node)
        reach = _edit_scope()
        context["targets"] = targets
        context["editable_target_ids"] = {
            t.id for t in targets if t.unit is None or reach.contains(t.unit)
        }
        # The reader's own target, for the job they hold at their (first) library.
        membership = next(iter(getattr(current_user, "memberships", [])), None)
        if membership is not None:
            context["my_target"] = services.target_for(
                db.session, node, membership.job_title, membership.library
            )
            context["my_job"] = membership.job_title
        links = services.links_of(db.session, node)
        refs = services.resolve_targets(
            db.session, ((ln.target_kind, ln.target_id) for ln in links), locale
        )
        context["links"] = [(ln, refs.get((ln.target_kind, ln.target_id))) for ln in links]
        if context["may_edit"]:
            context["units"] = _target_units(reach)
            context["content_options"] = _content_options(locale)
    return render_form("competences/node.html", errors=errors, **context)


@bp.get("/<int:framework_id>/nodes/<int:node_id>")
@login_required
def node(framework_id: int, node_id: int) -> View:
    found = _framework(framework_id)
    return _node_page(found, _node(found, node_id))


# Frameworks


def _framework_values(found: Framework) -> dict[str, Any]:
    values: dict[str, Any] = {
        "slug": found.slug,
        "fallback_locale": found.fallback_locale,
        "source_note": found.source_note,
    }
    texts_to(values, "name", found.name)
    texts_to(values, "description", found.description)
    return values


def _framework_fields(data: dict[str, Any]) -> dict[str, Any]:
    return {
        "slug": data["slug"],
        "name": texts_from(data, "name"),
        "description": texts_from(data, "description"),
        "source_note": data["source_note"] or "",
        "fallback_locale": data["fallback_locale"],
    }


@bp.route("/new", methods=["GET", "POST"])
@roles_required(*ORG_ADMIN_ROLES)
def new_framework() -> View:
    context: dict[str, Any] = {"framework": None, "languages": _languages()}
    if request.method == "POST":
        try:
            data = load(FrameworkSchema(), request.form)
            created = services.create_framework(db.session, **_framework_fields(data))
        except ValidationFailed as exc:
            return render_form(
                "competences/framework_form.html", errors=exc.form_errors(), **context
            )
        db.session.commit()
        flash(_("The framework was created. Add areas and competences to it."), "success")
        return redirect(url_for(".framework", framework_id=created.id))
    return render_form(
        "competences/framework_form.html", values={"fallback_locale": _locale()}, **context
    )


@bp.route("/<int:framework_id>/edit", methods=["GET", "POST"])
@roles_required(*ORG_ADMIN_ROLES)
def edit_framework(framework_id: int) -> View:
    found = _framework(framework_id)
    context: dict[str, Any] = {"framework": found, "languages": _languages()}
    if request.method == "POST":
        try:
            data = load(FrameworkSchema(), request.form)
            services.update_framework(db.session, found, **_framework_fields(data))
        except ValidationFailed as exc:
            return render_form(
                "competences/framework_form.html", errors=exc.form_errors(), **context
            )
        db.session.commit()
        flash(_("The framework was saved."), "success")
        return redirect(url_for(".framework", framework_id=found.id))
    return render_form(
        "competences/framework_form.html", values=_framework_values(found), **context
    )


@bp.post("/<int:framework_id>/delete")
@roles_required(*ORG_ADMIN_ROLES)
def delete_framework(framework_id: int) -> Response:
    found = _framework(framework_id)
    services.delete_framework(db.session, found)
    db.session.commit()
    flash(_("The framework was deleted."), "success")
    return redirect(url_for(".index"))


# The tree


def _parent_options(found: Framework, exclude: Node | None = None) -> list[tuple[str, str]]:
    """Areas and competences a node may hang under, indented by depth."""
    skip: set[int] = set()
    if exclude is not None:
        skip = services.descendant_ids(db.session, exclude) | {exclude.id}
    locale = _locale()
    return [
        (str(r.node.id), "\u2003" * r.depth + r.node.title(locale, found.fallback_locale))
        for r in services.tree(db.session, found)
        if r.node.id not in skip
    ]


def _node_fields(data: dict[str, Any]) -> dict[str, Any]:
    return {
        "name": texts_from(data, "name"),
        "description": texts_from(data, "description"),
        "code": data["code"] or "",
    }


@bp.route("/<int:framework_id>/nodes/new", methods=["GET", "POST"])
@roles_required(*ORG_ADMIN_ROLES)
def new_node(framework_id: int) -> View:
    found = _framework(framework_id)
    context: dict[str, Any] = {
        "framework": found,
        "node": None,
        "languages": _languages(),
        "parents": _parent_options(found),
        "kinds": [(k.value, label) for k, label in _kind_labels().items()],
    }
    if request.method == "POST":
        try:
            data = load(NodeSchema(), request.form)
            parent = _node(found, data["parent_id"]) if data.get("parent_id") is not None else None
            created = services.add_node(
                db.session, found, kind=data["kind"], parent=parent, **_node_fields(data)
            )
        except ValidationFailed as exc:
            return render_form("competences/node_form.html", errors=exc.form_errors(), **context)
        db.session.commit()
        flash(_("Added."), "success")
        return redirect(url_for(".node", framework_id=found.id, node_id=created.id))
    values = {
        "parent_id": request.args.get("parent_id", ""),
        "kind": request.args.get("kind", NodeKind.COMPETENCE.value),
    }
    return render_form("competences/node_form.html", values=values, **context)


@bp.route("/<int:framework_id>/nodes/<int:node_id>/edit", methods=["GET", "POST"])
@roles_required(*ORG_ADMIN_ROLES)
def edit_node(framework_id: int, node_id: int) -> View:
    found = _framework(framework_id)
    current = _node(found, node_id)
    context: dict[str, Any] = {
        "framework": found,
        "node": current,
        "languages": _languages(),
        "parents": _parent_options(found, exclude=current),
        "kinds": [(current.kind.value, _kind_labels()[current.kind])],
    }
    if request.method == "POST":
        try:
            data = load(NodeSchema(), {**request.form.to_dict(), "kind": current.kind.value})
            parent = _node(found, data["parent_id"]) if data.get("parent_id") is not None else None
            services.update_node(db.session, current, **_node_fields(data))
            if (parent is None and current.parent_id is not None) or (
                parent is not None and parent.id != current.parent_id
            ):
                services.reparent_node(db.session, current, parent)
        except ValidationFailed as exc:
            return render_form("competences/node_form.html", errors=exc.form_errors(), **context)
        db.session.commit()
        flash(_("Saved."), "success")
        return redirect(url_for(".node", framework_id=found.id, node_id=current.id))
    values: dict[str, Any] = {
        "kind": current.kind.value,
        "code": current.code,
        "parent_id": str(current.parent_id or ""),
    }
    texts_to(values, "name", current.name)
    texts_to(values, "description", current.description)
    return render_form("competences/node_form.html", values=values, **context)


@bp.post("/<int:framework_id>/nodes/<int:node_id>/move")
@roles_required(*ORG_ADMIN_ROLES)
def move_node(framework_id: int, node_id: int) -> Response:
    found = _framework(framework_id)
    current = _node(found, node_id)
    data = load(MoveSchema(), request.form)
    services.move_node(db.session, current, max(-1, min(1, data["delta"])))
    db.session.commit()
    return redirect(url_for(".framework", framework_id=found.id, _anchor=f"node-{current.id}"))


@bp.post("/<int:framework_id>/nodes/<int:node_id>/delete")
@roles_required(*ORG_ADMIN_ROLES)
def delete_node(framework_id: int, node_id: int) -> Response:
    found = _framework(framework_id)
    services.delete_node(db.session, _node(found, node_id))
    db.session.commit()
    flash(_("Deleted, with everything under it."), "success")
    return redirect(url_for(".framework", framework_id=found.id))


# The scale


def _scale_rows(found: Framework) -> list[dict[str, Any]]:
    rows = []
    for level in services.levels(found):
        row: dict[str, Any] = {
            "value": level.value,
            "is_default": level.is_default,
            "is_proficient": level.is_proficient,
        }
        texts_to(row, "label", level.label)
        texts_to(row, "descriptor", level.descriptor)
        rows.append(row)
    return rows


def _posted_levels() -> tuple[list[services.LevelInput], list[dict[str, Any]], Errors]:
    """The scale form's rows: ``value-N``, ``label_<loc>-N``, ``descriptor_<loc>-N``,
    ``default`` (the N of the default row) and ``proficient-N``. A row with no value and no
    label is an unused blank row."""
    form = request.form
    count = min(len(form.getlist("row")), 20)
    rows: list[services.LevelInput] = []
    shown: list[dict[str, Any]] = []
    errors: Errors = {}
    for n in range(count):
        raw_value = form.get(f"value-{n}", "").strip()
        row: dict[str, Any] = {"value": raw_value}
        for loc in TEXT_LOCALES:
            row[f"label_{loc}"] = form.get(f"label_{loc}-{n}", "").strip()[:100]
            row[f"descriptor_{loc}"] = form.get(f"descriptor_{loc}-{n}", "").strip()[:1000]
        row["is_default"] = form.get("default") == str(n)
        row["is_proficient"] = form.get(f"proficient-{n}") == "1"
        if not raw_value and not any(row[f"label_{loc}"] for loc in TEXT_LOCALES):
            continue
        shown.append(row)
        try:
            value = int(raw_value)
        except ValueError:
            errors.setdefault(f"levels.{len(shown) - 1}.value", []).append(
                _("A level's value is a whole number from 0 to 100.")
            )
            continue
        rows.append(
            services.LevelInput(
                value=value,
                label=texts_from(row, "label"),
                descriptor=texts_from(row, "descriptor"),
                is_default=row["is_default"],
                is_proficient=row["is_proficient"],
            )
        )
    return rows, shown, errors


@bp.route("/<int:framework_id>/scale", methods=["GET", "POST"])
@roles_required(*ORG_ADMIN_ROLES)
def edit_scale(framework_id: int) -> View:
    found = _framework(framework_id)
    context: dict[str, Any] = {"framework": found, "languages": _languages()}
    if request.method == "POST":
        rows, shown, errors = _posted_levels()
        try:
            if errors:
                raise ValidationFailed(errors=errors)
            services.save_levels(db.session, found.scale, rows)
        except ValidationFailed as exc:
            return render_form(
                "competences/scale_form.html",
                errors=exc.form_errors(),
                rows=[*shown, {}],
                **context,
            )
        db.session.commit()
        flash(_("The scale was saved."), "success")
        return redirect(url_for(".framework", framework_id=found.id, _anchor="scale"))
    return render_form("competences/scale_form.html", rows=[*_scale_rows(found), {}], **context)


# Target levels


def _target_units(reach: Scope) -> list[OrgUnit]:
    return [
        unit
        for unit in db.session.scalars(orgs.units_in(reach).order_by(OrgUnit.path))
        if unit.kind in (UnitKind.MUNICIPALITY, UnitKind.LIBRARY)
    ]


@bp.post("/<int:framework_id>/nodes/<int:node_id>/targets")
@roles_required(*ORG_ADMIN_ROLES)
def set_target(framework_id: int, node_id: int) -> View:
    found = _framework(framework_id)
    current = _node(found, node_id)
    try:
        data = load(TargetSchema(), request.form)
        unit = None
        if data.get("unit_id") is not None:
            unit = db.session.get(OrgUnit, data["unit_id"])
            if unit is None:
                raise NotFound()
            require(_edit_scope().contains(unit))
        services.set_target(
            db.session,
            current,
            job_title=data["job_title"],
            unit=unit,
            min_level=data["min_level"],
            max_level=data.get("max_level"),
        )
    except ValidationFailed as exc:
        return _node_page(found, current, exc.form_errors())
    db.session.commit()
    flash(_("The target level was saved."), "success")
    return redirect(url_for(".node", framework_id=found.id, node_id=current.id, _anchor="targets"))


@bp.post("/<int:framework_id>/nodes/<int:node_id>/targets/<int:target_id>/delete")
@roles_required(*ORG_ADMIN_ROLES)
def delete_target(framework_id: int, node_id: int, target_id: int) -> Response:
    found = _framework(framework_id)
    current = _node(found, node_id)
    target = db.session.get(TargetLevel, target_id)
    if target is None or target.competence_id != current.id:
        raise NotFound()
    if target.unit is not None:
        require(_edit_scope().contains(target.unit))
    services.delete_target(db.session, target)
    db.session.commit()
    flash(_("The target level was removed."), "success")
    return redirect(url_for(".node", framework_id=found.id, node_id=current.id, _anchor="targets"))


def _bulk_key(reach: Scope) -> tuple[JobTitle, OrgUnit | None]:
    """The job title and unit the bulk editor works on, from the query or the form."""
    source = request.form if request.method == "POST" else request.args
    try:
        job_title = JobTitle(source.get("job_title") or JobTitle.LIBRARIAN.value)
    except ValueError:
        raise ValidationFailed(errors={"job_title": [_("Choose one of the options.")]}) from None
    unit = None
    raw = (source.get("unit_id") or "").strip()
    if raw:
        if not raw.isdigit() or len(raw) > 10:
            raise NotFound()
        unit = db.session.get(OrgUnit, int(raw))
        if unit is None:
            raise NotFound()
        require(reach.contains(unit))
    return job_title, unit


def _level_or_none(raw: str | None) -> int | None:
    raw = (raw or "").strip()
    return int(raw) if raw.isdigit() and len(raw) <= 3 else None


@bp.route("/<int:framework_id>/targets", methods=["GET", "POST"])
@roles_required(*ORG_ADMIN_ROLES)
def targets(framework_id: int) -> View:
    """Every competence's target for one job title, generally or in one unit, in one form."""
    found = _framework(framework_id)
    reach = _edit_scope()
    job_title, unit = _bulk_key(reach)
    locale = _locale()
    rows = services.competences(db.session, found)
    errors: Errors | None = None
    if request.method == "POST":
        wanted: dict[int, tuple[int, int] | None] = {}
        for node in rows:
            low = _level_or_none(request.form.get(f"min-{node.id}"))
            high = _level_or_none(request.form.get(f"max-{node.id}"))
            wanted[node.id] = None if low is None else (low, high if high is not None else low)
        try:
            services.save_targets(db.session, found, job_title=job_title, unit=unit, wanted=wanted)
        except ValidationFailed as exc:
            errors = exc.form_errors()
        else:
            db.session.commit()
            flash(_("The target levels were saved."), "success")
            return redirect(
                url_for(
                    ".targets",
                    framework_id=found.id,
                    job_title=job_title.value,
                    unit_id=unit.id if unit else None,
                )
            )
    own = services.targets_for_key(db.session, found, job_title, unit)
    # What applies where nothing is set here: an ancestor's value, or the general one.
    table = services.target_table(db.session, [n.id for n in rows])
    path = unit.ancestor_ids[:-1] if unit is not None else []
    inherited = {
        n.id: table.resolve(n.id, job_title, path) if unit is not None else None for n in rows
    }
    values: dict[str, Any] = {}
    for node in rows:
        if node.id in own:
            values[f"min-{node.id}"] = str(own[node.id].min_level)
            values[f"max-{node.id}"] = str(own[node.id].max_level)
    return render_form(
        "competences/targets.html",
        errors=errors,
        values=values,
        framework=found,
        rows=rows,
        inherited=inherited,
        levels=services.levels(found),
        job_title=job_title,
        unit=unit,
        units=_target_units(reach),
        job_title_labels=JOB_TITLE_LABELS,
        locale=locale,
        fallback=found.fallback_locale,
    )


# Content tags


def _content_options(locale: str) -> list[tuple[str, list[tuple[str, str]]]]:
    """Everything a competence may be tagged with, grouped by kind, for one select."""
    labels = _link_labels()
    courses = list(
        db.session.scalars(
            select(Course).options(
                selectinload(Course.translations),
                selectinload(Course.modules).selectinload(Module.translations),
            )
        )
    )
    courses.sort(key=lambda c: c.translation(locale).title.casefold())
    groups: list[tuple[str, list[tuple[str, str]]]] = [
        (
            labels[LinkKind.COURSE],
            [(f"course:{c.id}", c.translation(locale).title) for c in courses],
        ),
        (
            labels[LinkKind.MODULE],
            [
                (f"module:{m.id}", f"{c.translation(locale).title}: {m.translation(locale).title}")
                for c in courses
                for m in c.modules
            ],
        ),
        (
            labels[LinkKind.WEBINAR_SERIES],
            [
                (f"webinar_series:{s.id}", s.title)
                for s in db.session.scalars(select(EventSeries).order_by(EventSeries.title))
            ],
        ),
    ]
    tracks = db.session.scalars(select(Track).options(selectinload(Track.translations)))
    groups.append((labels[LinkKind.TRACK], [(f"track:{t.id}", t.title(locale)) for t in tracks]))
    return [(label, options) for label, options in groups if options]


@bp.post("/<int:framework_id>/nodes/<int:node_id>/links")
@roles_required(*ORG_ADMIN_ROLES)
def add_link(framework_id: int, node_id: int) -> View:
    found = _framework(framework_id)
    current = _node(found, node_id)
    try:
        data = load(LinkSchema(), request.form)
        target = parse_target(data["target"])
        if target is None:
            raise ValidationFailed(errors={"target": [_("Choose one of the options.")]})
        services.link_content(db.session, current, *target)
    except (ValidationFailed, Conflict) as exc:
        # Already linked (a conflict) is told on the form, like a bad choice.
        return _node_page(found, current, exc.form_errors())
    db.session.commit()
    flash(_("The content was linked."), "success")
    return redirect(url_for(".node", framework_id=found.id, node_id=current.id, _anchor="content"))


@bp.post("/<int:framework_id>/nodes/<int:node_id>/links/<int:link_id>/delete")
@roles_required(*ORG_ADMIN_ROLES)
def delete_link(framework_id: int, node_id: int, link_id: int) -> Response:
    found = _framework(framework_id)
    current = _node(found, node_id)
    link = db.session.get(CompetenceLink, link_id)
    if link is None or link.competence_id != current.id:
        raise NotFound()
    services.unlink_content(db.session, link)
    db.session.commit()
    flash(_("The link was removed."), "success")
    return redirect(url_for(".node", framework_id=found.id, node_id=current.id, _anchor="content"))


# Import and export


def _download(body: str, mimetype: str, filename: str) -> Response:
    return Response(
        body,
        mimetype=mimetype,
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


@bp.get("/<int:framework_id>/export.csv")
@login_required
def export_csv(framework_id: int) -> Response:
    found = _framework(framework_id)
    # The byte order mark makes spreadsheets read the file as UTF-8 (å, ø, æ); import skips it.
    return _download(
        "\ufeff" + exchange.export_csv(db.session, found),
        "text/csv; charset=utf-8",
        f"{found.slug}.csv",
    )


@bp.get("/<int:framework_id>/case.json")
@login_required
def export_case(framework_id: int) -> Response:
    found = _framework(framework_id)
    package = exchange.export_case(db.session, found, case_base())
    return _download(
        json.dumps(package, ensure_ascii=False, indent=2),
        "application/json",
        f"{found.slug}.case.json",
    )


#: Room for the form's other fields and the multipart framing around the file.
_FORM_OVERHEAD = 64 * 1024


def _uploaded() -> bytes:
    # A body far over the limit is refused (413) before Werkzeug spools it; one just over it
    # gets the form again with the message (read_upload).
    request.max_content_length = exchange.MAX_UPLOAD_BYTES + _FORM_OVERHEAD
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        raise ValidationFailed(errors={"file": [_("Choose a file to import.")]})
    return exchange.read_upload(upload.stream, None)


@bp.route("/<int:framework_id>/import", methods=["GET", "POST"])
@roles_required(*ORG_ADMIN_ROLES)
def import_csv(framework_id: int) -> View:
    found = _framework(framework_id)
    if request.method == "POST":
        try:
            count = exchange.import_csv(db.session, found, _uploaded())
        except ValidationFailed as exc:
            return render_form(
                "competences/import.html", errors=exc.form_errors(), framework=found, fmt="csv"
            )
        db.session.commit()
        flash(_("Imported %(count)d areas and competences.", count=count), "success")
        return redirect(url_for(".framework", framework_id=found.id))
    return render_form(
        "competences/import.html", framework=found, fmt="csv", columns=exchange.CSV_COLUMNS
    )


@bp.route("/import", methods=["GET", "POST"])
@roles_required(*ORG_ADMIN_ROLES)
def import_case() -> View:
    if request.method == "POST":
        try:
            imported = exchange.import_case(db.session, _uploaded())
        except ValidationFailed as exc:
            return render_form(
                "competences/import.html", errors=exc.form_errors(), framework=None, fmt="case"
            )
        db.session.commit()
        flash(_("The framework was imported."), "success")
        return redirect(url_for(".framework", framework_id=imported.id))
    return render_form("competences/import.html", framework=None, fmt="case")


@bp.app_template_global("competence_text")
def competence_text(texts: dict[str, str] | None, locale: str, fallback: str = "en") -> str:
    return text_in(texts, locale, fallback)


@bp.app_template_global("competence_text_html")
def competence_text_html(texts: dict[str, str] | None, locale: str, fallback: str = "en") -> Markup:
    """The text, escaped, in a ``<span lang>`` when it is not in the page's language (WCAG
    3.1.2, language of parts: a screen reader then reads it with the right voice)."""
    text, found = text_and_locale(texts, locale, fallback)
    if found is None or found == locale:
        return escape(text)
    return Markup('<span lang="{}">{}</span>').format(found, text)

"""Dashboards and reports per role, with CSV and XLSX exports. (HTML).

One page per role: ``/reports/me`` (everyone: my next step, assignments, events,
certificates), ``/reports/team`` (managers: their staff), ``/reports/programme`` (coordinators
and administrators: the programme by region, municipality and library) and
``/reports/evaluation`` (evaluators: the same aggregates with every small group hidden). Each
table of a page downloads as ``<page>/<table>.csv`` or ``.xlsx`` with the page's filters; the
page and the download are built by the same function, so they never disagree.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from typing import Any

from flask import Blueprint, Response, redirect, render_template, request, url_for
from flask_babel import format_date, format_decimal, format_percent, format_time, get_locale
from flask_login import current_user, login_required
from werkzeug.wrappers import Response as BaseResponse

from lms.auth.models import Role
from lms.auth.permissions import require, roles_required, scope
from lms.core.views import main_role
from lms.db import db, utcnow
from lms.errors import NotFound, ValidationFailed
from lms.reporting import dashboards
from lms.reporting.exports import FORMATS, export
from lms.reporting.tables import Hidden, Table

bp = Blueprint("reporting", __name__, url_prefix="/reports", template_folder="templates")


@bp.record_once
def _wire(state: Any) -> None:
    from lms.reporting import completions

    completions.init_app(state.app)


#: The roles that see each dashboard.
TEAM_ROLES = (Role.MANAGER,)
PROGRAMME_ROLES = (Role.COORDINATOR, Role.ADMIN)
EVALUATION_ROLES = (Role.EVALUATOR, Role.COORDINATOR, Role.ADMIN)

Builder = Callable[[], dashboards.Dashboard]


def _locale() -> str:
    return str(get_locale() or "en")


def _today() -> date:
    return utcnow().date()


def _download(built: dashboards.Dashboard, name: str, fmt: str) -> Response:
    table: Table | None = built.tables.get(name)
    if table is None:
        raise NotFound()
    body = export(table, fmt, locale=_locale())
    filename = f"{built.slug}-{table.name}-{_today().isoformat()}.{fmt}"
    return Response(
        body,
        mimetype=FORMATS[fmt].split(";")[0],
        headers={
            "Content-Type": FORMATS[fmt],
            "Content-Disposition": f'attachment; filename="{filename}"',
            "Cache-Control": "no-store",
        },
    )


def _page(
    template: str,
    build: Builder,
    on_error: Callable[[], dict[str, Any]] | None = None,
    **context: Any,
) -> tuple[str, int]:
    try:
        built = build()
    except ValidationFailed as exc:
        # A filter that cannot be read: the form again with its message, and no figures.
        db.session.rollback()
        extra = on_error() if on_error is not None else {}
        return render_template(
            template, built=None, errors=exc.errors, values=request.args, **extra, **context
        ), 422
    return render_template(template, built=built, errors={}, values=request.args, **context), 200


# Showing cells


@bp.app_template_test("report_hidden")
def _is_hidden(value: Any) -> bool:
    return isinstance(value, Hidden)


@bp.app_template_filter("report_percent")
def _percent(value: float) -> str:
    return format_percent(value)


@bp.app_template_filter("report_date")
def _date(value: date | datetime) -> str:
    if isinstance(value, datetime):
        return f"{format_date(value, 'medium')}, {format_time(value, 'short')}"
    return format_date(value, "medium")


@bp.context_processor
def _cells() -> dict[str, Any]:
    def cell_text(table: Table, row: dict[str, Any], key: str) -> str:
        value = table.value(row, table.column(key))
        if value is None:
            return "–"
        if isinstance(value, Hidden):
            return str(value)
        if table.column(key).kind == "percent":
            return _percent(value)
        return format_decimal(value) if isinstance(value, int | float) else str(value)

    return {"cell_text": cell_text}


# Which dashboard is whose


@bp.get("/")
@login_required
def index() -> BaseResponse:
    """The dashboard of the person's main role."""
    role = main_role(current_user)
    target = {
        Role.ADMIN: "reporting.programme",
        Role.COORDINATOR: "reporting.programme",
        Role.MANAGER: "reporting.team",
        Role.EVALUATOR: "reporting.evaluation",
    }.get(role, "reporting.learner")
    return redirect(url_for(target))


# Learner


def _learner() -> dashboards.Dashboard:
    return dashboards.learner(
        db.session, current_user._get_current_object(), locale=_locale(), today=_today()
    )


@bp.get("/me")
@login_required
def learner() -> tuple[str, int]:
    return _page("reporting/learner.html", _learner)


@bp.get("/me/<name>.<any(csv, xlsx):fmt>")
@login_required
def learner_export(name: str, fmt: str) -> Response:
    return _download(_learner(), name, fmt)


# Manager


def _team() -> dashboards.Dashboard:
    reach = scope(current_user, *TEAM_ROLES)
    require(not reach.is_empty)
    return dashboards.team(
        db.session,
        reach,
        request.args,
        locale=_locale(),
        today=_today(),
        page=_page_number(),
    )


def _page_number() -> int:
    from lms.web import page_number

    return page_number()


@bp.get("/team")
@roles_required(*TEAM_ROLES)
def team() -> tuple[str, int]:
    return _page("reporting/team.html", _team)


@bp.get("/team/<name>.<any(csv, xlsx):fmt>")
@roles_required(*TEAM_ROLES)
def team_export(name: str, fmt: str) -> Response:
    return _download(_team(), name, fmt)


# Coordinator and evaluator


def _choices(roles: tuple[Role, ...]) -> dict[str, Any]:
    """The programme and phase choices, for a form shown again after a refused filter."""
    return {"programmes": dashboards.visible_programmes(db.session, scope(current_user, *roles))}


def _programme() -> dashboards.Dashboard:
    return dashboards.programme(
        db.session,
        scope(current_user, *PROGRAMME_ROLES),
        request.args,
        locale=_locale(),
        today=_today(),
        anonymous=False,
    )


def _evaluation() -> dashboards.Dashboard:
    return dashboards.programme(
        db.session,
        scope(current_user, *EVALUATION_ROLES),
        request.args,
        locale=_locale(),
        today=_today(),
        anonymous=True,
    )


@bp.get("/programme")
@roles_required(*PROGRAMME_ROLES)
def programme() -> tuple[str, int]:
    return _page(
        "reporting/programme.html",
        _programme,
        lambda: _choices(PROGRAMME_ROLES),
        endpoint="reporting.programme",
    )


@bp.get("/programme/<name>.<any(csv, xlsx):fmt>")
@roles_required(*PROGRAMME_ROLES)
def programme_export(name: str, fmt: str) -> Response:
    return _download(_programme(), name, fmt)


@bp.get("/evaluation")
@roles_required(*EVALUATION_ROLES)
def evaluation() -> tuple[str, int]:
    return _page(
        "reporting/programme.html",
        _evaluation,
        lambda: _choices(EVALUATION_ROLES),
        endpoint="reporting.evaluation",
    )


@bp.get("/evaluation/<name>.<any(csv, xlsx):fmt>")
@roles_required(*EVALUATION_ROLES)
def evaluation_export(name: str, fmt: str) -> Response:
    return _download(_evaluation(), name, fmt)

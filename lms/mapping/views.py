"""Competence mapping in the browser: a person's self-assessments and history, the manager's
ratings, the coordinator's rounds and response rates, and the gap analysis with its exports."""

from __future__ import annotations

from datetime import date
from typing import Any

from babel.numbers import get_decimal_symbol, get_minus_sign_symbol
from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import get_locale, ngettext
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from sqlalchemy import select
from werkzeug.wrappers import Response

from lms.auth.models import Role, User
from lms.auth.permissions import ORG_ADMIN_ROLES, Scope, require, roles_required, scope
from lms.competences.models import Framework
from lms.db import db
from lms.errors import Conflict, Errors, Forbidden, NotFound, ValidationFailed
from lms.mapping import exports, gaps, scales, services
from lms.mapping.models import MappingRound, Participant, RatingKind, RoundScale
from lms.mapping.schemas import EditRoundSchema, ExportQuerySchema, ReportQuerySchema, RoundSchema
from lms.orgs.models import OrgUnit, Programme, UnitKind
from lms.schema import INT_MAX, load
from lms.web import render_form

bp = Blueprint("mapping", __name__, url_prefix="/mapping", template_folder="templates")

View = Response | str | tuple[str, int]

#: Who sees individual people's figures; evaluators see aggregates only.
FULL_ROLES = (Role.ADMIN, Role.COORDINATOR, Role.MANAGER)
REPORT_ROLES = (*FULL_ROLES, Role.EVALUATOR)


@bp.context_processor
def _helpers() -> dict[str, Any]:
    return {
        "heat": heat_class,
        "one_decimal": decimal_formatter(),
        "report_scale_max": lambda report: scales.framework_range(report.framework)[1] or 1,
        "link_kind": lambda kind: str(LINK_KIND_LABELS.get(str(kind), kind)),
        "min_people": gaps.MIN_PEOPLE,
    }


LINK_KIND_LABELS = {
    "course": _l("course"),
    "module": _l("module"),
    "webinar_series": _l("webinar series"),
    "track": _l("track"),
}


def heat_class(gap: float | None) -> str:
    """The heatmap colour of an average gap, in five steps (the legend names them)."""
    if gap is None:
        return "heat-none"
    for step, limit in enumerate((0.0, 0.5, 1.0, 1.5)):
        if gap <= limit if step == 0 else gap < limit:
            return f"heat-{step}"
    return "heat-4"


def decimal_formatter() -> Any:
    """``2.35`` as "2.4" (en) or "2,4" (sv, nb, da): the locale's marks looked up once per page,
    not per cell, since a heatmap has hundreds."""
    locale = get_locale() or "en"
    comma, minus = get_decimal_symbol(locale), get_minus_sign_symbol(locale)

    def one_decimal(value: float | None) -> str:
        if value is None:
            return "–"
        text = f"{round(value, 1) + 0.0:.1f}"  # + 0.0: no "-0.0"
        return text.replace("-", minus).replace(".", comma)

    return one_decimal


def today() -> date:
    return date.today()


def locale() -> str:
    return str(get_locale() or "en")


def _round(round_id: int) -> MappingRound:
    found = db.session.get(MappingRound, round_id)
    if found is None:
        raise NotFound()
    return found


def _round_reach() -> Scope:
    return scope(current_user, *ORG_ADMIN_ROLES)


def _managed_round(round_id: int) -> MappingRound:
    found = _round(round_id)
    require(services.may_manage(_round_reach(), found))
    return found


# A person's own mapping


@bp.get("/")
@login_required
def mine() -> str:
    mine = services.rounds_of(db.session, current_user)
    day = today()
    open_rounds = [(r, p) for r, p in mine if r.is_open(day)]
    other = [(r, p) for r, p in mine if not r.is_open(day)]
    return render_template(
        "mapping/mine.html",
        open_rounds=open_rounds,
        other=other,
        today=day,
        may_manage=not _round_reach().is_empty,
        rateable=_rateable_rounds([r for r, _p in open_rounds]),
        may_report=not scope(current_user, *REPORT_ROLES).is_empty,
    )


def _rateable_rounds(rounds: list[MappingRound]) -> set[int]:
    """The ids of ``rounds`` in which someone on the reader's staff takes part (one query)."""
    reach = _manager_reach()
    if reach.is_empty or not rounds:
        return set()
    return set(
        db.session.scalars(
            select(Participant.round_id)
            .join(OrgUnit, OrgUnit.id == Participant.library_id)
            .where(
                Participant.round_id.in_([r.id for r in rounds]),
                Participant.user_id != current_user.id,
                reach.where(OrgUnit.path),
            )
            .distinct()
        )
    )


def _own_participant(mapping_round: MappingRound) -> Participant:
    participant = services.participant_of(db.session, mapping_round, current_user)
    if participant is None:
        raise NotFound(_("You are not among the people this round maps."))
    return participant


def _parse_answers(
    form: Any, competence_ids: list[int], *, allow_unknown: bool
) -> dict[int, services.Answer]:
    """Form fields ``level-<id>`` (a level, ``unknown`` or blank) and ``comment-<id>``."""
    answers: dict[int, services.Answer] = {}
    errors: Errors = {}
    for cid in competence_ids:
        raw = (form.get(f"level-{cid}") or "").strip()
        comment = (form.get(f"comment-{cid}") or "").strip()
        if not raw:
            if comment:
                errors[f"level-{cid}"] = [_("Choose a level to go with your comment.")]
            elif not allow_unknown:
                answers[cid] = services.Answer(level=None, comment="")  # no rating: removed
            continue
        if raw == "unknown" and allow_unknown:
            answers[cid] = services.Answer(level=None, comment=comment)
            continue
        if not raw.isdigit() or int(raw) > INT_MAX:
            errors[f"level-{cid}"] = [_("Choose one of the levels.")]
            continue
        answers[cid] = services.Answer(level=int(raw), comment=comment)
    if errors:
        raise ValidationFailed(errors=errors)
    return answers


def _answer_values(participant: Participant, kind: RatingKind) -> dict[str, str]:
    values: dict[str, str] = {}
    for rating in participant.ratings:
        if rating.kind is kind:
            values[f"level-{rating.competence_id}"] = (
                "unknown" if rating.level is None else str(rating.level)
            )
            values[f"comment-{rating.competence_id}"] = rating.comment
    return values


def _answer_page(
    mapping_round: MappingRound, participant: Participant, errors: Errors | None = None
) -> tuple[str, int]:
    if errors:
        db.session.rollback()
    return render_form(
        "mapping/answer.html",
        errors=errors,
        round=mapping_round,
        participant=participant,
        competences=scales.competences(db.session, mapping_round.framework_id),
        levels=scales.round_levels(mapping_round),
        values=_answer_values(participant, RatingKind.SELF),
        is_open=mapping_round.is_open(today()),
        locale=locale(),
    )


@bp.route("/rounds/<int:round_id>/answer", methods=["GET", "POST"])
@login_required
def answer(round_id: int) -> View:
    mapping_round = _round(round_id)
    participant = _own_participant(mapping_round)
    if request.method == "GET":
        return _answer_page(mapping_round, participant)
    submit = request.form.get("action") == "submit"
    try:
        services.check_open(mapping_round, today())
        ids = scales.competence_ids(db.session, mapping_round.framework_id)
        answers = _parse_answers(request.form, ids, allow_unknown=True)
        services.save_self_assessment(
            db.session, mapping_round, participant, answers, submit=submit, today=today()
        )
    except ValidationFailed as exc:
        return _answer_page(mapping_round, participant, errors=exc.form_errors())
    db.session.commit()
    if submit:
        flash(_("Thank you: your self-assessment is submitted."), "success")
        return redirect(url_for("mapping.mine"))
    flash(_("Your answers are saved. You can come back and go on later."), "success")
    return redirect(url_for("mapping.answer", round_id=mapping_round.id))


@bp.get("/history")
@login_required
def history() -> str:
    rounds = services.history_of(db.session, current_user)
    frameworks: dict[int, Framework] = {}
    for mapping_round, _p in rounds:
        frameworks.setdefault(mapping_round.framework_id, mapping_round.framework)
    tables = []
    for framework in frameworks.values():
        own = [(r, p) for r, p in rounds if r.framework_id == framework.id]
        tables.append(
            {
                "framework": framework,
                "rounds": own,
                "competences": scales.competences(db.session, framework.id),
                "answers": {
                    (p.id, rating.competence_id, rating.kind.value): rating
                    for _r, p in own
                    for rating in p.ratings
                },
                "levels": {
                    r.id: {lvl.value: lvl for lvl in scales.round_levels(r)} for r, _p in own
                },
            }
        )
    return render_template("mapping/history.html", tables=tables, locale=locale())


# Coordinators: rounds


@bp.get("/rounds")
@roles_required(*ORG_ADMIN_ROLES)
def rounds() -> str:
    reach = _round_reach()
    found = [
        r for r in db.session.scalars(services.rounds_in(reach)) if services.may_manage(reach, r)
    ]
    return render_template("mapping/rounds.html", rounds=found, today=today())


def _units_for(reach: Scope, programme: Programme | None = None) -> list[OrgUnit]:
    stmt = select(OrgUnit).where(reach.where(OrgUnit.path)).order_by(OrgUnit.path)
    units = list(db.session.scalars(stmt))
    if programme is not None:
        paths = [r.path for r in programme.regions]
        units = [u for u in units if any(u.path.startswith(p) for p in paths)]
    names = {u.id: u.name for u in units}
    return sorted(units, key=lambda u: [names.get(i, "") for i in u.ancestor_ids])


def _programmes_for(reach: Scope) -> list[Programme]:
    programmes = list(db.session.scalars(select(Programme).order_by(Programme.name)))
    return [p for p in programmes if reach.everywhere or any(reach.contains(r) for r in p.regions)]


def _round_form(
    mapping_round: MappingRound | None, errors: Errors | None = None
) -> tuple[str, int]:
    if errors:
        db.session.rollback()
    reach = _round_reach()
    if request.method == "POST":
        chosen = set(request.form.getlist("units"))
    else:
        chosen = {str(u.id) for u in mapping_round.units} if mapping_round else set()
    values: dict[str, Any] = {}
    if mapping_round is not None:
        values = {
            "name": mapping_round.name,
            "opens_on": mapping_round.opens_on.isoformat(),
            "closes_on": mapping_round.closes_on.isoformat(),
        }
    else:
        values = {"scale": RoundScale.FRAMEWORK.value}
    return render_form(
        "mapping/round_form.html",
        errors=errors,
        round=mapping_round,
        values=values,
        chosen=chosen,
        units=_units_for(reach, mapping_round.programme if mapping_round else None),
        programme_options=[(p.id, p.name) for p in _programmes_for(reach)],
        framework_options=[(f.id, f.title(locale())) for f in scales.frameworks(db.session)],
        locale=locale(),
    )


def _programme_in_reach(programme_id: int, reach: Scope) -> Programme:
    programme = db.session.get(Programme, programme_id)
    if programme is None or not (
        reach.everywhere or any(reach.contains(r) for r in programme.regions)
    ):
        raise ValidationFailed(errors={"programme_id": [_("Choose a programme from the list.")]})
    return programme


@bp.route("/rounds/new", methods=["GET", "POST"])
@roles_required(*ORG_ADMIN_ROLES)
def new_round() -> View:
    if request.method == "GET":
        return _round_form(None)
    reach = _round_reach()
    try:
        data = load(RoundSchema(), request.form)
        created = services.create_round(
            db.session,
            name=data["name"],
            programme=_programme_in_reach(data["programme_id"], reach),
            framework_id=data["framework_id"],
            scale=data["scale"],
            unit_ids=[i for i in data["units"] if i is not None],
            opens_on=data["opens_on"],
            closes_on=data["closes_on"],
            reach=reach,
            by=current_user,
        )
    except (ValidationFailed, Conflict) as exc:
        return _round_form(None, errors=exc.form_errors())
    db.session.commit()
    flash(_("The round %(name)s is created.", name=created.name), "success")
    return redirect(url_for("mapping.round_page", round_id=created.id))


@bp.route("/rounds/<int:round_id>/edit", methods=["GET", "POST"])
@roles_required(*ORG_ADMIN_ROLES)
def edit_round(round_id: int) -> View:
    found = _managed_round(round_id)
    if request.method == "GET":
        return _round_form(found)
    try:
        data = load(EditRoundSchema(), request.form)
        services.update_round(
            db.session,
            found,
            name=data["name"],
            unit_ids=[i for i in data["units"] if i is not None],
            opens_on=data["opens_on"],
            closes_on=data["closes_on"],
            reach=_round_reach(),
        )
    except (ValidationFailed, Conflict) as exc:
        return _round_form(found, errors=exc.form_errors())
    db.session.commit()
    flash(_("The round %(name)s is saved.", name=found.name), "success")
    return redirect(url_for("mapping.round_page", round_id=found.id))


@bp.get("/rounds/<int:round_id>")
@roles_required(*ORG_ADMIN_ROLES)
def round_page(round_id: int) -> str:
    found = _managed_round(round_id)
    total, submitted = services.round_totals(db.session, found)
    return render_template(
        "mapping/round.html",
        round=found,
        rates=services.response_rates(db.session, found),
        total=total,
        submitted=submitted,
        is_open=found.is_open(today()),
        today=today(),
        locale=locale(),
    )


@bp.post("/rounds/<int:round_id>/remind")
@roles_required(*ORG_ADMIN_ROLES)
def remind(round_id: int) -> Response:
    found = _managed_round(round_id)
    count = services.send_reminders(db.session, found, today=today())
    db.session.commit()
    flash(
        ngettext(
            "A reminder is on its way to %(num)d person.",
            "A reminder is on its way to %(num)d people.",
            count,
        )
        if count
        else _("Everyone has answered: nobody to remind."),
        "success",
    )
    return redirect(url_for("mapping.round_page", round_id=found.id))


@bp.post("/rounds/<int:round_id>/close")
@roles_required(*ORG_ADMIN_ROLES)
def close(round_id: int) -> Response:
    found = _managed_round(round_id)
    services.close_round(db.session, found)
    db.session.commit()
    flash(_("The round %(name)s is closed.", name=found.name), "success")
    return redirect(url_for("mapping.round_page", round_id=found.id))


# Managers: their staff's answers and validated ratings


def _manager_reach() -> Scope:
    return scope(current_user, Role.MANAGER)


@bp.get("/rounds/<int:round_id>/team")
@roles_required(Role.MANAGER)
def team(round_id: int) -> str:
    found = _round(round_id)
    reach = _manager_reach()
    people = list(
        db.session.scalars(
            select(Participant)
            .join(OrgUnit, OrgUnit.id == Participant.library_id)
            .join(User, User.id == Participant.user_id)
            .where(Participant.round_id == found.id, reach.where(OrgUnit.path))
            .order_by(OrgUnit.name, User.name)
        )
    )
    if not people:
        raise NotFound(_("Nobody on your staff is in this round."))
    validated = {p.id: sum(1 for r in p.ratings if r.kind is RatingKind.VALIDATED) for p in people}
    return render_template(
        "mapping/team.html", round=found, people=people, validated=validated, me=current_user
    )


def _rated_participant(mapping_round: MappingRound, user_id: int) -> Participant:
    participant = db.session.scalar(
        select(Participant).where(
            Participant.round_id == mapping_round.id, Participant.user_id == user_id
        )
    )
    if participant is None:
        raise NotFound()
    if not _manager_reach().contains(participant.library) or user_id == current_user.id:
        raise Forbidden(_("You can rate only the staff of the libraries you manage."))
    return participant


def _rate_page(
    mapping_round: MappingRound, participant: Participant, errors: Errors | None = None
) -> tuple[str, int]:
    if errors:
        db.session.rollback()
    own = {r.competence_id: r for r in participant.ratings if r.kind is RatingKind.SELF}
    return render_form(
        "mapping/rate.html",
        errors=errors,
        round=mapping_round,
        participant=participant,
        own=own,
        competences=scales.competences(db.session, mapping_round.framework_id),
        levels=scales.round_levels(mapping_round),
        values=_answer_values(participant, RatingKind.VALIDATED),
        is_open=mapping_round.is_open(today()),
        locale=locale(),
    )


@bp.route("/rounds/<int:round_id>/people/<int:user_id>", methods=["GET", "POST"])
@roles_required(Role.MANAGER)
def rate(round_id: int, user_id: int) -> View:
    found = _round(round_id)
    participant = _rated_participant(found, user_id)
    if request.method == "GET":
        return _rate_page(found, participant)
    try:
        services.check_open(found, today())
        ids = scales.competence_ids(db.session, found.framework_id)
        answers = _parse_answers(request.form, ids, allow_unknown=False)
        services.rate(db.session, found, participant, answers, by=current_user, today=today())
    except ValidationFailed as exc:
        return _rate_page(found, participant, errors=exc.form_errors())
    db.session.commit()
    flash(_("Your ratings of %(name)s are saved.", name=participant.user.name), "success")
    return redirect(url_for("mapping.team", round_id=found.id))


# Gap analysis


def _report_access(unit: OrgUnit) -> bool:
    """Whether the reader sees ``unit``'s gaps in full (False: aggregates only); else 403."""
    if scope(current_user, *FULL_ROLES).contains(unit):
        return True
    if scope(current_user, Role.EVALUATOR).contains(unit):
        return False
    raise Forbidden()


def _framework(query: dict[str, Any]) -> Framework | None:
    if query.get("framework") is not None:
        found = db.session.get(Framework, query["framework"])
        if found is None:
            raise NotFound()
        return found
    mapped = gaps.frameworks_mapped(db.session)
    return mapped[0] if mapped else None


@bp.get("/gaps")
@roles_required(*REPORT_ROLES)
def gaps_index() -> str:
    reach = scope(current_user, *REPORT_ROLES)
    units = [u for u in _units_for(reach) if u.kind is not UnitKind.LIBRARY or not reach.everywhere]
    return render_template(
        "mapping/gaps_index.html",
        units=units,
        programmes=_programmes_for(reach),
        frameworks=gaps.frameworks_mapped(db.session),
    )


def unit_report(unit: OrgUnit, framework: Framework) -> gaps.Report:
    full = _report_access(unit)
    report = gaps.unit_report(db.session, framework, unit, suppress=not full)
    return gaps.with_links(db.session, report, locale())


@bp.get("/gaps/units/<int:unit_id>")
@roles_required(*REPORT_ROLES)
def unit_gaps(unit_id: int) -> str:
    unit = db.session.get(OrgUnit, unit_id)
    if unit is None:
        raise NotFound()
    full = _report_access(unit)
    query = load(ReportQuerySchema(), request.args)
    framework = _framework(query)
    report = unit_report(unit, framework) if framework else None
    people = None
    if framework and full and unit.kind is UnitKind.LIBRARY:
        people = gaps.people_report(db.session, framework, unit)
    from lms.orgs.services import ancestors_of

    return render_template(
        "mapping/gaps.html",
        unit=unit,
        ancestors=ancestors_of(db.session, unit),
        programme=None,
        report=report,
        people=people,
        framework=framework,
        frameworks=gaps.frameworks_mapped(db.session),
        full=full,
        locale=locale(),
        min_people=gaps.MIN_PEOPLE,
    )


def _programme_regions(programme: Programme) -> tuple[list[OrgUnit], bool]:
    full = scope(current_user, *FULL_ROLES)
    regions = [r for r in programme.regions if full.contains(r)]
    if regions:
        return regions, True
    evaluator = scope(current_user, Role.EVALUATOR)
    regions = [r for r in programme.regions if evaluator.contains(r)]
    if regions:
        return regions, False
    raise Forbidden()


@bp.get("/gaps/programmes/<int:programme_id>")
@roles_required(*REPORT_ROLES)
def programme_gaps(programme_id: int) -> str:
    programme = db.session.get(Programme, programme_id)
    if programme is None:
        raise NotFound()
    regions, full = _programme_regions(programme)
    framework = _framework(load(ReportQuerySchema(), request.args))
    report = None
    if framework is not None:
        report = gaps.programme_report(db.session, framework, regions, suppress=not full)
        gaps.with_links(db.session, report, locale())
    return render_template(
        "mapping/gaps.html",
        unit=None,
        ancestors=[],
        programme=programme,
        report=report,
        people=None,
        framework=framework,
        frameworks=gaps.frameworks_mapped(db.session),
        full=full,
        locale=locale(),
        min_people=gaps.MIN_PEOPLE,
    )


def _person(user_id: int) -> tuple[User, OrgUnit | None]:
    person = db.session.get(User, user_id)
    if person is None:
        raise NotFound()
    library = db.session.scalar(
        select(OrgUnit)
        .join(Participant, Participant.library_id == OrgUnit.id)
        .where(Participant.user_id == person.id)
        .order_by(Participant.is_latest.desc(), Participant.id.desc())
        .limit(1)
    )
    if library is None and person.memberships:
        library = person.memberships[0].library
    if person.id != current_user.id and not scope(current_user, *FULL_ROLES).contains(library):
        raise Forbidden()
    return person, library


@bp.get("/gaps/people/<int:user_id>")
@login_required
def person_gaps(user_id: int) -> str:
    person, library = _person(user_id)
    framework = _framework(load(ReportQuerySchema(), request.args))
    report = None
    if framework is not None:
        report = gaps.person_report(db.session, framework, person.id)
        gaps.with_links(db.session, report, locale())
    return render_template(
        "mapping/person_gaps.html",
        person=person,
        library=library,
        report=report,
        framework=framework,
        frameworks=gaps.frameworks_mapped(db.session),
        locale=locale(),
    )


def _export(report: gaps.Report | None, table: str, fmt: str, name: str) -> Response:
    if report is None:
        raise NotFound(_("There is nothing to export yet."))
    return exports.response(report, table, fmt, name, locale())


def _export_query() -> tuple[dict[str, Any], str]:
    query = load(ExportQuerySchema(), request.args)
    return query, query["table"]


@bp.get("/gaps/units/<int:unit_id>/export.<any(csv, xlsx):fmt>")
@roles_required(*REPORT_ROLES)
def unit_gaps_export(unit_id: int, fmt: str) -> Response:
    unit = db.session.get(OrgUnit, unit_id)
    if unit is None:
        raise NotFound()
    full = _report_access(unit)
    query, table = _export_query()
    framework = _framework(query)
    if framework is None:
        raise NotFound(_("There is nothing to export yet."))
    if table == "people":
        if not full or unit.kind is not UnitKind.LIBRARY:
            raise Forbidden()
        report = gaps.people_report(db.session, framework, unit)
    else:
        report = unit_report(unit, framework)
    return _export(report, table, fmt, f"gaps-{unit.id}-{table}")


@bp.get("/gaps/programmes/<int:programme_id>/export.<any(csv, xlsx):fmt>")
@roles_required(*REPORT_ROLES)
def programme_gaps_export(programme_id: int, fmt: str) -> Response:
    programme = db.session.get(Programme, programme_id)
    if programme is None:
        raise NotFound()
    regions, full = _programme_regions(programme)
    query, table = _export_query()
    if table == "people":
        raise NotFound()
    framework = _framework(query)
    report = None
    if framework is not None:
        report = gaps.programme_report(db.session, framework, regions, suppress=not full)
    return _export(report, table, fmt, f"gaps-programme-{programme.id}-{table}")


@bp.get("/gaps/people/<int:user_id>/export.<any(csv, xlsx):fmt>")
@login_required
def person_gaps_export(user_id: int, fmt: str) -> Response:
    person, _library = _person(user_id)
    query, table = _export_query()
    if table != "gaps":
        raise NotFound()
    framework = _framework(query)
    report = gaps.person_report(db.session, framework, person.id) if framework else None
    return _export(report, table, fmt, f"gaps-person-{person.id}")

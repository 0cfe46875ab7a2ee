"""Competence mapping (JSON), under ``/api/v1/mapping/``.

Signed in by the session cookie, with the same rules as the HTML pages. Errors come from
:mod:`lms.errors` as ``{"errors": {field: [message]}}``.

- ``GET /api/v1/mapping/rounds`` — rounds the caller takes part in or manages
- ``GET /api/v1/mapping/rounds/<id>`` — one of those rounds
- ``GET|PUT /api/v1/mapping/rounds/<id>/answers`` — the caller's own self-assessment
- ``GET /api/v1/mapping/gaps/units/<id>`` — the gap report of a unit (``?framework=``)
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, jsonify, request
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response

from content.openapi import documented
from lms.db import db
from lms.errors import DomainError, NotFound, error_response
from lms.mapping import gaps, scales, services
from lms.mapping.models import MappingRound, RatingKind
from lms.mapping.schemas import (
    AnswersIn,
    GapReportOut,
    MyAnswersOut,
    ReportQuerySchema,
    RoundOut,
)
from lms.mapping.views import (
    _framework,
    _own_participant,
    _report_access,
    _round,
    _round_reach,
    locale,
    today,
)
from lms.orgs.models import OrgUnit
from lms.schema import load

bp = Blueprint("mapping_api", __name__, url_prefix="/api/v1")

MAX_BODY_BYTES = 256 * 1024


@bp.before_request
def _signed_in() -> Response | None:
    request.max_content_length = MAX_BODY_BYTES
    if not current_user.is_authenticated:
        return error_response(401, _("Sign in to use this service."))
    return None


def _visible_round(round_id: int) -> MappingRound:
    """A round the caller manages or takes part in; any other is not there (404)."""
    found = _round(round_id)
    if services.may_manage(_round_reach(), found):
        return found
    if services.participant_of(db.session, found, current_user) is None:
        raise NotFound()
    return found


@bp.get("/mapping/rounds")
@documented(response=RoundOut, many=True)
def rounds() -> Response:
    """The rounds the caller takes part in, and those they manage, newest first."""
    reach = _round_reach()
    found: dict[int, MappingRound] = {}
    if not reach.is_empty:
        for r in db.session.scalars(services.rounds_in(reach)):
            if services.may_manage(reach, r):
                found[r.id] = r
    for r, _p in services.rounds_of(db.session, current_user):
        found.setdefault(r.id, r)
    ordered = sorted(found.values(), key=lambda r: (r.opens_on, r.id), reverse=True)
    return jsonify(items=RoundOut(many=True).dump(ordered))


@bp.get("/mapping/rounds/<int:round_id>")
@documented(response=RoundOut)
def round_detail(round_id: int) -> Response:
    """One round the caller takes part in or manages."""
    return jsonify(RoundOut().dump(_visible_round(round_id)))


def _answers_json(mapping_round: MappingRound) -> dict[str, Any]:
    participant = _own_participant(mapping_round)
    loc = locale()
    own = {r.competence_id: r for r in participant.ratings if r.kind is RatingKind.SELF}
    validated = {r.competence_id: r for r in participant.ratings if r.kind is RatingKind.VALIDATED}
    answers = []
    for competence_id in sorted(set(own) | set(validated)):
        mine = own.get(competence_id)
        theirs = validated.get(competence_id)
        answers.append(
            {
                "competence_id": competence_id,
                "level": mine.level if mine else None,
                "comment": mine.comment if mine else "",
                "validated_level": theirs.level if theirs else None,
            }
        )
    out: dict[str, Any] = MyAnswersOut().dump(
        {
            "round_id": mapping_round.id,
            "submitted_at": participant.submitted_at,
            "is_open": mapping_round.is_open(today()),
            "levels": [
                {
                    "value": lvl.value,
                    "label": lvl.label_in(loc),
                    "descriptor": lvl.descriptor_in(loc),
                }
                for lvl in scales.round_levels(mapping_round)
            ],
            "answers": answers,
        }
    )
    return out


@bp.get("/mapping/rounds/<int:round_id>/answers")
@documented(response=MyAnswersOut)
def my_answers(round_id: int) -> Response:
    """The caller's own answers in a round (and their manager's validated levels)."""
    return jsonify(_answers_json(_round(round_id)))


@bp.put("/mapping/rounds/<int:round_id>/answers")
@documented(response=MyAnswersOut)
def put_answers(round_id: int) -> Response:
    """Save the caller's answers (``level: null`` is "don't know"); ``submit: true`` hands
    the self-assessment in, which needs an answer for every competence."""
    mapping_round = _round(round_id)
    participant = _own_participant(mapping_round)
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise DomainError(errors={"_": [_("Send a JSON object (Content-Type: application/json).")]})
    data = load(AnswersIn(), body)
    answers = {
        item["competence_id"]: services.Answer(
            level=item.get("level"), comment=item["comment"] or ""
        )
        for item in data["answers"]
    }
    services.save_self_assessment(
        db.session, mapping_round, participant, answers, submit=data["submit"], today=today()
    )
    db.session.commit()
    return jsonify(_answers_json(mapping_round))


@bp.get("/mapping/gaps/units/<int:unit_id>")
@documented(response=GapReportOut, query=ReportQuerySchema)
def unit_gaps(unit_id: int) -> Response:
    """Needed against mapped per competence for a unit and its child units; aggregates of
    fewer than 5 people are suppressed for evaluators."""
    unit = db.session.get(OrgUnit, unit_id)
    if unit is None:
        raise NotFound()
    full = _report_access(unit)
    framework = _framework(load(ReportQuerySchema(), request.args))
    if framework is None:
        raise NotFound(_("No mapping round has been run yet."))
    report = gaps.unit_report(db.session, framework, unit, suppress=not full)
    loc = locale()
    rows = []
    for competence in report.ranked:
        rows.append(
            {
                "competence_id": competence.id,
                "code": competence.code,
                "name": competence.title(loc),
                "total": report.total(competence.id).as_dict(),
                "units": [
                    {"unit_id": col.id, **report.cell(col.id, competence.id).as_dict()}
                    for col in report.columns
                ],
            }
        )
    shown_people = report.people if full or report.people >= gaps.MIN_PEOPLE else None
    return jsonify(
        GapReportOut().dump(
            {
                "unit_id": unit.id,
                "framework_id": framework.id,
                "people": shown_people,
                "min_people": gaps.MIN_PEOPLE,
                "columns": [{"id": c.id, "name": c.name, "kind": c.kind} for c in report.columns],
                "competences": rows,
            }
        )
    )

"""The access matrix's part for ``lms.mapping`` (see ``tests/matrix_support.py``).

Round A maps region A (the learner, the manager and staff A take part; staff A has submitted),
round B maps region B (staff B has submitted). Ids of round B, staff B and region B are the
forged ids: only the global admin (and, for aggregates, the evaluator) may reach them.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from sqlalchemy.orm import Session

from lms.auth.models import User
from lms.auth.permissions import Scope
from lms.competences import services as competences
from lms.competences.models import NodeKind
from lms.mapping import services
from lms.mapping.models import RoundScale
from lms.orgs.models import Programme
from tests.matrix_support import (
    API_SIGNED_IN,
    ORG_ADMINS,
    ORG_PAGE,
    ORG_PAGE_B,
    SIGNED_IN_PAGE,
    Case,
    rule,
)

TODAY = date.today()


def add_world(session: Session, users: dict[str, User], ids: dict[str, Any]) -> None:
    """Add what this package's URLs need to the matrix's world; put their ids in ``ids``."""
    framework = competences.create_framework(
        session, slug="matrix-mapping", name={"en": "Matrix mapping"}
    )
    area = competences.add_node(
        session, framework, kind=NodeKind.AREA, parent=None, name={"en": "Area"}
    )
    node = competences.add_node(
        session, framework, kind=NodeKind.COMPETENCE, parent=area, name={"en": "Searching"}
    )
    prog_a = session.get(Programme, ids["prog_a"])
    prog_b = session.get(Programme, ids["prog_b"])
    rounds = {}
    for key, programme, region in (("a", prog_a, "region_a"), ("b", prog_b, "region_b")):
        assert programme is not None
        rounds[key] = services.create_round(
            session,
            name=f"Round {key.upper()}",
            programme=programme,
            framework_id=framework.id,
            scale=RoundScale.FRAMEWORK,
            unit_ids=[ids[region]],
            opens_on=TODAY - timedelta(days=3),
            closes_on=TODAY + timedelta(days=10),
            reach=Scope(everywhere=True),
            by=None,
        )
    for key, who in (("a", "staff_a"), ("b", "staff_b")):
        participant = services.participant_of(session, rounds[key], users[who])
        assert participant is not None
        services.save_self_assessment(
            session,
            rounds[key],
            participant,
            {node.id: services.Answer(level=2)},
            submit=True,
            today=TODAY,
        )
    session.flush()
    ids.update(
        map_round_a=rounds["a"].id,
        map_round_b=rounds["b"].id,
        map_competence=node.id,
        map_framework=framework.id,
    )


REPORTERS = ("coordinator", "evaluator", "admin", "admin_a")
PARTICIPANTS_A = ("learner", "manager")
GLOBAL = ("admin", "evaluator")

CASES: list[Case] = [
    # a person's own mapping
    Case("mapping.mine", "GET", "/mapping/", SIGNED_IN_PAGE),
    Case("mapping.history", "GET", "/mapping/history", SIGNED_IN_PAGE),
    Case(
        "mapping.answer",
        "GET",
        "/mapping/rounds/{map_round_a}/answer",
        rule(200, PARTICIPANTS_A, denied=404),
    ),
    Case(
        "mapping.answer",
        "GET",
        "/mapping/rounds/{map_round_b}/answer",
        rule(200, (), denied=404),
    ),
    Case(
        "mapping.answer",
        "POST",
        "/mapping/rounds/{map_round_a}/answer",
        rule(302, PARTICIPANTS_A, denied=404),
        data={"action": "save"},
    ),
    Case(
        "mapping.answer",
        "POST",
        "/mapping/rounds/{map_round_a}/answer",
        # submitting with nothing answered: refused, the missing competence named
        rule(422, PARTICIPANTS_A, denied=404),
        data={"action": "submit"},
    ),
    # coordinators: rounds
    Case("mapping.rounds", "GET", "/mapping/rounds", ORG_PAGE),
    Case("mapping.new_round", "GET", "/mapping/rounds/new", ORG_PAGE),
    Case("mapping.new_round", "POST", "/mapping/rounds/new", rule(422, ORG_ADMINS), data={}),
    Case("mapping.round_page", "GET", "/mapping/rounds/{map_round_a}", ORG_PAGE),
    Case("mapping.round_page", "GET", "/mapping/rounds/{map_round_b}", ORG_PAGE_B),
    Case("mapping.edit_round", "GET", "/mapping/rounds/{map_round_a}/edit", ORG_PAGE),
    Case(
        "mapping.edit_round",
        "POST",
        "/mapping/rounds/{map_round_b}/edit",
        rule(422, ("admin",)),
        data={},
    ),
    Case("mapping.remind", "POST", "/mapping/rounds/{map_round_a}/remind", rule(302, ORG_ADMINS)),
    Case("mapping.remind", "POST", "/mapping/rounds/{map_round_b}/remind", rule(302, ("admin",))),
    Case("mapping.close", "POST", "/mapping/rounds/{map_round_a}/close", rule(302, ORG_ADMINS)),
    Case("mapping.close", "POST", "/mapping/rounds/{map_round_b}/close", rule(302, ("admin",))),
    # managers: their staff's ratings; staff of region B are out of reach (forged ids)
    Case("mapping.team", "GET", "/mapping/rounds/{map_round_a}/team", rule(200, ("manager",))),
    Case(
        "mapping.team",
        "GET",
        "/mapping/rounds/{map_round_b}/team",
        rule(404, ("manager",)),
    ),
    Case(
        "mapping.rate",
        "GET",
        "/mapping/rounds/{map_round_a}/people/{staff_a}",
        rule(200, ("manager",)),
    ),
    Case(
        "mapping.rate",
        "POST",
        "/mapping/rounds/{map_round_a}/people/{staff_a}",
        rule(302, ("manager",)),
        data={},
    ),
    Case(
        "mapping.rate",
        "POST",
        "/mapping/rounds/{map_round_b}/people/{staff_b}",
        rule(403, ()),
        data={},
    ),
    Case(
        "mapping.rate",
        "GET",
        "/mapping/rounds/{map_round_a}/people/{staff_b}",
        rule(404, ("manager",)),
    ),
    # gap analysis: coordinators and admins of the unit in full, evaluators as aggregates
    Case("mapping.gaps_index", "GET", "/mapping/gaps", rule(200, ("manager", *REPORTERS))),
    Case("mapping.unit_gaps", "GET", "/mapping/gaps/units/{region_a}", rule(200, REPORTERS)),
    Case("mapping.unit_gaps", "GET", "/mapping/gaps/units/{region_b}", rule(200, GLOBAL)),
    Case(
        "mapping.unit_gaps",
        "GET",
        "/mapping/gaps/units/{lib_a}",
        rule(200, ("manager", *REPORTERS)),
    ),
    Case(
        "mapping.unit_gaps_export",
        "GET",
        "/mapping/gaps/units/{region_a}/export.csv?table=heatmap",
        rule(200, REPORTERS),
    ),
    Case(
        "mapping.unit_gaps_export",
        "GET",
        "/mapping/gaps/units/{region_b}/export.xlsx",
        rule(200, GLOBAL),
    ),
    Case(
        "mapping.unit_gaps_export",
        "GET",
        "/mapping/gaps/units/{lib_b}/export.csv?table=people",
        rule(200, ("admin",)),
    ),
    Case(
        "mapping.programme_gaps",
        "GET",
        "/mapping/gaps/programmes/{prog_a}",
        rule(200, REPORTERS),
    ),
    Case(
        "mapping.programme_gaps",
        "GET",
        "/mapping/gaps/programmes/{prog_b}",
        rule(200, GLOBAL),
    ),
    Case(
        "mapping.programme_gaps_export",
        "GET",
        "/mapping/gaps/programmes/{prog_b}/export.xlsx?table=heatmap",
        rule(200, GLOBAL),
    ),
    Case(
        "mapping.person_gaps",
        "GET",
        "/mapping/gaps/people/{staff_a}",
        rule(200, ("manager", "coordinator", "admin", "admin_a")),
    ),
    Case("mapping.person_gaps", "GET", "/mapping/gaps/people/{staff_b}", rule(200, ("admin",))),
    Case(
        "mapping.person_gaps_export",
        "GET",
        "/mapping/gaps/people/{staff_a}/export.csv",
        rule(200, ("manager", "coordinator", "admin", "admin_a")),
    ),
    Case(
        "mapping.person_gaps_export",
        "GET",
        "/mapping/gaps/people/{staff_b}/export.xlsx",
        rule(200, ("admin",)),
    ),
    # JSON API
    Case("mapping_api.rounds", "GET", "/api/v1/mapping/rounds", API_SIGNED_IN),
    Case(
        "mapping_api.round_detail",
        "GET",
        "/api/v1/mapping/rounds/{map_round_a}",
        rule(200, (*PARTICIPANTS_A, *ORG_ADMINS), denied=404, anonymous=401),
    ),
    Case(
        "mapping_api.round_detail",
        "GET",
        "/api/v1/mapping/rounds/{map_round_b}",
        rule(200, ("admin",), denied=404, anonymous=401),
    ),
    Case(
        "mapping_api.my_answers",
        "GET",
        "/api/v1/mapping/rounds/{map_round_a}/answers",
        rule(200, PARTICIPANTS_A, denied=404, anonymous=401),
    ),
    Case(
        "mapping_api.my_answers",
        "GET",
        "/api/v1/mapping/rounds/{map_round_b}/answers",
        rule(200, (), denied=404, anonymous=401),
    ),
    Case(
        "mapping_api.put_answers",
        "PUT",
        "/api/v1/mapping/rounds/{map_round_a}/answers",
        rule(200, PARTICIPANTS_A, denied=404, anonymous=401),
        json={"answers": []},
    ),
    Case(
        "mapping_api.put_answers",
        "PUT",
        "/api/v1/mapping/rounds/{map_round_a}/answers",
        rule(422, PARTICIPANTS_A, denied=404, anonymous=401),
        json={"answers": [{"competence_id": "x"}]},
    ),
    Case(
        "mapping_api.unit_gaps",
        "GET",
        "/api/v1/mapping/gaps/units/{region_a}",
        rule(200, REPORTERS, anonymous=401),
    ),
    Case(
        "mapping_api.unit_gaps",
        "GET",
        "/api/v1/mapping/gaps/units/{region_b}",
        rule(200, GLOBAL, anonymous=401),
    ),
]

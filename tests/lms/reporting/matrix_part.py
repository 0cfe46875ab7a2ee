"""The access matrix's part for ``lms.reporting`` (see ``tests/matrix_support.py``).

The dashboards read what the world has already (regions A and B, their libraries, staff and
programmes); a filter naming a unit or programme of region B is a forged id for everyone whose
reach is only A: refused with 403, and 404 for what does not exist.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from lms.auth.models import User
from tests.matrix_support import ORG_ADMINS, ORG_PAGE, ORG_PAGE_B, SIGNED_IN, Case, rule


def add_world(session: Session, users: dict[str, User], ids: dict[str, Any]) -> None:
    """Add what this package's URLs need to the matrix's world; put their ids in ``ids``."""


TEAM = rule(200, ("manager",))
EVALUATION = rule(200, ("evaluator", *ORG_ADMINS))
EVALUATION_B = rule(200, ("evaluator", "admin"))  # evaluator and admin hold theirs everywhere
ALL_REFUSED = rule(403, ())

CASES: list[Case] = [
    Case("reporting.index", "GET", "/reports/", rule(302, SIGNED_IN)),
    # learner: one's own figures only, nothing to forge
    Case("reporting.learner", "GET", "/reports/me", rule(200, SIGNED_IN)),
    Case("reporting.learner_export", "GET", "/reports/me/assignments.csv", rule(200, SIGNED_IN)),
    Case("reporting.learner_export", "GET", "/reports/me/certificates.xlsx", rule(200, SIGNED_IN)),
    Case("reporting.learner_export", "GET", "/reports/me/secrets.csv", rule(404, SIGNED_IN)),
    # manager: their own libraries
    Case("reporting.team", "GET", "/reports/team", TEAM),
    Case("reporting.team", "GET", "/reports/team?unit={lib_a}", TEAM),
    Case("reporting.team", "GET", "/reports/team?unit={lib_b}", ALL_REFUSED),
    Case("reporting.team", "GET", "/reports/team?unit={region_a}", ALL_REFUSED),
    Case("reporting.team", "GET", "/reports/team?unit=999999", rule(404, ("manager",))),
    Case("reporting.team", "GET", "/reports/team?unit=x", rule(422, ("manager",))),
    Case("reporting.team_export", "GET", "/reports/team/people.csv", TEAM),
    Case("reporting.team_export", "GET", "/reports/team/tracks.xlsx?unit={lib_a}", TEAM),
    Case("reporting.team_export", "GET", "/reports/team/people.csv?unit={lib_b}", ALL_REFUSED),
    # coordinator and administrators: their reach, names of places
    Case("reporting.programme", "GET", "/reports/programme", ORG_PAGE),
    Case("reporting.programme", "GET", "/reports/programme?unit={region_a}", ORG_PAGE),
    Case("reporting.programme", "GET", "/reports/programme?unit={lib_a}", ORG_PAGE),
    Case("reporting.programme", "GET", "/reports/programme?unit={lib_b}", ORG_PAGE_B),
    Case("reporting.programme", "GET", "/reports/programme?unit={region_b}", ORG_PAGE_B),
    Case("reporting.programme", "GET", "/reports/programme?programme={prog_a}", ORG_PAGE),
    Case("reporting.programme", "GET", "/reports/programme?programme={prog_b}", ORG_PAGE_B),
    Case("reporting.programme", "GET", "/reports/programme?phase={phase}", ORG_PAGE),
    Case(
        "reporting.programme",
        "GET",
        "/reports/programme?programme={prog_b}&phase={phase}",
        rule(422, ORG_ADMINS),
    ),
    Case("reporting.programme", "GET", "/reports/programme?unit=999999", rule(404, ORG_ADMINS)),
    Case(
        "reporting.programme",
        "GET",
        "/reports/programme?start=2026-02-30",
        rule(422, ORG_ADMINS),
    ),
    Case("reporting.programme_export", "GET", "/reports/programme/units.csv", ORG_PAGE),
    Case("reporting.programme_export", "GET", "/reports/programme/events.xlsx", ORG_PAGE),
    Case(
        "reporting.programme_export",
        "GET",
        "/reports/programme/tracks.csv?unit={lib_b}",
        ORG_PAGE_B,
    ),
    Case(
        "reporting.programme_export",
        "GET",
        "/reports/programme/units.xlsx?programme={prog_b}",
        ORG_PAGE_B,
    ),
    # evaluator: the same aggregates, anonymised
    Case("reporting.evaluation", "GET", "/reports/evaluation", EVALUATION),
    Case("reporting.evaluation", "GET", "/reports/evaluation?unit={lib_a}", EVALUATION),
    Case("reporting.evaluation", "GET", "/reports/evaluation?unit={lib_b}", EVALUATION_B),
    Case(
        "reporting.evaluation",
        "GET",
        "/reports/evaluation?programme={prog_b}",
        EVALUATION_B,
    ),
    Case("reporting.evaluation_export", "GET", "/reports/evaluation/units.csv", EVALUATION),
    Case(
        "reporting.evaluation_export",
        "GET",
        "/reports/evaluation/units.xlsx?unit={region_b}",
        EVALUATION_B,
    ),
    Case(
        "reporting.evaluation_export",
        "GET",
        "/reports/evaluation/nothing.csv",
        rule(404, ("evaluator", *ORG_ADMINS)),
    ),
]

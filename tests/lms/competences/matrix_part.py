"""The access matrix's part for ``lms.competences`` (see ``tests/matrix_support.py``).

Frameworks are shared by the whole programme: everyone signed in reads them, coordinators and
administrators change them. What is scoped is a target level set for one unit: a coordinator of
region A may not set or remove one for a municipality of region B (forged unit ids).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from lms.auth.models import User
from lms.competences import services
from lms.competences.models import CompetenceLink, LinkKind, NodeKind
from lms.orgs.models import JobTitle, OrgUnit
from tests.matrix_support import (
    API_SIGNED_IN,
    ORG_ADMINS,
    ORG_PAGE,
    ORG_PAGE_B,
    SIGNED_IN,
    SIGNED_IN_PAGE,
    Case,
    rule,
)

#: Bodies naming units; filled in by :func:`add_world` (the matrix formats URLs only).
TARGET_A: dict[str, Any] = {"job_title": "librarian", "min_level": "2"}
TARGET_B: dict[str, Any] = {"job_title": "librarian", "min_level": "2"}
BULK_A: dict[str, Any] = {"job_title": "librarian"}
BULK_B: dict[str, Any] = {"job_title": "librarian"}


def add_world(session: Session, users: dict[str, User], ids: dict[str, Any]) -> None:
    """Add what this package's URLs need to the matrix's world; put their ids in ``ids``."""
    fw = services.create_framework(session, slug="matrix-fw", name={"en": "Matrix framework"})
    other = services.create_framework(session, slug="matrix-other", name={"en": "Other"})
    area = services.add_node(session, fw, kind=NodeKind.AREA, parent=None, name={"en": "Area"})
    comp = services.add_node(
        session, fw, kind=NodeKind.COMPETENCE, parent=area, name={"en": "Competence"}
    )
    spare = services.add_node(
        session, fw, kind=NodeKind.COMPETENCE, parent=area, name={"en": "Spare"}
    )
    foreign = services.add_node(
        session, other, kind=NodeKind.AREA, parent=None, name={"en": "Foreign"}
    )
    muni_a = session.scalar(select(OrgUnit).where(OrgUnit.name == "Kommun A"))
    muni_b = session.scalar(select(OrgUnit).where(OrgUnit.name == "Kommun B"))
    general = services.set_target(
        session, comp, job_title=JobTitle.LIBRARIAN, unit=None, min_level=2
    )
    in_b = services.set_target(
        session, comp, job_title=JobTitle.LIBRARIAN, unit=muni_b, min_level=3
    )
    link = CompetenceLink(
        competence_id=comp.id, target_kind=LinkKind.COURSE, target_id=ids.get("course", 1)
    )
    session.add(link)
    session.flush()
    TARGET_A["unit_id"] = str(muni_a.id)
    TARGET_B["unit_id"] = str(muni_b.id)
    BULK_A.update({"unit_id": str(muni_a.id), f"min-{comp.id}": "3"})
    BULK_B.update({"unit_id": str(muni_b.id), f"min-{comp.id}": "3"})
    ids.update(
        cf_fw=fw.id,
        cf_other=other.id,
        cf_area=area.id,
        cf_comp=comp.id,
        cf_spare=spare.id,
        cf_foreign=foreign.id,
        cf_target=general.id,
        cf_target_b=in_b.id,
        cf_link=link.id,
        cf_uuid=fw.uuid,
        cf_muni_b=muni_b.id,
        cf_comp_uuid=comp.uuid,
    )


P = "/competences"
F = P + "/{cf_fw}"
C = F + "/nodes/{cf_comp}"
ONLY_GLOBAL_ADMIN = rule(302, ("admin",))

CASES: list[Case] = [
    Case("competences.index", "GET", P + "/", SIGNED_IN_PAGE),
    Case("competences.framework", "GET", F, SIGNED_IN_PAGE),
    Case("competences.framework", "GET", P + "/999999", rule(404, SIGNED_IN)),
    Case("competences.node", "GET", C, SIGNED_IN_PAGE),
    Case("competences.node", "GET", F + "/nodes/{cf_foreign}", rule(404, SIGNED_IN)),
    Case("competences.new_framework", "GET", P + "/new", ORG_PAGE),
    Case("competences.new_framework", "POST", P + "/new", rule(422, ORG_ADMINS), data={}),
    Case("competences.edit_framework", "GET", F + "/edit", ORG_PAGE),
    Case("competences.edit_framework", "POST", F + "/edit", rule(422, ORG_ADMINS), data={}),
    Case("competences.delete_framework", "POST", P + "/{cf_other}/delete", rule(302, ORG_ADMINS)),
    Case("competences.new_node", "GET", F + "/nodes/new?parent_id={cf_area}", ORG_PAGE),
    Case("competences.new_node", "POST", F + "/nodes/new", rule(422, ORG_ADMINS), data={}),
    Case("competences.edit_node", "GET", C + "/edit", ORG_PAGE),
    Case("competences.edit_node", "POST", C + "/edit", rule(422, ORG_ADMINS), data={}),
    Case(
        "competences.edit_node",
        "POST",
        F + "/nodes/{cf_foreign}/edit",
        rule(404, ORG_ADMINS),
        data={},
    ),
    Case("competences.move_node", "POST", C + "/move", rule(302, ORG_ADMINS), data={"delta": "1"}),
    Case("competences.delete_node", "POST", F + "/nodes/{cf_spare}/delete", rule(302, ORG_ADMINS)),
    Case("competences.edit_scale", "GET", F + "/scale", ORG_PAGE),
    Case("competences.edit_scale", "POST", F + "/scale", rule(422, ORG_ADMINS), data={}),
    Case("competences.set_target", "POST", C + "/targets", rule(302, ORG_ADMINS), data=TARGET_A),
    Case("competences.set_target", "POST", C + "/targets", ONLY_GLOBAL_ADMIN, data=TARGET_B),
    Case(
        "competences.delete_target",
        "POST",
        C + "/targets/{cf_target}/delete",
        rule(302, ORG_ADMINS),
    ),
    Case(
        "competences.delete_target",
        "POST",
        C + "/targets/{cf_target_b}/delete",
        ONLY_GLOBAL_ADMIN,
    ),
    Case("competences.targets", "GET", F + "/targets?job_title=librarian", ORG_PAGE),
    Case("competences.targets", "GET", F + "/targets?unit_id={cf_muni_b}", ORG_PAGE_B),
    Case("competences.targets", "POST", F + "/targets", rule(302, ORG_ADMINS), data=BULK_A),
    Case("competences.targets", "POST", F + "/targets", ONLY_GLOBAL_ADMIN, data=BULK_B),
    Case("competences.add_link", "POST", C + "/links", rule(422, ORG_ADMINS), data={}),
    Case("competences.delete_link", "POST", C + "/links/{cf_link}/delete", rule(302, ORG_ADMINS)),
    Case(
        "competences.delete_link",
        "POST",
        F + "/nodes/{cf_spare}/links/{cf_link}/delete",
        rule(404, ORG_ADMINS),
    ),
    Case("competences.export_csv", "GET", F + "/export.csv", SIGNED_IN_PAGE),
    Case("competences.export_case", "GET", F + "/case.json", SIGNED_IN_PAGE),
    Case("competences.import_csv", "GET", F + "/import", ORG_PAGE),
    Case("competences.import_csv", "POST", F + "/import", rule(422, ORG_ADMINS), data={}),
    Case("competences.import_case", "GET", P + "/import", ORG_PAGE),
    Case("competences.import_case", "POST", P + "/import", rule(422, ORG_ADMINS), data={}),
    # JSON
    Case("competences_api.frameworks", "GET", "/api/v1/frameworks", API_SIGNED_IN),
    Case("competences_api.framework", "GET", "/api/v1/frameworks/{cf_fw}", API_SIGNED_IN),
    Case(
        "competences_api.framework",
        "GET",
        "/api/v1/frameworks/999999",
        rule(404, SIGNED_IN, anonymous=401),
    ),
    Case(
        "competences_api.competences",
        "GET",
        "/api/v1/frameworks/{cf_fw}/competences",
        API_SIGNED_IN,
    ),
    Case("competences_api.case_package", "GET", "/api/v1/case/CFPackages/{cf_uuid}", API_SIGNED_IN),
    Case(
        "competences_api.case_document", "GET", "/api/v1/case/CFDocuments/{cf_uuid}", API_SIGNED_IN
    ),
    Case("competences_api.case_item", "GET", "/api/v1/case/CFItems/{cf_comp_uuid}", API_SIGNED_IN),
    Case(
        "competences_api.case_item",
        "GET",
        "/api/v1/case/CFItems/nothing-here",
        rule(404, SIGNED_IN, anonymous=401),
    ),
    Case(
        "competences_api.import_framework",
        "POST",
        "/api/v1/frameworks/import?format=case",
        rule(422, ORG_ADMINS, anonymous=401),
        data={},
    ),
]

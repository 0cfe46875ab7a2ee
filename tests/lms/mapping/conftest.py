"""A small mapping world: a framework of three competences on a 1–4 scale, a region with two
municipalities and three libraries, their staff, a programme and an open round."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

import pytest
from sqlalchemy.orm import Session

from lms.auth.models import Role, RoleAssignment, User
from lms.competences import services as competences
from lms.competences.models import Framework, Node, NodeKind
from lms.mapping import services
from lms.mapping.models import MappingRound, RoundScale
from lms.orgs import services as orgs
from lms.orgs.models import Country, JobTitle, OrgUnit, Programme

TODAY = date.today()


@dataclass
class MappingWorld:
    framework: Framework
    competences: list[Node]
    region: OrgUnit
    other_region: OrgUnit
    munis: list[OrgUnit]
    libraries: list[OrgUnit]
    programme: Programme
    round: MappingRound
    staff: list[User] = field(default_factory=list)
    users: dict[str, User] = field(default_factory=dict)
    outsider: User | None = None
    outsider_library: OrgUnit | None = None


def make_framework(session: Session, slug: str = "digital") -> tuple[Framework, list[Node]]:
    framework = competences.create_framework(
        session, slug=slug, name={"en": "Digital mediation", "sv": "Digital förmedling"}
    )
    for level in framework.scale.levels:
        level.descriptor = {"en": f"What someone at level {level.value} can do"}
    area = competences.add_node(
        session, framework, kind=NodeKind.AREA, parent=None, name={"en": "Information"}
    )
    area2 = competences.add_node(
        session, framework, kind=NodeKind.AREA, parent=None, name={"en": "Leadership"}
    )
    nodes = [
        competences.add_node(
            session,
            framework,
            kind=NodeKind.COMPETENCE,
            parent=area,
            name={"en": "Searching"},
            code="1.1",
        ),
        competences.add_node(
            session,
            framework,
            kind=NodeKind.COMPETENCE,
            parent=area,
            name={"en": "Evaluating"},
            code="1.2",
        ),
        competences.add_node(
            session,
            framework,
            kind=NodeKind.COMPETENCE,
            parent=area2,
            name={"en": "Leading change"},
            code="2.1",
        ),
    ]
    return framework, nodes


def person(
    session: Session,
    password_hash: str,
    key: str,
    library: OrgUnit | None,
    *,
    role: Role = Role.LEARNER,
    unit: OrgUnit | None = None,
    job_title: JobTitle = JobTitle.LIBRARIAN,
    locale: str | None = None,
) -> User:
    user = User(
        email=f"{key}@example.org", name=key.title(), password_hash=password_hash, locale=locale
    )
    session.add(user)
    session.flush()
    session.add(RoleAssignment(user=user, role=role, unit=unit if unit is not None else library))
    if library is not None:
        orgs.add_member(session, user, library, job_title)
    return user


@pytest.fixture
def mw(session: Session, password_hash: str) -> MappingWorld:
    framework, nodes = make_framework(session)
    region = orgs.create_unit(session, name="Dalarna", country=Country.SE)
    other = orgs.create_unit(session, name="Gävleborg", country=Country.SE)
    falun = orgs.create_unit(session, name="Falun", parent=region)
    mora = orgs.create_unit(session, name="Mora", parent=region)
    gavle = orgs.create_unit(session, name="Gävle", parent=other)
    libs = [
        orgs.create_unit(session, name="Falu stadsbibliotek", parent=falun),
        orgs.create_unit(session, name="Svärdsjö bibliotek", parent=falun),
        orgs.create_unit(session, name="Mora bibliotek", parent=mora),
    ]
    gavle_lib = orgs.create_unit(session, name="Gävle stadsbibliotek", parent=gavle)
    for node in nodes:
        competences.set_target(
            session, node, job_title=JobTitle.LIBRARIAN, unit=None, min_level=3, max_level=4
        )
        competences.set_target(
            session, node, job_title=JobTitle.LIBRARY_ASSISTANT, unit=None, min_level=2
        )
    # Mora wants more of its librarians in searching: the unit override wins.
    competences.set_target(
        session, nodes[0], job_title=JobTitle.LIBRARIAN, unit=libs[2], min_level=4
    )
    programme = Programme(name="KUB", regions=[region, other])
    session.add(programme)
    session.flush()
    users = {
        "coordinator": person(
            session, password_hash, "coordinator", None, role=Role.COORDINATOR, unit=region
        ),
        "manager": person(
            session,
            password_hash,
            "manager",
            libs[0],
            role=Role.MANAGER,
            job_title=JobTitle.MANAGER,
        ),
        "evaluator": person(session, password_hash, "evaluator", None, role=Role.EVALUATOR),
        "admin": person(session, password_hash, "admin", None, role=Role.ADMIN),
    }
    # Global roles: no unit.
    for key in ("evaluator", "admin"):
        users[key].roles[0].unit = None
    staff = [
        person(session, password_hash, f"staff{i}", libs[i % 3], locale=("sv", "nb", None)[i % 3])
        for i in range(6)
    ]
    outsider = person(session, password_hash, "outsider", gavle_lib)
    session.flush()
    mapping_round = services.create_round(
        session,
        name="Spring mapping",
        programme=programme,
        framework_id=framework.id,
        scale=RoundScale.FRAMEWORK,
        unit_ids=[region.id],
        opens_on=TODAY - timedelta(days=5),
        closes_on=TODAY + timedelta(days=20),
        reach=orgs_scope(region),
        by=users["coordinator"],
    )
    session.commit()
    return MappingWorld(
        framework=framework,
        competences=nodes,
        region=region,
        other_region=other,
        munis=[falun, mora],
        libraries=libs,
        programme=programme,
        round=mapping_round,
        staff=staff,
        users=users,
        outsider=outsider,
        outsider_library=gavle_lib,
    )


def orgs_scope(unit: OrgUnit) -> Any:
    from lms.auth.permissions import Scope

    return Scope(paths=(unit.path,))


def sign_in_as(client: Any, user: User) -> None:
    with client.session_transaction() as sess:
        sess["_user_id"] = user.get_id()
        sess["_fresh"] = True


def answer_all(
    session: Session, mw: MappingWorld, user: User, levels: list[int | None], *, submit: bool = True
) -> Any:
    participant = services.participant_of(session, mw.round, user)
    assert participant is not None
    answers = {
        node.id: services.Answer(level=level)
        for node, level in zip(mw.competences, levels, strict=False)
    }
    services.save_self_assessment(
        session, mw.round, participant, answers, submit=submit, today=TODAY
    )
    session.commit()
    return participant

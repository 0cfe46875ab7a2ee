"""A small world for the SWOT and municipality plan tests: two regions, staff, a coordinator."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

import pytest
from sqlalchemy.orm import Session

from lms.auth.models import Role, User
from lms.orgs.models import OrgUnit
from lms.swot import services
from lms.swot.models import Level, Perspective, Quadrant, SwotItem, SwotWorkshop


@dataclass
class SwotWorld:
    region: OrgUnit
    municipality: OrgUnit
    library: OrgUnit
    other_municipality: OrgUnit  # in another region
    coordinator: User
    manager: User
    staff: User
    colleague: User
    outsider: User  # staff in the other region
    other_coordinator: User


@pytest.fixture
def swot_world(create_unit: Callable[..., OrgUnit], create_user: Callable[..., User]) -> SwotWorld:
    region = create_unit("region", name="Dalarna")
    muni = create_unit("municipality", parent=region, name="Falun")
    lib = create_unit("library", parent=muni, name="Falu stadsbibliotek")
    other_region = create_unit("region", name="Värmland")
    other_muni = create_unit("municipality", parent=other_region, name="Arvika")
    other_lib = create_unit("library", parent=other_muni, name="Arvika bibliotek")
    return SwotWorld(
        region=region,
        municipality=muni,
        library=lib,
        other_municipality=other_muni,
        coordinator=create_user(Role.COORDINATOR, unit=region, name="Cecilia Konsulent"),
        manager=create_user(Role.MANAGER, unit=lib, name="Magnus Chef"),
        staff=create_user(Role.LEARNER, unit=lib, name="Åsa Öberg"),
        colleague=create_user(Role.LEARNER, unit=lib, name="Per Kollega"),
        outsider=create_user(Role.LEARNER, unit=other_lib, name="Olle Utanför"),
        other_coordinator=create_user(Role.COORDINATOR, unit=other_region),
    )


@pytest.fixture
def workshop(session: Session, swot_world: SwotWorld) -> SwotWorkshop:
    found = services.create_workshop(
        session,
        municipality=swot_world.municipality,
        title="SWOT-dag i Falun",
        held_on=date(2027, 3, 14),
        preparation="Fundera över **omvärld**, närvärld och invärld.",
        facilitators=[swot_world.coordinator],
        participants=[],
        votes_per_person=2,
        by=swot_world.coordinator,
    )
    session.commit()
    return found


@pytest.fixture
def add_item(session: Session) -> Callable[..., SwotItem]:
    def make(
        workshop: SwotWorkshop,
        author: User,
        text: str = "Kunnig personal inom läsfrämjande",
        quadrant: Quadrant = Quadrant.STRENGTH,
        level: Level = Level.INNER,
        perspective: Perspective = Perspective.TARGET_GROUPS,
    ) -> SwotItem:
        item = services.add_item(
            session,
            workshop,
            author,
            text=text,
            quadrant=quadrant,
            level=level,
            perspective=perspective,
        )
        session.commit()
        return item

    return make


@pytest.fixture
def request_context(app: Any) -> Any:
    with app.test_request_context():
        yield

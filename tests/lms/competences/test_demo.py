"""The demo framework: DigComp's five areas plus mediation and leadership, in four languages."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from lms.competences import services
from lms.competences.demo import SLUG
from lms.competences.models import TEXT_LOCALES, Framework, LinkKind, NodeKind
from lms.demo import load_demo
from lms.orgs.models import JobTitle, OrgUnit, UnitKind


def test_demo_framework_is_complete_in_four_languages(app, session: Session) -> None:
    # As `librarena demo` runs it: in an application context (the demo queues mail).
    with app.app_context():
        assert load_demo(session)
    framework = session.scalar(select(Framework).where(Framework.slug == SLUG))
    assert framework is not None
    assert "DigComp 2.2, JRC, CC BY 4.0" in framework.source_note
    rows = services.tree(session, framework)
    areas = [r.node for r in rows if r.node.kind is NodeKind.AREA]
    competences = [r.node for r in rows if r.node.kind is NodeKind.COMPETENCE]
    assert [a.name["en"] for a in areas[:5]] == [
        "Information and data literacy",
        "Communication and collaboration",
        "Digital content creation",
        "Safety",
        "Problem solving",
    ]
    assert 15 <= len(competences) <= 20
    names = {c.name["en"] for c in competences}
    for wanted in (
        "Mediating digital resources to target groups",
        "Selecting digital resources",
        "Resource-sharing agreements",
        "Prioritising mediation day to day",
        "Leading change",
        "The library as a learning organisation",
    ):
        assert wanted in names
    for node in areas + competences:
        assert set(node.name) == set(TEXT_LOCALES), node.code
        assert set(node.description) == set(TEXT_LOCALES), node.code
    levels = services.levels(framework)
    assert len(levels) in (4, 5)
    assert sum(1 for lv in levels if lv.is_default) == 1
    assert any(lv.is_proficient for lv in levels)
    assert all(set(lv.descriptor) == set(TEXT_LOCALES) for lv in levels)


def test_demo_targets_links_and_overrides(app, session: Session) -> None:
    with app.app_context():
        load_demo(session)
    framework = session.scalar(select(Framework).where(Framework.slug == SLUG))
    assert framework is not None
    by_code = {c.code: c for c in services.competences(session, framework)}
    mediating = by_code["6.1"]
    general = services.target_for(session, mediating, JobTitle.LIBRARIAN, None)
    assert general is not None
    assert general.min_level == 3
    falun = session.scalar(
        select(OrgUnit).where(OrgUnit.name == "Falun", OrgUnit.kind == UnitKind.MUNICIPALITY)
    )
    library = session.scalar(select(OrgUnit).where(OrgUnit.parent_id == falun.id))
    # The municipality's override reaches its libraries; the general value elsewhere.
    at_library = services.target_for(session, mediating, JobTitle.LIBRARIAN, library)
    assert at_library is not None
    assert at_library.min_level == 4
    assert at_library.unit_id == falun.id
    content = services.linked_content(session, [mediating.id, by_code["7.1"].id], "en")
    kinds = {ref.kind for ref in content[mediating.id]}
    assert {LinkKind.COURSE, LinkKind.MODULE, LinkKind.WEBINAR_SERIES} <= kinds
    assert content[by_code["7.1"].id]
    assert all(ref.title for refs in content.values() for ref in refs)
    assert services.self_efficacy_scale(session).values == [1, 2, 3, 4, 5, 6, 7]

"""The gap analysis: the rule (targets with unit overrides, validated over self, "don't know"
left out), the roll-up to child units, suppression, and a query count that does not grow."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import event
from sqlalchemy.orm import Session

from lms.mapping import gaps, services
from lms.mapping.models import MappingLevel, RoundScale
from tests.lms.mapping.conftest import TODAY, MappingWorld, answer_all, orgs_scope


def _submit_two(session: Session, mw: MappingWorld) -> None:
    answer_all(session, mw, mw.staff[0], [2, 3, None])  # Falu stadsbibliotek
    answer_all(session, mw, mw.staff[2], [3, 3, 1])  # Mora bibliotek: Searching needs 4 there


def test_unit_report_needed_against_mapped_with_unit_override(session: Session, mw: MappingWorld):
    _submit_two(session, mw)
    report = gaps.unit_report(session, mw.framework, mw.region, suppress=False)
    searching, evaluating, leading = (c.id for c in mw.competences)
    falun, mora = mw.munis
    assert report.people == 2
    total = report.total(searching)
    assert (total.people, total.mapped, total.needed, total.gap) == (2, 2.5, 3.5, 1.0)
    assert report.cell(falun.id, searching).gap == 1.0  # needs 3, has 2
    assert report.cell(mora.id, searching).gap == 1.0  # needs 4 (override), has 3
    assert report.total(evaluating).gap == 0.0
    # "don't know" is left out: only Mora's answer counts for leading change
    assert report.total(leading).people == 1
    assert report.cell(falun.id, leading).gap is None
    assert report.cell(mora.id, leading).gap == 2.0
    assert [c.id for c in report.ranked] == [leading, searching, evaluating]
    assert [c.id for c in report.largest] == [leading, searching]


def test_validated_rating_wins_over_self_rating(session: Session, mw: MappingWorld):
    _submit_two(session, mw)
    participant = services.participant_of(session, mw.round, mw.staff[0])
    assert participant is not None
    searching = mw.competences[0].id
    services.rate(
        session,
        mw.round,
        participant,
        {searching: services.Answer(level=3)},
        by=mw.users["manager"],
        today=TODAY,
    )
    session.commit()
    report = gaps.unit_report(session, mw.framework, mw.region, suppress=False)
    assert report.cell(mw.munis[0].id, searching).gap == 0.0
    assert report.total(searching).mapped == 3.0
    # the self-rating itself is untouched
    kinds = {(r.kind.value, r.level) for r in participant.ratings if r.competence_id == searching}
    assert kinds == {("self", 2), ("validated", 3)}


def test_latest_submitted_round_counts(session: Session, mw: MappingWorld):
    answer_all(session, mw, mw.staff[0], [1, 1, 1])
    later = services.create_round(
        session,
        name="Autumn",
        programme=mw.programme,
        framework_id=mw.framework.id,
        scale=RoundScale.FRAMEWORK,
        unit_ids=[mw.region.id],
        opens_on=TODAY,
        closes_on=TODAY + timedelta(days=3),
        reach=orgs_scope(mw.region),
        by=None,
    )
    participant = services.participant_of(session, later, mw.staff[0])
    assert participant is not None
    # Saved but not submitted: the earlier round still counts.
    answers = {c.id: services.Answer(level=4) for c in mw.competences}
    services.save_self_assessment(session, later, participant, answers, submit=False, today=TODAY)
    report = gaps.person_report(session, mw.framework, mw.staff[0].id)
    assert report.total(mw.competences[0].id).mapped == 1.0
    services.save_self_assessment(session, later, participant, answers, submit=True, today=TODAY)
    session.commit()
    report = gaps.person_report(session, mw.framework, mw.staff[0].id)
    assert report.total(mw.competences[0].id).mapped == 4.0
    assert report.total(mw.competences[0].id).gap == -1.0  # above the target
    assert session.query(MappingLevel).filter_by(user_id=mw.staff[0].id).count() == 3


def test_self_efficacy_answers_are_placed_on_the_framework_scale(
    session: Session, mw: MappingWorld
):
    efficacy = services.create_round(
        session,
        name="Confidence",
        programme=mw.programme,
        framework_id=mw.framework.id,
        scale=RoundScale.SELF_EFFICACY,
        unit_ids=[mw.libraries[0].id],
        opens_on=TODAY,
        closes_on=TODAY,
        reach=orgs_scope(mw.region),
        by=None,
    )
    participant = services.participant_of(session, efficacy, mw.staff[0])
    assert participant is not None
    levels = (1, 4, 7)
    answers = {
        c.id: services.Answer(level=lv) for c, lv in zip(mw.competences, levels, strict=True)
    }
    services.save_self_assessment(session, efficacy, participant, answers, submit=True, today=TODAY)
    scores = sorted(r.score for r in participant.ratings)
    assert scores == [1.0, 2.5, 4.0]  # 1 → lowest level, 7 → highest (1–4)


def test_evaluators_see_cells_of_fewer_than_five_people_suppressed(
    session: Session, mw: MappingWorld
):
    for person in mw.staff:
        answer_all(session, mw, person, [2, 2, 2])
    report = gaps.unit_report(session, mw.framework, mw.region, suppress=True)
    searching = mw.competences[0].id
    falun, mora = mw.munis
    assert report.total(searching).people == 6
    assert not report.total(searching).suppressed
    assert report.cell(falun.id, searching).suppressed  # 4 people
    assert report.cell(falun.id, searching).gap is None
    assert report.cell(mora.id, searching).suppressed  # 2 people
    full = gaps.unit_report(session, mw.framework, mw.region, suppress=False)
    assert full.cell(falun.id, searching).people == 4


def test_programme_report_columns_are_regions(session: Session, mw: MappingWorld):
    _submit_two(session, mw)
    report = gaps.programme_report(
        session, mw.framework, [mw.region, mw.other_region], suppress=False
    )
    assert [c.id for c in report.columns] == [mw.region.id, mw.other_region.id]
    assert report.cell(mw.region.id, mw.competences[0].id).people == 2
    assert report.cell(mw.other_region.id, mw.competences[0].id).people == 0


def test_people_report_of_a_library(session: Session, mw: MappingWorld):
    _submit_two(session, mw)
    report = gaps.people_report(session, mw.framework, mw.libraries[0])
    assert [c.id for c in report.columns] == [mw.staff[0].id]
    assert report.cell(mw.staff[0].id, mw.competences[0].id).gap == 1.0


def _statements(session: Session, mw: MappingWorld) -> int:
    statements: list[str] = []

    def count(*args: object) -> None:
        statements.append(str(args[2]))

    engine = session.get_bind().engine
    event.listen(engine, "before_cursor_execute", count)
    try:
        gaps.unit_report(session, mw.framework, mw.region, suppress=False)
    finally:
        event.remove(engine, "before_cursor_execute", count)
    return len(statements)


def test_query_count_does_not_grow_with_people(session: Session, mw: MappingWorld):
    for person in mw.staff[:2]:
        answer_all(session, mw, person, [1, 2, 3])
    few = _statements(session, mw)
    for person in mw.staff[2:]:
        answer_all(session, mw, person, [1, 2, 3])
    assert _statements(session, mw) == few
    assert few <= 8


def test_tallies_stay_in_step_with_the_levels(session: Session, mw: MappingWorld):
    from sqlalchemy import func, select

    from lms.mapping.models import MappingTally

    participant = answer_all(session, mw, mw.staff[0], [1, 2, 3])
    answer_all(session, mw, mw.staff[3], [2, 2, None])
    # Changing an answer after submitting, and a manager's rating, both move the tallies.
    services.save_self_assessment(
        session,
        mw.round,
        participant,
        {mw.competences[0].id: services.Answer(level=4)},
        submit=False,
        today=TODAY,
    )
    services.rate(
        session,
        mw.round,
        participant,
        {mw.competences[1].id: services.Answer(level=1)},
        by=mw.users["manager"],
        today=TODAY,
    )
    session.commit()
    from_levels = {
        (path, comp, str(title)): (n, s)
        for path, comp, title, n, s in session.execute(
            select(
                MappingLevel.unit_path,
                MappingLevel.competence_id,
                MappingLevel.job_title,
                func.count(),
                func.sum(MappingLevel.score),
            ).group_by(MappingLevel.unit_path, MappingLevel.competence_id, MappingLevel.job_title)
        )
    }
    tallies = {
        (t.unit_path, t.competence_id, str(t.job_title)): (t.people, t.score_sum)
        for t in session.scalars(select(MappingTally))
    }
    libraries = {key: value for key, value in tallies.items() if key[0].count("/") == 4}
    assert libraries == from_levels
    # The units above add up their libraries.
    region = tallies[(mw.region.path, mw.competences[0].id, "librarian")]
    assert region == (2, 6.0)
    assert tallies[(mw.libraries[0].path, mw.competences[0].id, "librarian")] == (2, 6.0)
    assert tallies[(mw.libraries[0].path, mw.competences[1].id, "librarian")] == (2, 3.0)


def test_a_single_hidden_cell_cannot_be_worked_out_from_the_total(
    session: Session, mw: MappingWorld
):
    from lms.orgs import services as orgs
    from tests.lms.mapping.conftest import person

    # Falun: 4 staff and the manager; Mora: 2; a third municipality with 5 more people.
    third = orgs.create_unit(session, name="Rättvik", parent=mw.region)
    library = orgs.create_unit(session, name="Rättviks bibliotek", parent=third)
    extra = [person(session, "x", f"extra{i}", library) for i in range(5)]
    session.commit()
    services.sync_participants(session, mw.round)
    for someone in [*mw.staff, *extra, mw.users["manager"]]:
        answer_all(session, mw, someone, [2, 2, 2])
    searching = mw.competences[0].id
    report = gaps.unit_report(session, mw.framework, mw.region, suppress=True)
    falun, mora = mw.munis
    assert not report.total(searching).suppressed  # 12 people
    assert report.cell(mora.id, searching).suppressed  # 2 people: hidden
    # Falun and Rättvik have 5 each, but showing both would give Mora away as the difference.
    cells = [report.cell(c.id, searching) for c in (falun, third)]
    assert [c.suppressed for c in cells].count(True) == 1
    full = gaps.unit_report(session, mw.framework, mw.region, suppress=False)
    assert not any(full.cell(c.id, searching).suppressed for c in (falun, mora, third))

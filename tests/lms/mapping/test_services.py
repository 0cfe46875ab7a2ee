"""Rounds, self-assessments, manager ratings, reminders and xAPI events."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from lms.auth.permissions import Scope
from lms.errors import Conflict, ValidationFailed
from lms.mapping import services
from lms.mapping.models import Rating, RatingKind, RoundScale
from lms.outbox.models import OutboxMessage
from tests.conftest import object_of, statements_of, verb_of
from tests.lms.mapping.conftest import TODAY, MappingWorld, answer_all, orgs_scope


def test_round_takes_in_the_staff_of_its_units(mw: MappingWorld):
    people = {p.user_id for p in mw.round.participants}
    assert people == {u.id for u in mw.staff} | {mw.users["manager"].id}
    assert mw.outsider is not None
    assert mw.outsider.id not in people
    manager = next(p for p in mw.round.participants if p.user_id == mw.users["manager"].id)
    assert manager.job_title.value == "manager"
    assert manager.unit_path == mw.libraries[0].path


def _create(session: Session, mw: MappingWorld, **overrides: object) -> object:
    args: dict[str, object] = {
        "name": "New round",
        "programme": mw.programme,
        "framework_id": mw.framework.id,
        "scale": RoundScale.FRAMEWORK,
        "unit_ids": [mw.munis[1].id],
        "opens_on": TODAY,
        "closes_on": TODAY + timedelta(days=7),
        "reach": orgs_scope(mw.region),
        "by": None,
    }
    args.update(overrides)
    return services.create_round(session, **args)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"closes_on": TODAY - timedelta(days=1)}, "closes_on"),
        ({"unit_ids": []}, "units"),
        ({"unit_ids": [10**6]}, "units"),
        ({"framework_id": 10**6}, "framework_id"),
    ],
)
def test_bad_round_is_refused_naming_the_field(
    session: Session, mw: MappingWorld, overrides: dict[str, object], field: str
):
    with pytest.raises(ValidationFailed) as caught:
        _create(session, mw, **overrides)
    assert field in caught.value.errors


def test_round_outside_ones_reach_is_refused(session: Session, mw: MappingWorld):
    with pytest.raises(ValidationFailed) as caught:
        _create(session, mw, unit_ids=[mw.other_region.id])
    assert "outside your organisation" in caught.value.errors["units"][0]
    # The global reach may, and the units nested in a chosen one collapse to it.
    made = _create(
        session,
        mw,
        unit_ids=[mw.other_region.id, mw.outsider_library.id],  # type: ignore[union-attr]
        reach=Scope(everywhere=True),
    )
    assert [u.id for u in made.units] == [mw.other_region.id]  # type: ignore[attr-defined]


def test_save_and_come_back_then_submit(session: Session, mw: MappingWorld):
    searching, _evaluating, leading = mw.competences
    participant = answer_all(session, mw, mw.staff[0], [2, 3], submit=False)
    assert participant.started_at is not None
    assert participant.submitted_at is None
    # Submitting with one competence unanswered is refused, naming it.
    with pytest.raises(ValidationFailed) as caught:
        services.save_self_assessment(session, mw.round, participant, {}, submit=True, today=TODAY)
    assert list(caught.value.errors) == [f"level-{leading.id}"]
    session.rollback()
    # "don't know" counts as an answer.
    services.save_self_assessment(
        session,
        mw.round,
        participant,
        {leading.id: services.Answer(level=None, comment="Never tried")},
        submit=True,
        today=TODAY,
    )
    session.commit()
    assert participant.submitted_at is not None
    own = {r.competence_id: r for r in participant.ratings if r.kind is RatingKind.SELF}
    assert own[searching.id].level == 2
    assert own[leading.id].level is None
    assert own[leading.id].comment == "Never tried"


def test_level_outside_the_scale_is_refused_and_nothing_stored(session: Session, mw: MappingWorld):
    participant = services.participant_of(session, mw.round, mw.staff[0])
    assert participant is not None
    searching = mw.competences[0].id
    with pytest.raises(ValidationFailed) as caught:
        services.save_self_assessment(
            session,
            mw.round,
            participant,
            {searching: services.Answer(level=9)},
            submit=False,
            today=TODAY,
        )
    assert "from 1 to 4" in caught.value.errors[f"level-{searching}"][0]
    session.rollback()
    assert session.scalar(select(Rating).where(Rating.participant_id == participant.id)) is None


def test_answers_after_the_round_closed_are_refused(session: Session, mw: MappingWorld):
    participant = services.participant_of(session, mw.round, mw.staff[0])
    assert participant is not None
    services.close_round(session, mw.round)
    answers = {mw.competences[0].id: services.Answer(level=2)}
    with pytest.raises(Conflict) as caught:
        services.save_self_assessment(
            session, mw.round, participant, answers, submit=False, today=TODAY
        )
    assert "closed" in (caught.value.message or "")
    with pytest.raises(Conflict):
        services.rate(session, mw.round, participant, answers, by=mw.users["manager"], today=TODAY)
    # After the closing date too, even if nobody pressed "close".
    with pytest.raises(Conflict):
        services.check_open(mw.round, mw.round.closes_on + timedelta(days=1))
    with pytest.raises(Conflict):
        services.close_round(session, mw.round)


def test_manager_rating_is_kept_beside_the_self_rating(session: Session, mw: MappingWorld):
    participant = answer_all(session, mw, mw.staff[0], [2, 2, 2])
    searching = mw.competences[0].id
    services.rate(
        session,
        mw.round,
        participant,
        {searching: services.Answer(level=3, comment="Shows others how")},
        by=mw.users["manager"],
        today=TODAY,
    )
    rows = sorted(
        (r.kind.value, r.level, r.rated_by_id)
        for r in participant.ratings
        if r.competence_id == searching
    )
    assert rows == [
        ("self", 2, mw.staff[0].id),
        ("validated", 3, mw.users["manager"].id),
    ]
    # "No rating from me" withdraws the manager's rating; the person's own stays.
    services.rate(
        session,
        mw.round,
        participant,
        {searching: services.Answer(level=None)},
        by=mw.users["manager"],
        today=TODAY,
    )
    session.flush()
    assert [r.kind for r in participant.ratings if r.competence_id == searching] == [
        RatingKind.SELF
    ]


def test_response_rates_per_unit(session: Session, mw: MappingWorld):
    answer_all(session, mw, mw.staff[0], [1, 1, 1])
    answer_all(session, mw, mw.staff[2], [1, 1, 1])
    rates = {r.unit.name: r for r in services.response_rates(session, mw.round)}
    assert (rates["Dalarna"].in_scope, rates["Dalarna"].submitted) == (7, 2)
    assert (rates["Falun"].in_scope, rates["Falun"].submitted) == (5, 1)
    assert (rates["Mora bibliotek"].in_scope, rates["Mora bibliotek"].submitted) == (2, 1)
    assert rates["Mora"].rate == 0.5
    order = [r.unit.name for r in services.response_rates(session, mw.round)]
    assert order.index("Dalarna") < order.index("Falun") < order.index("Falu stadsbibliotek")


def _payloads(session: Session, channel: str) -> list[dict[str, object]]:
    return [
        m.payload
        for m in session.scalars(
            select(OutboxMessage).where(OutboxMessage.channel == channel).order_by(OutboxMessage.id)
        )
    ]


def test_reminders_go_to_those_who_have_not_answered_in_their_language(
    session: Session, mw: MappingWorld, app: object
):
    answer_all(session, mw, mw.staff[0], [1, 1, 1])
    with app.test_request_context():  # type: ignore[attr-defined]
        sent = services.send_reminders(session, mw.round, today=TODAY)
    assert sent == 6
    mails = _payloads(session, "mail")
    recipients = {m["to"] for m in mails}
    assert mw.staff[0].email not in recipients
    assert mw.staff[3].email in recipients
    by_to = {m["to"]: m for m in mails}
    assert "Påminnelse" in str(by_to[mw.staff[3].email]["subject"])  # staff3: sv
    assert "Spring mapping" in str(by_to[mw.staff[1].email]["body"])


def test_xapi_events_name_the_competence_and_never_an_email(session: Session, mw: MappingWorld):
    participant = answer_all(session, mw, mw.staff[0], [3, 1, None])
    services.rate(
        session,
        mw.round,
        participant,
        {mw.competences[1].id: services.Answer(level=3)},
        by=mw.users["manager"],
        today=TODAY,
    )
    events = statements_of(session)
    verbs = [(verb_of(e), object_of(e)[1]) for e in events]
    searching, evaluating, _leading = (str(c.id) for c in mw.competences)
    assert ("answered", searching) in verbs
    assert ("answered", evaluating) in verbs
    assert ("mastered", searching) in verbs  # 3 reaches the librarian's target of 3
    assert ("mastered", evaluating) in verbs  # the manager's 3 reaches it too
    assert ("rated", evaluating) in verbs
    assert all(object_of(e)[0] == "competence" for e in events)
    # grouped by the round's programme
    programme = f"/activities/programme/{mw.round.programme_id}"
    for e in events:
        assert [g["id"] for g in e["context"]["contextActivities"]["grouping"]] == [
            "http://librarena.localhost" + programme
        ]
    assert "@" not in repr(events)


def test_history_and_latest_across_rounds(session: Session, mw: MappingWorld):
    first = answer_all(session, mw, mw.staff[0], [1, 1, 1])
    later = services.create_round(
        session,
        name="Autumn",
        programme=mw.programme,
        framework_id=mw.framework.id,
        scale=RoundScale.FRAMEWORK,
        unit_ids=[mw.region.id],
        opens_on=TODAY,
        closes_on=TODAY,
        reach=orgs_scope(mw.region),
        by=None,
    )
    second = services.participant_of(session, later, mw.staff[0])
    assert second is not None
    answers = {c.id: services.Answer(level=2) for c in mw.competences}
    services.save_self_assessment(session, later, second, answers, submit=True, today=TODAY)
    session.commit()
    session.refresh(first)
    assert (first.is_latest, second.is_latest) == (False, True)
    history = services.history_of(session, mw.staff[0])
    assert [r.name for r, _p in history] == ["Spring mapping", "Autumn"]


def test_changing_a_rounds_units_updates_who_takes_part(session: Session, mw: MappingWorld):
    answer_all(session, mw, mw.staff[2], [1, 1, 1], submit=False)  # Mora: has answered
    services.update_round(
        session,
        mw.round,
        name="Spring mapping, Falun",
        unit_ids=[mw.munis[0].id],
        opens_on=mw.round.opens_on,
        closes_on=mw.round.closes_on,
        reach=orgs_scope(mw.region),
    )
    people = {p.user_id for p in mw.round.participants}
    assert mw.staff[2].id in people  # kept: they have answered
    assert mw.staff[5].id not in people  # Mora, no answers: no longer in scope
    assert mw.staff[0].id in people
    services.close_round(session, mw.round)
    with pytest.raises(Conflict):
        services.update_round(
            session,
            mw.round,
            name="Too late",
            unit_ids=[mw.region.id],
            opens_on=mw.round.opens_on,
            closes_on=mw.round.closes_on,
            reach=orgs_scope(mw.region),
        )


def test_mapping_events_make_valid_statements(session: Session, mw: MappingWorld):
    from lms.xapi.validation.statement import validate_statement

    participant = answer_all(session, mw, mw.staff[0], [3, 2, 2])
    services.rate(
        session,
        mw.round,
        participant,
        {mw.competences[1].id: services.Answer(level=4)},
        by=mw.users["manager"],
        today=TODAY,
    )
    statements = statements_of(session)
    assert {verb_of(s) for s in statements} == {"answered", "mastered", "rated"}
    for statement in statements:
        validate_statement(statement)
        assert statement["object"]["id"].startswith(
            "http://librarena.localhost/activities/competence/"
        )
        if verb_of(statement) == "rated":
            assert statement["verb"]["id"] == "http://id.tincanapi.com/verb/rated"
            assert statement["actor"]["account"]["name"] == str(mw.users["manager"].id)

"""lms.assignments.services: tracks, assigning, derived progress, reminders, xAPI events."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import event, func, select

from content.courses.models import ItemKind
from content.progress import services as progress_services
from content.webinars import services as webinars
from content.webinars.models import RegistrationStatus
from lms.assignments import services
from lms.assignments.models import (
    Assignment,
    AssignmentRule,
    AssignmentStatus,
    ProgressState,
    StepKind,
)
from lms.auth.models import Role
from lms.auth.permissions import scope
from lms.db import utcnow
from lms.errors import Conflict, Forbidden, ValidationFailed
from lms.orgs import services as orgs
from lms.orgs.models import JobTitle
from lms.xapi.emit import extension
from tests.conftest import object_of
from tests.content.conftest import items_of, right_answers
from tests.lms.assignments.conftest import events_of, outbox

TODAY = utcnow().date()


def _count(session, model):
    return session.scalar(select(func.count()).select_from(model))


@pytest.fixture
def team(create_user, create_unit):
    """A manager of a library with two staff, and a stranger in another region."""
    library = create_unit("library")
    manager = create_user("manager", unit=library)
    alice = create_user("learner", unit=library, name="Alice", locale="sv")
    bob = create_user("learner", unit=library, name="Bob", job_title=JobTitle.LIBRARY_ASSISTANT)
    stranger = create_user("learner")
    return library, manager, alice, bob, stranger


def _assign(session, track, manager, user, due=None):
    a = services.assign_person(
        session,
        track,
        user.id,
        due_on=due or TODAY + timedelta(days=30),
        note="Please",
        by=manager,
        reach=scope(manager, Role.MANAGER),
        today=TODAY,
    )
    session.commit()
    return a


def test_track_without_steps_cannot_be_published_or_assigned(create_track, session, team):
    _library, manager, alice, _bob, _s = team
    track = create_track(steps=[], publish=False)
    with pytest.raises(ValidationFailed) as exc:
        services.publish(session, track, True)
    assert "steps" in exc.value.errors
    assert track.is_published is False
    with pytest.raises(Conflict):
        _assign(session, track, manager, alice)
    assert _count(session, Assignment) == 0


def test_track_needs_a_required_step_and_title_in_fallback(create_track, session):
    track = create_track(steps=[(StepKind.REFLECTION, {"is_required": False})], publish=False)
    with pytest.raises(ValidationFailed):
        services.publish(session, track, True)
    with pytest.raises(ValidationFailed) as exc:
        services.update_track(
            session,
            track,
            texts={"sv": {"title": "Bara svenska"}},
            fallback_locale="en",
            is_ordered=False,
            effort_hours=1,
            job_titles=[],
        )
    assert "title_en" in exc.value.errors


def test_step_target_must_exist(create_track, session):
    track = create_track(publish=False)
    with pytest.raises(ValidationFailed) as exc:
        services.add_step(session, track, kind=StepKind.COURSE, course_id=999_999)
    assert "course_id" in exc.value.errors
    with pytest.raises(ValidationFailed):
        services.add_step(session, track, kind=StepKind.REFLECTION, prompt={})


def test_steps_reorder_and_move(create_track, session):
    track = create_track(
        steps=[
            (StepKind.REFLECTION, {"prompt": {"en": {"title": t, "prompt": "?"}}}) for t in "ABC"
        ]
    )
    a, b, c = track.steps
    services.move_step(session, c, -1)
    assert [s.prompt["en"]["title"] for s in sorted(track.steps, key=lambda s: s.position)] == [
        "A",
        "C",
        "B",
    ]
    services.reorder_steps(session, track, [b.id, a.id, c.id])
    assert [s.id for s in sorted(track.steps, key=lambda s: s.position)] == [b.id, a.id, c.id]
    with pytest.raises(ValidationFailed):
        services.reorder_steps(session, track, [a.id, a.id, c.id])
    services.move_step(session, b, -1)  # already first: nothing moves
    assert min(track.steps, key=lambda s: s.position).id == b.id


def test_deleting_the_last_required_step_of_a_published_track_is_refused(create_track, session):
    track = create_track()
    with pytest.raises(ValidationFailed):
        services.delete_step(session, track.steps[0])


def test_assign_refuses_past_due_date_duplicates_and_strangers(create_track, session, team):
    _library, manager, alice, _bob, stranger = team
    track = create_track()
    with pytest.raises(ValidationFailed) as exc:
        _assign(session, track, manager, alice, due=TODAY - timedelta(days=1))
    assert "due_on" in exc.value.errors
    session.rollback()
    assert _count(session, Assignment) == 0
    _assign(session, track, manager, alice)
    with pytest.raises(Conflict):
        _assign(session, track, manager, alice)
    session.rollback()
    with pytest.raises(Forbidden):
        _assign(session, track, manager, stranger)
    session.rollback()
    assert _count(session, Assignment) == 1


def test_course_completed_before_assignment_counts(
    create_track, create_course, enrol, session, team
):
    _library, manager, alice, _bob, _s = team
    course = create_course()
    enrolment = enrol(course, alice)
    items = items_of(course)
    from content.quizzes import services as quizzes

    quizzes.submit(
        session,
        enrolment,
        items[ItemKind.QUIZ].id,
        right_answers(items[ItemKind.QUIZ]),
        locale="en",
    )
    progress_services.mark_seen(session, enrolment, items[ItemKind.LESSON].id, locale="en")
    session.commit()
    assert enrolment.completed_at is not None
    track = create_track(steps=[(StepKind.COURSE, {"course_id": course.id})])
    a = _assign(session, track, manager, alice)
    p = services.progress_for(session, [a])[a.id]
    assert p.state is ProgressState.DONE
    assert (p.required_done, p.required_total, p.percent) == (1, 1, 100)


def test_progress_of_module_series_and_reflection_steps(
    create_track, create_course, create_session, enrol, session, team
):
    _library, manager, alice, bob, _s = team
    course = create_course()
    module = course.modules[0]
    ev = create_session()
    track = create_track(
        steps=[
            (StepKind.MODULE, {"module_id": module.id}),
            (StepKind.EVENT_SERIES, {"series_id": ev.series_id}),
            (StepKind.REFLECTION, {}),
            (StepKind.COURSE, {"course_id": course.id, "is_required": False}),
        ],
        is_ordered=True,
    )
    a = _assign(session, track, manager, alice)
    b = _assign(session, track, manager, bob, due=TODAY)
    first = services.progress_for(session, [a, b])
    assert first[a.id].state is ProgressState.NOT_STARTED
    assert first[a.id].next_step_id == track.steps[0].id
    # Alice reads the lesson and passes the quiz: the module is done (the reflection item of a
    # module is not needed, as for the course's own completion rule).
    enrolment = enrol(course, alice)
    items = items_of(course)
    progress_services.mark_seen(session, enrolment, items[ItemKind.LESSON].id, locale="en")
    p = services.progress_for(session, [a])[a.id]
    assert p.state is ProgressState.ON_TIME
    assert p.steps[0].done is False
    assert p.steps[0].started is True
    from content.quizzes import services as quizzes

    quizzes.submit(
        session,
        enrolment,
        items[ItemKind.QUIZ].id,
        right_answers(items[ItemKind.QUIZ]),
        locale="en",
    )
    p = services.progress_for(session, [a])[a.id]
    assert p.steps[0].done is True
    assert p.next_step_id == track.steps[1].id
    # Registered for a session: started; attended: done.
    reg = webinars.register(session, ev, alice)
    assert services.progress_for(session, [a])[a.id].steps[1].started is True
    assert services.progress_for(session, [a])[a.id].steps[1].done is False
    reg.status = RegistrationStatus.ATTENDED
    session.flush()
    # In order: the reflection waits for nothing more now.
    services.answer_reflection(session, track.steps[2], alice, "I learned a lot.")
    p = services.progress_for(session, [a])[a.id]
    assert p.state is ProgressState.DONE  # the optional course step is not needed
    # Bob, due today and not started, is not overdue until tomorrow.
    assert services.progress_for(session, [b])[b.id].state is ProgressState.NOT_STARTED
    later = TODAY + timedelta(days=1)
    assert services.progress_for(session, [b], today=later)[b.id].state is ProgressState.OVERDUE


def test_reflection_in_ordered_track_waits_for_earlier_steps(
    create_track, create_course, session, team
):
    _library, manager, alice, _bob, _s = team
    course = create_course()
    track = create_track(
        steps=[(StepKind.COURSE, {"course_id": course.id}), (StepKind.REFLECTION, {})],
        is_ordered=True,
    )
    with pytest.raises(Forbidden):  # not assigned
        services.answer_reflection(session, track.steps[1], alice, "Hm")
    _assign(session, track, manager, alice)
    with pytest.raises(Conflict):
        services.answer_reflection(session, track.steps[1], alice, "Hm")


def test_started_and_completed_are_recorded_once(create_track, session, team):
    _library, manager, alice, _bob, _s = team
    track = create_track()
    a = _assign(session, track, manager, alice)
    assigned = events_of(session, "assigned")
    assert len(assigned) == 1
    assert assigned[0]["actor"]["account"]["name"] == str(manager.id)
    assert assigned[0]["context"]["extensions"][extension("assignee")] == alice.id
    services.answer_reflection(session, track.steps[0], alice, "Done")
    for _ in range(2):
        progress = services.progress_for(session, [a])
        services.settle(session, [a], progress)
    assert len(events_of(session, "started")) == 1
    completed = [e for e in events_of(session, "completed") if object_of(e)[0] == "track"]
    assert len(completed) == 1
    assert completed[0]["actor"]["account"]["name"] == str(alice.id)
    assert "@" not in str(completed[0])


def test_withdraw_refuses_a_completed_assignment(create_track, session, team):
    _library, manager, alice, bob, _s = team
    track = create_track()
    a = _assign(session, track, manager, alice)
    b = _assign(session, track, manager, bob)
    services.answer_reflection(session, track.steps[0], alice, "Done")
    with pytest.raises(Conflict):
        services.withdraw(session, a)
    assert a.status is AssignmentStatus.ACTIVE
    services.withdraw(session, b)
    assert b.status is AssignmentStatus.WITHDRAWN
    with pytest.raises(Conflict):
        services.withdraw(session, b)
    # Withdrawn, Bob may be given the track again.
    again = _assign(session, track, manager, bob)
    assert again.id != b.id


def test_group_assignment_reaches_people_who_join_later(
    create_track, create_user, session, team, app
):
    library, manager, alice, bob, _s = team
    track = create_track()
    _assign(session, track, manager, alice)  # Alice has it already: skipped
    with app.app_context():
        result = services.assign_group(
            session,
            track,
            library.id,
            job_title=None,
            due_on=TODAY + timedelta(days=10),
            note="",
            by=manager,
            reach=scope(manager, Role.MANAGER),
            today=TODAY,
        )
        assert {a.user_id for a in result.assigned} == {manager.id, bob.id}
        assert result.skipped == 1
        session.commit()
        newcomer = create_user("learner", unit=library)
        assert services.active_of(session, newcomer.id, track.id) is not None
        rule = session.scalar(select(AssignmentRule))
        assert services.active_of(session, newcomer.id, track.id).rule_id == rule.id


def test_group_assignment_by_job_title_and_forged_unit(
    create_track, create_user, create_unit, session, team, app
):
    library, manager, _alice, bob, _s = team
    track = create_track()
    with app.app_context():
        result = services.assign_group(
            session,
            track,
            library.id,
            job_title=JobTitle.LIBRARY_ASSISTANT,
            due_on=TODAY + timedelta(days=10),
            note="",
            by=manager,
            reach=scope(manager, Role.MANAGER),
            today=TODAY,
        )
        assert [a.user_id for a in result.assigned] == [bob.id]
        session.commit()
        # A new librarian does not get it; a new assistant does.
        librarian = create_user("learner", unit=library, job_title=JobTitle.LIBRARIAN)
        assistant = create_user("learner", unit=library, job_title=JobTitle.LIBRARY_ASSISTANT)
        assert services.active_of(session, librarian.id, track.id) is None
        assert services.active_of(session, assistant.id, track.id) is not None
        # Changing job title to assistant there brings it too.
        orgs.add_member(session, librarian, library, JobTitle.LIBRARY_ASSISTANT)
        assert services.active_of(session, librarian.id, track.id) is not None
        other = create_unit("library")
        with pytest.raises(Forbidden):
            services.assign_group(
                session,
                track,
                other.id,
                job_title=None,
                due_on=TODAY,
                note="",
                by=manager,
                reach=scope(manager, Role.MANAGER),
                today=TODAY,
            )


def test_reminders_are_scheduled_and_follow_an_extension(create_track, session, team, app):
    _library, manager, alice, _bob, _s = team
    track = create_track()
    due = TODAY + timedelta(days=20)
    a = _assign(session, track, manager, alice, due=due)
    reminders = outbox(session, services.REMINDER_CHANNEL)
    assert [m.payload["kind"] for m in reminders] == ["before", "after"]
    assert reminders[0].next_attempt_at.date() == due - timedelta(days=7)
    assert reminders[1].next_attempt_at.date() == due + timedelta(days=1)
    new_mail = [m.payload for m in outbox(session, "mail")]
    assert new_mail[-1]["to"] == alice.email
    assert "Ny uppgift" in new_mail[-1]["subject"] or "Spår" in new_mail[-1]["subject"]
    services.extend(session, a, due + timedelta(days=7), today=TODAY)
    with pytest.raises(ValidationFailed):
        services.extend(session, a, due, today=TODAY)  # not later than now
    with pytest.raises(ValidationFailed):
        services.extend(session, a, TODAY - timedelta(days=1), today=TODAY)
    session.commit()
    before = len(outbox(session, "mail"))
    with app.test_request_context():
        services.deliver_reminder(app, reminders[0].payload)  # made for the old date
        assert len(outbox(session, "mail")) == before
        fresh = outbox(session, services.REMINDER_CHANNEL)[-2]
        services.deliver_reminder(app, fresh.payload)
        mails = [m.payload for m in outbox(session, "mail")]
        assert len(mails) == before + 1
        assert mails[-1]["to"] == alice.email
        assert "Spår" in mails[-1]["subject"]  # in Alice's language, Swedish
        services.set_reminders(session, a, False)
        services.deliver_reminder(app, fresh.payload)
        assert len(outbox(session, "mail")) == before + 1


def test_no_reminder_once_done_and_remind_now(create_track, session, team, app):
    _library, manager, alice, _bob, _s = team
    track = create_track()
    a = _assign(session, track, manager, alice)
    with app.test_request_context():
        services.remind_now(session, a)
        assert a.last_reminded_at is not None
        services.answer_reflection(session, track.steps[0], alice, "Done")
        before = len(outbox(session, "mail"))
        services.deliver_reminder(app, outbox(session, services.REMINDER_CHANNEL)[0].payload)
        assert len(outbox(session, "mail")) == before
        with pytest.raises(Conflict):
            services.remind_now(session, a)


def test_progress_for_many_people_takes_a_fixed_number_of_queries(
    create_track, create_course, create_session, create_user, session, team, app
):
    library, manager, *_ = team
    course = create_course()
    ev = create_session()
    track = create_track(
        steps=[
            (StepKind.COURSE, {"course_id": course.id}),
            (StepKind.MODULE, {"module_id": course.modules[0].id}),
            (StepKind.EVENT_SERIES, {"series_id": ev.series_id}),
            (StepKind.REFLECTION, {}),
        ]
    )

    def measure(n: int) -> int:
        rows = []
        for _ in range(n):
            person = create_user("learner", unit=library)
            progress_services.enrol(session, course, person, locale="en")
            rows.append(_assign(session, track, manager, person))
        statements: list[str] = []

        def count(*args, **kwargs):
            statements.append(args[2])

        session.expire_all()
        rows = list(
            session.scalars(select(Assignment).where(Assignment.id.in_([r.id for r in rows])))
        )
        event.listen(session.get_bind(), "before_cursor_execute", count)
        try:
            result = services.progress_for(session, rows)
        finally:
            event.remove(session.get_bind(), "before_cursor_execute", count)
        assert len(result) == n
        return len(statements)

    assert measure(2) == measure(12) <= 6

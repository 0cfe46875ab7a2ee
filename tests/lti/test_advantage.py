"""AGS 2.0 grades and NRPS 2.0 rosters, against the lti1p3platform test platform."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from lms.auth.models import User
from lms.db import db, utcnow
from lms.outbox.models import OutboxMessage, OutboxStatus
from lms.outbox.services import deliver_due
from lms.xapi import events
from lti.advantage import next_link
from lti.models import GradeSendStatus, LtiContext, LtiContextMember, LtiGradeSend, LtiUser
from tests.conftest import text_of
from tests.lti.platform import INSTRUCTOR, LEARNER


def _learner_in_course(client, launch, create_course, session, sub="user-1"):
    course = create_course(slug=f"graded-{sub}")
    resp = launch(sub=sub, custom={"target": f"course:{course.id}"})
    assert client.get(resp.location).status_code == 302
    user = session.scalars(select(LtiUser).where(LtiUser.sub == sub)).one().user
    return course, user


def _complete(session, user, course):
    events.record(
        session,
        actor=user,
        verb="completed",
        object_type="course",
        object_id=str(course.id),
        result={"completion": True},
        context={"course_id": course.id},
    )
    session.commit()


def _deliver(app, now=None):
    with app.app_context():
        return deliver_due(app, db.session, now=now)


def test_course_completion_is_posted_to_a_created_line_item(
    app, client, launch, platform, create_course, session
):
    course, user = _learner_in_course(client, launch, create_course, session)
    _complete(session, user, course)
    send = session.scalars(select(LtiGradeSend)).one()
    assert send.status is GradeSendStatus.PENDING
    _deliver(app)
    session.refresh(send)
    assert send.status is GradeSendStatus.SENT, send.last_error
    assert len(platform.line_items) == 1
    assert platform.line_items[0]["resourceId"] == f"course:{course.id}"
    assert platform.line_items[0]["scoreMaximum"] == 100
    [score] = platform.scores
    assert score["userId"] == "user-1"
    assert score["scoreGiven"] == 100
    assert score["activityProgress"] == "Completed"
    assert score["gradingProgress"] == "FullyGraded"
    assert score["_line_item"] == platform.line_items[0]["id"]
    # the client assertion was signed by us and checked by the platform library
    assert platform.last_token_request["grant_type"] == "client_credentials"


def test_quiz_score_is_posted_as_progress(app, client, launch, platform, create_course, session):
    course, user = _learner_in_course(client, launch, create_course, session)
    quiz = next(i for i in course.modules[0].items if i.kind == "quiz")
    events.record(
        session,
        actor=user,
        verb="failed",
        object_type="quiz",
        object_id=str(quiz.id),
        result={"score": {"scaled": 0.5, "raw": 50, "min": 0, "max": 100}, "success": False},
        context={"course_id": course.id},
    )
    session.commit()
    _deliver(app)
    [score] = platform.scores
    assert score["scoreGiven"] == 50
    assert score["activityProgress"] == "Submitted"
    assert score["gradingProgress"] == "Pending"


def test_token_is_cached_and_line_item_found_again(
    app, client, launch, platform, create_course, session
):
    course, user = _learner_in_course(client, launch, create_course, session)
    _complete(session, user, course)
    _complete(session, user, course)
    _deliver(app)
    assert len(platform.scores) == 2
    assert len(platform.line_items) == 1
    assert platform.token_requests == 1


def test_token_endpoint_500_is_retried_later_and_nothing_is_lost(
    app, client, launch, platform, create_course, session
):
    course, user = _learner_in_course(client, launch, create_course, session)
    _complete(session, user, course)
    platform.token_status = 500
    _deliver(app)
    send = session.scalars(select(LtiGradeSend)).one()
    session.refresh(send)
    assert send.status is GradeSendStatus.FAILED
    assert "500" in send.last_error
    message = session.scalars(
        select(OutboxMessage).where(OutboxMessage.channel == "lti.score")
    ).one()
    session.refresh(message)
    assert message.status is OutboxStatus.PENDING
    assert message.next_attempt_at > utcnow()
    assert platform.scores == []
    # nothing is due yet; later the platform is back and the grade goes through
    platform.token_status = 200
    assert _deliver(app) == 0
    _deliver(app, now=utcnow() + timedelta(minutes=5))
    session.refresh(send)
    assert send.status is GradeSendStatus.SENT
    assert send.attempts == 2
    assert len(platform.scores) == 1


def test_no_grade_without_an_lti_launch(app, create_course, create_user, session):
    course = create_course()
    _complete(session, create_user(), course)
    assert session.scalar(select(func.count()).select_from(LtiGradeSend)) == 0


def test_coordinator_sees_pending_and_failed_sends(
    app, client, launch, platform, create_course, session
):
    course, user = _learner_in_course(client, launch, create_course, session)
    _complete(session, user, course)
    platform.token_status = 500
    _deliver(app)
    teacher = app.test_client()
    teacher.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    redirect = teacher.get(
        platform.login_url(user_id="t").replace("http://librarena.localhost", "")
    )
    posted = platform.id_token_for(
        redirect.location, sub="teacher-1", roles=[INSTRUCTOR], locale="en"
    )
    resp = teacher.post(
        "/lti/launch", data={"id_token": posted["id_token"], "state": posted["state"]}
    )
    teacher.get(resp.location)
    context = session.scalars(select(LtiContext)).one()
    page = text_of(teacher.get(f"/lti/contexts/{context.id}").get_data(as_text=True))
    assert "failed, will retry" in page
    assert "token endpoint" in page
    assert context.title in text_of(teacher.get("/lti/contexts").get_data(as_text=True))
    # the learner is no coordinator of the context
    assert client.get(f"/lti/contexts/{context.id}").status_code == 403
    send = session.scalars(select(LtiGradeSend)).one()
    assert client.post(f"/lti/contexts/{context.id}/grades/{send.id}/retry").status_code == 403
    # the teacher sends it again now, once the platform is back
    platform.token_status = 200
    again = teacher.post(f"/lti/contexts/{context.id}/grades/{send.id}/retry")
    assert again.status_code == 302
    _deliver(app)
    session.refresh(send)
    assert send.status is GradeSendStatus.SENT
    assert len(platform.scores) == 1


def test_roster_sync_follows_link_next(app, client, launch, platform, session):
    platform.members = [
        {"user_id": f"m{n}", "name": f"Member {n}", "roles": [LEARNER], "status": "Active"}
        for n in range(5)
    ] + [
        {"user_id": "gone", "name": "Gone", "roles": [LEARNER], "status": "Inactive"},
        {"user_id": "t2", "name": "Teacher Two", "roles": [INSTRUCTOR]},
    ]
    resp = launch(sub="teacher-1", roles=[INSTRUCTOR], locale="en")
    client.get(resp.location)
    context = session.scalars(select(LtiContext)).one()
    synced = client.post(f"/lti/contexts/{context.id}/roster")
    assert synced.status_code == 302
    assert "Roster read: 6 members" in text_of(client.get(synced.location).get_data(as_text=True))
    members = session.scalars(
        select(LtiContextMember).where(LtiContextMember.context_id == context.id)
    ).all()
    assert len(members) == 7  # the teacher who launched + six active members
    roles = {m.user.name: m.role.value for m in members}
    assert roles["Member 4"] == "learner"
    assert roles["Teacher Two"] == "coordinator"
    assert "Gone" not in roles
    # people on the roster have accounts now, so they can be assigned tracks before launching
    assert (
        session.scalar(select(func.count()).select_from(User).where(User.name == "Member 0")) == 1
    )
    # a second sync adds no one twice
    client.post(f"/lti/contexts/{context.id}/roster")
    assert (
        session.scalar(
            select(func.count())
            .select_from(LtiContextMember)
            .where(LtiContextMember.context_id == context.id)
        )
        == 7
    )


def test_roster_sync_failure_is_shown(app, client, launch, platform, session):
    resp = launch(sub="teacher-1", roles=[INSTRUCTOR], locale="en")
    client.get(resp.location)
    context = session.scalars(select(LtiContext)).one()
    platform.token_status = 500
    synced = client.post(f"/lti/contexts/{context.id}/roster")
    page = text_of(client.get(synced.location).get_data(as_text=True))
    assert "could not be read" in page


def test_next_link_parsing():
    assert next_link('<https://p/x?page=2>; rel="next"') == "https://p/x?page=2"
    assert next_link('<https://p/a>; rel="prev", <https://p/b>; rel=next') == "https://p/b"
    assert next_link(None) is None
    assert next_link('<https://p/a>; rel="last"') is None


def test_the_real_learning_path_sends_quiz_and_completion(
    app, client, launch, platform, create_course, session
):
    """No shortcut: the learner arrives by LTI, reads, answers the quiz through the course
    pages, completes the course; both grades reach the platform."""
    from tests.content.conftest import items_of, right_answers

    course, _user = _learner_in_course(client, launch, create_course, session)
    items = items_of(course)
    lesson, quiz = items["lesson"], items["quiz"]
    assert client.post(f"/courses/{course.slug}/items/{lesson.id}/seen").status_code == 302
    answers = {f"q{qid}": values for qid, values in right_answers(quiz).items()}
    assert client.post(
        f"/courses/{course.slug}/items/{quiz.id}/answers", data=answers
    ).status_code in (200, 302)
    sends = session.scalars(select(LtiGradeSend).order_by(LtiGradeSend.id)).all()
    assert [s.resource_key for s in sends] == [f"quiz:{quiz.id}", f"course:{course.id}"]
    _deliver(app)
    assert [(s["scoreGiven"], s["activityProgress"]) for s in platform.scores] == [
        (100, "Submitted"),
        (100, "Completed"),
    ]


def test_roster_learners_are_enrolled_in_the_linked_course(
    app, client, launch, platform, create_course, session
):
    from content.progress.models import Enrolment

    course = create_course(slug="rostered")
    platform.members = [
        {"user_id": f"m{n}", "name": f"Member {n}", "roles": [LEARNER]} for n in range(3)
    ]
    resp = launch(
        sub="teacher-1", roles=[INSTRUCTOR], locale="en", custom={"target": f"course:{course.id}"}
    )
    client.get(resp.location)
    context = session.scalars(select(LtiContext)).one()
    assert client.post(f"/lti/contexts/{context.id}/roster").status_code == 302
    enrolled = session.scalars(
        select(User.name)
        .join(Enrolment, Enrolment.user_id == User.id)
        .where(Enrolment.course_id == course.id)
    ).all()
    assert sorted(enrolled) == ["Member 0", "Member 1", "Member 2"]  # not the teacher

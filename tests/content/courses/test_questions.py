"""Editing and reordering quiz questions; learners already in the course keep the old ones."""

from __future__ import annotations

from content.courses import services
from content.courses.models import ItemKind
from content.courses.snapshot import Snapshot
from content.quizzes.models import Question, QuestionKind
from tests.content.conftest import items_of


def test_coordinator_edits_a_question_and_its_form_shows_it_as_written(
    client, login, create_user, create_course, session, enrol
):
    course = create_course()
    quiz = items_of(course)[ItemKind.QUIZ]
    first = quiz.questions[0]
    learner_enrolment = enrol(course, create_user())
    login(create_user("coordinator", everywhere=True))
    page = client.get(f"/author/questions/{first.id}/edit").get_data(as_text=True)
    assert "*Right | Well done" in page  # the choices as the author typed them
    resp = client.post(
        f"/author/questions/{first.id}/edit",
        data={
            "kind": "multiple",
            "prompt_en": "Pick the e-book services",
            "choices_en": "*Libby | Yes\n*BorrowBox\nNetflix | No, that is streaming",
            "prompt_sv": "Välj e-boktjänsterna",
            "choices_sv": "Libby\nBorrowBox\nNetflix",
        },
    )
    assert resp.status_code == 302
    session.refresh(first)
    assert first.kind is QuestionKind.MULTIPLE
    assert first.prompt == {"en": "Pick the e-book services", "sv": "Välj e-boktjänsterna"}
    assert [c.is_correct for c in first.choices] == [True, True, False]
    assert first.choices[2].feedback == {"en": "No, that is streaming"}
    # The learner's version still has the question they started with.
    view = Snapshot(learner_enrolment.version.snapshot, "en")
    assert view.item(quiz.id).questions[0].prompt == "Pick right"
    services.publish(session, course, by=None)
    assert (
        Snapshot(services.latest_version(session, course.id).snapshot, "en")
        .item(quiz.id)
        .questions[0]
        .prompt
        == "Pick the e-book services"
    )


def test_a_bad_edit_is_refused_with_input_kept_and_nothing_changed(
    client, login, create_user, create_course, session
):
    course = create_course()
    first = items_of(course)[ItemKind.QUIZ].questions[0]
    login(create_user("coordinator", everywhere=True))
    resp = client.post(
        f"/author/questions/{first.id}/edit",
        data={"kind": "single", "prompt_en": "Changed?", "choices_en": "A\nB"},
    )
    assert resp.status_code == 422
    body = resp.get_data(as_text=True)
    assert "Mark exactly one choice as correct." in body
    assert "Changed?" in body
    session.refresh(first)
    assert first.prompt == {"en": "Pick right"}
    assert len(first.choices) == 2


def test_coordinator_reorders_questions(client, login, create_user, create_course, session):
    course = create_course()
    quiz = items_of(course)[ItemKind.QUIZ]
    first, second = quiz.questions
    login(create_user("coordinator", everywhere=True))
    resp = client.post(f"/author/questions/{second.id}/move", data={"direction": "up"})
    assert resp.status_code == 302
    assert resp.location.endswith(f"#q{second.id}")
    session.expire_all()
    assert [q.id for q in session.get(Question, first.id).item.questions] == [second.id, first.id]
    # Already first: nothing moves; a made-up direction is refused.
    client.post(f"/author/questions/{second.id}/move", data={"direction": "up"})
    session.expire_all()
    assert [q.id for q in quiz.questions] == [second.id, first.id]
    assert (
        client.post(f"/author/questions/{second.id}/move", data={"direction": "left"}).status_code
        == 422
    )


def test_learners_cannot_edit_questions(client, login, create_user, create_course):
    course = create_course()
    first = items_of(course)[ItemKind.QUIZ].questions[0]
    login(create_user("learner"))
    assert client.get(f"/author/questions/{first.id}/edit").status_code == 403
    assert (
        client.post(f"/author/questions/{first.id}/move", data={"direction": "up"}).status_code
        == 403
    )
    assert client.get("/author/questions/999999/edit").status_code == 403

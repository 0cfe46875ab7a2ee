"""Deep Linking 2.0: the instructor picks content; the platform accepts our signed answer."""

from __future__ import annotations

from tests.conftest import text_of
from tests.lti.platform import INSTRUCTOR, LEARNER


def _enter(client, resp):
    assert resp.status_code == 302, resp.get_data(as_text=True)
    return client.get(resp.location)


def test_instructor_picks_a_course_and_the_platform_accepts_it(
    client, launch, platform, create_course
):
    course = create_course(slug="digital-mediation")
    landed = _enter(client, launch(roles=[INSTRUCTOR], deep_linking=True, locale="en-GB"))
    assert landed.location == "/lti/pick"
    picker = client.get("/lti/pick?q=course")
    assert picker.status_code == 200
    assert f'value="course:{course.id}"' in picker.get_data(as_text=True)
    resp = client.post("/lti/pick", data={"target": [f"course:{course.id}"]})
    assert resp.status_code == 200
    html = resp.get_data(as_text=True)
    assert 'action="https://platform.test/deep-link-return"' in html
    assert "https://platform.test" in resp.headers["Content-Security-Policy"]
    jwt_value = html.split('name="JWT" value="')[1].split('"')[0]
    # the platform library checks the signature against our published JWKS
    items = platform.config.validate_deeplinking_resp({"JWT": jwt_value})
    assert items == [
        {
            "type": "ltiResourceLink",
            "title": "Course 1",
            "url": "http://librarena.localhost/lti/launch",
            "custom": {"target": f"course:{course.id}"},
            "text": "A summary",
            "lineItem": {
                "scoreMaximum": 100,
                "label": "Course 1",
                "resourceId": f"course:{course.id}",
            },
        }
    ]
    import jwt

    claims = jwt.decode(jwt_value, options={"verify_signature": False})
    assert claims["aud"] == "https://platform.test"
    assert claims["https://purl.imsglobal.org/spec/lti-dl/claim/data"] == {"x": "echo"}
    assert claims["https://purl.imsglobal.org/spec/lti/claim/message_type"] == (
        "LtiDeepLinkingResponse"
    )


def test_the_picked_link_launches_the_learner_into_the_course(client, launch, create_course, app):
    course = create_course(slug="digital-leadership")
    landed = _enter(client, launch(custom={"target": f"course:{course.id}"}))
    assert landed.location == "/courses/digital-leadership"
    page = client.get(landed.location)
    assert page.status_code == 200


def test_a_module_link_lands_on_its_course(client, launch, create_course):
    course = create_course(slug="mod-course")
    module = course.modules[0]
    landed = _enter(client, launch(custom={"target": f"module:{module.id}"}))
    assert landed.location == f"/courses/mod-course#module-{module.id}"


def test_an_unlinked_resource_explains_itself(client, launch):
    landed = _enter(client, launch())
    assert landed.location == "/lti/unlinked"
    page = text_of(client.get("/lti/unlinked").get_data(as_text=True))
    assert "Inget innehåll valt ännu" in page  # in the platform's language, sv-SE


def test_learner_cannot_answer_a_deep_linking_request(client, launch):
    _enter(client, launch(roles=[LEARNER], deep_linking=True))
    assert client.get("/lti/pick").status_code == 403


def test_nothing_picked_is_a_clear_422(client, launch, create_course):
    create_course()
    _enter(client, launch(roles=[INSTRUCTOR], deep_linking=True, locale="en"))
    resp = client.post("/lti/pick", data={})
    assert resp.status_code == 422
    assert "Choose one item to add" in text_of(resp.get_data(as_text=True))


def test_unknown_target_is_refused(client, launch):
    _enter(client, launch(roles=[INSTRUCTOR], deep_linking=True, locale="en"))
    resp = client.post("/lti/pick", data={"target": ["course:999999"]})
    assert resp.status_code == 422


def test_a_webinar_series_link_lands_on_its_next_session(app, client, launch, session):
    from datetime import timedelta

    from content.webinars import services as webinars
    from content.webinars.models import SessionKind
    from lms.db import utcnow

    with app.test_request_context():
        series = webinars.create_series(
            session,
            title="Digitalt ledarskap",
            description="",
            owner_unit=None,
            organiser=None,
            audience=[],
        )
        start = (utcnow() + timedelta(days=3)).replace(microsecond=0)
        upcoming = webinars.add_session(
            session,
            series,
            webinars.SessionInput(
                title="Del 1",
                starts_at=start,
                ends_at=start + timedelta(hours=1),
                timezone="Europe/Stockholm",
                language="sv",
                capacity=10,
                kind=SessionKind.ONLINE_LINK,
                meeting_url="https://meet.example.org/x",
                address=None,
            ),
            now=utcnow(),
        )
        session.commit()
    landed = _enter(client, launch(custom={"target": f"webinar_series:{series.id}"}))
    assert landed.location == f"/events/{upcoming.id}"
    assert client.get(landed.location).status_code == 200


def test_a_link_to_a_missing_track_explains_itself(client, launch):
    landed = _enter(client, launch(custom={"target": "track:999999"}))
    assert landed.location == "/lti/unlinked"


def test_a_published_track_is_offered_and_its_link_lands_on_it(app, client, launch, session):
    from lms.assignments import services as tracks

    with app.test_request_context():
        track = tracks.create_track(
            session,
            texts={"en": {"title": "Digital leadership", "description": "For managers"}},
            fallback_locale="en",
            is_ordered=False,
            effort_hours=4,
            job_titles=[],
            owner_unit=None,
            by=None,
        )
        from lms.assignments.models import StepKind

        tracks.add_step(
            session,
            track,
            kind=StepKind.REFLECTION,
            is_required=True,
            prompt={"en": {"title": "Think", "prompt": "What now?"}},
        )
        tracks.publish(session, track, True)
        session.commit()
    landed = _enter(client, launch(roles=[INSTRUCTOR], deep_linking=True, locale="en"))
    assert landed.location == "/lti/pick"
    assert f'value="track:{track.id}"' in client.get("/lti/pick?q=leadership").get_data(
        as_text=True
    )
    # a learner launched from a link to the track lands on its page
    resp = launch(sub="learner-9", custom={"target": f"track:{track.id}"})
    assert client.get(resp.location).location == f"/tracks/{track.id}"

"""LTI 1.1: basic launches signed by oauthlib as the consumer, and Basic Outcomes back."""

from __future__ import annotations

import base64
import hashlib
import time
from urllib.parse import parse_qsl

import pytest
import responses
from oauthlib.common import Request as OAuthRequest
from oauthlib.oauth1 import SIGNATURE_TYPE_BODY, Client
from oauthlib.oauth1.rfc5849 import signature, utils
from sqlalchemy import func, select

from lms.db import db
from lms.outbox.services import deliver_due
from lms.xapi import events
from lti import lti11
from lti.models import GradeSendStatus, LtiGradeSend, LtiUsedNonce, LtiUser
from tests.conftest import text_of

LAUNCH_URL = "http://librarena.localhost/lti/launch"
OUTCOMES = "https://moodle11.test/mod/lti/service.php"


@pytest.fixture
def consumer(app, session, platform):
    from lti.models import LtiPlatform

    with app.test_request_context():
        found = session.get(LtiPlatform, platform.registered_id)
        record, secret = lti11.add_consumer(session, found)
        session.commit()
    return record.consumer_key, secret


def _signed(key, secret, **overrides):
    params = {
        "lti_message_type": "basic-lti-launch-request",
        "lti_version": "LTI-1p0",
        "resource_link_id": "rl-11",
        "resource_link_title": "Digital mediation",
        "user_id": "42",
        "roles": "urn:lti:role:ims/lis/Learner",
        "lis_person_name_full": "Nils Holm",
        "lis_person_contact_email_primary": "nils@moodle11.test",
        "context_id": "course-7",
        "context_title": "Biblioteket",
        "launch_presentation_locale": "nb-NO",
        "lis_outcome_service_url": OUTCOMES,
        "lis_result_sourcedid": "sourced-42",
    }
    params.update(overrides)
    params = {k: v for k, v in params.items() if v is not None}
    client = Client(key, client_secret=secret, signature_type=SIGNATURE_TYPE_BODY)
    _uri, _headers, body = client.sign(
        LAUNCH_URL,
        http_method="POST",
        body=params,
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    return dict(parse_qsl(body))


def test_signed_launch_provisions_and_lands(client, consumer, session, create_course):
    course = create_course(slug="lti11-course")
    resp = client.post("/lti/launch", data=_signed(*consumer, custom_target=f"course:{course.id}"))
    assert resp.status_code == 302, resp.get_data(as_text=True)
    entered = client.get(resp.location)
    assert entered.location == "/courses/lti11-course"
    link = session.scalars(select(LtiUser).where(LtiUser.sub == "42")).one()
    assert link.issuer == f"lti1.1:{consumer[0]}"
    assert link.user.locale == "nb"


def test_wrong_secret_is_refused(client, consumer, session):
    resp = client.post("/lti/launch", data=_signed(consumer[0], "not-the-secret"))
    assert resp.status_code == 400
    assert "OAuth signature does not match" in text_of(resp.get_data(as_text=True))
    assert session.scalar(select(func.count()).select_from(LtiUser)) == 0


def test_tampered_parameter_is_refused(client, consumer):
    data = _signed(*consumer)
    data["roles"] = "Instructor"
    resp = client.post("/lti/launch", data=data)
    assert resp.status_code == 400


def test_nonce_is_single_use(client, consumer, session):
    data = _signed(*consumer)
    assert client.post("/lti/launch", data=data).status_code == 302
    again = client.post("/lti/launch", data=data)
    assert again.status_code == 400
    assert "already been used" in text_of(again.get_data(as_text=True))
    assert session.scalar(select(func.count()).select_from(LtiUsedNonce)) == 1


def test_old_timestamp_is_refused(client, consumer, session):
    stale = _signed_with_time(*consumer, stamp=int(time.time()) - 3600)
    assert client.post("/lti/launch", data=stale).status_code == 400
    assert "timestamp is too far" in text_of(
        client.post("/lti/launch", data=stale).get_data(as_text=True)
    )
    assert session.scalar(select(func.count()).select_from(LtiUser)) == 0


def _signed_with_time(key, secret, stamp):
    client = Client(
        key, client_secret=secret, signature_type=SIGNATURE_TYPE_BODY, timestamp=str(stamp)
    )
    params = {
        "lti_message_type": "basic-lti-launch-request",
        "lti_version": "LTI-1p0",
        "resource_link_id": "rl-11",
        "user_id": "42",
    }
    _uri, _headers, body = client.sign(
        LAUNCH_URL,
        http_method="POST",
        body=params,
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    return dict(parse_qsl(body))


def test_unknown_consumer_key(client, consumer):
    resp = client.post("/lti/launch", data=_signed("nobody", "x"))
    assert resp.status_code == 400
    assert "consumer key nobody is not registered" in text_of(resp.get_data(as_text=True))


def test_missing_user_id(client, consumer):
    resp = client.post("/lti/launch", data=_signed(*consumer, user_id=None))
    assert resp.status_code == 400
    assert "lacks the required claim user_id" in text_of(resp.get_data(as_text=True))


def test_replace_result_goes_through_the_outbox(
    app, client, consumer, session, create_course, platform
):
    key, secret = consumer
    received = []

    def outcomes(request):
        # the consumer checks our OAuth signature and body hash with oauthlib, as Moodle does
        body = request.body if isinstance(request.body, str) else request.body.decode()
        headers = {"Authorization": request.headers["Authorization"]}
        oauth = {
            k: utils.unescape(v)
            for k, v in utils.parse_authorization_header(headers["Authorization"])
        }
        assert oauth["oauth_consumer_key"] == key
        assert (
            oauth["oauth_body_hash"]
            == base64.b64encode(
                hashlib.sha1(body.encode()).digest()  # noqa: S324 - OAuth body hash is SHA-1
            ).decode()
        )
        checked = OAuthRequest(OUTCOMES, "POST", body=body, headers=headers)
        checked.params = signature.collect_parameters(headers=headers)
        checked.signature = oauth["oauth_signature"]
        assert signature.verify_hmac_sha1(checked, secret)
        received.append(body)
        ok = (
            "<imsx_POXEnvelopeResponse><imsx_POXHeader><imsx_POXResponseHeaderInfo>"
            "<imsx_statusInfo><imsx_codeMajor>success</imsx_codeMajor></imsx_statusInfo>"
            "</imsx_POXResponseHeaderInfo></imsx_POXHeader></imsx_POXEnvelopeResponse>"
        )
        return 200, {"Content-Type": "application/xml"}, ok

    platform.rsps.add_callback(responses.POST, OUTCOMES, callback=outcomes)
    course = create_course(slug="lti11-graded")
    resp = client.post(
        "/lti/launch", data=_signed(key, secret, custom_target=f"course:{course.id}")
    )
    client.get(resp.location)
    user = session.scalars(select(LtiUser).where(LtiUser.sub == "42")).one().user
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
    with app.app_context():
        deliver_due(app, db.session)
    send = session.scalars(select(LtiGradeSend)).one()
    session.refresh(send)
    assert send.status is GradeSendStatus.SENT, send.last_error
    [body] = received
    assert "<sourcedId>sourced-42</sourcedId>" in body
    assert "<textString>1.0000</textString>" in body

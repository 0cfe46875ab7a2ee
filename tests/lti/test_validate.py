"""Each launch rule on its own (lti/validate.py), beside the end-to-end tests."""

from __future__ import annotations

import pytest

from lti import validate
from lti.validate import LaunchError

CLIENT = "client-1"


def _code(call, *args):
    with pytest.raises(LaunchError) as info:
        call(*args)
    return info.value.code


def test_alg_must_be_rs256_with_a_kid():
    assert validate.check_alg({"alg": "RS256", "kid": "k1"}) == "k1"
    assert _code(validate.check_alg, {"alg": "HS256", "kid": "k1"}) == "alg"
    assert _code(validate.check_alg, {"alg": "none"}) == "alg"
    assert _code(validate.check_alg, {"alg": "RS256"}) == "unknown_kid"


def test_audience_and_azp():
    validate.check_audience({"aud": CLIENT}, CLIENT)
    validate.check_audience({"aud": [CLIENT]}, CLIENT)
    validate.check_audience({"aud": [CLIENT, "x"], "azp": CLIENT}, CLIENT)
    assert _code(validate.check_audience, {"aud": "other"}, CLIENT) == "wrong_aud"
    assert _code(validate.check_audience, {"aud": 5}, CLIENT) == "wrong_aud"
    assert _code(validate.check_audience, {"aud": [CLIENT, "x"]}, CLIENT) == "wrong_azp"
    assert _code(validate.check_audience, {"aud": CLIENT, "azp": "x"}, CLIENT) == "wrong_azp"


def test_nonce_must_match():
    validate.check_nonce_matches({"nonce": "n"}, "n")
    assert _code(validate.check_nonce_matches, {"nonce": "m"}, "n") == "nonce"


def test_state_must_be_bound():
    validate.check_state("s", "s")
    assert _code(validate.check_state, "s", None) == "state"
    assert _code(validate.check_state, None, "s") == "state"
    assert _code(validate.check_state, "s", "t") == "state"


def test_message_type_and_version():
    mt = validate.MESSAGE_TYPE
    assert validate.check_message_type({mt: "LtiResourceLinkRequest"}) == "LtiResourceLinkRequest"
    assert _code(validate.check_message_type, {}) == "missing_claim"
    assert _code(validate.check_message_type, {mt: "LtiSubmissionReviewRequest"}) == (
        "message_type"
    )
    validate.check_version({validate.VERSION: "1.3.0"})
    assert _code(validate.check_version, {}) == "missing_claim"
    assert _code(validate.check_version, {validate.VERSION: "1.2"}) == "version"


def test_deployment_sub_roles_link_target():
    assert validate.deployment_of({validate.DEPLOYMENT_ID: "d"}) == "d"
    assert _code(validate.deployment_of, {}) == "missing_claim"
    assert _code(validate.deployment_of, {validate.DEPLOYMENT_ID: "x" * 256}) == "deployment"
    assert validate.check_sub({"sub": "u"}) == "u"
    assert _code(validate.check_sub, {"sub": ""}) == "missing_claim"
    assert validate.check_roles({validate.ROLES: []}) == []
    assert _code(validate.check_roles, {}) == "missing_claim"
    assert _code(validate.check_roles, {validate.ROLES: "Learner"}) == "roles"
    assert validate.resource_link_of({validate.RESOURCE_LINK: {"id": "r"}}) == {"id": "r"}
    assert _code(validate.resource_link_of, {validate.RESOURCE_LINK: {}}) == "missing_claim"
    assert validate.check_target_link_uri({validate.TARGET_LINK_URI: "https://t"}) == "https://t"
    assert _code(validate.check_target_link_uri, {}) == "missing_claim"


def test_staff_roles():
    assert validate.is_staff(["http://purl.imsglobal.org/vocab/lis/v2/membership#Instructor"])
    assert validate.is_staff(["Administrator"])
    assert validate.is_staff(
        ["http://purl.imsglobal.org/vocab/lis/v2/institution/person#Administrator"]
    )
    assert not validate.is_staff(["http://purl.imsglobal.org/vocab/lis/v2/membership#Learner"])
    assert not validate.is_staff([])


def test_unknown_deployment_names_issuer_and_id(app):
    with app.test_request_context():
        error = validate.unknown_deployment("7", "https://moodle.example")
        assert str(error.message) == (
            "The deployment id 7 is not registered for issuer https://moodle.example. An "
            "administrator of this tool can add it to the platform's registration."
        )

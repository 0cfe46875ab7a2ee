"""Each spec rule: one valid and at least one invalid statement, with the field it names."""

from __future__ import annotations

from typing import Any

import pytest

from lms.xapi.errors import Invalid
from lms.xapi.validation import validate_statement
from lms.xapi.validation.common import Ctx
from tests.lms.xapi.conftest import make_statement

ACTIVITY = {"id": "http://example.org/a"}
AGENT = {"mbox": "mailto:b@example.org"}
SUB = {
    "objectType": "SubStatement",
    "actor": AGENT,
    "verb": {"id": "http://example.org/v"},
    "object": ACTIVITY,
}

VALID: list[tuple[str, dict[str, Any]]] = [
    ("minimal", make_statement()),
    ("actor without objectType", make_statement(actor={"mbox_sha1sum": "a" * 40})),
    ("account actor", make_statement(actor={"account": {"homePage": "http://x.org", "name": "1"}})),
    ("openid actor", make_statement(actor={"openid": "http://openid.example.org/ada"})),
    ("anonymous group", make_statement(actor={"objectType": "Group", "member": [AGENT]})),
    ("identified group without members", make_statement(actor={"objectType": "Group", **AGENT})),
    ("agent object", make_statement(object={"objectType": "Agent", **AGENT})),
    (
        "statement ref",
        make_statement(
            object={"objectType": "StatementRef", "id": "9e13cefd-53d3-4eac-b5ed-2cf6693903bb"}
        ),
    ),
    ("substatement", make_statement(object=SUB)),
    (
        "score at the edges",
        make_statement(result={"score": {"scaled": -1, "raw": 0, "min": 0, "max": 1}}),
    ),
    ("result duration weeks", make_statement(result={"duration": "P4W"})),
    ("result duration", make_statement(result={"duration": "PT1H30M2.5S", "success": True})),
    (
        "context activities single",
        make_statement(context={"contextActivities": {"parent": ACTIVITY}}),
    ),
    (
        "language tag with script",
        make_statement(verb={"id": "http://x.org/v", "display": {"zh-Hant-TW": "x"}}),
    ),
    ("timestamp with offset", make_statement(timestamp="2024-01-02T03:04:05.123+02:00")),
    ("version 1.0.x", make_statement(version="1.0.2")),
    (
        "choice interaction",
        make_statement(
            object={
                "id": "http://x.org/q",
                "definition": {
                    "interactionType": "choice",
                    "correctResponsesPattern": ["a"],
                    "choices": [{"id": "a", "description": {"en": "A"}}, {"id": "b"}],
                },
            }
        ),
    ),
    (
        "voiding",
        make_statement(
            verb={"id": "http://adlnet.gov/expapi/verbs/voided"},
            object={"objectType": "StatementRef", "id": "9e13cefd-53d3-4eac-b5ed-2cf6693903bb"},
        ),
    ),
    (
        "attachment with fileUrl",
        make_statement(
            attachments=[
                {
                    "usageType": "http://example.org/u",
                    "display": {"en": "a"},
                    "contentType": "text/plain",
                    "length": 3,
                    "sha2": "a" * 64,
                    "fileUrl": "http://example.org/f",
                }
            ]
        ),
    ),
]

INVALID: list[tuple[str, dict[str, Any], str]] = [
    ("no actor", {"verb": {"id": "http://x.org/v"}, "object": ACTIVITY}, "statement.actor"),
    ("unknown property", make_statement(colour="red"), "statement.colour"),
    ("null name", make_statement(actor={"name": None, **AGENT}), "statement.actor.name"),
    (
        "two IFIs",
        make_statement(actor={"mbox": "mailto:a@b.c", "openid": "http://x.org"}),
        "statement.actor",
    ),
    ("no IFI", make_statement(actor={"name": "x"}), "statement.actor"),
    ("mbox without mailto", make_statement(actor={"mbox": "a@b.c"}), "statement.actor.mbox"),
    ("bad sha1", make_statement(actor={"mbox_sha1sum": "xyz"}), "statement.actor.mbox_sha1sum"),
    (
        "account without name",
        make_statement(actor={"account": {"homePage": "http://x.org"}}),
        "statement.actor.account.name",
    ),
    (
        "group member is a group",
        make_statement(actor={"objectType": "Group", "member": [{"objectType": "Group", **AGENT}]}),
        "statement.actor.member[0].objectType",
    ),
    (
        "anonymous group without members",
        make_statement(actor={"objectType": "Group"}),
        "statement.actor.member",
    ),
    ("verb id not an IRI", make_statement(verb={"id": "completed"}), "statement.verb.id"),
    (
        "bad language tag",
        make_statement(verb={"id": "http://x.org/v", "display": {"en_US": "x"}}),
        "statement.verb.display.en_US",
    ),
    ("bad id", make_statement(id="not-a-uuid"), "statement.id"),
    (
        "scaled above 1",
        make_statement(result={"score": {"scaled": 1.5}}),
        "statement.result.score.scaled",
    ),
    (
        "raw above max",
        make_statement(result={"score": {"raw": 5, "max": 4}}),
        "statement.result.score.raw",
    ),
    (
        "min above max",
        make_statement(result={"score": {"min": 5, "max": 4}}),
        "statement.result.score.max",
    ),
    ("success is a string", make_statement(result={"success": "yes"}), "statement.result.success"),
    (
        "score is a bool",
        make_statement(result={"score": {"raw": True}}),
        "statement.result.score.raw",
    ),
    (
        "weeks mixed with days",
        make_statement(result={"duration": "P4W1D"}),
        "statement.result.duration",
    ),
    ("bad timestamp", make_statement(timestamp="2024-13-01T00:00:00Z"), "statement.timestamp"),
    (
        "minus zero offset",
        make_statement(timestamp="2024-01-01T00:00:00-00:00"),
        "statement.timestamp",
    ),
    (
        "registration not uuid",
        make_statement(context={"registration": "x"}),
        "statement.context.registration",
    ),
    (
        "team is an agent",
        make_statement(context={"team": AGENT}),
        "statement.context.team.objectType",
    ),
    (
        "platform with agent object",
        make_statement(object={"objectType": "Agent", **AGENT}, context={"platform": "x"}),
        "statement.context.platform",
    ),
    (
        "substatement with id",
        make_statement(object={**SUB, "id": "9e13cefd-53d3-4eac-b5ed-2cf6693903bb"}),
        "statement.object.id",
    ),
    (
        "nested substatement",
        make_statement(object={**SUB, "object": SUB}),
        "statement.object.object.objectType",
    ),
    (
        "voiding an activity",
        make_statement(verb={"id": "http://adlnet.gov/expapi/verbs/voided"}),
        "statement.object",
    ),
    (
        "choices on true-false",
        make_statement(
            object={
                "id": "http://x.org/q",
                "definition": {"interactionType": "true-false", "choices": []},
            }
        ),
        "statement.object.definition.choices",
    ),
    (
        "duplicate component ids",
        make_statement(
            object={
                "id": "http://x.org/q",
                "definition": {"interactionType": "choice", "choices": [{"id": "a"}, {"id": "a"}]},
            }
        ),
        "statement.object.definition.choices[1].id",
    ),
    ("version 0.9", make_statement(version="0.95"), "statement.version"),
    (
        "identified authority group",
        make_statement(authority={"objectType": "Group", **AGENT, "member": [AGENT, AGENT]}),
        "statement.authority",
    ),
    (
        "attachment without sha2",
        make_statement(
            attachments=[
                {
                    "usageType": "http://x.org/u",
                    "display": {"en": "a"},
                    "contentType": "text/plain",
                    "length": 1,
                }
            ]
        ),
        "statement.attachments[0].sha2",
    ),
    (
        "extension key not IRI",
        make_statement(result={"extensions": {"score": 1}}),
        "statement.result.extensions.score",
    ),
]


@pytest.mark.parametrize(("why", "statement"), VALID, ids=[v[0] for v in VALID])
def test_validate_statement_accepts(why: str, statement: dict[str, Any]) -> None:
    validate_statement(statement)


@pytest.mark.parametrize(("why", "statement", "field"), INVALID, ids=[v[0] for v in INVALID])
def test_validate_statement_refuses_naming_the_field(
    why: str, statement: dict[str, Any], field: str
) -> None:
    with pytest.raises(Invalid) as info:
        validate_statement(statement)
    assert info.value.field == field
    assert info.value.status == 400


def test_validate_statement_v2_context_agents_and_zone() -> None:
    ctx = Ctx(version="2.0.0")
    good = make_statement(
        context={"contextAgents": [{"objectType": "contextAgent", "agent": AGENT}]}
    )
    validate_statement(good, ctx)
    with pytest.raises(Invalid):
        validate_statement(good)  # 1.0.3 has no contextAgents
    with pytest.raises(Invalid) as info:
        validate_statement(make_statement(timestamp="2024-01-01T00:00:00"), ctx)
    assert info.value.field == "statement.timestamp"

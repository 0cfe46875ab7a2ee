"""The access matrix's part for ``lti`` (see ``tests/matrix_support.py``).

The key set, login and launch endpoints are public by nature: platforms and browsers call them
without a Librarena account. Without a valid login or id_token they answer 400 with a page that
says what was wrong; nothing there depends on who is signed in. Platform registrations are for
administrators who hold their role everywhere (a regional administrator cannot register a
platform, since a platform can launch anyone's account into any course).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from lms.auth.models import User
from lti import services
from lti.models import ContextRole, LtiContext, LtiContextMember
from tests.matrix_support import EVERYONE, ROLES, SIGNED_IN, SIGNED_IN_PAGE, Case, rule

ADMIN_ONLY = rule(200, ("admin",))
FORGED = 2**31 - 1


def add_world(session: Session, users: dict[str, User], ids: dict[str, Any]) -> None:
    """Add what this package's URLs need to the matrix's world; put their ids in ``ids``."""
    platform = services.register_platform(
        session,
        name="Matrix platform",
        issuer="https://matrix-platform.test",
        client_id="matrix",
        auth_login_url="https://matrix-platform.test/auth",
        auth_token_url="https://matrix-platform.test/token",
        jwks_url="https://matrix-platform.test/jwks",
        deployment_ids=["1"],
    )
    ids["lti_platform"] = platform.id
    ids["lti_forged"] = FORGED
    context = LtiContext(deployment=platform.deployments[0], context_key="c1", title="Kurs")
    session.add(context)
    session.add_all(
        [
            LtiContextMember(
                context=context, user=users["coordinator"], role=ContextRole.COORDINATOR
            ),
            LtiContextMember(context=context, user=users["learner"], role=ContextRole.LEARNER),
        ]
    )
    session.flush()
    ids["lti_context"] = context.id


#: A platform course: its coordinator and global administrators see it; its learner is refused;
#: anyone else is told it does not exist.
CONTEXT = rule(200, ("admin", "coordinator"), denied=404, overrides={"learner": 403})

CASES: list[Case] = [
    Case("lti.script", "GET", "/lti/lti.js", EVERYONE),
    Case("lti.jwks", "GET", "/lti/jwks", EVERYONE),
    Case("lti.login", "GET", "/lti/login", dict.fromkeys(ROLES, 400)),
    Case("lti.login", "POST", "/lti/login", dict.fromkeys(ROLES, 400), data={}),
    Case(
        "lti.login",
        "GET",
        "/lti/login?iss=https://unknown.test&login_hint=u"
        "&target_link_uri=http://librarena.localhost/lti/launch",
        dict.fromkeys(ROLES, 400),
    ),
    Case("lti.launch", "POST", "/lti/launch", dict.fromkeys(ROLES, 400), data={}),
    Case("lti.launch", "POST", "/lti/launch", dict.fromkeys(ROLES, 400), data={"state": "x"}),
    Case(
        "lti.launch",
        "POST",
        "/lti/launch",
        dict.fromkeys(ROLES, 400),
        data={"lti_message_type": "basic-lti-launch-request", "oauth_consumer_key": "x"},
    ),
    Case("lti.enter", "GET", "/lti/enter/not-a-token", dict.fromkeys(ROLES, 400)),
    Case("lti.unlinked", "GET", "/lti/unlinked", SIGNED_IN_PAGE),
    # no deep-linking launch in this session: nothing to pick for
    Case("lti.pick", "GET", "/lti/pick", rule(404, SIGNED_IN)),
    Case("lti.pick", "POST", "/lti/pick", rule(404, SIGNED_IN), data={"target": "course:1"}),
    Case("lti.platforms", "GET", "/lti/platforms", ADMIN_ONLY),
    Case("lti.new_platform", "GET", "/lti/platforms/new", ADMIN_ONLY),
    Case("lti.new_platform", "POST", "/lti/platforms/new", rule(422, ("admin",)), data={}),
    Case("lti.platform", "GET", "/lti/platforms/{lti_platform}", ADMIN_ONLY),
    Case("lti.platform", "GET", "/lti/platforms/{lti_forged}", rule(404, ("admin",))),
    Case(
        "lti.add_deployment",
        "POST",
        "/lti/platforms/{lti_platform}/deployments",
        rule(422, ("admin",)),
        data={},
    ),
    Case(
        "lti.add_deployment",
        "POST",
        "/lti/platforms/{lti_forged}/deployments",
        rule(404, ("admin",)),
        data={"deployment_id": "2"},
    ),
    Case("lti.registration_link", "POST", "/lti/platforms/registration-link", ADMIN_ONLY),
    # Dynamic Registration: opened by a platform; a link no administrator made is refused
    Case("lti.register", "GET", "/lti/register/not-a-link", dict.fromkeys(ROLES, 400)),
    # a new LTI 1.1 consumer key and its secret, shown once on the page
    Case("lti.add_consumer", "POST", "/lti/platforms/{lti_platform}/lti11", ADMIN_ONLY),
    Case("lti.add_consumer", "POST", "/lti/platforms/{lti_forged}/lti11", rule(404, ("admin",))),
    Case("lti.contexts", "GET", "/lti/contexts", SIGNED_IN_PAGE),
    Case("lti.context", "GET", "/lti/contexts/{lti_context}", CONTEXT),
    Case("lti.context", "GET", "/lti/contexts/{lti_forged}", rule(404, (), denied=404)),
    # no roster service in this context: the page says so (redirect with a message)
    Case(
        "lti.sync_roster",
        "POST",
        "/lti/contexts/{lti_context}/roster",
        rule(302, ("admin", "coordinator"), denied=404, overrides={"learner": 403}),
    ),
    Case("lti.sync_roster", "POST", "/lti/contexts/{lti_forged}/roster", rule(404, (), denied=404)),
    Case(
        "lti.retry_grade",
        "POST",
        "/lti/contexts/{lti_context}/grades/{lti_forged}/retry",
        rule(404, ("admin", "coordinator"), denied=404, overrides={"learner": 403}),
    ),
]

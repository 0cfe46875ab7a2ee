"""An independent LTI 1.3 platform for the tests, built on OpenLearning's ``lti1p3platform``.

The library signs the platform's id_tokens, serves its JWKS, checks our client-credentials
assertions at its token endpoint (fetching *our* JWKS over HTTP), validates our deep-linking
responses, and answers AGS and NRPS calls. This module is only glue: its HTTP endpoints are
answered in-process through ``responses``, and calls to our own ``/lti/jwks`` go to the app's
test client, so nothing leaves the machine.
"""

from __future__ import annotations

import json
import re
import time
import typing as t
from dataclasses import dataclass, field
from unittest import mock
from urllib.parse import parse_qsl, urlencode, urlsplit

import responses
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from flask import Flask
from lti1p3platform.ltiplatform import LTI1P3PlatformConfAbstract
from lti1p3platform.message_launch import LTIAdvantageMessageLaunchAbstract
from lti1p3platform.oidc_login import OIDCLoginAbstract
from lti1p3platform.registration import Registration
from lti1p3platform.request import Request, TRequest

ISSUER = "https://platform.test"
CLIENT_ID = "librarena-at-platform"
DEPLOYMENT_ID = "deployment-1"
TOOL = "http://librarena.localhost"

INSTRUCTOR = "http://purl.imsglobal.org/vocab/lis/v2/membership#Instructor"
LEARNER = "http://purl.imsglobal.org/vocab/lis/v2/membership#Learner"


def new_private_pem() -> str:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()


def public_pem_of(private_pem: str) -> str:
    key = serialization.load_pem_private_key(private_pem.encode(), password=None)
    return (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )


class DictRequest(Request):
    """The library's request adapter, fed from a dict."""

    def build_metadata(self, request: t.Any) -> TRequest:
        return t.cast(TRequest, request)


class PlatformConfig(LTI1P3PlatformConfAbstract):
    def init_platform_config(self, **kwargs: t.Any) -> None:
        self._registration = kwargs["registration"]

    def get_registration_by_params(self, **kwargs: t.Any) -> Registration:
        return t.cast(Registration, self._registration)


class Login(OIDCLoginAbstract):
    def set_lti_message_hint(self, **kwargs: t.Any) -> None:
        self._lti_message_hint = kwargs.get("hint", "resource-link-1")

    def get_redirect(self, url: str) -> str:
        return url


class MessageLaunch(LTIAdvantageMessageLaunchAbstract):
    drop: tuple[str, ...] = ()

    def get_launch_message(self, include_extra_claims: bool = True) -> dict[str, t.Any]:
        message = super().get_launch_message(include_extra_claims)
        for claim in self.drop:
            message.pop(claim, None)
        return message

    def render_launch_form(self, launch_data: dict[str, t.Any], **kwargs: t.Any) -> t.Any:
        return launch_data


@dataclass
class Platform:
    """A platform with one registration of Librarena; ``app`` is the tool under test."""

    app: Flask
    #: Where the tool is (its BASE_URL).
    tool: str = TOOL
    #: Where the platform's own pages are (the deep-linking return), when served for real.
    pages: str = ISSUER
    private_pem: str = field(default_factory=new_private_pem)
    jwks_status: int = 200
    jwks_cache_control: str = "max-age=600"
    token_status: int = 200
    jwks_requests: int = 0
    token_requests: int = 0
    scores: list[dict[str, t.Any]] = field(default_factory=list)
    line_items: list[dict[str, t.Any]] = field(default_factory=list)
    members: list[dict[str, t.Any]] = field(default_factory=list)
    page_size: int = 2
    deep_link_items: list[dict[str, t.Any]] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.registration = (
            Registration()
            .set_iss(ISSUER)
            .set_client_id(CLIENT_ID)
            .set_deployment_id(DEPLOYMENT_ID)
            .set_oidc_login_url(self.tool + "/lti/login")
            .set_launch_url(self.tool + "/lti/launch")
            .set_deeplink_launch_url(self.tool + "/lti/launch")
            .set_tool_key_set_url(self.tool + "/lti/jwks")
            .set_platform_private_key(self.private_pem)
            .set_platform_public_key(public_pem_of(self.private_pem))
        )
        self.config = PlatformConfig(registration=self.registration)
        #: The key set the JWKS endpoint serves (the platform's own key by default).
        self.published_pems = [public_pem_of(self.private_pem)]

    # -- registration in the tool -----------------------------------------------------

    def register_in(self, session: t.Any) -> t.Any:
        from lti import services

        return services.register_platform(
            session,
            name="Test platform",
            issuer=ISSUER,
            client_id=CLIENT_ID,
            auth_login_url=ISSUER + "/auth",
            auth_token_url=ISSUER + "/token",
            jwks_url=ISSUER + "/jwks",
            deployment_ids=[DEPLOYMENT_ID],
        )

    # -- HTTP, in-process -------------------------------------------------------------

    def install(self, rsps: responses.RequestsMock) -> None:
        rsps.add_callback(responses.GET, ISSUER + "/jwks", callback=self._jwks)
        rsps.add_callback(responses.POST, ISSUER + "/token", callback=self._token)
        rsps.add_callback(responses.GET, re.compile(re.escape(TOOL) + r"/.*"), callback=self._tool)
        rsps.add_callback(
            responses.GET,
            re.compile(re.escape(ISSUER) + r"/context/.*/members.*"),
            callback=self._members,
        )
        rsps.add_callback(
            responses.GET,
            re.compile(re.escape(ISSUER) + r"/context/[^/]+/lineitems.*"),
            callback=self._get_line_items,
        )
        rsps.add_callback(
            responses.POST,
            re.compile(re.escape(ISSUER) + r"/context/[^/]+/lineitems$"),
            callback=self._create_line_item,
        )
        rsps.add_callback(
            responses.POST, re.compile(re.escape(ISSUER) + r"/.*/scores$"), callback=self._score
        )

    def _jwks(self, request: t.Any) -> tuple[int, dict[str, str], str]:
        self.jwks_requests += 1
        if self.jwks_status != 200:
            return self.jwks_status, {}, "unavailable"
        return 200, {"Cache-Control": self.jwks_cache_control}, json.dumps(self.jwks())

    def jwks(self) -> dict[str, t.Any]:
        return {"keys": [Registration.get_jwk(pem) for pem in self.published_pems]}

    def _tool(self, request: t.Any) -> tuple[int, dict[str, str], str]:
        parts = urlsplit(request.url)
        resp = self.app.test_client().get(parts.path + ("?" + parts.query if parts.query else ""))
        return resp.status_code, dict(resp.headers), resp.get_data(as_text=True)

    def _token(self, request: t.Any) -> tuple[int, dict[str, str], str]:
        self.token_requests += 1
        if self.token_status != 200:
            return self.token_status, {}, "token endpoint down"
        form = dict(
            parse_qsl(request.body if isinstance(request.body, str) else request.body.decode())
        )
        self.last_token_request = form
        # The library checks the assertion's signature against our JWKS, fetched over HTTP.
        answer = self.config.get_access_token(form)
        return 200, {"Content-Type": "application/json"}, json.dumps(answer)

    def _authorised(self, request: t.Any, scope: str) -> bool:
        auth = request.headers.get("Authorization", "").split()
        if len(auth) != 2 or auth[0].lower() != "bearer":
            return False
        return self.config.validate_token(auth[1], [scope])

    def _members(self, request: t.Any) -> tuple[int, dict[str, str], str]:
        if not self._authorised(
            request, "https://purl.imsglobal.org/spec/lti-nrps/scope/contextmembership.readonly"
        ):
            return 401, {}, "unauthorised"
        query = dict(parse_qsl(urlsplit(request.url).query))
        page = int(query.get("page", "1"))
        start = (page - 1) * self.page_size
        chunk = self.members[start : start + self.page_size]
        headers = {"Content-Type": "application/vnd.ims.lti-nrps.v2.membershipcontainer+json"}
        if start + self.page_size < len(self.members):
            base = request.url.split("?")[0]
            headers["Link"] = f'<{base}?{urlencode({"page": page + 1})}>; rel="next"'
        body = {"id": request.url, "context": {"id": "context-1"}, "members": chunk}
        return 200, headers, json.dumps(body)

    def _get_line_items(self, request: t.Any) -> tuple[int, dict[str, str], str]:
        if not self._authorised(request, "https://purl.imsglobal.org/spec/lti-ags/scope/lineitem"):
            return 401, {}, "unauthorised"
        query = dict(parse_qsl(urlsplit(request.url).query))
        items = [
            i
            for i in self.line_items
            if "resource_id" not in query or i.get("resourceId") == query["resource_id"]
        ]
        return (
            200,
            {"Content-Type": "application/vnd.ims.lis.v2.lineitemcontainer+json"},
            (json.dumps(items)),
        )

    def _create_line_item(self, request: t.Any) -> tuple[int, dict[str, str], str]:
        if not self._authorised(request, "https://purl.imsglobal.org/spec/lti-ags/scope/lineitem"):
            return 401, {}, "unauthorised"
        item = json.loads(request.body)
        item["id"] = f"{ISSUER}/context/context-1/lineitems/{len(self.line_items) + 1}"
        self.line_items.append(item)
        return 201, {"Content-Type": "application/vnd.ims.lis.v2.lineitem+json"}, json.dumps(item)

    def _score(self, request: t.Any) -> tuple[int, dict[str, str], str]:
        if not self._authorised(request, "https://purl.imsglobal.org/spec/lti-ags/scope/score"):
            return 401, {}, "unauthorised"
        score = json.loads(request.body)
        score["_line_item"] = request.url.rsplit("/scores", 1)[0]
        self.scores.append(score)
        return 200, {}, ""

    # -- launches ---------------------------------------------------------------------

    def login_url(self, *, hint: str = "resource-link-1", user_id: str = "user-1") -> str:
        login = Login(None, self.config)
        login.set_lti_message_hint(hint=hint)
        return t.cast(str, login.initiate_login(user_id))

    def id_token_for(
        self,
        auth_redirect: str,
        *,
        sub: str = "user-1",
        roles: list[str] | None = None,
        name: str = "Astrid Lindqvist",
        email: str | None = "astrid@platform.test",
        locale: str | None = "sv-SE",
        context_id: str = "context-1",
        resource_link_id: str = "resource-link-1",
        custom: dict[str, t.Any] | None = None,
        deep_linking: bool = False,
        extra: dict[str, t.Any] | None = None,
        drop: tuple[str, ...] = (),
        expiration: int = 300,
        nonce: str | None = None,
        clock_offset: int = 0,
    ) -> dict[str, str]:
        """What the platform posts back to the tool after our authentication redirect:
        ``{"id_token", "state", "launch_url"}``."""
        query = dict(parse_qsl(urlsplit(auth_redirect).query))
        if nonce is not None:
            query["nonce"] = nonce
        launch = MessageLaunch(DictRequest({"get_data": query, "form_data": {}}), self.config)
        launch.drop = drop
        launch.set_user_data(sub, roles if roles is not None else [LEARNER], name, email)
        launch.set_resource_link_claim(resource_link_id, title="Digital mediation")
        launch.set_launch_context_claim(
            context_id, context_title="Bibliotekskurs", context_label="BIB1"
        )
        if locale:
            launch.set_launch_presentation_claim("iframe", ISSUER + "/return")
            launch.set_extra_claims(
                {
                    "https://purl.imsglobal.org/spec/lti/claim/launch_presentation": {
                        "document_target": "iframe",
                        "return_url": ISSUER + "/return",
                        "locale": locale,
                    }
                }
            )
        if custom:
            launch.set_custom_parameters_claim(custom)
        launch.set_ags(
            ISSUER + f"/context/{context_id}/lineitems",
            None,
        )
        launch.set_nrps(ISSUER + f"/context/{context_id}/members")
        if deep_linking:
            launch.set_dl(self.pages + "/deep-link-return", title="Pick", extra_data={"x": "echo"})
        if extra:
            launch.set_extra_claims(extra)
        launch.set_id_token_expiration(expiration)
        # The platform's clock, off by ``clock_offset`` seconds while it signs.
        skewed = time.time() + clock_offset
        with mock.patch("lti1p3platform.registration.time.time", return_value=skewed):
            return t.cast(dict[str, str], launch.lti_launch())

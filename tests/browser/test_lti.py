"""LTI in a real browser: a platform page embeds Librarena in an iframe and launches a learner
into a course; a refused launch and the administrators' platform pages are axe-checked.

The platform is a small WSGI app around OpenLearning's ``lti1p3platform`` (the test platform
of ``tests/lti/platform.py``), served on the loopback beside the live server.
"""

from __future__ import annotations

import html
import threading
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select
from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response

from content.courses.models import Course
from lms.db import db
from lti import services
from lti.models import LtiPlatform
from tests.browser.conftest import LiveServer, assert_accessible, visit
from tests.lti.platform import CLIENT_ID, DEPLOYMENT_ID, INSTRUCTOR, ISSUER, Platform

pytestmark = pytest.mark.browser


class PlatformServer:
    """The platform's pages: a course page with Librarena in an iframe, the OIDC
    authorisation endpoint (which posts the signed launch back) and the JWKS."""

    def __init__(self, platform: Platform, target: str) -> None:
        self.platform = platform
        self.target = target
        self.deep_linked: list[dict[str, Any]] = []

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        request = Request(environ)
        if request.path == "/jwks":
            response = Response(
                __import__("json").dumps(self.platform.jwks()), mimetype="application/json"
            )
        elif request.path == "/auth":
            if request.args.get("lti_message_hint") == "dl":
                posted = self.platform.id_token_for(
                    request.url,
                    roles=[INSTRUCTOR],
                    deep_linking=True,
                    locale="en-GB",
                    sub="teacher-1",
                    name="Tove Lärare",
                )
            else:
                posted = self.platform.id_token_for(
                    request.url, custom={"target": self.target}, locale="sv-SE"
                )
            response = Response(
                f"""<!doctype html><html lang="en"><body>
                <form id="f" method="post" action="{html.escape(posted["launch_url"])}">
                <input type="hidden" name="id_token" value="{posted["id_token"]}">
                <input type="hidden" name="state" value="{posted["state"]}">
                </form><script>document.getElementById("f").submit();</script></body></html>""",
                mimetype="text/html",
            )
        elif request.path == "/deep-link-return" and request.method == "POST":
            items = self.platform.config.validate_deeplinking_resp({"JWT": request.form["JWT"]})
            self.deep_linked = items
            titles = "".join(f"<li>{html.escape(i['title'])}</li>" for i in items)
            response = Response(
                f'<!doctype html><html lang="en"><head><title>Added</title></head><body>'
                f"<h1>Added to the course</h1><ul>{titles}</ul></body></html>",
                mimetype="text/html",
            )
        elif request.path == "/openid-configuration":
            base = request.host_url.rstrip("/")
            response = Response(
                __import__("json").dumps(
                    {
                        "issuer": base,
                        "authorization_endpoint": base + "/auth",
                        "token_endpoint": base + "/token",
                        "jwks_uri": base + "/jwks",
                        "registration_endpoint": base + "/register",
                    }
                ),
                mimetype="application/json",
            )
        elif request.path == "/register" and request.method == "POST":
            response = Response(
                '{"client_id": "dynamic-1", "https://purl.imsglobal.org/spec/'
                'lti-tool-configuration": {"deployment_id": "d1"}}',
                mimetype="application/json",
            )
        elif request.path in ("/course", "/dl"):
            hint = "dl" if request.path == "/dl" else "resource-link-1"
            login = html.escape(self.platform.login_url(hint=hint))
            response = Response(
                f"""<!doctype html><html lang="en"><head><title>Platform course</title></head>
                <body><h1>Platform course</h1>
                <iframe id="tool" title="Librarena" src="{login}" width="900" height="700">
                </iframe></body></html>""",
                mimetype="text/html",
            )
        else:
            response = Response("not found", status=404)
        return response(environ, start_response)


@pytest.fixture(scope="module")
def platform_server(live_server: LiveServer) -> Iterator[tuple[str, Platform, Course]]:
    """The platform, its server's address and a published demo course; the running
    :class:`PlatformServer` is ``platform.server``."""
    with live_server.app.app_context():
        course = db.session.scalars(
            select(Course).where(Course.is_published).order_by(Course.id)
        ).first()
        assert course is not None
        db.session.expunge(course)
    platform = Platform(live_server.app, tool=live_server.url)
    platform.server = PlatformServer(platform, f"course:{course.id}")  # type: ignore[attr-defined]
    server = make_server("127.0.0.1", 0, platform.server, threaded=True)  # type: ignore[attr-defined]
    base = f"http://127.0.0.1:{server.port}"
    platform.pages = base
    with live_server.app.app_context():
        existing = db.session.scalars(
            select(LtiPlatform).where(LtiPlatform.issuer == ISSUER)
        ).first()
        if existing is not None:
            db.session.delete(existing)
            db.session.flush()
        services.register_platform(
            db.session,
            name="Browser test platform",
            issuer=ISSUER,
            client_id=CLIENT_ID,
            auth_login_url=base + "/auth",
            auth_token_url=base + "/token",
            jwks_url=base + "/jwks",
            deployment_ids=[DEPLOYMENT_ID],
        )
        db.session.commit()
    thread = threading.Thread(target=server.serve_forever, name="lti-platform", daemon=True)
    thread.start()
    try:
        yield base, platform, course
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


def test_launch_from_the_platform_lands_in_the_course_inside_the_iframe(
    page: Page, platform_server: tuple[str, Platform, Course], live_server: LiveServer
) -> None:
    base, _platform, course = platform_server
    page.goto(base + "/course")
    frame = page.frame_locator("#tool")
    expect(frame.locator("main h1")).to_have_count(1, timeout=15000)
    tool = next(f for f in page.frames if f.url.startswith(live_server.url))
    assert tool.url.endswith(f"/courses/{course.slug}"), tool.url
    # the platform asked for Swedish: the course page is in Swedish
    assert tool.locator("html").get_attribute("lang") == "sv"


def test_a_refused_launch_explains_itself_accessibly(
    page: Page,
    new_context: Callable[..., Any],
    platform_server: tuple[str, Platform, Course],
    live_server: LiveServer,
) -> None:
    _base, _platform, _course = platform_server
    page.goto(
        live_server.url + "/lti/login?iss=https://unknown.example&login_hint=x"
        "&target_link_uri=" + live_server.url + "/lti/launch"
    )
    expect(page.locator("main h1")).to_have_count(1)
    expect(page.locator(".error-summary")).to_contain_text("https://unknown.example")
    assert_accessible(page)
    # a login started in another browser: this one has no state cookie, so the launch is
    # refused and a new window is offered
    other = new_context()
    started = other.request.get(
        _platform.login_url().replace("http://librarena.localhost", live_server.url),
        max_redirects=0,
    )
    state = started.headers["location"].split("state=")[1].split("&")[0]
    page.set_content(
        f'<html lang="en"><body><form method="post" action="{live_server.url}/lti/launch">'
        f'<input type="hidden" name="state" value="{state}">'
        '<input type="hidden" name="id_token" value="x.y.z"><button>Go</button></form>'
        "</body></html>"
    )
    page.locator("button").click()
    expect(page.locator(".error-summary")).to_contain_text("started in this browser")
    expect(page.get_by_role("link", name="Open in a new window")).to_be_visible()
    assert_accessible(page)


def test_admin_registers_a_platform_and_copies_the_urls(
    signed_in_page: Callable[..., Page], live_server: LiveServer
) -> None:
    page = signed_in_page("admin")
    visit(page, "/lti/platforms")
    assert_accessible(page)
    page.get_by_role("link", name="Register a platform").click()
    expect(page.locator("main h1")).to_have_count(1)
    assert_accessible(page)
    page.fill("#name", "Moodle i webbläsaren")
    page.fill("#issuer", "https://moodle.browser.example")
    page.fill("#client_id", "client-1")
    page.fill("#auth_login_url", "not a url")
    page.fill("#auth_token_url", "https://moodle.browser.example/mod/lti/token.php")
    page.fill("#jwks_url", "https://moodle.browser.example/mod/lti/certs.php")
    page.fill("#deployment_ids", "1")
    page.locator("form.form button[type=submit]").click()
    expect(page.locator(".error-summary")).to_be_visible()
    assert_accessible(page)
    page.fill("#auth_login_url", "https://moodle.browser.example/mod/lti/auth.php")
    page.locator("form.form button[type=submit]").click()
    expect(page.locator("main h1")).to_have_text("Moodle i webbläsaren")
    assert_accessible(page)
    copy = page.locator("button[data-copy='url-jwks']")
    expect(copy).to_be_visible()  # shown by the script: progressive enhancement
    expect(page.locator("#url-jwks")).to_have_text(live_server.url + "/lti/jwks")


def test_instructor_deep_links_a_course_and_sees_the_platform_course(
    page: Page, platform_server: tuple[str, Platform, Course], live_server: LiveServer
) -> None:
    base, platform, course = platform_server
    page.goto(base + "/dl")
    expect(page.frame_locator("#tool").locator("main h1")).to_have_count(1, timeout=15000)
    tool = next(f for f in page.frames if f.url.startswith(live_server.url))
    assert tool.url.endswith("/lti/pick"), tool.url
    # the same session, top level (platform and tool share the loopback's site)
    visit(page, "/lti/pick")
    assert_accessible(page)
    with live_server.app.app_context():
        title = db.session.get(Course, course.id).translation("en").title  # type: ignore[union-attr]
    page.fill("#q", title[:12])
    page.locator("form[role=search] button").click()
    page.locator(f"input[value='course:{course.id}']").check()
    page.get_by_role("button", name="Add to the platform").click()
    expect(page.locator("h1")).to_have_text("Added to the course")
    [item] = platform.server.deep_linked  # type: ignore[attr-defined]
    assert item["custom"] == {"target": f"course:{course.id}"}
    assert item["lineItem"]["scoreMaximum"] == 100
    # the teacher's platform course: members and grades
    visit(page, "/lti/contexts")
    assert_accessible(page)
    page.get_by_role("link", name="Bibliotekskurs").click()
    expect(page.locator("main h1")).to_have_text("Bibliotekskurs")
    assert_accessible(page)
    visit(page, "/lti/unlinked")
    assert_accessible(page)


def test_platform_registers_itself_dynamically(
    page: Page, platform_server: tuple[str, Platform, Course], live_server: LiveServer
) -> None:
    from lti import registration

    base, _platform, _course = platform_server
    with live_server.app.test_request_context():
        link = registration.new_link()
    page.goto(link + "?openid_configuration=" + base + "/openid-configuration")
    expect(page.locator("main h1")).to_have_text("Librarena is registered")
    assert_accessible(page)
    with live_server.app.app_context():
        registered = db.session.scalars(
            select(LtiPlatform).where(LtiPlatform.client_id == "dynamic-1")
        ).one()
        assert registered.issuer == base
        db.session.delete(registered)
        db.session.commit()

"""A live Librarena with the demo data, Debian's Chromium, and the helpers the browser tests share.

The browser suite has a database of its own: a fresh SQLite file migrated with Alembic and loaded
with the demo, served by a real threaded WSGI server with the production settings (CSRF and rate
limiting on). It does not use the rolled-back-transaction fixtures of ``tests/conftest.py``:
requests come from another process, on other threads, so they could not share that transaction.

Playwright's own browser download does not work here; the tests drive Debian's Chromium. When
it is missing every browser test is skipped with a loud reason that ``pytest -ra`` prints.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from alembic import command
from axe_playwright_python.sync_playwright import Axe
from flask import Flask
from playwright.sync_api import Browser, BrowserContext, Page, expect, sync_playwright
from sqlalchemy import select
from werkzeug.exceptions import MethodNotAllowed, NotFound
from werkzeug.routing import RequestRedirect
from werkzeug.serving import make_server

from lms import create_app
from lms.auth.models import User
from lms.db import db
from lms.demo import DEMO_DOMAIN, DEMO_PASSWORD, load_demo
from lms.migrations import alembic_config
from lms.orgs.models import OrgUnit, Programme, UnitKind

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_MISSING = (
    "Debian's Chromium is not installed at /usr/bin/chromium: browser and accessibility tests "
    "NOT run; `apt-get install chromium`"
)
# Headless without a sandbox, GPU or any traffic of Chromium's own (updates, sync, QUIC).
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ROLES = ("admin", "coordinator", "manager", "evaluator", "learner")
#: What axe-core reports at these impacts makes a page unusable for someone: a test fails on it.
BLOCKING_IMPACTS = frozenset({"serious", "critical"})


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if CHROMIUM.exists():
        return
    skip = pytest.mark.skip(reason=CHROMIUM_MISSING)
    for item in items:
        if item.get_closest_marker("browser"):
            item.add_marker(skip)


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if not CHROMIUM.exists():
        terminalreporter.write_sep("!", CHROMIUM_MISSING, red=True, bold=True)


def demo_email(role: str) -> str:
    return f"{role}@{DEMO_DOMAIN}"


@dataclass(frozen=True)
class LiveServer:
    """The running app: its address, and the ids of demo records pages are built from."""

    app: Flask
    url: str
    ids: dict[str, int]

    def routes(self, path: str) -> bool:
        """True when a view answers GET ``path`` (also after a trailing-slash redirect)."""
        adapter = self.app.url_map.bind("127.0.0.1")
        try:
            adapter.match(path, method="GET")
        except RequestRedirect:
            return True
        except (NotFound, MethodNotAllowed):
            return False
        return True


def _demo_ids() -> dict[str, int]:
    session = db.session

    def first(stmt: Any) -> int:
        value = session.scalar(stmt.limit(1))
        assert value is not None, f"the demo has nothing for {stmt}"
        return int(value)

    return {
        "region_id": first(
            select(OrgUnit.id).where(OrgUnit.kind == UnitKind.REGION).order_by(OrgUnit.id)
        ),
        "programme_id": first(select(Programme.id).order_by(Programme.id)),
        "user_id": first(select(User.id).where(User.email == demo_email("learner"))),
    }


@pytest.fixture(scope="session")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    root = tmp_path_factory.mktemp("browser")
    with pytest.MonkeyPatch.context() as mp:
        # Keep everything the app writes (mail, keys) out of the developer's instance/.
        mp.setenv("LIBRARENA_INSTANCE_PATH", str(root / "instance"))
        app = create_app(
            {
                "DATABASE_URL": f"sqlite:///{root / 'browser.sqlite3'}",
                "SECRET_KEY": "browser-test-secret-key",
                "MAIL_DIR": str(root / "instance" / "mail"),
                "BASE_URL": "http://127.0.0.1",
                "SECURE_COOKIES": False,  # plain HTTP on the loopback
            }
        )
    # The production settings, not the unit tests' shortcuts: CSRF and rate limiting on.
    assert app.config.get("WTF_CSRF_ENABLED", True)
    assert app.config.get("RATELIMIT_ENABLED", True)
    with app.app_context():
        command.upgrade(alembic_config(), "head")
        load_demo(db.session)
        db.session.commit()
        ids = _demo_ids()
    server = make_server("127.0.0.1", 0, app, threaded=True)
    url = f"http://127.0.0.1:{server.port}"
    app.config["BASE_URL"] = url  # the port is known only once the socket is bound
    thread = threading.Thread(target=server.serve_forever, name="live-server", daemon=True)
    thread.start()
    try:
        yield LiveServer(app=app, url=url, ids=ids)
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)
        db.state(app).engine.dispose()


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()


@pytest.fixture
def new_context(
    browser: Browser, live_server: LiveServer
) -> Iterator[Callable[..., BrowserContext]]:
    """``new_context(viewport=…, java_script_enabled=False)``: a fresh browser profile."""
    contexts: list[BrowserContext] = []

    def make(**options: Any) -> BrowserContext:
        # English Accept-Language, so a page's language before any choice is known.
        options.setdefault("locale", "en-GB")
        context = browser.new_context(base_url=live_server.url, **options)
        context.set_default_timeout(5_000)
        contexts.append(context)
        return context

    yield make
    for context in contexts:
        context.close()


@pytest.fixture
def page(new_context: Callable[..., BrowserContext]) -> Page:
    return new_context().new_page()


@pytest.fixture(scope="session")
def _signed_in_states() -> dict[str, Any]:
    return {}


@pytest.fixture
def signed_in_page(
    new_context: Callable[..., BrowserContext], _signed_in_states: dict[str, Any]
) -> Callable[..., Page]:
    """``signed_in_page("manager")``: a fresh page already signed in as that demo account.

    The first time per role it signs in through the form; later pages reuse that session's
    cookies, which keeps the suite fast. Tests about signing in itself use :func:`sign_in`.
    """

    def make(role: str, **options: Any) -> Page:
        state = _signed_in_states.get(role)
        if state is None:
            page = new_context(**options).new_page()
            sign_in(page, role)
            _signed_in_states[role] = page.context.storage_state()
            return page
        page = new_context(storage_state=state, **options).new_page()
        page.goto("/")
        expect(page.locator("form[action$='/logout']")).to_have_count(1)
        return page

    return make


@pytest.fixture
def restore_locales(live_server: LiveServer) -> Iterator[None]:
    """Put every account's saved language back after a test that switches it while signed in."""
    with live_server.app.app_context():
        saved = {row.id: row.locale for row in db.session.execute(select(User.id, User.locale))}
    yield
    with live_server.app.app_context():
        for user in db.session.scalars(select(User)):
            user.locale = saved.get(user.id)
        db.session.commit()


def sign_in(page: Page, role: str) -> None:
    """Sign in as the demo account of ``role`` through the real sign-in form."""
    page.goto("/login")
    # Ids, not label texts: a test may have switched the page to another language.
    page.locator("#email").fill(demo_email(role))
    page.locator("#password").fill(DEMO_PASSWORD)
    page.locator("main form button[type=submit]").click()
    expect(page.locator("form[action$='/logout']")).to_have_count(1)
    assert page.url.endswith("/"), f"signing in as {role} ended on {page.url}"


def visit(page: Page, path: str) -> None:
    """Go to ``path`` and make sure it is that page, not an error or the sign-in page."""
    response = page.goto(path)
    assert response is not None, f"no response for {path}"
    assert response.status == 200, f"GET {path} answered {response.status}"
    assert urlsplit(page.url).path == urlsplit(path).path, f"GET {path} ended on {page.url}"


def sign_out(page: Page) -> None:
    page.locator("form[action$='/logout'] button").click()
    expect(page.locator("form[action$='/logout']")).to_have_count(0)


_AXE = Axe()


def assert_accessible(page: Page) -> None:
    """No axe-core violation of serious or critical impact on the page as it is now."""
    # A blank or half-loaded page would pass axe trivially: make sure ours is there.
    expect(page.locator("main h1")).to_have_count(1)
    results = _AXE.run(page)
    blocking = [v for v in results.response["violations"] if v["impact"] in BLOCKING_IMPACTS]
    report = [f"axe-core: {len(blocking)} serious/critical violation(s) on {page.url}"]
    for violation in blocking:
        report.append(f"- {violation['id']} ({violation['impact']}): {violation['help']}")
        report.append(f"  {violation['helpUrl']}")
        for node in violation["nodes"]:
            report.append(f"    at {', '.join(map(str, node['target']))}: {node['html'][:200]}")
    assert not blocking, "\n".join(report)

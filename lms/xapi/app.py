"""The LRS as a WSGI app of its own, mounted at ``/xapi`` in front of the web app.

The LRS answers programs, not people: learning packages, platforms and other LRSs posting a
statement per interaction. It shares the web app's configuration, database, caches and outbox
(``config`` and ``extensions`` are the same objects), and its session cookie, so a signed-in
learner can still read their own statements. It runs none of the web app's work for pages: the
rate limiter, CSRF, locale and time zone, navigation and the pages' security headers. Measured
in-process, that work was a third of the cost of a one-statement POST (docs/xapi-lrs.md).

Requests under ``/xapi/`` never reach the web app: :func:`mount` puts werkzeug's
``DispatcherMiddleware`` in front of it. URLs of the LRS are built with :func:`endpoint_url`
from the web app, and with ``url_for`` inside the LRS app.
"""

from __future__ import annotations

from flask import Flask, Request, Response, request
from flask.sessions import SessionInterface, SessionMixin
from werkzeug.middleware.dispatcher import DispatcherMiddleware

from lms.db import db
from lms.extensions import login_manager

#: Where the LRS is mounted.
PREFIX = "/xapi"
_KEY = "xapi.app"


class ReadOnlySessions(SessionInterface):
    """The web app's session cookie, read and never written: the LRS never changes who is
    signed in (writing it back cost every LRS request the cookie's settings)."""

    def __init__(self, web: SessionInterface) -> None:
        self.web = web

    def open_session(self, app: Flask, request: Request) -> SessionMixin | None:
        return self.web.open_session(app, request)

    def save_session(self, app: Flask, session: SessionMixin, response: Response) -> None:
        return None


def create_lrs_app(web: Flask) -> Flask:
    """The LRS app beside ``web``, sharing its configuration and extensions."""
    from lms.xapi.api import bp

    lrs = Flask(__name__, static_folder=None)
    # One configuration and one set of extensions: a setting changed on the web app (the tests
    # do) holds here too, and the engine, the credentials cache and the outbox are shared.
    lrs.config = web.config
    lrs.extensions = web.extensions
    lrs.session_interface = ReadOnlySessions(web.session_interface)
    db.init_shared_app(lrs)
    # current_user, for a signed-in person reading their own statements through the cookie.
    login_manager.init_app(lrs, add_context_processor=False)
    lrs.register_blueprint(bp)

    @lrs.after_request
    def _no_sniffing(response: Response) -> Response:
        # The one page header that matters for an API: a JSON body is never run as a script.
        response.headers["X-Content-Type-Options"] = "nosniff"
        return response

    return lrs


def mount(web: Flask) -> Flask:
    """Serve the LRS at ``PREFIX`` in front of ``web``; returns the LRS app."""
    lrs = create_lrs_app(web)
    web.extensions[_KEY] = lrs
    web.wsgi_app = DispatcherMiddleware(  # type: ignore[method-assign]
        web.wsgi_app, {PREFIX: lrs}
    )
    return lrs


def lrs_app(web: Flask) -> Flask:
    """The LRS app mounted in front of ``web``."""
    lrs: Flask = web.extensions[_KEY]
    return lrs


def endpoint_url() -> str:
    """The LRS's address as clients are given it (from a request of the web app)."""
    return f"{request.url_root}{PREFIX.strip('/')}/"

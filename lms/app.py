"""The application factory: the only place an app is built."""

from __future__ import annotations

import logging
import os
import re
from typing import Any

from flask import Flask, g, request
from flask.wrappers import Response
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.routing import IntegerConverter
from werkzeug.routing.map import Map

from lms import errors, guards, i18n, mail
from lms.config import LOCALES, load_config
from lms.core import labels, nav
from lms.db import db
from lms.extensions import babel, csrf, limiter, login_manager

MAX_ID = 2**31 - 1  # the largest INTEGER both SQLite and PostgreSQL keys hold here


class BoundedIntConverter(IntegerConverter):
    def __init__(self, map: Map, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("max", MAX_ID)
        super().__init__(map, *args, **kwargs)


def create_app(config: dict[str, Any] | None = None) -> Flask:
    """Build a Librarena app; ``config`` overrides what the environment says."""
    app = Flask(
        "lms",
        instance_relative_config=True,
        instance_path=os.environ.get("LIBRARENA_INSTANCE_PATH") or None,
    )
    app.config.update(
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        REMEMBER_COOKIE_HTTPONLY=True,
        REMEMBER_COOKIE_SAMESITE="Lax",
        # A form field over this many bytes gets a clear 413 instead of filling memory.
        MAX_FORM_MEMORY_SIZE=512 * 1024,
        MAX_CONTENT_LENGTH=64 * 1024 * 1024,
        BABEL_DEFAULT_LOCALE="en",
        BABEL_TRANSLATION_DIRECTORIES="translations",
        WTF_CSRF_TIME_LIMIT=None,  # the token lives as long as the session
        RATELIMIT_HEADERS_ENABLED=True,
        LANGUAGES=LOCALES,
    )
    app.config.update(load_config(app.instance_path, overrides=config))
    app.config["SESSION_COOKIE_SECURE"] = app.config["SECURE_COOKIES"]
    app.config["REMEMBER_COOKIE_SECURE"] = app.config["SECURE_COOKIES"]

    # Before any route is added: every <int:…> in a URL is a database id, so a number beyond
    # what the database stores is simply "not found" instead of an overflow deep in the driver.
    app.url_map.converters["int"] = BoundedIntConverter

    db.init_app(app)
    csrf.init_app(app)
    limiter.init_app(app)
    babel.init_app(app, locale_selector=i18n.select_locale, timezone_selector=i18n.select_timezone)
    _init_login(app)
    i18n.init_app(app)
    errors.init_app(app)
    guards.init_app(app)
    mail.init_app(app)
    _register_blueprints(app)
    nav.init_app(app)
    labels.init_app(app)
    _security_headers(app)
    _quiet_logs(app)

    from lms.cli import register_commands

    register_commands(app)
    # The LRS is an app of its own in front of this one (lms.xapi.app).
    from lms.xapi.app import mount

    mount(app)
    if app.config["SECURE_COOKIES"]:
        # HTTPS ends at a reverse proxy: trust its X-Forwarded-* for scheme, host and client
        # (in front of both apps).
        app.wsgi_app = ProxyFix(  # type: ignore[method-assign]
            app.wsgi_app, x_for=1, x_proto=1, x_host=1
        )
    return app


def _init_login(app: Flask) -> None:
    from flask_babel import lazy_gettext as _l

    from lms.auth.models import User

    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = _l("Please sign in to see this page.")
    login_manager.login_message_category = "info"
    login_manager.session_protection = "basic"

    @login_manager.user_loader
    def _load(user_id: str) -> User | None:
        ident, _, token = user_id.partition(":")
        if not ident.isdigit():
            return None
        user = db.session.get(User, int(ident))
        if user is None or not user.is_active or user.session_token != token:
            return None
        return user


def _register_blueprints(app: Flask) -> None:
    from lms.auth.views import bp as auth_bp
    from lms.core.views import bp as core_bp

    app.register_blueprint(core_bp)
    app.register_blueprint(auth_bp)
    for name in (
        "lms.users.views",
        "lms.orgs.views",
        "lms.orgs.api",
        "lms.xapi.views",
        "lms.competences.views",
        "lms.competences.api",
        "lms.mapping.views",
        "lms.mapping.api",
        "lms.assignments.views",
        "lms.assignments.api",
        "lms.plans.views",
        "lms.plans.api",
        "lms.plans.municipal_views",
        "lms.swot.views",
        "lms.swot.api",
        "lms.reporting.views",
        "lti.views",
    ):
        module = __import__(name, fromlist=["bp"])
        app.register_blueprint(module.bp)
    for name in (
        "content.courses.views",
        "content.courses.api",
        "content.progress.views",
        "content.certificates.views",
        "content.packages.views",
        "content.openapi",
    ):
        module = __import__(name, fromlist=["bp"])
        app.register_blueprint(module.bp)
    from content.webinars.api import bp as webinars_api_bp
    from content.webinars.views import bp as webinars_bp

    app.register_blueprint(webinars_bp)
    app.register_blueprint(webinars_api_bp)


def _security_headers(app: Flask) -> None:
    @app.after_request
    def _headers(response: Response) -> Response:
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "strict-origin-when-cross-origin")
        response.headers.setdefault(
            "Content-Security-Policy",
            "default-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'self'; "
            "form-action 'self'",
        )
        if request.endpoint and request.endpoint.startswith("auth."):
            response.headers["Cache-Control"] = "no-store"
        if request.endpoint in ("auth.reset_password", "auth.accept_invitation"):
            # The URL holds a token: not even this site's own requests may carry it onwards.
            response.headers["Referrer-Policy"] = "no-referrer"
        return response

    @app.before_request
    def _request_start() -> None:
        g.setdefault("page_title", None)


_TOKEN_IN_URL = re.compile(r"(/password/reset/|/invitation/|/events/feed/|/lti/enter/)[^\s\"?/]+")


class RedactTokens(logging.Filter):
    """Replace one-time tokens in URLs with ``…`` in any log line (access logs included).

    Loggers pass the URL in ``record.args``, so the formatted message is redacted and the
    arguments dropped.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        redacted = _TOKEN_IN_URL.sub(r"\1…", message)
        if redacted != message:
            record.msg, record.args = redacted, ()
        return True


def _quiet_logs(app: Flask) -> None:
    for name in ("werkzeug", "gunicorn.access", "gunicorn.error"):
        logging.getLogger(name).addFilter(RedactTokens())

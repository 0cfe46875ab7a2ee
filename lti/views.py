"""Librarena as an LTI tool (HTML): key set, login, launch, the session hand-over, and the
administrators' platform registrations.

The login and launch endpoints are called by platforms, not by our own forms: they are public
and exempt from CSRF protection; the OIDC ``state`` bound to the browser and the signed,
single-use id_token are what protect them (Security Framework 1.0 §5.1.1, §7.3.1).
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from flask import (
    Blueprint,
    Flask,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask.sessions import SecureCookieSessionInterface
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user
from sqlalchemy import select
from werkzeug.wrappers import Response

from lms.auth.models import Role
from lms.auth.permissions import require, roles_required, scope
from lms.db import db
from lms.errors import NotFound, ValidationFailed
from lms.extensions import csrf
from lms.schema import load
from lms.web import render_form
from lti import keys, launch, services
from lti.models import (
    ContextRole,
    GradeSendStatus,
    LtiContext,
    LtiContextMember,
    LtiGradeSend,
    LtiLaunch,
    LtiPlatform,
    LtiResourceLink,
)
from lti.schemas import DeploymentSchema
from lti.validate import LaunchError

log = logging.getLogger(__name__)

bp = Blueprint(
    "lti",
    __name__,
    url_prefix="/lti",
    template_folder="templates",
)

#: The session key holding the launch a first-party session came from.
SESSION_LAUNCH = "lti_launch_id"


def _secure() -> bool:
    return bool(current_app.config.get("SECURE_COOKIES")) or request.is_secure


def _failed(exc: LaunchError, *, restart: str | None = None) -> tuple[str, int]:
    """The page of a refused launch: what was wrong, for the person and the platform admin."""
    db.session.rollback()
    log.warning("LTI launch refused (%s): %s", exc.code, exc.message)
    return (
        render_template("lti/error.html", error=exc, restart_url=restart),
        exc.status,
    )


# -- public endpoints ---------------------------------------------------------------------


@bp.get("/lti.js")
def script() -> Response:
    """The pages' progressive enhancement (copy buttons, auto-submit, platform storage)."""
    path = Path(__file__).parent / "static" / "lti.js"
    response = Response(path.read_text(encoding="utf-8"), mimetype="text/javascript")
    response.headers["Cache-Control"] = "public, max-age=3600"
    return response


@bp.get("/jwks")
def jwks() -> Response:
    """Our public keys (Security Framework 1.0 §6.3); kept short in caches so a rotation is
    seen soon."""
    body = keys.jwks(db.session)
    db.session.commit()
    response = jsonify(body)
    response.headers["Cache-Control"] = "public, max-age=300"
    return response


@bp.route("/login", methods=["GET", "POST"])
@csrf.exempt
def login() -> Response | tuple[str, int]:
    """OIDC third-party initiated login (Security Framework 1.0 §5.1.1.1), GET or POST."""
    params = request.form if request.method == "POST" else request.args
    try:
        state, url = launch.start_login(db.session, params)
    except LaunchError as exc:
        return _failed(exc)
    db.session.commit()
    storage_target = params.get("lti_storage_target")
    if storage_target:
        # LTI client-side OIDC login: keep the state in the platform's storage by postMessage,
        # as the browser may refuse our cookie inside the platform's iframe.
        html = render_template(
            "lti/storage_login.html",
            auth_url=url,
            state=state.state,
            nonce=state.nonce,
            target=storage_target,
            origin=_origin(state.platform_id),
        )
        response: Response = current_app.make_response(html)
    else:
        response = redirect(url)
    secure = _secure()
    response.set_cookie(
        launch.state_cookie_name(state.state),
        state.state,
        max_age=int(launch.STATE_LIFETIME.total_seconds()),
        path=url_for("lti.launch"),
        httponly=True,
        secure=secure,
        samesite="None" if secure else "Lax",
        partitioned=secure,
    )
    return response


def _origin_of(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def _origin(platform_id: int) -> str:
    platform = db.session.get(LtiPlatform, platform_id)
    return _origin_of(platform.auth_login_url if platform else "")


@bp.post("/launch", endpoint="launch")
@csrf.exempt
def launch_view() -> Response | tuple[str, int]:
    """The id_token launch (LTI Core 1.3 §5, Security Framework 1.0 §5.1.3); also the LTI 1.1
    basic launch, told apart by its OAuth parameters."""
    if request.form.get("lti_message_type") == "basic-lti-launch-request":
        from lti import lti11

        try:
            token = lti11.launch(db.session, request)
        except LaunchError as exc:
            return _failed(exc)
        db.session.commit()
        return redirect(url_for("lti.enter", token=token))
    form_state = request.form.get("state")
    state = launch.find_state(db.session, form_state)
    bound = request.cookies.get(launch.state_cookie_name(form_state)) if form_state else None
    storage_target = (state.login_params or {}).get("lti_storage_target") if state else None
    if bound is None and storage_target and request.form.get("lti_storage_verified"):
        # Client-side login: our page read the state back from the platform's storage. Only
        # for logins that asked for it; a cookie login must come back with its cookie.
        bound = request.form.get("lti_storage_verified")
    if bound is None and state is not None and storage_target:
        return (
            render_template(
                "lti/storage_launch.html",
                state=state.state,
                nonce=state.nonce,
                id_token=request.form.get("id_token", ""),
                target=storage_target,
                origin=_origin(state.platform_id),
            ),
            200,
        )
    try:
        verified = launch.verify(db.session, request.form.get("id_token"), state, bound)
        record, token = launch.complete(db.session, verified)
    except LaunchError as exc:
        return _failed(exc, restart=launch.restart_url(state) if state else None)
    db.session.commit()
    log.info(
        "LTI launch %s from %s for user %s", record.id, verified.platform.issuer, record.user_id
    )
    response = redirect(url_for("lti.enter", token=token))
    if form_state:
        response.delete_cookie(launch.state_cookie_name(form_state), path=url_for("lti.launch"))
    return response


@bp.get("/enter/<token>")
def enter(token: str) -> Response | tuple[str, int]:
    """Exchange the one-time launch token for a first-party session, then go to the content."""
    record = launch.exchange(db.session, token)
    if record is None:
        return _failed(
            LaunchError(
                "launch_token",
                _(
                    "This launch link has expired or was used already. Start again from the "
                    "platform."
                ),
            )
        )
    if not record.user.is_active:
        return _failed(
            LaunchError(
                "inactive",
                _("Your Librarena account is deactivated. Ask an administrator of Librarena."),
                status=403,
            )
        )
    login_user(record.user)
    session[SESSION_LAUNCH] = record.id
    session["locale"] = record.locale
    db.session.commit()
    return redirect(record.target_path)


@bp.get("/unlinked")
@login_required
def unlinked() -> str:
    """A resource link that points at nothing yet."""
    return render_template("lti/unlinked.html")


def _partition(response: Response, name: str) -> None:
    """Rewrite the ``name`` cookie of ``response`` as ``SameSite=None; Secure; Partitioned``."""
    headers = response.headers.getlist("Set-Cookie")
    if not any(h.startswith(name + "=") for h in headers):
        return
    response.headers.remove("Set-Cookie")
    for header in headers:
        if header.startswith(name + "="):
            parts = [
                p
                for p in header.split("; ")
                if p.lower().split("=")[0] not in ("samesite", "secure", "partitioned")
            ]
            header = "; ".join([*parts, "Secure", "SameSite=None", "Partitioned"])
        response.headers.add("Set-Cookie", header)


class PartitionedSessionInterface(SecureCookieSessionInterface):
    """Inside a platform's iframe our session cookie is a third-party cookie: for sessions that
    began with a launch, behind HTTPS, it goes out ``SameSite=None; Secure; Partitioned``
    (CHIPS), so browsers that partition cookies keep it; others get the new-window fallback."""

    def open_session(self, app: Flask, request: Any) -> Any:
        if app.secret_key and not request.cookies.get(self.get_cookie_name(app)):
            # No cookie, nothing to verify: a new session without building a signer first
            # (API clients such as the LRS's send no cookie, on every request).
            return self.session_class()
        return super().open_session(app, request)

    def save_session(self, app: Flask, session: Any, response: Any) -> None:
        super().save_session(app, session, response)
        if session.get(SESSION_LAUNCH) and (app.config.get("SECURE_COOKIES") or request.is_secure):
            _partition(response, self.get_cookie_name(app))


# -- administrators: platform registrations -----------------------------------------------


def _require_admin() -> None:
    require(scope(current_user, Role.ADMIN).everywhere)


def _platform(platform_id: int) -> LtiPlatform:
    platform = db.session.get(LtiPlatform, platform_id)
    if platform is None:
        raise NotFound()
    return platform


@bp.get("/platforms")
@roles_required(Role.ADMIN)
def platforms() -> str:
    _require_admin()
    return render_template(
        "lti/platforms.html", platforms=services.platforms(db.session), urls=launch.tool_urls()
    )


@bp.route("/platforms/new", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def new_platform() -> Response | tuple[str, int]:
    _require_admin()
    if request.method == "GET":
        return render_form("lti/platform_form.html", urls=launch.tool_urls())
    try:
        platform = services.register_from_form(db.session, request.form)
    except ValidationFailed as exc:
        return render_form("lti/platform_form.html", errors=exc.errors, urls=launch.tool_urls())
    db.session.commit()
    flash(_("Platform %(name)s registered.", name=platform.name), "success")
    return redirect(url_for("lti.platform", platform_id=platform.id))


@bp.post("/platforms/registration-link")
@roles_required(Role.ADMIN)
def registration_link() -> str:
    """A one-time Dynamic Registration URL for a platform's administrator to paste."""
    from lti import registration

    _require_admin()
    return render_template(
        "lti/platforms.html",
        platforms=services.platforms(db.session),
        urls=launch.tool_urls(),
        registration_url=registration.new_link(),
    )


@bp.get("/register/<token>")
@csrf.exempt
def register(token: str) -> tuple[str, int] | str:
    """Dynamic Registration 1.0: opened by the platform with its openid_configuration."""
    from lti import registration

    try:
        platform = registration.register(
            db.session,
            token,
            request.args.get("openid_configuration"),
            request.args.get("registration_token"),
        )
    except LaunchError as exc:
        db.session.rollback()
        log.warning("LTI dynamic registration refused (%s): %s", exc.code, exc.message)
        return (
            render_template(
                "lti/error.html", error=exc, restart_url=None, title=_("Registration failed")
            ),
            exc.status,
        )
    db.session.commit()
    log.info("LTI platform %s registered itself (%s)", platform.id, platform.issuer)
    return render_template("lti/registered.html", platform=platform)


@bp.get("/platforms/<int:platform_id>")
@roles_required(Role.ADMIN)
def platform(platform_id: int) -> str:
    _require_admin()
    return _platform_page(_platform(platform_id))


def _platform_page(found: LtiPlatform, **extra: Any) -> str:
    return render_template(
        "lti/platform.html",
        platform=found,
        urls=launch.tool_urls(),
        errors={},
        values={},
        consumers=_consumers(found),
        **extra,
    )


@bp.post("/platforms/<int:platform_id>/lti11")
@roles_required(Role.ADMIN)
def add_consumer(platform_id: int) -> str:
    """A new LTI 1.1 consumer key and secret for an older platform; the secret is shown on
    this one page only (it is stored encrypted, never in a cookie or a log)."""
    from lti import lti11

    _require_admin()
    found = _platform(platform_id)
    consumer, secret = lti11.add_consumer(db.session, found)
    db.session.commit()
    return _platform_page(found, new_consumer=consumer, new_secret=secret)


def _consumers(platform: LtiPlatform) -> list[Any]:
    from lti.models import Lti11Consumer

    return list(
        db.session.scalars(
            select(Lti11Consumer)
            .where(Lti11Consumer.platform_id == platform.id)
            .order_by(Lti11Consumer.id)
        )
    )


@bp.post("/platforms/<int:platform_id>/deployments")
@roles_required(Role.ADMIN)
def add_deployment(platform_id: int) -> Response | tuple[str, int]:
    _require_admin()
    found = _platform(platform_id)
    try:
        data = load(DeploymentSchema(), request.form)
        services.add_deployment(db.session, found, data["deployment_id"])
    except ValidationFailed as exc:
        return render_form(
            "lti/platform.html",
            errors=exc.errors,
            platform=found,
            urls=launch.tool_urls(),
            consumers=_consumers(found),
        )
    db.session.commit()
    flash(_("Deployment %(id)s added.", id=data["deployment_id"]), "success")
    return redirect(url_for("lti.platform", platform_id=found.id))


# -- deep linking -------------------------------------------------------------------------


def _deep_linking_launch() -> LtiLaunch:
    """The deep-linking launch of this session; only its own user, and staff, may answer it."""
    launch_id = session.get(SESSION_LAUNCH)
    record = db.session.get(LtiLaunch, launch_id) if launch_id else None
    if (
        record is None
        or record.user_id != current_user.id
        or "deep_linking" not in (record.data or {})
    ):
        raise NotFound(_("There is no content selection in progress. Start it from the platform."))
    require(bool(record.data.get("staff")))
    return record


@bp.route("/pick", methods=["GET", "POST"])
@login_required
def pick() -> str | Response | tuple[str, int]:
    """Deep Linking 2.0: a searchable picker; the choice goes back to the platform signed."""
    from lti import deep_linking

    record = _deep_linking_launch()
    locale = record.locale
    query = request.args.get("q", "")[:200]
    found = deep_linking.candidates(db.session, locale, query)
    settings = record.data["deep_linking"]
    if request.method == "GET":
        return render_template(
            "lti/pick.html", candidates=found, query=query, multiple=settings["accept_multiple"]
        )
    chosen = request.form.getlist("target")
    by_target = {c.target: c for c in deep_linking.candidates(db.session, locale)}
    picked = [by_target[t] for t in dict.fromkeys(chosen) if t in by_target]
    if not picked or (len(picked) > 1 and not settings["accept_multiple"]):
        return (
            render_template(
                "lti/pick.html",
                candidates=found,
                query=query,
                multiple=settings["accept_multiple"],
                errors={
                    "target": [
                        _("Choose one item to add.")
                        if not picked
                        else _("This platform accepts one item only.")
                    ]
                },
            ),
            422,
        )
    launch_url = launch.tool_urls()["launch"]
    token = deep_linking.response_jwt(
        db.session, record, [deep_linking.content_item(c, launch_url) for c in picked]
    )
    db.session.commit()
    html = render_template(
        "lti/deep_link_return.html", return_url=settings["return_url"], jwt=token, picked=picked
    )
    response = current_app.make_response(html)
    # The page posts to the platform: our CSP's form-action must allow that one address.
    response.headers["Content-Security-Policy"] = (
        "default-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'self'; "
        f"form-action 'self' {_origin_of(settings['return_url'])}"
    )
    return response


# -- contexts: rosters and grades, for their coordinators ------------------------------------


@bp.record_once
def _wire(state: Any) -> None:
    from lms.xapi.emit import describe_actors
    from lti import advantage
    from lti.launch import platform_identities

    advantage.init_app(state.app)
    describe_actors(state.app, platform_identities)
    if type(state.app.session_interface) is SecureCookieSessionInterface:
        state.app.session_interface = PartitionedSessionInterface()


def _my_contexts() -> list[LtiContext]:
    stmt = select(LtiContext).order_by(LtiContext.title, LtiContext.id)
    if not scope(current_user, Role.ADMIN).everywhere:
        stmt = stmt.join(LtiContextMember, LtiContextMember.context_id == LtiContext.id).where(
            LtiContextMember.user_id == current_user.id,
            LtiContextMember.role == ContextRole.COORDINATOR,
        )
    return list(db.session.scalars(stmt))


def _context(context_id: int) -> LtiContext:
    """A context its coordinator (or a global administrator) may see; else not found."""
    found = db.session.get(LtiContext, context_id)
    if found is None:
        raise NotFound()
    if scope(current_user, Role.ADMIN).everywhere:
        return found
    member = db.session.scalars(
        select(LtiContextMember).where(
            LtiContextMember.context_id == found.id,
            LtiContextMember.user_id == current_user.id,
        )
    ).first()
    if member is None:
        raise NotFound()
    require(member.role is ContextRole.COORDINATOR)
    return found


@bp.get("/contexts")
@login_required
def contexts() -> str:
    """The platform courses someone coordinates, with their rosters and grade sends."""
    return render_template("lti/contexts.html", contexts=_my_contexts())


@bp.get("/contexts/<int:context_id>")
@login_required
def context(context_id: int) -> str:
    found = _context(context_id)
    members = list(
        db.session.scalars(
            select(LtiContextMember)
            .where(LtiContextMember.context_id == found.id)
            .order_by(LtiContextMember.role, LtiContextMember.id)
        )
    )
    sends = list(
        db.session.scalars(
            select(LtiGradeSend)
            .join(LtiResourceLink, LtiResourceLink.id == LtiGradeSend.resource_link_id)
            .where(LtiResourceLink.context_id == found.id)
            .order_by(LtiGradeSend.status != GradeSendStatus.FAILED, LtiGradeSend.id.desc())
            .limit(200)
        )
    )
    return render_template("lti/context.html", context=found, members=members, sends=sends)


@bp.post("/contexts/<int:context_id>/roster")
@login_required
def sync_roster(context_id: int) -> Response:
    """NRPS 2.0: read the platform's member list into the context."""
    from lti import advantage

    found = _context(context_id)
    try:
        count = advantage.sync_roster(db.session, found)
    except advantage.ServiceError as exc:
        db.session.rollback()
        log.warning("LTI roster of context %s not read: %s", context_id, exc)
        flash(_("The platform's member list could not be read: %(error)s", error=str(exc)), "error")
        return redirect(url_for("lti.context", context_id=context_id))
    db.session.commit()
    flash(_("Roster read: %(count)d members.", count=count), "success")
    return redirect(url_for("lti.context", context_id=context_id))


@bp.post("/contexts/<int:context_id>/grades/<int:send_id>/retry")
@login_required
def retry_grade(context_id: int, send_id: int) -> Response:
    """Send a failed grade again now instead of waiting for the back-off."""
    from lms.outbox.models import OutboxMessage, OutboxStatus
    from lms.outbox.services import retry
    from lti.advantage import CHANNEL

    found = _context(context_id)
    send = db.session.get(LtiGradeSend, send_id)
    if send is None or send.resource_link.context_id != found.id:
        raise NotFound()
    if send.status is GradeSendStatus.FAILED:
        messages = db.session.scalars(
            select(OutboxMessage).where(
                OutboxMessage.channel == CHANNEL, OutboxMessage.status != OutboxStatus.SENT
            )
        )
        for message in messages:
            if (message.payload or {}).get("grade_send") == send.key:
                retry(db.session, message)
                send.status = GradeSendStatus.PENDING
        db.session.commit()
        flash(_("The grade will be sent again in a moment."), "success")
    return redirect(url_for("lti.context", context_id=found.id))

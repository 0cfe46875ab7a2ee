"""Sign-in, sign-out, forgotten passwords, invitations, the profile and the language."""

from __future__ import annotations

from datetime import timedelta

from flask import Blueprint, current_app, flash, redirect, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user
from werkzeug.security import check_password_hash
from werkzeug.wrappers import Response

from lms.auth import services
from lms.auth.models import TokenPurpose
from lms.auth.schemas import (
    ChangePasswordSchema,
    ForgotPasswordSchema,
    LanguageSchema,
    LoginSchema,
    NewPasswordSchema,
    ProfileSchema,
)
from lms.db import db
from lms.errors import ValidationFailed
from lms.extensions import limiter
from lms.i18n import TIMEZONE_CHOICES, select_locale
from lms.mail import queue_mail
from lms.schema import load
from lms.web import render_form, safe_next

bp = Blueprint("auth", __name__, template_folder="templates")

View = Response | tuple[str, int]


def _login_key() -> str:
    # Per address and client: one attacker cannot lock out a whole office behind one NAT.
    return f"{request.remote_addr}|{request.form.get('email', '').strip().lower()[:254]}"


def _failed(response: Response) -> bool:
    return response.status_code != 302


@bp.app_context_processor
def _password_rules() -> dict[str, int]:
    # Hints on every password form state the same minimum the server enforces.
    return {"min_password_length": services.MIN_PASSWORD_LENGTH}


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(
    lambda: current_app.config["LOGIN_RATE_LIMIT"],
    methods=["POST"],
    key_func=_login_key,
    deduct_when=_failed,
)
@limiter.limit(
    lambda: current_app.config["LOGIN_RATE_LIMIT_PER_CLIENT"], methods=["POST"], deduct_when=_failed
)
def login() -> View:
    if current_user.is_authenticated:
        return redirect(url_for("core.home"))
    if request.method == "GET":
        return render_form("auth/login.html")
    try:
        data = load(LoginSchema(), request.form)
    except ValidationFailed as exc:
        return render_form("auth/login.html", errors=exc.errors)
    user = services.authenticate(db.session, data["email"], data["password"])
    if user is None:
        return render_form(
            "auth/login.html",
            errors={
                "_": [_("The e-mail address or password is wrong, or the account is not active.")]
            },
        )
    db.session.commit()
    locale = session.get("locale")
    session.clear()  # a fresh session on sign-in: no fixation
    if locale:
        session["locale"] = locale
    login_user(user)
    flash(_("Welcome, %(name)s.", name=user.name), "success")
    return redirect(safe_next(request.args.get("next"), url_for("core.home")))


@bp.post("/logout")
def logout() -> Response:
    locale = session.get("locale")
    logout_user()
    session.clear()
    if locale:
        session["locale"] = locale
    flash(_("You are signed out."), "success")
    return redirect(url_for("auth.login"))


@bp.route("/password/forgot", methods=["GET", "POST"])
@limiter.limit("10 per hour", methods=["POST"])
def forgot_password() -> View:
    if request.method == "GET":
        return render_form("auth/forgot.html")
    try:
        data = load(ForgotPasswordSchema(), request.form)
    except ValidationFailed as exc:
        return render_form("auth/forgot.html", errors=exc.errors)
    user = services.find_by_email(db.session, data["email"])
    if user is not None and user.is_active:
        hours = int(current_app.config["PASSWORD_RESET_HOURS"])
        token = services.issue_token(
            db.session, user, TokenPurpose.PASSWORD_RESET, timedelta(hours=hours)
        )
        queue_mail(
            db.session,
            to=user.email,
            template="password_reset",
            locale=user.locale or select_locale(),
            user=user,
            hours=hours,
            link=current_app.config["BASE_URL"].rstrip("/")
            + url_for("auth.reset_password", token=token),
        )
        db.session.commit()
    # The same answer whether or not the address exists.
    flash(
        _("If the address belongs to an account, a link to set a new password is on its way."),
        "success",
    )
    return redirect(url_for("auth.login"))


def _token_page(token: str, purpose: TokenPurpose, template: str) -> View:
    services.find_valid_token(db.session, token, purpose)  # 404 with a clear message
    if request.method == "GET":
        return render_form(template, token=token)
    try:
        data = load(NewPasswordSchema(), request.form)
        services.use_token(db.session, token, purpose, data["password"])
    except ValidationFailed as exc:
        return render_form(template, token=token, errors=exc.errors)
    db.session.commit()
    flash(_("Your password is set. You can sign in now."), "success")
    return redirect(url_for("auth.login"))


@bp.route("/password/reset/<token>", methods=["GET", "POST"])
def reset_password(token: str) -> View:
    return _token_page(token, TokenPurpose.PASSWORD_RESET, "auth/reset.html")


@bp.route("/invitation/<token>", methods=["GET", "POST"])
def accept_invitation(token: str) -> View:
    return _token_page(token, TokenPurpose.INVITATION, "auth/invitation.html")


@bp.post("/language")
def set_language() -> Response:
    try:
        data = load(LanguageSchema(), request.form)
    except ValidationFailed:
        return redirect(url_for("core.home"))
    session["locale"] = data["locale"]
    if current_user.is_authenticated:
        current_user.locale = data["locale"]
        db.session.commit()
    return redirect(safe_next(data.get("next"), url_for("core.home")))


@bp.route("/profile", methods=["GET", "POST"])
@login_required
def profile() -> View:
    user = current_user._get_current_object()
    values = {"name": user.name, "locale": user.locale or "", "timezone": user.timezone or ""}
    zones = [(z, z.replace("_", " ")) for z in TIMEZONE_CHOICES]
    if request.method == "GET":
        return render_form("auth/profile.html", values=values, timezone_choices=zones)
    try:
        data = load(ProfileSchema(), request.form)
    except ValidationFailed as exc:
        return render_form(
            "auth/profile.html", values=values, timezone_choices=zones, errors=exc.errors
        )
    user.name = data["name"]
    user.locale = data.get("locale") or None
    user.timezone = data.get("timezone") or None
    if user.locale:
        session["locale"] = user.locale
    db.session.commit()
    flash(_("Your profile is saved."), "success")
    return redirect(url_for("auth.profile"))


@bp.route("/profile/password", methods=["GET", "POST"])
@login_required
def change_password() -> View:
    if request.method == "GET":
        return render_form("auth/change_password.html")
    user = current_user._get_current_object()
    try:
        data = load(ChangePasswordSchema(), request.form)
        if not user.password_hash or not check_password_hash(
            user.password_hash, data["current_password"]
        ):
            raise ValidationFailed(
                errors={"current_password": [_("This is not your current password.")]}
            )
        services.set_password(db.session, user, data["password"])
    except ValidationFailed as exc:
        return render_form("auth/change_password.html", errors=exc.errors)
    db.session.commit()
    login_user(user)  # the session token changed: keep this session, end the others
    flash(_("Your password is changed. Other sessions are signed out."), "success")
    return redirect(url_for("auth.profile"))

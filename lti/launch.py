"""OIDC login initiation, the id_token launch, and what a launch provisions.

Flow (Security Framework 1.0 §5.1.1, LTI Core 1.3 §4): the platform calls our login URL; we
store a ``state`` and ``nonce``, bind the state to the browser and redirect to the platform's
authorisation endpoint; the platform posts the signed id_token to our launch URL. A verified
launch provisions the user, their role in the context and the resource link, then hands a
one-time launch token to ``/lti/enter/<token>``, which starts a first-party session.

Everything is checked before anything is written, and the whole launch is one transaction: a
refused launch leaves nothing behind (not even the spent nonce of a launch that then failed).
"""

from __future__ import annotations

import hashlib
import logging
import secrets
from dataclasses import dataclass
from datetime import timedelta
from typing import Any
from urllib.parse import urlencode, urlsplit

from flask import current_app, url_for
from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from werkzeug.routing import BuildError

from lms.auth.models import User
from lms.config import LOCALES
from lms.db import utcnow
from lms.errors import DomainError
from lms.xapi import events
from lti import services, validate
from lti.models import (
    ContextRole,
    LtiContext,
    LtiContextMember,
    LtiDeployment,
    LtiLaunch,
    LtiLaunchState,
    LtiPlatform,
    LtiResourceLink,
    LtiUsedNonce,
    LtiUser,
    TargetKind,
)
from lti.validate import LaunchError

log = logging.getLogger(__name__)

STATE_LIFETIME = timedelta(minutes=10)
LAUNCH_TOKEN_LIFETIME = timedelta(minutes=2)
STATE_COOKIE_PREFIX = "lti_state_"


def tolerance() -> int:
    return int(current_app.config.get("LTI_CLOCK_TOLERANCE", 60))


def base_url() -> str:
    return str(current_app.config["BASE_URL"]).rstrip("/")


def tool_urls() -> dict[str, str]:
    """What a platform administrator pastes into the platform."""
    base = base_url()
    return {
        "login": base + url_for("lti.login"),
        "launch": base + url_for("lti.launch"),
        "deep_linking": base + url_for("lti.launch"),
        "jwks": base + url_for("lti.jwks"),
        "lti11": base + url_for("lti.launch"),
    }


def state_cookie_name(state: str) -> str:
    """One cookie per login, so two embedded launches on one page do not overwrite each other."""
    return STATE_COOKIE_PREFIX + hashlib.sha256(state.encode()).hexdigest()[:16]


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


# -- login initiation ---------------------------------------------------------------------


def _param(params: Any, name: str, *, required: bool = True) -> str | None:
    value = params.get(name)
    if value is None or value == "":
        if required:
            raise LaunchError(
                "login_param",
                _l("The login request lacks the parameter %(name)s.", name=name),
            )
        return None
    return str(value)[:2048]


def start_login(session: Session, params: Any) -> tuple[LtiLaunchState, str]:
    """Third-party initiated login (Security Framework 1.0 §5.1.1.1, LTI Core 1.3 §4.1):
    returns the stored state and the platform's authorisation URL to redirect to."""
    issuer = _param(params, "iss") or ""
    login_hint = _param(params, "login_hint") or ""
    target_link_uri = _param(params, "target_link_uri") or ""
    client_id = _param(params, "client_id", required=False)
    message_hint = _param(params, "lti_message_hint", required=False)
    platform = services.find_platform(session, issuer, client_id)
    if platform is None:
        raise LaunchError(
            "unknown_platform",
            _l(
                "No platform is registered here for issuer %(issuer)s and client id %(client_id)s.",
                issuer=issuer[:255],
                client_id=(client_id or "—")[:255],
            ),
        )
    # §5.1.1.1: the target must be ours, or an attacker could bounce the login elsewhere.
    target = urlsplit(target_link_uri)
    ours = urlsplit(base_url())
    if (target.scheme, target.netloc) != (ours.scheme, ours.netloc):
        raise LaunchError(
            "target_link_uri",
            _l("The target link %(uri)s is not an address of this tool.", uri=target_link_uri),
        )
    now = utcnow()
    session.execute(delete(LtiLaunchState).where(LtiLaunchState.expires_at < now))
    session.execute(delete(LtiUsedNonce).where(LtiUsedNonce.expires_at < now))
    kept = {
        k: params.get(k)
        for k in (
            "iss",
            "login_hint",
            "target_link_uri",
            "client_id",
            "lti_message_hint",
            "lti_deployment_id",
            "lti_storage_target",
        )
        if params.get(k)
    }
    state = LtiLaunchState(
        state=secrets.token_urlsafe(32),
        nonce=secrets.token_urlsafe(32),
        platform_id=platform.id,
        target_link_uri=target_link_uri,
        login_params={k: str(v)[:2048] for k, v in kept.items()},
        expires_at=now + STATE_LIFETIME,
    )
    session.add(state)
    session.flush()
    # §5.1.1.2 Authentication request: response_mode form_post, prompt none, our launch URL
    # as the redirect.
    query: dict[str, str] = {
        "scope": "openid",
        "response_type": "id_token",
        "response_mode": "form_post",
        "prompt": "none",
        "client_id": platform.client_id,
        "redirect_uri": tool_urls()["launch"],
        "login_hint": login_hint,
        "state": state.state,
        "nonce": state.nonce,
    }
    if message_hint:
        query["lti_message_hint"] = message_hint
    separator = "&" if "?" in platform.auth_login_url else "?"
    return state, platform.auth_login_url + separator + urlencode(query)


def restart_url(state: LtiLaunchState) -> str:
    """Our login URL with the original parameters, for the open-in-a-new-window fallback."""
    params = {k: v for k, v in (state.login_params or {}).items() if k != "lti_storage_target"}
    return tool_urls()["login"] + "?" + urlencode(params)


# -- the launch ---------------------------------------------------------------------------


@dataclass
class Verified:
    platform: LtiPlatform
    deployment: LtiDeployment
    claims: dict[str, Any]
    message_type: str


def find_state(session: Session, state: str | None) -> LtiLaunchState | None:
    if not state:
        return None
    found = session.scalars(
        select(LtiLaunchState).where(LtiLaunchState.state == state[:128])
    ).first()
    if found is None or found.expires_at < utcnow():
        return None
    return found


def verify(
    session: Session, id_token: str | None, state: LtiLaunchState | None, bound_state: str | None
) -> Verified:
    """Every rule of the launch, in order; nothing is written except the spent nonce."""
    if not id_token:
        raise validate.missing("id_token")
    validate.check_state(state.state if state else None, bound_state)
    assert state is not None
    platform = session.get(LtiPlatform, state.platform_id)
    if platform is None or not platform.is_active:
        raise LaunchError("unknown_platform", _l("This platform's registration was removed."))
    header, _unverified = validate.unverified_parts(id_token)
    kid = validate.check_alg(header)
    key = services.platform_key(platform, kid)
    claims = validate.verify_signature(
        id_token, key, issuer=platform.issuer, client_id=platform.client_id, leeway=tolerance()
    )
    validate.check_nonce_matches(claims, state.nonce)
    message_type = validate.check_message_type(claims)
    validate.check_version(claims)
    deployment_id = validate.deployment_of(claims)
    deployment = services.find_deployment(session, platform, deployment_id)
    if deployment is None:
        raise validate.unknown_deployment(deployment_id, platform.issuer)
    validate.check_sub(claims)
    validate.check_roles(claims)
    validate.check_target_link_uri(claims)
    if message_type == validate.RESOURCE_LINK_REQUEST:
        validate.resource_link_of(claims)
    if message_type == validate.DEEP_LINKING_REQUEST:
        settings = claims.get(validate.DL_SETTINGS)
        if not isinstance(settings, dict) or not settings.get("deep_link_return_url"):
            raise validate.missing(validate.DL_SETTINGS)
    spend_nonce(session, platform.issuer, str(claims["nonce"]), int(claims["exp"]))
    return Verified(platform, deployment, claims, message_type)


def spend_nonce(session: Session, issuer: str, nonce: str, exp: int) -> None:
    """Accept a nonce once (Security Framework 1.0 §5.1.3 step 9). The unique constraint makes
    two concurrent replays fail too; the row is kept until the token could not pass ``exp``
    anyway."""
    from datetime import UTC, datetime

    until = max(
        datetime.fromtimestamp(exp, UTC) + timedelta(seconds=tolerance()),
        utcnow() + STATE_LIFETIME,
    )
    try:
        with session.begin_nested():
            session.add(LtiUsedNonce(issuer=issuer[:255], value=nonce[:255], expires_at=until))
    except IntegrityError:
        raise validate.replayed() from None


def launch_locale(claims: dict[str, Any]) -> str | None:
    """The platform's language (LTI Core 1.3 §5.4.4 launch presentation ``locale``), as one of
    ours."""
    presentation = claims.get(validate.LAUNCH_PRESENTATION)
    raw = presentation.get("locale") if isinstance(presentation, dict) else None
    raw = raw or claims.get("locale")
    if not isinstance(raw, str):
        return None
    lang = raw.replace("_", "-").split("-")[0].lower()
    lang = {"no": "nb", "nn": "nb"}.get(lang, lang)
    return lang if lang in LOCALES else None


def provision_user(session: Session, issuer: str, claims: dict[str, Any]) -> User:
    """Find or create the account of (issuer, sub) and refresh name, e-mail and locale.

    An account is never linked by e-mail address: a platform could otherwise claim anyone's
    account by sending their address.
    """
    sub = str(claims["sub"])
    link = session.scalars(
        select(LtiUser).where(LtiUser.issuer == issuer, LtiUser.sub == sub)
    ).first()
    name = claims.get("name") or " ".join(
        str(claims[k]) for k in ("given_name", "family_name") if claims.get(k)
    )
    email = claims.get("email") if isinstance(claims.get("email"), str) else None
    locale = launch_locale(claims)
    if link is None:
        digest = hashlib.sha256(f"{issuer}|{sub}".encode()).hexdigest()[:24]
        address = f"lti-{digest}@lti.invalid"
        if email and not session.scalars(select(User.id).where(User.email == email)).first():
            address = email
        user = User(email=address[:254], name=(str(name) or "LTI user")[:200], locale=locale)
        session.add(user)
        session.flush()
        link = LtiUser(issuer=issuer, sub=sub, user=user)
        session.add(link)
    else:
        user = link.user
        if name:
            user.name = str(name)[:200]
        if email and email != user.email and user.email.endswith("@lti.invalid"):
            taken = session.scalars(select(User.id).where(User.email == email)).first()
            if not taken:
                user.email = email[:254]
        if locale:
            user.locale = locale
    link.last_launch_at = utcnow()
    session.flush()
    return user


def platform_identities(session: Session, user_id: int) -> dict[str, Any]:
    """The ``lti_users`` context extension of a person who came by LTI: each platform
    (``issuer``) and the person's id there (``sub``, LTI Core 1.3 §5.3.6), so a platform's own
    analytics can join our statements to its users. A ``sub`` that looks like an e-mail address
    (some LTI 1.1 consumers send those as ``user_id``) is left out: statements carry none."""
    links = session.execute(
        select(LtiUser.issuer, LtiUser.sub).where(LtiUser.user_id == user_id).order_by(LtiUser.id)
    ).all()
    if not links:
        return {}
    return {
        "lti_users": [
            {"issuer": issuer, "sub": sub} if "@" not in sub else {"issuer": issuer}
            for issuer, sub in links
        ]
    }


def provision_context(
    session: Session, deployment: LtiDeployment, claims: dict[str, Any], user: User
) -> tuple[LtiContext | None, ContextRole]:
    """The context (LTI Core 1.3 §5.4.1), the person's role in it (§5.3.7, Appendix A.2) and
    its service endpoints (AGS §3.4, NRPS §3.6.1)."""
    role = (
        ContextRole.COORDINATOR
        if validate.is_staff(claims.get(validate.ROLES) or [])
        else (ContextRole.LEARNER)
    )
    raw = claims.get(validate.CONTEXT)
    if not isinstance(raw, dict) or not isinstance(raw.get("id"), str) or not raw["id"]:
        return None, role
    context = session.scalars(
        select(LtiContext).where(
            LtiContext.deployment_id == deployment.id, LtiContext.context_key == raw["id"][:255]
        )
    ).first()
    if context is None:
        context = LtiContext(deployment=deployment, context_key=raw["id"][:255])
        session.add(context)
    context.title = str(raw.get("title") or "")[:255]
    context.label = str(raw.get("label") or "")[:255]
    nrps = claims.get(validate.NRPS)
    if isinstance(nrps, dict) and isinstance(nrps.get("context_memberships_url"), str):
        context.memberships_url = nrps["context_memberships_url"][:1024]
    ags = claims.get(validate.AGS_ENDPOINT)
    if isinstance(ags, dict):
        if isinstance(ags.get("lineitems"), str):
            context.lineitems_url = ags["lineitems"][:1024]
        if isinstance(ags.get("scope"), list):
            context.ags_scopes = " ".join(str(s) for s in ags["scope"])[:1024]
    session.flush()
    member = session.scalars(
        select(LtiContextMember).where(
            LtiContextMember.context_id == context.id, LtiContextMember.user_id == user.id
        )
    ).first()
    if member is None:
        member = LtiContextMember(context=context, user=user, role=role, source="launch")
        session.add(member)
    else:
        member.role = role
        member.source = "launch"
    session.flush()
    return context, role


def parse_target(value: Any) -> tuple[TargetKind, int] | None:
    """``course:3``, ``module:8``, ``webinar_series:2`` or ``track:5``."""
    if not isinstance(value, str) or ":" not in value:
        return None
    kind, _, ident = value.partition(":")
    try:
        return TargetKind(kind), int(ident)
    except ValueError:
        return None


def provision_link(
    session: Session,
    deployment: LtiDeployment,
    context: LtiContext | None,
    claims: dict[str, Any],
) -> LtiResourceLink:
    raw = validate.resource_link_of(claims)
    link = session.scalars(
        select(LtiResourceLink).where(
            LtiResourceLink.deployment_id == deployment.id,
            LtiResourceLink.link_key == raw["id"][:255],
        )
    ).first()
    if link is None:
        link = LtiResourceLink(deployment=deployment, link_key=raw["id"][:255])
        session.add(link)
    link.context = context
    link.title = str(raw.get("title") or "")[:255]
    custom = claims.get(validate.CUSTOM)
    target = parse_target(custom.get("target")) if isinstance(custom, dict) else None
    if target is not None:
        link.target_kind, link.target_id = target
    ags = claims.get(validate.AGS_ENDPOINT)
    if isinstance(ags, dict) and isinstance(ags.get("lineitem"), str):
        link.lineitem_url = ags["lineitem"][:1024]
    session.flush()
    return link


def landing(
    session: Session, link: LtiResourceLink | None, user: User, role: ContextRole, locale: str
) -> tuple[str, dict[str, Any]]:
    """Where the launch lands, enrolling a learner in a linked course; and the xAPI object."""
    from content.courses.models import Course, Module
    from content.progress import services as progress

    if link is None or link.target_kind is None or link.target_id is None:
        return url_for("lti.unlinked"), {"type": "lti_link", "id": "unlinked"}
    kind, ident = link.target_kind, link.target_id
    course: Course | None = None
    anchor = ""
    if kind is TargetKind.COURSE:
        course = session.get(Course, ident)
    elif kind is TargetKind.MODULE:
        module = session.get(Module, ident)
        course = module.course if module else None
        anchor = f"#module-{ident}"
    elif kind is TargetKind.WEBINAR_SERIES:
        # the series' next session (its page has registration and the join button)
        from content.webinars.models import EventSession

        upcoming = session.scalars(
            select(EventSession)
            .where(EventSession.series_id == ident, EventSession.ends_at >= utcnow())
            .order_by(EventSession.starts_at)
        ).first()
        path = (
            url_for("webinars.session_page", session_id=upcoming.id)
            if upcoming
            else url_for("webinars.upcoming")
        )
        return path, {"type": "webinar_series", "id": str(ident)}
    elif kind is TargetKind.TRACK:
        from lms.assignments.models import Track

        if session.get(Track, ident) is None:
            return url_for("lti.unlinked"), {"type": "lti_link", "id": "gone"}
        try:
            path = url_for("assignments.track", track_id=ident)
        except BuildError:  # the tracks pages are not there (yet)
            path = url_for("core.home")
        return path, {"type": "track", "id": str(ident)}
    if course is None:
        return url_for("lti.unlinked"), {"type": "lti_link", "id": "gone"}
    if role is ContextRole.LEARNER and course.is_published:
        try:
            progress.enrol(session, course, user, locale=locale)
        except DomainError:  # no published version: the course page says so
            log.info("LTI: course %s not open for enrolment", course.id)
    return url_for("learn.course", slug=course.slug) + anchor, {
        "type": "course",
        "id": str(course.id),
        "course_id": course.id,
    }


def complete(
    session: Session, verified: Verified, *, issuer: str | None = None
) -> tuple[LtiLaunch, str]:
    """Provision what the launch describes and issue its one-time launch token; ``issuer``
    names the user namespace when it is not the platform's (LTI 1.1 consumer keys)."""
    claims = verified.claims
    platform = verified.platform
    user = provision_user(session, issuer or platform.issuer, claims)
    context, role = provision_context(session, verified.deployment, claims, user)
    locale = launch_locale(claims) or user.locale or str(current_app.config["DEFAULT_LOCALE"])
    data: dict[str, Any] = {
        "deployment_id": verified.deployment.id,
        "staff": role is ContextRole.COORDINATOR,
    }
    link: LtiResourceLink | None = None
    if verified.message_type == validate.DEEP_LINKING_REQUEST:
        settings = claims[validate.DL_SETTINGS]
        data["deep_linking"] = {
            "return_url": str(settings["deep_link_return_url"]),
            "data": settings.get("data"),
            "accept_multiple": bool(settings.get("accept_multiple", True)),
            "accept_types": settings.get("accept_types") or [],
        }
        target_path = url_for("lti.pick")
        obj: dict[str, Any] = {"type": "lti_deep_linking", "id": str(verified.deployment.id)}
    else:
        link = provision_link(session, verified.deployment, context, claims)
        target_path, obj = landing(session, link, user, role, locale)
    presentation = claims.get(validate.LAUNCH_PRESENTATION)
    if isinstance(presentation, dict) and isinstance(presentation.get("return_url"), str):
        data["return_url"] = presentation["return_url"][:1024]
    token = secrets.token_urlsafe(32)
    launch = LtiLaunch(
        token_hash=token_hash(token),
        platform=platform,
        user=user,
        context=context,
        resource_link=link,
        message_type=verified.message_type,
        locale=locale,
        target_path=target_path,
        data=data,
        expires_at=utcnow() + LAUNCH_TOKEN_LIFETIME,
    )
    session.add(launch)
    session.flush()
    xapi_context: dict[str, Any] = {"lti_platform": platform.issuer}
    if "course_id" in obj:
        xapi_context["course_id"] = obj["course_id"]
    if context is not None:
        xapi_context["lti_context"] = context.context_key
    events.record(
        session,
        actor=user,
        verb="launched",
        object_type=obj["type"],
        object_id=obj["id"],
        context=xapi_context,
    )
    return launch, token


def exchange(session: Session, token: str) -> LtiLaunch | None:
    """The launch behind a one-time token, spent now; None when unknown, used or expired."""
    launch = session.scalars(
        select(LtiLaunch).where(LtiLaunch.token_hash == token_hash(token[:200]))
    ).first()
    if launch is None or launch.used_at is not None or launch.expires_at < utcnow():
        return None
    launch.used_at = utcnow()
    session.flush()
    return launch

"""Webinars and course days in the browser: the learner's calendar, the coordinator's planning
and registrations, the manager's staff registrations, and the calendar files."""

from __future__ import annotations

import calendar as monthcal
import re
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import format_datetime, get_locale, ngettext
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select
from sqlalchemy.exc import OperationalError
from werkzeug.wrappers import Response

from content.webinars import bbb, services
from content.webinars.labels import KIND_LABELS, STATUS_LABELS
from content.webinars.models import (
    HOLDS_PLACE,
    EventSeries,
    EventSession,
    Recording,
    Registration,
    RegistrationStatus,
    SessionKind,
)
from content.webinars.schemas import (
    AttendanceSchema,
    CheckInSchema,
    MonthQuerySchema,
    RecordingSchema,
    SeriesSchema,
    SessionSchema,
    StaffRegistrationSchema,
)
from lms.assignments.models import Track
from lms.auth.models import Role, User
from lms.auth.permissions import ORG_ADMIN_ROLES, Scope, require, roles_required, scope
from lms.config import LOCALES
from lms.db import db, utcnow
from lms.errors import Conflict, DomainError, Errors, Forbidden, NotFound, ValidationFailed
from lms.extensions import csrf
from lms.i18n import LANGUAGE_NAMES, TIMEZONE_CHOICES, timezone_for
from lms.orgs.models import OrgUnit, UnitKind
from lms.schema import load
from lms.web import render_form

bp = Blueprint("webinars", __name__, template_folder="templates")


@bp.record_once
def _on_register(state: Any) -> None:
    # Reminders wait in the outbox until the day before; the worker hands them here.
    from lms.outbox.services import register

    register(state.app, services.REMINDER_CHANNEL, services.deliver_reminder)
    register(state.app, services.POLL_CHANNEL, services.deliver_poll)


View = Response | str | tuple[str, int]
T = TypeVar("T")

#: How often a request retries when SQLite reports that another writer got there first.
RETRIES = 5


def _get(model: type[T], ident: int) -> T:
    found = db.session.get(model, ident)
    if found is None:
        raise NotFound()
    return found


def _manage_scope() -> Scope:
    return scope(current_user, *ORG_ADMIN_ROLES)


def _managed_series(series_id: int) -> EventSeries:
    series = _get(EventSeries, series_id)
    require(services.may_manage(_manage_scope(), series))
    return series


def _managed_session(session_id: int) -> EventSession:
    ev = _get(EventSession, session_id)
    require(services.may_manage(_manage_scope(), ev.series))
    return ev


def _visible_session(session_id: int) -> EventSession:
    ev = _get(EventSession, session_id)
    # Outside the audience a session does not exist, except to those who plan it.
    if not (
        services.in_audience(ev.series, current_user)
        or services.may_manage(_manage_scope(), ev.series)
    ):
        raise NotFound()
    return ev


def _zone() -> ZoneInfo:
    return ZoneInfo(timezone_for(current_user))


def _serialised(action: Callable[[], T], session_id: int) -> T:
    """Run ``action`` holding the event session's lock, and commit.

    SQLite refuses a write from a transaction whose snapshot is older than another's commit
    ("database is locked"). So there the lock (a write) comes first, in a fresh transaction,
    and a request that still loses the race starts over and reads the new state (the place
    now taken). PostgreSQL locks the row inside the service (SELECT … FOR UPDATE).
    """
    sqlite = db.session.get_bind().dialect.name == "sqlite"
    for attempt in range(RETRIES):
        try:
            if sqlite:
                db.session.rollback()  # nothing written yet: only ends the read snapshot
                services.lock(db.session, session_id)
            result = action()
            db.session.commit()
            return result
        except OperationalError:
            db.session.rollback()
            if not sqlite or attempt == RETRIES - 1:
                raise
    raise AssertionError("unreachable")


# The learner's calendar


@bp.get("/events")
@login_required
def upcoming() -> str:
    sessions = services.visible_to(db.session.scalars(services.upcoming()), current_user)
    mine = services.registered_ids(db.session, current_user, (ev.id for ev in sessions))
    return render_template(
        "webinars/upcoming.html",
        sessions=sessions,
        mine=mine,
        zone=_zone(),
        may_manage=not _manage_scope().is_empty,
    )


def _month(arg: str | None, today: date) -> tuple[int, int]:
    if arg:
        try:
            year, month = (int(part) for part in arg.split("-"))
        except ValueError:
            year, month = 0, 0
        if 1900 < year < 3000 and 1 <= month <= 12:
            return year, month
    return today.year, today.month


@bp.get("/events/month")
@login_required
def month() -> str:
    zone = _zone()
    today = utcnow().astimezone(zone).date()
    year, mon = _month(load(MonthQuerySchema(), request.args).get("month"), today)
    sessions = services.visible_to(
        db.session.scalars(services.in_month(year, mon, zone)), current_user
    )
    by_day: dict[date, list[EventSession]] = {}
    for ev in sessions:
        by_day.setdefault(ev.starts_at.astimezone(zone).date(), []).append(ev)
    weeks = monthcal.Calendar(firstweekday=0).monthdatescalendar(year, mon)
    prev_month = f"{year - 1}-12" if mon == 1 else f"{year}-{mon - 1:02d}"
    next_month = f"{year + 1}-01" if mon == 12 else f"{year}-{mon + 1:02d}"
    return render_template(
        "webinars/month.html",
        weeks=weeks,
        by_day=by_day,
        first=date(year, mon, 1),
        today=today,
        prev_month=prev_month,
        next_month=next_month,
        zone=zone,
    )


@bp.get("/events/<int:session_id>")
@login_required
def session_page(session_id: int) -> View:
    return _session_page(_visible_session(session_id))


def _session_page(ev: EventSession, errors: Errors | None = None) -> tuple[str, int]:
    if errors:
        db.session.rollback()  # show the data as it is, not the failed change
    reg = services.registration_of(db.session, ev, current_user)
    manager_reach = scope(current_user, Role.MANAGER)
    staff: list[User] = []
    staff_regs: list[Registration] = []
    if not manager_reach.is_empty:
        staff = list(db.session.scalars(services.staff_in(manager_reach)))
        ids = {u.id for u in staff}
        staff_regs = [r for r in ev.registrations if r.user_id in ids]
    taken = services.places_taken(db.session, ev)
    may_manage = services.may_manage(_manage_scope(), ev.series)
    active = {r.user_id for r in staff_regs if r.status is not RegistrationStatus.CANCELLED}
    return render_form(
        "webinars/session.html",
        errors=errors,
        ev=ev,
        reg=reg,
        taken=taken,
        in_audience=services.in_audience(ev.series, current_user),
        is_past=ev.starts_at <= utcnow(),
        staff=[u for u in staff if u.id not in active],
        staff_regs=staff_regs,
        may_manage=may_manage,
        end_open=may_manage and _end_open(ev),
        join_open=_join_open(ev, reg),
        check_in_open=services.check_in_open(ev, reg),
        zone=_zone(),
    )


@bp.post("/events/<int:session_id>/check-in")
@login_required
def check_in(session_id: int) -> View:
    """An on-site participant types the code the organiser shows: present from now on."""
    ev = _visible_session(session_id)
    try:
        data = load(CheckInSchema(), request.form)
        services.check_in(db.session, ev, current_user, data["code"])
    except ValidationFailed as exc:
        return _session_page(ev, errors=exc.form_errors())
    db.session.commit()
    flash(_("You are checked in. Welcome!"), "success")
    return redirect(url_for("webinars.session_page", session_id=ev.id))


@bp.get("/events/<int:session_id>/recordings/<int:recording_id>")
@login_required
def recording(session_id: int, recording_id: int) -> Response:
    """To a published recording; the visit is a learning event ("experienced")."""
    ev = _visible_session(session_id)
    rec = _get(Recording, recording_id)
    if rec.session_id != ev.id or not rec.is_published:
        raise NotFound()
    services.watched(db.session, rec, current_user)
    db.session.commit()
    return redirect(rec.url)


@bp.post("/events/<int:session_id>/register")
@login_required
def register(session_id: int) -> Response:
    def act() -> Registration:
        ev = _visible_session(session_id)
        return services.register(db.session, ev, current_user)

    reg = _serialised(act, session_id)
    if reg.status is RegistrationStatus.WAITLISTED:
        flash(_("The session is full: you are on the waiting list."), "info")
    else:
        flash(_("You are registered. An invitation is on its way to your e-mail."), "success")
    return redirect(url_for("webinars.session_page", session_id=session_id))


@bp.post("/events/<int:session_id>/unregister")
@login_required
def unregister(session_id: int) -> Response:
    def act() -> None:
        ev = _visible_session(session_id)
        reg = services.registration_of(db.session, ev, current_user)
        if reg is None:
            raise Conflict(_("There is no registration to cancel."))
        services.cancel_registration(db.session, reg)

    _serialised(act, session_id)
    flash(_("Your registration is cancelled."), "success")
    return redirect(url_for("webinars.session_page", session_id=session_id))


@bp.post("/events/<int:session_id>/staff")
@roles_required(Role.MANAGER)
def register_staff(session_id: int) -> View:
    data = load(StaffRegistrationSchema(), request.form)
    reach = scope(current_user, Role.MANAGER)

    def act() -> int:
        ev = _visible_session(session_id)
        allowed = {u.id: u for u in db.session.scalars(services.staff_in(reach))}
        chosen = [allowed[i] for i in data["users"] if i in allowed]
        if len(chosen) != len(set(data["users"])) or not chosen:
            raise ValidationFailed(_("Choose people from your own staff."))
        for user in chosen:
            services.register(db.session, ev, user, by=current_user)
        return len(chosen)

    count = _serialised(act, session_id)
    flash(
        ngettext(
            "%(num)d person is registered or on the waiting list.",
            "%(num)d people are registered or on the waiting list.",
            count,
        ),
        "success",
    )
    return redirect(url_for("webinars.session_page", session_id=session_id, _anchor="staff"))


@bp.get("/events/<int:session_id>/calendar.ics")
@login_required
def session_ics(session_id: int) -> Response:
    ev = _visible_session(session_id)
    body = services.ical.calendar([(ev, services.page_url(ev))], method="PUBLISH")
    return Response(
        body,
        mimetype="text/calendar",
        headers={"Content-Disposition": f'attachment; filename="session-{ev.id}.ics"'},
    )


# The meeting (BigBlueButton)


def _join_minutes() -> int:
    return int(current_app.config.get("WEBINAR_JOIN_MINUTES_BEFORE") or 15)


def _join_open(ev: EventSession, reg: Registration | None) -> bool:
    """Whether the session page shows the Join button to the viewer now."""
    try:
        services.may_join(
            db.session,
            ev,
            current_user,
            organiser=services.may_manage(_manage_scope(), ev.series),
            minutes_before=_join_minutes(),
        )
    except DomainError:
        return False
    return True


def _end_open(ev: EventSession) -> bool:
    """Whether an organiser sees "End the meeting": from when the room opens to when polls stop."""
    now = utcnow()
    return (
        ev.kind is SessionKind.ONLINE_BBB
        and not ev.is_cancelled
        and bbb.client_for(current_app) is not None
        and ev.starts_at - timedelta(minutes=_join_minutes())
        <= now
        <= ev.ends_at + services.POLL_UNTIL
    )


@bp.get("/events/<int:session_id>/join")
@login_required
def join(session_id: int) -> View:
    """Into the meeting, with the person's name; the join URL is made here, on the server."""
    ev = _visible_session(session_id)
    moderator, reg = services.may_join(
        db.session,
        ev,
        current_user,
        organiser=services.may_manage(_manage_scope(), ev.series),
        minutes_before=_join_minutes(),
    )
    client = bbb.client_for(current_app)
    if client is None:
        raise Conflict(_("No meeting service is set up. Ask the organiser."))
    try:
        base = str(current_app.config["BASE_URL"]).rstrip("/")
        token = client.callback_token("ended", ev.uid)
        client.create(
            ev.uid,
            ev.title,
            record=True,
            end_callback_url=f"{base}/events/bbb/{ev.id}/ended?token={token}",
            recording_ready_url=f"{base}/events/bbb/{ev.id}/recording-ready",
            analytics_url=f"{base}/events/bbb/{ev.id}/analytics",
        )
        url = client.join_url(
            ev.uid, full_name=current_user.name, user_id=str(current_user.id), moderator=moderator
        )
    except (bbb.MeetingServiceDown, bbb.MeetingServiceError) as exc:
        current_app.logger.warning("meeting service for session %s: %s", ev.id, exc)
        db.session.rollback()
        return render_template("webinars/meeting_down.html", ev=ev), 503
    if reg is not None:
        services.note_join(db.session, reg)
    services.start_polling(db.session, ev)
    db.session.commit()
    return redirect(url)


@bp.post("/events/manage/sessions/<int:session_id>/end-meeting")
@login_required
def end_meeting(session_id: int) -> View:
    """The organiser ends the meeting for everyone; attendance is settled at once."""
    ev = _managed_session(session_id)
    client = bbb.client_for(current_app)
    if ev.kind is not SessionKind.ONLINE_BBB or client is None:
        raise Conflict(_("This session has no meeting room here."))
    try:
        client.end(ev.uid)
    except bbb.MeetingServiceDown as exc:
        current_app.logger.warning("meeting service for session %s: %s", ev.id, exc)
        return render_template("webinars/meeting_down.html", ev=ev), 503
    except bbb.MeetingServiceError as exc:
        if exc.key != "notFound":
            current_app.logger.warning("meeting service for session %s: %s", ev.id, exc)
            return render_template("webinars/meeting_down.html", ev=ev), 503
        flash(_("The meeting is not running."), "info")
    else:
        flash(_("The meeting has ended for everyone in it."), "success")
    services.poll_meeting(db.session, ev, None, now=utcnow())
    db.session.commit()
    return redirect(url_for("webinars.session_page", session_id=ev.id))


# Callbacks from BigBlueButton: signed with the shared secret, checked before anything is kept


def _callback_session(session_id: int) -> tuple[EventSession, bbb.Client]:
    ev = _get(EventSession, session_id)
    client = bbb.client_for(current_app)
    if client is None or ev.kind is not SessionKind.ONLINE_BBB:
        raise NotFound()
    return ev, client


def _verified(token: str | None, client: bbb.Client) -> dict[str, Any]:
    try:
        return bbb.verify_jwt(token or "", client.secret)
    except bbb.BadSignature as exc:
        current_app.logger.warning("refused a meeting service callback: %s", exc)
        raise Forbidden() from exc


@bp.post("/events/bbb/<int:session_id>/recording-ready")
@csrf.exempt
def recording_ready(session_id: int) -> View:
    """BBB's recording-ready callback: ``signed_parameters`` is a JWT naming the meeting."""
    ev, client = _callback_session(session_id)
    claims = _verified(request.form.get("signed_parameters"), client)
    if claims.get("meeting_id") != ev.uid:
        raise Forbidden()
    try:
        found = client.recordings(ev.uid)
    except (bbb.MeetingServiceDown, bbb.MeetingServiceError) as exc:
        current_app.logger.warning("meeting service for session %s: %s", ev.id, exc)
        return Response("try again later", status=503)
    services.import_recordings(db.session, ev, [r.url for r in found])
    db.session.commit()
    return Response("ok", mimetype="text/plain")


@bp.route("/events/bbb/<int:session_id>/ended", methods=["GET", "POST"])
@csrf.exempt
def meeting_ended(session_id: int) -> Response:
    """BBB's end callback (``meta_endCallbackUrl``): the URL we gave carries our own token.

    Nothing from the request is believed beyond "look now": attendance is settled from the
    meeting service's own answer (``getMeetingInfo``), as a poll would.
    """
    ev, client = _callback_session(session_id)
    if not client.valid_callback_token("ended", ev.uid, request.args.get("token", "")):
        current_app.logger.warning("refused an end callback for session %s", ev.id)
        raise Forbidden()
    try:
        services.poll_now(db.session, client, ev)
    except (bbb.MeetingServiceDown, bbb.MeetingServiceError) as exc:
        current_app.logger.warning("meeting service for session %s: %s", ev.id, exc)
        db.session.rollback()
        return Response("try again later", status=503)
    db.session.commit()
    return Response("ok", mimetype="text/plain")


@bp.post("/events/bbb/<int:session_id>/analytics")
@csrf.exempt
def analytics(session_id: int) -> Response:
    """BBB's analytics callback (Bearer JWT): who came, when, and for how long."""
    ev, client = _callback_session(session_id)
    auth = request.headers.get("Authorization", "")
    _verified(auth.removeprefix("Bearer ") if auth.startswith("Bearer ") else None, client)
    body = request.get_json(silent=True)
    if not isinstance(body, dict) or body.get("meeting_id") != ev.uid:
        raise Forbidden()
    data = body.get("data") if isinstance(body.get("data"), dict) else {}
    attendees = [a for a in (data or {}).get("attendees") or [] if isinstance(a, dict)]
    services.apply_meeting_attendance(db.session, ev, attendees)
    db.session.commit()
    return Response("ok", mimetype="text/plain")


# The private feed


@bp.get("/events/calendar")
@login_required
def feed_settings() -> str:
    feed = services.feed_of(db.session, current_user)
    return render_template("webinars/feed.html", feed=feed, feed_url=None)


@bp.post("/events/calendar/renew")
@login_required
def renew_feed() -> tuple[str, int]:
    token = services.renew_feed(db.session, current_user)
    db.session.commit()
    url = url_for("webinars.feed", token=token, _external=True)
    # Shown once, here: only the token's hash is kept.
    return render_template(
        "webinars/feed.html", feed=services.feed_of(db.session, current_user), feed_url=url
    ), 200


@bp.post("/events/calendar/revoke")
@login_required
def revoke_feed() -> Response:
    services.revoke_feed(db.session, current_user)
    db.session.commit()
    flash(_("Your calendar feed address no longer works."), "success")
    return redirect(url_for("webinars.feed_settings"))


@bp.get("/events/feed/<token>/librarena.ics")
def feed(token: str) -> Response:
    user = services.user_for_feed(db.session, token) if len(token) < 100 else None
    if user is None:
        raise NotFound()
    response = Response(services.feed_calendar(db.session, user), mimetype="text/calendar")
    response.headers["Cache-Control"] = "private, max-age=900"
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


# Planning (administrators and coordinators)


def _owner_units(reach: Scope) -> list[OrgUnit]:
    units = db.session.scalars(
        select(OrgUnit)
        .where(reach.where(OrgUnit.path), OrgUnit.kind != UnitKind.LIBRARY)
        .order_by(OrgUnit.path)
    )
    return list(units)


def _audience_units() -> list[OrgUnit]:
    return list(db.session.scalars(select(OrgUnit).order_by(OrgUnit.path)))


@bp.get("/events/manage/")
@roles_required(*ORG_ADMIN_ROLES)
def manage() -> str:
    reach = _manage_scope()
    all_series = db.session.scalars(select(EventSeries).order_by(EventSeries.id.desc()))
    mine = [s for s in all_series if services.may_manage(reach, s)]
    return render_template("webinars/manage.html", series=mine)


def _series_context(reach: Scope) -> dict[str, Any]:
    locale = str(get_locale() or "en")
    return {
        "owner_choices": [(str(u.id), u.name) for u in _owner_units(reach)],
        "may_everywhere": reach.everywhere,
        "units": _audience_units(),
        "tracks": [
            (t.id, t.title(locale)) for t in db.session.scalars(select(Track).order_by(Track.id))
        ],
    }


def _audience_tracks(data: dict[str, Any]) -> list[Track]:
    tracks = [db.session.get(Track, i) for i in data["tracks"]]
    if any(t is None for t in tracks):
        raise ValidationFailed(errors={"tracks": [_("Choose one of the options.")]})
    return [t for t in tracks if t is not None]


def _series_input(
    reach: Scope,
) -> tuple[dict[str, Any], OrgUnit | None, list[OrgUnit], list[Track]]:
    data = load(SeriesSchema(), request.form)
    owner = None
    if data.get("owner_unit") is not None:
        owner = db.session.get(OrgUnit, data["owner_unit"])
        if owner is None or not reach.contains(owner):
            raise ValidationFailed(errors={"owner_unit": [_("Choose one of the options.")]})
    elif not reach.everywhere:
        raise ValidationFailed(errors={"owner_unit": [_("This field is required.")]})
    audience = [db.session.get(OrgUnit, i) for i in data["audience"]]
    if any(u is None for u in audience):
        raise ValidationFailed(errors={"audience": [_("Choose one of the options.")]})
    return data, owner, [u for u in audience if u is not None], _audience_tracks(data)


@bp.route("/events/manage/new", methods=["GET", "POST"])
@roles_required(*ORG_ADMIN_ROLES)
def new_series() -> View:
    reach = _manage_scope()
    context = _series_context(reach)
    if request.method == "GET":
        return render_form(
            "webinars/series_form.html", series=None, chosen=[], chosen_tracks=[], **context
        )
    try:
        data, owner, audience, tracks = _series_input(reach)
        series = services.create_series(
            db.session,
            title=data["title"],
            description=data.get("description"),
            owner_unit=owner,
            organiser=current_user,
            audience=audience,
            tracks=tracks,
        )
    except ValidationFailed as exc:
        return render_form(
            "webinars/series_form.html",
            errors=exc.form_errors(),
            series=None,
            chosen=request.form.getlist("audience"),
            chosen_tracks=request.form.getlist("tracks"),
            **context,
        )
    db.session.commit()
    flash(_("%(name)s is created. Now add its sessions.", name=series.title), "success")
    return redirect(url_for("webinars.series", series_id=series.id))


@bp.get("/events/manage/<int:series_id>")
@roles_required(*ORG_ADMIN_ROLES)
def series(series_id: int) -> str:
    found = _managed_series(series_id)
    locale = str(get_locale() or "en")
    return render_template(
        "webinars/series.html",
        series=found,
        zone=_zone(),
        track_names=[t.title(locale) for t in found.audience_tracks],
    )


@bp.route("/events/manage/<int:series_id>/edit", methods=["GET", "POST"])
@roles_required(*ORG_ADMIN_ROLES)
def edit_series(series_id: int) -> View:
    found = _managed_series(series_id)
    reach = _manage_scope()
    context = _series_context(reach)
    values = {
        "title": found.title,
        "description": found.description_html,
        "owner_unit": found.owner_unit_id or "",
    }
    chosen = [str(u.id) for u in found.audience]
    chosen_tracks = [str(t.id) for t in found.audience_tracks]
    if request.method == "GET":
        return render_form(
            "webinars/series_form.html",
            series=found,
            values=values,
            chosen=chosen,
            chosen_tracks=chosen_tracks,
            **context,
        )
    try:
        data = load(SeriesSchema(), request.form)
        audience = [db.session.get(OrgUnit, i) for i in data["audience"]]
        if any(u is None for u in audience):
            raise ValidationFailed(errors={"audience": [_("Choose one of the options.")]})
        services.update_series(
            db.session,
            found,
            title=data["title"],
            description=data.get("description"),
            audience=[u for u in audience if u is not None],
            tracks=_audience_tracks(data),
        )
    except ValidationFailed as exc:
        return render_form(
            "webinars/series_form.html",
            errors=exc.form_errors(),
            series=found,
            values=values,
            chosen=request.form.getlist("audience"),
            chosen_tracks=request.form.getlist("tracks"),
            **context,
        )
    db.session.commit()
    flash(_("%(name)s is saved.", name=found.title), "success")
    return redirect(url_for("webinars.series", series_id=found.id))


def _session_context() -> dict[str, Any]:
    return {
        "timezones": [(z, z) for z in TIMEZONE_CHOICES],
        "languages": [(code, LANGUAGE_NAMES[code]) for code in LOCALES],
        "folds": [
            ("0", _("The first time (summer time)")),
            ("1", _("The second time (standard time)")),
        ],
        # A BigBlueButton room is offered only when a meeting server is configured.
        "kinds": [
            (k.value, str(KIND_LABELS[k]))
            for k in SessionKind
            if k is not SessionKind.ONLINE_BBB or bbb.client_for(current_app) is not None
        ],
    }


def _presenters(text: str | None) -> list[User]:
    """The accounts named by e-mail address; an address without an account is an error."""
    emails = [e.strip().lower() for e in re.split(r"[,;\s]+", text or "") if e.strip()]
    found = {u.email: u for u in db.session.scalars(select(User).where(User.email.in_(emails)))}
    missing = [e for e in emails if e not in found]
    if missing:
        raise ValidationFailed(
            errors={
                "presenters": [
                    _("No account has the address %(email)s.", email=email) for email in missing
                ]
            }
        )
    return list(dict.fromkeys(found[e] for e in emails))


def _session_input() -> services.SessionInput:
    data = load(SessionSchema(), request.form)
    zone = data["timezone"]
    fold = {k: (int(data[k]) if data.get(k) else None) for k in ("starts_fold", "ends_fold")}
    errors: Errors = {}
    starts_at = ends_at = None
    for field, key in (("starts", "starts_fold"), ("ends", "ends_fold")):
        try:
            value = services.local_to_utc(
                data["date"], data[field], zone, fold=fold[key], field=field
            )
        except ValidationFailed as exc:
            errors.update(exc.errors)
            continue
        if field == "starts":
            starts_at = value
        else:
            ends_at = value
    if errors or starts_at is None or ends_at is None:
        raise ValidationFailed(errors=errors)
    presenters = _presenters(data.get("presenters"))
    return services.SessionInput(
        title=data["title"],
        starts_at=starts_at,
        ends_at=ends_at,
        timezone=zone,
        language=data["language"],
        capacity=data["capacity"],
        kind=data["kind"],
        meeting_url=data.get("meeting_url"),
        address=data.get("address"),
        room=data.get("room"),
        description=data.get("description"),
        presenters=presenters,
    )


@bp.route("/events/manage/<int:series_id>/sessions/new", methods=["GET", "POST"])
@roles_required(*ORG_ADMIN_ROLES)
def new_session(series_id: int) -> View:
    found = _managed_series(series_id)
    context = _session_context()
    if request.method == "GET":
        values = {
            "title": found.title,
            "timezone": timezone_for(current_user),
            "language": str(getattr(current_user, "locale", None) or "sv"),
            "capacity": "30",
            "kind": SessionKind.ONLINE_LINK.value,
        }
        return render_form(
            "webinars/session_form.html", series=found, ev=None, values=values, **context
        )
    try:
        ev = services.add_session(db.session, found, _session_input())
    except ValidationFailed as exc:
        return render_form(
            "webinars/session_form.html",
            errors=exc.form_errors(),
            series=found,
            ev=None,
            **context,
        )
    db.session.commit()
    flash(_("The session is added."), "success")
    return redirect(url_for("webinars.series", series_id=found.id, _anchor=f"session-{ev.id}"))


def _session_values(ev: EventSession) -> dict[str, Any]:
    zone = ZoneInfo(ev.timezone)
    start = ev.starts_at.astimezone(zone)
    end = ev.ends_at.astimezone(zone)
    return {
        "title": ev.title,
        "date": start.date().isoformat(),
        "starts": start.strftime("%H:%M"),
        "ends": end.strftime("%H:%M"),
        "starts_fold": str(start.fold),
        "ends_fold": str(end.fold),
        "timezone": ev.timezone,
        "language": ev.language,
        "capacity": str(ev.capacity),
        "kind": ev.kind.value,
        "meeting_url": ev.meeting_url or "",
        "address": ev.address or "",
        "room": ev.room or "",
        "description": ev.description_html,
        "presenters": ", ".join(p.user.email for p in ev.presenters),
    }


@bp.route("/events/manage/sessions/<int:session_id>/edit", methods=["GET", "POST"])
@roles_required(*ORG_ADMIN_ROLES)
def edit_session(session_id: int) -> View:
    ev = _managed_session(session_id)
    context = _session_context()
    values = _session_values(ev)
    if request.method == "GET":
        return render_form(
            "webinars/session_form.html", series=ev.series, ev=ev, values=values, **context
        )
    try:
        services.update_session(db.session, ev, _session_input())
    except (ValidationFailed, Conflict) as exc:
        return render_form(
            "webinars/session_form.html",
            errors=exc.form_errors(),
            series=ev.series,
            ev=ev,
            values=values,
            **context,
        )
    db.session.commit()
    flash(_("The session is saved and everyone registered is told."), "success")
    return redirect(url_for("webinars.registrations", session_id=ev.id))


@bp.post("/events/manage/sessions/<int:session_id>/cancel")
@roles_required(*ORG_ADMIN_ROLES)
def cancel_session(session_id: int) -> Response:
    ev = _managed_session(session_id)
    services.cancel_session(db.session, ev)
    db.session.commit()
    flash(_("The session is cancelled and everyone registered is told."), "success")
    return redirect(url_for("webinars.registrations", session_id=ev.id))


@bp.get("/events/manage/sessions/<int:session_id>")
@roles_required(*ORG_ADMIN_ROLES)
def registrations(session_id: int) -> View:
    return _registrations_page(_managed_session(session_id))


def _registrations_page(ev: EventSession, errors: Errors | None = None) -> tuple[str, int]:
    return render_form(
        "webinars/registrations.html",
        errors=errors,
        ev=ev,
        places=[r for r in ev.registrations if r.status in HOLDS_PLACE],
        queue=sorted(
            (r for r in ev.registrations if r.status is RegistrationStatus.WAITLISTED),
            key=lambda r: (r.waitlisted_at or datetime.min.replace(tzinfo=UTC), r.id),
        ),
        cancelled=[r for r in ev.registrations if r.status is RegistrationStatus.CANCELLED],
        zone=_zone(),
        has_started=ev.starts_at <= utcnow(),
        may_fetch=ev.kind is SessionKind.ONLINE_BBB and bbb.client_for(current_app) is not None,
    )


@bp.post("/events/manage/sessions/<int:session_id>/attendance")
@roles_required(*ORG_ADMIN_ROLES)
def attendance(session_id: int) -> Response:
    ev = _managed_session(session_id)
    if ev.starts_at > utcnow():
        raise Conflict(_("Attendance can be marked once the session has started."))
    data = load(AttendanceSchema(), request.form)
    present = set(data["attended"])
    for reg in ev.registrations:
        if reg.status in HOLDS_PLACE:
            services.mark_attendance(db.session, reg, attended=reg.id in present)
    db.session.commit()
    flash(_("Attendance is saved."), "success")
    return redirect(url_for("webinars.registrations", session_id=ev.id))


@bp.post("/events/manage/sessions/<int:session_id>/recordings")
@roles_required(*ORG_ADMIN_ROLES)
def add_recording(session_id: int) -> View:
    ev = _managed_session(session_id)
    try:
        data = load(RecordingSchema(), request.form)
        services.add_recording(db.session, ev, url=data["url"], published=bool(data["published"]))
    except (ValidationFailed, Conflict) as exc:
        return _registrations_page(ev, errors=exc.form_errors())
    db.session.commit()
    flash(_("The recording is added."), "success")
    return redirect(url_for("webinars.registrations", session_id=ev.id, _anchor="recordings"))


@bp.post("/events/manage/sessions/<int:session_id>/recordings/fetch")
@roles_required(*ORG_ADMIN_ROLES)
def fetch_recordings(session_id: int) -> View:
    """Ask BigBlueButton for the session's recordings; new ones arrive unpublished."""
    ev = _managed_session(session_id)
    client = bbb.client_for(current_app)
    if client is None or ev.kind is not SessionKind.ONLINE_BBB:
        raise Conflict(_("This session has no meeting room here."))
    try:
        found = client.recordings(ev.uid)
    except (bbb.MeetingServiceDown, bbb.MeetingServiceError) as exc:
        current_app.logger.warning("meeting service for session %s: %s", ev.id, exc)
        return render_template("webinars/meeting_down.html", ev=ev), 503
    added = services.import_recordings(db.session, ev, [r.url for r in found])
    db.session.commit()
    flash(
        ngettext("%(num)d new recording.", "%(num)d new recordings.", added),
        "success",
    )
    return redirect(url_for("webinars.registrations", session_id=ev.id, _anchor="recordings"))


@bp.post("/events/manage/recordings/<int:recording_id>/publish")
@roles_required(*ORG_ADMIN_ROLES)
def publish_recording(recording_id: int) -> Response:
    rec = _get(Recording, recording_id)
    require(services.may_manage(_manage_scope(), rec.session.series))
    rec.is_published = not rec.is_published
    db.session.commit()
    flash(
        _("The recording is published.") if rec.is_published else _("The recording is hidden."),
        "success",
    )
    return redirect(
        url_for("webinars.registrations", session_id=rec.session_id, _anchor="recordings")
    )


@bp.get("/events/manage/sessions/<int:session_id>/attendance.csv")
@roles_required(*ORG_ADMIN_ROLES)
def attendance_csv(session_id: int) -> Response:
    ev = _managed_session(session_id)
    return Response(
        services.attendance_csv(ev),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="attendance-{ev.id}.csv"'},
    )


@bp.app_template_filter("in_zone")
def _in_zone(value: datetime, zone: ZoneInfo, fmt: str = "%Y-%m-%d %H:%M") -> str:
    return value.astimezone(zone).strftime(fmt)


@bp.app_context_processor
def _labels() -> dict[str, Any]:
    return {
        "session_kind_label": lambda k: str(KIND_LABELS[SessionKind(k)]),
        "registration_status_label": lambda s: str(STATUS_LABELS[RegistrationStatus(s)]),
    }


@bp.app_template_filter("when")
def _when(value: datetime) -> str:
    """A session's start in the viewer's language and time zone (see services.WHEN_FORMAT)."""
    return format_datetime(value, services.WHEN_FORMAT)

"""Translated names of the webinar enums."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from content.webinars.models import RegistrationStatus, SessionKind

KIND_LABELS = {
    SessionKind.ONLINE_BBB: _l("Online (BigBlueButton)"),
    SessionKind.ONLINE_LINK: _l("Online (meeting link)"),
    SessionKind.ON_SITE: _l("On site"),
}
STATUS_LABELS = {
    RegistrationStatus.REGISTERED: _l("Registered"),
    RegistrationStatus.WAITLISTED: _l("On the waiting list"),
    RegistrationStatus.CANCELLED: _l("Cancelled"),
    RegistrationStatus.ATTENDED: _l("Attended"),
    RegistrationStatus.NO_SHOW: _l("Did not come"),
}

"""The main navigation, by role: a person sees only the places they may go."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import Flask, current_app, has_request_context, request, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from lms.auth.models import Role
from lms.auth.permissions import has_role


@dataclass(frozen=True)
class NavItem:
    endpoint: str
    label: Any
    roles: tuple[Role, ...] = ()  # empty: everyone signed in


NAV = (
    NavItem("core.home", _l("Home")),
    NavItem("reporting.index", _l("Dashboard")),
    NavItem("assignments.mine", _l("My assignments")),
    NavItem("plans.mine", _l("My plan")),
    NavItem("orgs.team", _l("My team"), (Role.MANAGER,)),
    NavItem("assignments.team", _l("Team's assignments"), (Role.MANAGER,)),
    NavItem("plans.team", _l("Team's plans"), (Role.MANAGER,)),
    NavItem("orgs.units", _l("Organisations"), (Role.ADMIN, Role.COORDINATOR)),
    NavItem("assignments.tracks", _l("Tracks"), (Role.ADMIN, Role.COORDINATOR)),
    NavItem("learn.catalogue", _l("Courses")),
    NavItem("webinars.upcoming", _l("Events")),
    NavItem("competences.index", _l("Competences")),
    NavItem("mapping.mine", _l("Competence mapping")),
    NavItem("learn.team", _l("Team's courses"), (Role.MANAGER,)),
    NavItem("courses.index", _l("Authoring"), (Role.ADMIN, Role.COORDINATOR)),
    NavItem("orgs.programmes", _l("Programmes")),
    NavItem("swot.index", _l("SWOT workshops")),
    NavItem(
        "municipal_plans.index",
        _l("Municipality plans"),
        (Role.MANAGER, Role.COORDINATOR, Role.ADMIN),
    ),
    NavItem("users.index", _l("Users"), (Role.ADMIN,)),
    NavItem("lti.platforms", _l("LTI platforms"), (Role.ADMIN,)),
    NavItem("lrs_admin.index", _l("Learning Record Store"), (Role.ADMIN,)),
    NavItem("auth.profile", _l("Profile")),
)


def nav_items() -> list[dict[str, Any]]:
    # Mail rendered by the worker (no request, so no current user) has no navigation.
    if not has_request_context() or not current_user or not current_user.is_authenticated:
        return []
    items = []
    for item in NAV:
        if item.endpoint not in current_app.view_functions:
            continue
        if item.roles and not has_role(current_user, *item.roles):
            continue
        url = url_for(item.endpoint)
        current = request.endpoint == item.endpoint
        items.append({"url": url, "label": item.label, "current": current})
    return items


def init_app(app: Flask) -> None:
    @app.context_processor
    def _nav() -> dict[str, Any]:
        return {"nav_items": nav_items()}

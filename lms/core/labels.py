"""Translated names for the values of our enums, for templates and forms."""

from __future__ import annotations

from typing import Any

from flask import Flask
from flask_babel import lazy_gettext as _l

from lms.auth.models import Role
from lms.orgs.models import Country, GroupKind, JobTitle, UnitKind

ROLE_LABELS = {
    Role.LEARNER: _l("Learner"),
    Role.MANAGER: _l("Manager"),
    Role.COORDINATOR: _l("Coordinator"),
    Role.EVALUATOR: _l("Evaluator"),
    Role.ADMIN: _l("Administrator"),
}
JOB_TITLE_LABELS = {
    JobTitle.LIBRARIAN: _l("Librarian"),
    JobTitle.LIBRARY_ASSISTANT: _l("Library assistant"),
    JobTitle.MANAGER: _l("Library manager"),
    JobTitle.SPECIALIST: _l("Specialist"),
    JobTitle.OTHER: _l("Other"),
}
COUNTRY_LABELS = {Country.SE: _l("Sweden"), Country.NO: _l("Norway"), Country.DK: _l("Denmark")}
GROUP_KIND_LABELS = {
    GroupKind.OWNER: _l("Project owner"),
    GroupKind.STEERING_GROUP: _l("Steering group"),
    GroupKind.REFERENCE_GROUP: _l("Reference group"),
    GroupKind.PROJECT_TEAM: _l("Project team"),
}
# What a unit is called depends on its country: a Swedish region is a "län", a Norwegian one a
# "fylke"; municipalities are "kommun" and "kommune".
_UNIT_LABELS = {
    (UnitKind.REGION, Country.SE): _l("County (län)"),
    (UnitKind.REGION, Country.NO): _l("County (fylke)"),
    (UnitKind.REGION, Country.DK): _l("Region"),
    (UnitKind.MUNICIPALITY, Country.SE): _l("Municipality (kommun)"),
    (UnitKind.MUNICIPALITY, Country.NO): _l("Municipality (kommune)"),
    (UnitKind.MUNICIPALITY, Country.DK): _l("Municipality (kommune)"),
}
UNIT_KIND_LABELS = {
    UnitKind.REGION: _l("Region"),
    UnitKind.MUNICIPALITY: _l("Municipality"),
    UnitKind.LIBRARY: _l("Library"),
}


def unit_kind_label(kind: UnitKind | str, country: Country | str | None = None) -> str:
    kind = UnitKind(kind)
    if country is not None:
        label = _UNIT_LABELS.get((kind, Country(country)))
        if label is not None:
            return str(label)
    return str(UNIT_KIND_LABELS[kind])


def init_app(app: Flask) -> None:
    @app.context_processor
    def _labels() -> dict[str, Any]:
        return {
            "role_label": lambda r: str(ROLE_LABELS[Role(r)]),
            "job_title_label": lambda j: str(JOB_TITLE_LABELS[JobTitle(j)]),
            "country_label": lambda c: str(COUNTRY_LABELS[Country(c)]),
            "group_kind_label": lambda g: str(GROUP_KIND_LABELS[GroupKind(g)]),
            "unit_kind_label": unit_kind_label,
            "config_endpoints": app.view_functions,
        }

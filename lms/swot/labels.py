"""Translated names of the SWOT enums, in the order a board shows them."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from lms.swot.models import BoardStatus, Level, Perspective, Quadrant

QUADRANT_LABELS = {
    Quadrant.STRENGTH: _l("Strengths"),
    Quadrant.WEAKNESS: _l("Weaknesses"),
    Quadrant.OPPORTUNITY: _l("Opportunities"),
    Quadrant.THREAT: _l("Threats"),
}
#: One item's quadrant, in the singular (forms, tables).
QUADRANT_SINGULAR = {
    Quadrant.STRENGTH: _l("Strength"),
    Quadrant.WEAKNESS: _l("Weakness"),
    Quadrant.OPPORTUNITY: _l("Opportunity"),
    Quadrant.THREAT: _l("Threat"),
}
LEVEL_LABELS = {
    Level.OUTER: _l("Outer world (omvärld)"),
    Level.NEAR: _l("Near world (närvärld)"),
    Level.INNER: _l("Inner world (invärld)"),
}
LEVEL_HINTS = {
    Level.OUTER: _l("Laws and policy documents, technology shifts: what most libraries face."),
    Level.NEAR: _l(
        "The municipality: its population, labour market and education, the library plan."
    ),
    Level.INNER: _l("The library itself: what you want to develop and pay attention to."),
}
PERSPECTIVE_LABELS = {
    Perspective.CHALLENGES: _l("New challenges"),
    Perspective.TARGET_GROUPS: _l("New and old target groups"),
    Perspective.OPPORTUNITIES: _l("New opportunities"),
}
STATUS_LABELS = {BoardStatus.OPEN: _l("Open"), BoardStatus.CLOSED: _l("Closed")}

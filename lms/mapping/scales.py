"""What a round asks about: the framework's competences and the levels of the round's scale.

Reads ``lms.competences`` (its models); everything mapping needs of frameworks goes through
here, so the rest of the package does not care how a framework is stored.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session, object_session

from lms.competences.models import (
    Framework,
    Node,
    NodeKind,
    Scale,
    text_in,
)
from lms.errors import ValidationFailed
from lms.mapping.models import MappingRound, RoundScale


@dataclass(frozen=True)
class Level:
    value: int
    label: dict[str, str]
    descriptor: dict[str, str]
    is_proficient: bool = False

    def label_in(self, locale: str) -> str:
        return text_in(self.label, locale) or str(self.value)

    def display(self, locale: str) -> str:
        """ "3 – Intermediate"; a label that starts with its number already is shown as it is."""
        label = self.label_in(locale)
        return label if label.startswith(str(self.value)) else f"{self.value} – {label}"

    def descriptor_in(self, locale: str) -> str:
        return text_in(self.descriptor, locale)


def _levels(scale: Scale) -> list[Level]:
    return [
        Level(lvl.value, dict(lvl.label), dict(lvl.descriptor), lvl.is_proficient)
        for lvl in sorted(scale.levels, key=lambda lvl: lvl.value)
    ]


def self_efficacy_scale(session: Session) -> Scale:
    """The shared 1–7 scale, made by ``lms.competences`` on first use."""
    from lms.competences import services as competences_services

    scale: Scale = competences_services.self_efficacy_scale(session)
    return scale


def round_levels(mapping_round: MappingRound) -> list[Level]:
    """The levels a round's answers choose from, lowest first."""
    cached = mapping_round.__dict__.get("_levels")
    if cached is not None:
        return list(cached)
    if mapping_round.scale is RoundScale.SELF_EFFICACY:
        session = object_session(mapping_round)
        assert session is not None
        levels = _levels(self_efficacy_scale(session))
    else:
        levels = _levels(mapping_round.framework.scale)
    mapping_round.__dict__["_levels"] = levels
    return list(levels)


def framework_range(framework: Framework) -> tuple[int, int]:
    values = [lvl.value for lvl in framework.scale.levels] or [0]
    return min(values), max(values)


def score_of(mapping_round: MappingRound, level: int) -> float:
    """An answer on the round's scale as a value on the framework's scale.

    A framework-scale answer is its own value. A 1–7 self-efficacy answer is placed on the
    framework scale linearly (1 → the lowest level, 7 → the highest), so that rounds on either
    scale meet in one gap analysis; the figure is an estimate and the page says so.
    """
    if mapping_round.scale is RoundScale.FRAMEWORK:
        return float(level)
    own = [lvl.value for lvl in round_levels(mapping_round)]
    low, high = min(own), max(own)
    fw_low, fw_high = framework_range(mapping_round.framework)
    if high == low:
        return float(fw_low)
    return round(fw_low + (level - low) * (fw_high - fw_low) / (high - low), 3)


def check_framework(session: Session, framework_id: int) -> Framework:
    framework = session.get(Framework, framework_id)
    if framework is None:
        raise ValidationFailed(errors={"framework_id": [_("Choose a framework from the list.")]})
    if not competence_ids(session, framework_id):
        raise ValidationFailed(
            errors={"framework_id": [_("This framework has no competences to map yet.")]}
        )
    return framework


@dataclass(frozen=True)
class CompetenceRow:
    id: int
    code: str
    name: dict[str, str]
    description: dict[str, str]
    area: dict[str, str]

    def title(self, locale: str) -> str:
        return text_in(self.name, locale) or self.code or str(self.id)

    def summary(self, locale: str) -> str:
        return text_in(self.description, locale)

    def area_title(self, locale: str) -> str:
        return text_in(self.area, locale)


def competences(session: Session, framework_id: int) -> list[CompetenceRow]:
    """The framework's competences in tree order, each with its area's name (one query)."""
    from lms.competences import services as competences_services

    framework = session.get(Framework, framework_id)
    if framework is None:
        return []
    out: list[CompetenceRow] = []
    area: dict[str, str] = {}
    for row in competences_services.tree(session, framework):
        node = row.node
        if node.kind is NodeKind.AREA:
            area = dict(node.name) if row.depth == 0 else area
            continue
        out.append(CompetenceRow(node.id, node.code, dict(node.name), dict(node.description), area))
    return out


def competence_ids(session: Session, framework_id: int) -> list[int]:
    return list(
        session.scalars(
            select(Node.id)
            .where(Node.framework_id == framework_id, Node.kind == NodeKind.COMPETENCE)
            .order_by(Node.id)
        )
    )


def competence_names(session: Session, ids: Iterable[int]) -> dict[int, dict[str, str]]:
    """``{id: {locale: name}}`` for xAPI statements' activity names."""
    wanted = set(ids)
    if not wanted:
        return {}
    rows = session.execute(select(Node.id, Node.name).where(Node.id.in_(wanted))).all()
    return {ident: dict(name or {}) for ident, name in rows}


def frameworks(session: Session) -> list[Framework]:
    return list(session.scalars(select(Framework).order_by(Framework.slug)))

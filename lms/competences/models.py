"""Competence frameworks: areas → competences, proficiency scales, target levels, content tags.

A :class:`Framework` is a tree of :class:`Node` rows (areas, and the competences under them)
and is rated on one :class:`Scale` of ordered :class:`ScaleLevel` rows. Besides the framework
scales there is the 1–7 *self-efficacy* scale (``ScaleKind.SELF_EFFICACY``, "very uncertain …
very confident") that a mapping round may choose instead.

Texts a person reads (names, descriptions, level labels and descriptors) are stored as a dict
per locale in a JSON column (``{"sv": ..., "nb": ..., "da": ..., "en": ...}``): the set of
locales is small and fixed, the whole tree of a framework then loads in one query, and CSV/CASE
import and export map one column to one language. Read them with :func:`text_in`, which falls
back to the framework's ``fallback_locale``. They are plain text (autoescaped), never HTML.

Public API for other packages (``lms.competences.services``), all taking a ``Session``:

- ``services.frameworks(session)`` → frameworks ordered by slug.
- ``services.get_framework(session, id)`` → Framework or ``NotFound``.
- ``services.tree(session, framework)`` → ``list[TreeRow]`` in display order, one query;
  ``TreeRow(node, depth)``.
- ``services.competences(session, framework)`` → competence nodes (``kind == COMPETENCE``) in
  tree order.
- ``services.levels(scale_or_framework)`` → the scale's ``ScaleLevel`` rows ordered by value
  (a Framework gives its own scale).
- ``services.self_efficacy_scale(session)`` → the shared 1–7 scale (created on first use).
- ``services.target_for(session, competence, job_title, unit)`` → ``TargetRange | None``: the
  level needed, the most specific unit on the unit's path winning (library over municipality
  over the general one without a unit).
- ``services.target_table(session, competence_ids)`` → ``TargetTable`` for bulk gap analysis:
  ``table.resolve(competence_id, job_title, unit_path_ids)`` → ``TargetRange | None`` without
  further queries.
- ``services.linked_content(session, competence_ids, locale)`` →
  ``dict[competence_id, list[ContentRef]]``; ``ContentRef(kind, id, title, url)`` names a course,
  module, webinar series or track that builds the competence (missing targets are skipped).
"""

from __future__ import annotations

import enum
import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.db import Base, enum_column, utcnow
from lms.orgs.models import JobTitle, OrgUnit

#: The locales every text has a slot for, in the order forms and exports list them.
TEXT_LOCALES = ("sv", "nb", "da", "en")


def new_uuid() -> str:
    return str(uuid.uuid4())


def text_in(texts: dict[str, str] | None, locale: str, fallback: str = "en") -> str:
    """The text in ``locale``, else the fallback locale's, else the first non-empty one."""
    return text_and_locale(texts, locale, fallback)[0]


def text_and_locale(
    texts: dict[str, str] | None, locale: str, fallback: str = "en"
) -> tuple[str, str | None]:
    """As :func:`text_in`, with the locale the text is in (pages mark it with ``lang``)."""
    texts = texts or {}
    for candidate in (locale, fallback, *TEXT_LOCALES):
        value = texts.get(candidate)
        if value:
            return value, candidate
    return "", None


class ScaleKind(enum.StrEnum):
    PROFICIENCY = "proficiency"
    SELF_EFFICACY = "self_efficacy"


class NodeKind(enum.StrEnum):
    AREA = "area"
    COMPETENCE = "competence"


class LinkKind(enum.StrEnum):
    """What a competence tag points at. ``target_id`` is that table's id; no foreign key, since
    the targets live in several tables (tracks in ``lms.assignments``)."""

    COURSE = "course"
    MODULE = "module"
    WEBINAR_SERIES = "webinar_series"
    TRACK = "track"


class Scale(Base):
    """An ordered set of levels a competence is rated on."""

    __tablename__ = "competence_scales"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    kind: Mapped[ScaleKind] = mapped_column(
        enum_column(ScaleKind, "scale_kind"), default=ScaleKind.PROFICIENCY
    )
    #: {locale: name}
    name: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    levels: Mapped[list[ScaleLevel]] = relationship(
        back_populates="scale", cascade="all, delete-orphan", order_by="ScaleLevel.value"
    )

    def __repr__(self) -> str:
        return f"<Scale {self.slug!r}>"

    @property
    def default_level(self) -> ScaleLevel | None:
        return next((level for level in self.levels if level.is_default), None)

    @property
    def values(self) -> list[int]:
        return [level.value for level in self.levels]


class ScaleLevel(Base):
    __tablename__ = "competence_scale_levels"
    __table_args__ = (
        UniqueConstraint("scale_id", "value", name="uq_competence_scale_levels_value"),
        CheckConstraint("value BETWEEN 0 AND 100", name="value_in_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    scale_id: Mapped[int] = mapped_column(
        ForeignKey("competence_scales.id", ondelete="CASCADE"), index=True
    )
    value: Mapped[int] = mapped_column()
    #: {locale: short label}, e.g. {"en": "Intermediate"}
    label: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    #: {locale: what someone at this level can do}
    descriptor: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    is_default: Mapped[bool] = mapped_column(default=False)
    is_proficient: Mapped[bool] = mapped_column(default=False)

    scale: Mapped[Scale] = relationship(back_populates="levels")


class Framework(Base):
    """A competence framework: a tree of areas and competences rated on one scale."""

    __tablename__ = "competence_frameworks"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    #: The CASE CFDocument identifier; stays the same across export and import.
    uuid: Mapped[str] = mapped_column(String(36), unique=True, default=new_uuid)
    fallback_locale: Mapped[str] = mapped_column(String(8), default="en")
    name: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    description: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    #: Where the framework comes from and under which licence (e.g. "DigComp 2.2, JRC, CC BY 4.0").
    source_note: Mapped[str] = mapped_column(String(500), default="")
    scale_id: Mapped[int] = mapped_column(
        ForeignKey("competence_scales.id", ondelete="RESTRICT"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    scale: Mapped[Scale] = relationship()
    nodes: Mapped[list[Node]] = relationship(
        back_populates="framework",
        cascade="all, delete-orphan",
        order_by="Node.position",
        passive_deletes=True,
    )

    def __repr__(self) -> str:
        return f"<Framework {self.slug!r}>"

    def title(self, locale: str) -> str:
        return text_in(self.name, locale, self.fallback_locale) or self.slug


class Node(Base):
    """An area or a competence in a framework's tree.

    ``position`` orders siblings. ``uuid`` is the CASE CFItem identifier and ``code`` its
    humanCodingScheme ("1.2"); both survive export and import.
    """

    __tablename__ = "competence_nodes"
    __table_args__ = (
        UniqueConstraint("framework_id", "uuid", name="uq_competence_nodes_framework_uuid"),
        CheckConstraint("parent_id IS NULL OR parent_id <> id", name="not_own_parent"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    framework_id: Mapped[int] = mapped_column(
        ForeignKey("competence_frameworks.id", ondelete="CASCADE"), index=True
    )
    parent_id: Mapped[int | None] = mapped_column(
        ForeignKey("competence_nodes.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[NodeKind] = mapped_column(enum_column(NodeKind, "competence_node_kind"))
    position: Mapped[int] = mapped_column(default=0)
    uuid: Mapped[str] = mapped_column(String(36), default=new_uuid)
    code: Mapped[str] = mapped_column(String(32), default="")
    name: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    description: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    framework: Mapped[Framework] = relationship(back_populates="nodes")

    def __repr__(self) -> str:
        return f"<Node {self.kind} {self.code or self.id}>"

    @property
    def is_competence(self) -> bool:
        return self.kind == NodeKind.COMPETENCE

    def title(self, locale: str, fallback: str = "en") -> str:
        return text_in(self.name, locale, fallback)

    def summary(self, locale: str, fallback: str = "en") -> str:
        return text_in(self.description, locale, fallback)


class TargetLevel(Base):
    """The level a job title needs in a competence: generally (no unit) or in one library or
    municipality, which then overrides the general value. ``min_level == max_level`` is a single
    level; otherwise a range. Values are the scale's ``ScaleLevel.value``."""

    __tablename__ = "competence_target_levels"
    __table_args__ = (
        UniqueConstraint(
            "competence_id", "job_title", "unit_id", name="uq_competence_target_levels_key"
        ),
        CheckConstraint("max_level >= min_level", name="range_in_order"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    competence_id: Mapped[int] = mapped_column(
        ForeignKey("competence_nodes.id", ondelete="CASCADE"), index=True
    )
    job_title: Mapped[JobTitle] = mapped_column(enum_column(JobTitle, "job_title"))
    unit_id: Mapped[int | None] = mapped_column(
        ForeignKey("org_units.id", ondelete="CASCADE"), index=True
    )
    min_level: Mapped[int] = mapped_column()
    max_level: Mapped[int] = mapped_column()
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    competence: Mapped[Node] = relationship()
    unit: Mapped[OrgUnit | None] = relationship()


class CompetenceLink(Base):
    """A course, module, webinar series or track that builds a competence."""

    __tablename__ = "competence_links"
    __table_args__ = (
        UniqueConstraint(
            "competence_id", "target_kind", "target_id", name="uq_competence_links_target"
        ),
        Index("ix_competence_links_target", "target_kind", "target_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    competence_id: Mapped[int] = mapped_column(
        ForeignKey("competence_nodes.id", ondelete="CASCADE"), index=True
    )
    target_kind: Mapped[LinkKind] = mapped_column(enum_column(LinkKind, "competence_link_kind"))
    target_id: Mapped[int] = mapped_column()
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    competence: Mapped[Node] = relationship()


def as_texts(value: Any) -> dict[str, str]:
    """A clean ``{locale: text}`` dict: known locales only, stripped, empty ones dropped."""
    if not isinstance(value, dict):
        return {}
    return {
        locale: str(value[locale]).strip()
        for locale in TEXT_LOCALES
        if isinstance(value.get(locale), str) and value[locale].strip()
    }

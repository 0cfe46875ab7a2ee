"""Competence frameworks: reading the tree and the scale, changing them, targets and content tags.

Services take the session, flush and never commit; the views commit once. See the module
docstring of :mod:`lms.competences.models` for the part other packages use.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from flask import url_for
from flask_babel import gettext as _
from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session, selectinload
from werkzeug.routing import BuildError

from lms.assignments.models import Track
from lms.competences.models import (
    TEXT_LOCALES,
    CompetenceLink,
    Framework,
    LinkKind,
    Node,
    NodeKind,
    Scale,
    ScaleKind,
    ScaleLevel,
    TargetLevel,
    as_texts,
)
from lms.errors import Conflict, NotFound, ValidationFailed
from lms.orgs.models import JobTitle, OrgUnit

SLUG_RE = re.compile(r"^[a-z0-9][a-z0-9-]{0,79}$")
SELF_EFFICACY_SLUG = "self-efficacy-1-7"

# Reading


def frameworks(session: Session) -> list[Framework]:
    return list(session.scalars(select(Framework).order_by(Framework.slug)))


def get_framework(session: Session, framework_id: int) -> Framework:
    found = session.get(Framework, framework_id)
    if found is None:
        raise NotFound()
    return found


def get_node(session: Session, node_id: int, framework: Framework | None = None) -> Node:
    found = session.get(Node, node_id)
    if found is None or (framework is not None and found.framework_id != framework.id):
        raise NotFound()
    return found


@dataclass(frozen=True)
class TreeRow:
    node: Node
    depth: int


def order_tree(nodes: Iterable[Node]) -> list[TreeRow]:
    """Nodes in display order (depth first, siblings by position), each with its depth.

    A node whose parent is missing from ``nodes`` counts as a root, and a cycle (which the
    services never make) is cut rather than followed forever.
    """
    items = list(nodes)
    ids = {n.id for n in items}
    children: dict[int | None, list[Node]] = {}
    for node in items:
        parent = node.parent_id if node.parent_id in ids else None
        children.setdefault(parent, []).append(node)
    for branch in children.values():
        branch.sort(key=lambda n: (n.position, n.id))
    out: list[TreeRow] = []
    seen: set[int] = set()

    def walk(parent: int | None, depth: int) -> None:
        for node in children.get(parent, []):
            if node.id in seen:
                continue
            seen.add(node.id)
            out.append(TreeRow(node, depth))
            walk(node.id, depth + 1)

    walk(None, 0)
    return out


def tree(session: Session, framework: Framework) -> list[TreeRow]:
    """The framework's whole tree in display order, loaded in one query."""
    nodes = session.scalars(select(Node).where(Node.framework_id == framework.id))
    return order_tree(nodes)


def competences(session: Session, framework: Framework) -> list[Node]:
    """The framework's competences (not areas), in tree order."""
    return [row.node for row in tree(session, framework) if row.node.is_competence]


def levels(scale_or_framework: Scale | Framework) -> list[ScaleLevel]:
    """The scale's levels, lowest value first (a framework gives its own scale's)."""
    scale = (
        scale_or_framework.scale
        if isinstance(scale_or_framework, Framework)
        else scale_or_framework
    )
    return sorted(scale.levels, key=lambda level: level.value)


def scales(session: Session) -> list[Scale]:
    return list(session.scalars(select(Scale).order_by(Scale.kind, Scale.slug)))


_SELF_EFFICACY_ENDS = {
    1: {
        "sv": "Mycket osäker",
        "nb": "Svært usikker",
        "da": "Meget usikker",
        "en": "Very uncertain",
    },
    7: {"sv": "Mycket säker", "nb": "Svært sikker", "da": "Meget sikker", "en": "Very confident"},
}


def self_efficacy_scale(session: Session) -> Scale:
    """The shared 1–7 self-efficacy scale ("very uncertain … very confident"), made on first use.

    A mapping round may rate on it instead of its framework's proficiency scale; 5 and above
    count as confident ("proficient"), 4 is the neutral default.
    """
    found = session.scalar(select(Scale).where(Scale.slug == SELF_EFFICACY_SLUG))
    if found is not None:
        return found
    scale = Scale(
        slug=SELF_EFFICACY_SLUG,
        kind=ScaleKind.SELF_EFFICACY,
        name={
            "sv": "Självskattad säkerhet 1–7",
            "nb": "Egenvurdert mestringstro 1–7",
            "da": "Selvvurderet sikkerhed 1–7",
            "en": "Self-efficacy 1–7",
        },
    )
    for value in range(1, 8):
        label = _SELF_EFFICACY_ENDS.get(value, {loc: str(value) for loc in TEXT_LOCALES})
        scale.levels.append(
            ScaleLevel(
                value=value,
                label={
                    loc: f"{value} – {text}" if value in (1, 7) else text
                    for loc, text in label.items()
                },
                descriptor={},
                is_default=value == 4,
                is_proficient=value >= 5,
            )
        )
    session.add(scale)
    session.flush()
    return scale


# Target levels


@dataclass(frozen=True)
class TargetRange:
    """The level needed: ``min_level == max_level`` for a single level. ``unit_id`` says where it
    was set (None: the general value for the job title)."""

    min_level: int
    max_level: int
    unit_id: int | None = None

    @property
    def is_single(self) -> bool:
        return self.min_level == self.max_level

    def gap(self, value: int | None) -> int:
        """How many levels ``value`` lies below the range (0 when it reaches it; missing = all)."""
        if value is None:
            return self.min_level
        return max(0, self.min_level - value)


@dataclass
class TargetTable:
    """All target levels of some competences, resolved per person without further queries."""

    by_key: dict[tuple[int, JobTitle], dict[int | None, TargetRange]] = field(default_factory=dict)

    def resolve(
        self, competence_id: int, job_title: JobTitle | str, unit_path_ids: Sequence[int] = ()
    ) -> TargetRange | None:
        """The most specific target: the nearest unit on ``unit_path_ids`` (region first, the
        library last, as ``OrgUnit.ancestor_ids`` gives them), else the general one."""
        found = self.by_key.get((competence_id, JobTitle(job_title)))
        if not found:
            return None
        for unit_id in reversed(list(unit_path_ids)):
            if unit_id in found:
                return found[unit_id]
        return found.get(None)


def target_table(session: Session, competence_ids: Iterable[int]) -> TargetTable:
    ids = list(set(competence_ids))
    table = TargetTable()
    if not ids:
        return table
    for row in session.scalars(select(TargetLevel).where(TargetLevel.competence_id.in_(ids))):
        table.by_key.setdefault((row.competence_id, row.job_title), {})[row.unit_id] = TargetRange(
            row.min_level, row.max_level, row.unit_id
        )
    return table


def target_for(
    session: Session, competence: Node | int, job_title: JobTitle | str, unit: OrgUnit | None
) -> TargetRange | None:
    """The level ``job_title`` needs in ``competence`` at ``unit`` (its own or an ancestor's
    override, else the general value)."""
    competence_id = competence if isinstance(competence, int) else competence.id
    path = unit.ancestor_ids if unit is not None else []
    return target_table(session, [competence_id]).resolve(competence_id, job_title, path)


def targets_of(session: Session, competence: Node) -> list[TargetLevel]:
    return list(
        session.scalars(
            select(TargetLevel)
            .where(TargetLevel.competence_id == competence.id)
            .options(selectinload(TargetLevel.unit))
            .order_by(TargetLevel.job_title, TargetLevel.unit_id.is_not(None), TargetLevel.id)
        )
    )


def _check_level(framework: Framework, value: int, field_name: str) -> None:
    if value not in framework.scale.values:
        raise ValidationFailed(
            errors={
                field_name: [
                    _(
                        "Choose a level of the scale (%(values)s).",
                        values=", ".join(str(v) for v in framework.scale.values),
                    )
                ]
            }
        )


def set_target(
    session: Session,
    competence: Node,
    *,
    job_title: JobTitle,
    unit: OrgUnit | None,
    min_level: int,
    max_level: int | None = None,
) -> TargetLevel:
    """Set (or replace) the level a job title needs, generally or in one unit."""
    if not competence.is_competence:
        raise ValidationFailed(_("Target levels belong to competences, not areas."))
    if max_level is None:
        max_level = min_level
    framework = competence.framework
    _check_level(framework, min_level, "min_level")
    _check_level(framework, max_level, "max_level")
    if max_level < min_level:
        raise ValidationFailed(
            errors={"max_level": [_("The highest level cannot be below the lowest.")]}
        )
    if unit is not None and unit.kind.value not in ("municipality", "library"):
        raise ValidationFailed(errors={"unit_id": [_("Choose a municipality or a library.")]})
    stmt = select(TargetLevel).where(
        TargetLevel.competence_id == competence.id, TargetLevel.job_title == job_title
    )
    stmt = stmt.where(
        TargetLevel.unit_id.is_(None) if unit is None else TargetLevel.unit_id == unit.id
    )
    target = session.scalar(stmt)
    if target is None:
        target = TargetLevel(competence_id=competence.id, job_title=job_title, unit=unit)
        session.add(target)
    target.min_level = min_level
    target.max_level = max_level
    session.flush()
    return target


def delete_target(session: Session, target: TargetLevel) -> None:
    session.delete(target)
    session.flush()


def targets_for_key(
    session: Session, framework: Framework, job_title: JobTitle, unit: OrgUnit | None
) -> dict[int, TargetLevel]:
    """The targets set for exactly this job title and unit (None: the general ones), by
    competence id, for the framework's whole tree in one query."""
    stmt = (
        select(TargetLevel)
        .join(Node, Node.id == TargetLevel.competence_id)
        .where(Node.framework_id == framework.id, TargetLevel.job_title == job_title)
    )
    stmt = stmt.where(
        TargetLevel.unit_id.is_(None) if unit is None else TargetLevel.unit_id == unit.id
    )
    return {t.competence_id: t for t in session.scalars(stmt)}


def save_targets(
    session: Session,
    framework: Framework,
    *,
    job_title: JobTitle,
    unit: OrgUnit | None,
    wanted: dict[int, tuple[int, int] | None],
) -> None:
    """Set the targets of one job title (generally or in one unit) for many competences at
    once: ``{competence_id: (min, max)}``, None to remove. Every problem is reported, keyed
    ``min-<id>`` / ``max-<id>``; nothing is saved unless all are right."""
    if unit is not None and unit.kind.value not in ("municipality", "library"):
        raise ValidationFailed(errors={"unit_id": [_("Choose a municipality or a library.")]})
    nodes = {n.id: n for n in competences(session, framework)}
    values = framework.scale.values
    errors: dict[str, list[str]] = {}
    for competence_id, pair in wanted.items():
        if competence_id not in nodes:
            raise NotFound()
        if pair is None:
            continue
        low, high = pair
        for key, value in ((f"min-{competence_id}", low), (f"max-{competence_id}", high)):
            if value not in values:
                errors.setdefault(key, []).append(
                    _(
                        "Choose a level of the scale (%(values)s).",
                        values=", ".join(str(v) for v in values),
                    )
                )
        if high < low:
            errors.setdefault(f"max-{competence_id}", []).append(
                _("The highest level cannot be below the lowest.")
            )
    if errors:
        raise ValidationFailed(errors=errors)
    existing = targets_for_key(session, framework, job_title, unit)
    for competence_id, pair in wanted.items():
        target = existing.get(competence_id)
        if pair is None:
            if target is not None:
                session.delete(target)
            continue
        if target is None:
            target = TargetLevel(competence_id=competence_id, job_title=job_title, unit=unit)
            session.add(target)
        target.min_level, target.max_level = pair
    session.flush()


# Frameworks and scales


def _check_slug(session: Session, slug: str, exclude_id: int | None = None) -> None:
    if not SLUG_RE.match(slug):
        raise ValidationFailed(
            errors={"slug": [_("Use lower-case letters, digits and hyphens only.")]}
        )
    stmt = select(Framework.id).where(Framework.slug == slug)
    if exclude_id is not None:
        stmt = stmt.where(Framework.id != exclude_id)
    if session.scalar(stmt) is not None:
        raise ValidationFailed(
            errors={"slug": [_("Another framework already has this short name.")]}
        )


def _check_name(name: dict[str, str], fallback_locale: str) -> None:
    if fallback_locale not in TEXT_LOCALES:
        raise ValidationFailed(errors={"fallback_locale": [_("Choose one of the languages.")]})
    if not name.get(fallback_locale):
        raise ValidationFailed(
            errors={f"name_{fallback_locale}": [_("A name in the fallback language is required.")]}
        )


#: The scale a new framework starts with; the coordinator rewrites its descriptors.
DEFAULT_LEVELS: tuple[tuple[int, dict[str, str], bool, bool], ...] = (
    (
        1,
        {"sv": "Grundläggande", "nb": "Grunnleggende", "da": "Grundlæggende", "en": "Foundation"},
        True,
        False,
    ),
    (
        2,
        {"sv": "Fungerande", "nb": "Fungerende", "da": "Fungerende", "en": "Working"},
        False,
        False,
    ),
    (3, {"sv": "Säker", "nb": "Sikker", "da": "Sikker", "en": "Confident"}, False, True),
    (4, {"sv": "Avancerad", "nb": "Avansert", "da": "Avanceret", "en": "Advanced"}, False, True),
)


def new_scale(session: Session, slug: str, name: dict[str, str]) -> Scale:
    scale = Scale(slug=slug, kind=ScaleKind.PROFICIENCY, name=name)
    for value, label, is_default, is_proficient in DEFAULT_LEVELS:
        scale.levels.append(
            ScaleLevel(
                value=value,
                label=dict(label),
                descriptor={},
                is_default=is_default,
                is_proficient=is_proficient,
            )
        )
    session.add(scale)
    return scale


def _unique_scale_slug(session: Session, base: str) -> str:
    slug, n = f"{base}-scale"[:80], 1
    while session.scalar(select(Scale.id).where(Scale.slug == slug)) is not None:
        n += 1
        slug = f"{base}-scale-{n}"[:80]
    return slug


def create_framework(
    session: Session,
    *,
    slug: str,
    name: dict[str, str],
    description: dict[str, str] | None = None,
    source_note: str = "",
    fallback_locale: str = "en",
    scale: Scale | None = None,
    uuid: str | None = None,
) -> Framework:
    """A new, empty framework with its own four-level scale unless ``scale`` is given."""
    name = as_texts(name)
    _check_slug(session, slug)
    _check_name(name, fallback_locale)
    if scale is None:
        scale = new_scale(session, _unique_scale_slug(session, slug), name)
    framework = Framework(
        slug=slug,
        name=name,
        description=as_texts(description),
        source_note=source_note,
        fallback_locale=fallback_locale,
        scale=scale,
    )
    if uuid:
        framework.uuid = uuid
    session.add(framework)
    session.flush()
    return framework


def update_framework(
    session: Session,
    framework: Framework,
    *,
    slug: str,
    name: dict[str, str],
    description: dict[str, str],
    source_note: str,
    fallback_locale: str,
) -> Framework:
    name = as_texts(name)
    _check_slug(session, slug, exclude_id=framework.id)
    _check_name(name, fallback_locale)
    framework.slug = slug
    framework.name = name
    framework.description = as_texts(description)
    framework.source_note = source_note
    framework.fallback_locale = fallback_locale
    session.flush()
    return framework


def delete_framework(session: Session, framework: Framework) -> None:
    """Delete a framework and its tree; its own scale goes too unless another one uses it.

    A framework that mapping rounds rated on stays: its rounds and answers would lose their
    meaning."""
    from lms.mapping.models import MappingRound

    if session.scalar(select(MappingRound.id).where(MappingRound.framework_id == framework.id)):
        raise Conflict(
            _("Mapping rounds use this framework; it cannot be deleted while they exist.")
        )
    scale = framework.scale
    session.delete(framework)
    session.flush()
    if scale.kind is ScaleKind.PROFICIENCY and (
        session.scalar(select(func.count()).where(Framework.scale_id == scale.id)) == 0
    ):
        session.delete(scale)
        session.flush()


@dataclass
class LevelInput:
    value: int
    label: dict[str, str]
    descriptor: dict[str, str]
    is_default: bool = False
    is_proficient: bool = False


def save_levels(session: Session, scale: Scale, rows: Sequence[LevelInput]) -> None:
    """Make the scale's levels exactly ``rows``: existing values are updated, others added or
    removed. Every problem is reported at once, keyed by the row (``levels.N.field``)."""
    errors: dict[str, list[str]] = {}
    seen: dict[int, int] = {}
    for index, row in enumerate(rows):
        if not 0 <= row.value <= 100:
            errors.setdefault(f"levels.{index}.value", []).append(
                _("A level's value is a whole number from 0 to 100.")
            )
        if row.value in seen:
            errors.setdefault(f"levels.{index}.value", []).append(
                _("Two levels cannot have the same value.")
            )
        seen[row.value] = index
        if not as_texts(row.label):
            errors.setdefault(f"levels.{index}.label", []).append(
                _("Give the level a label in at least one language.")
            )
    if len(rows) < 2:
        errors.setdefault("levels", []).append(_("A scale needs at least two levels."))
    if sum(1 for row in rows if row.is_default) != 1:
        errors.setdefault("levels", []).append(_("Mark exactly one level as the default."))
    if not any(row.is_proficient for row in rows):
        errors.setdefault("levels", []).append(_("Mark at least one level as proficient."))
    if errors:
        raise ValidationFailed(errors=errors)
    existing = {level.value: level for level in scale.levels}
    wanted = {row.value for row in rows}
    for value, level in existing.items():
        if value not in wanted:
            scale.levels.remove(level)
    for row in rows:
        found = existing.get(row.value)
        level = found if found is not None else ScaleLevel(value=row.value)
        if found is None:
            scale.levels.append(level)
        level.label = as_texts(row.label)
        level.descriptor = as_texts(row.descriptor)
        level.is_default = row.is_default
        level.is_proficient = row.is_proficient
    session.flush()
    session.expire(scale, ["levels"])


# The tree


def _siblings(session: Session, framework_id: int, parent_id: int | None) -> list[Node]:
    stmt = select(Node).where(Node.framework_id == framework_id)
    stmt = stmt.where(
        Node.parent_id.is_(None) if parent_id is None else Node.parent_id == parent_id
    )
    return list(session.scalars(stmt.order_by(Node.position, Node.id)))


def _check_parent(framework: Framework, kind: NodeKind, parent: Node | None) -> None:
    if parent is None:
        return
    if parent.framework_id != framework.id:
        raise NotFound()
    if parent.kind is NodeKind.COMPETENCE and kind is NodeKind.AREA:
        raise ValidationFailed(errors={"parent_id": [_("An area cannot sit under a competence.")]})


def _check_node_name(name: dict[str, str], framework: Framework) -> None:
    if not name:
        raise ValidationFailed(
            errors={
                f"name_{framework.fallback_locale}": [_("Give a name in at least one language.")]
            }
        )


def add_node(
    session: Session,
    framework: Framework,
    *,
    kind: NodeKind,
    parent: Node | None,
    name: dict[str, str],
    description: dict[str, str] | None = None,
    code: str = "",
) -> Node:
    """Add an area or a competence as the last child of ``parent`` (or at the top)."""
    name = as_texts(name)
    _check_parent(framework, kind, parent)
    _check_node_name(name, framework)
    siblings = _siblings(session, framework.id, parent.id if parent else None)
    node = Node(
        framework_id=framework.id,
        parent_id=parent.id if parent else None,
        kind=kind,
        name=name,
        description=as_texts(description),
        code=code,
        position=(siblings[-1].position + 1) if siblings else 0,
    )
    session.add(node)
    session.flush()
    return node


def update_node(
    session: Session,
    node: Node,
    *,
    name: dict[str, str],
    description: dict[str, str],
    code: str,
) -> Node:
    name = as_texts(name)
    _check_node_name(name, node.framework)
    node.name = name
    node.description = as_texts(description)
    node.code = code
    session.flush()
    return node


def descendant_ids(session: Session, node: Node) -> set[int]:
    rows = session.execute(
        select(Node.id, Node.parent_id).where(Node.framework_id == node.framework_id)
    ).all()
    children: dict[int | None, list[int]] = {}
    for ident, parent in rows:
        children.setdefault(parent, []).append(ident)
    found: set[int] = set()
    stack = [node.id]
    while stack:
        for child in children.get(stack.pop(), []):
            if child not in found:
                found.add(child)
                stack.append(child)
    return found


def move_node(session: Session, node: Node, delta: int) -> None:
    """Move a node ``delta`` places among its siblings (-1 up, +1 down)."""
    siblings = _siblings(session, node.framework_id, node.parent_id)
    index = next(i for i, s in enumerate(siblings) if s.id == node.id)
    target = max(0, min(len(siblings) - 1, index + delta))
    siblings.insert(target, siblings.pop(index))
    for position, sibling in enumerate(siblings):
        sibling.position = position
    session.flush()


def reparent_node(session: Session, node: Node, parent: Node | None) -> None:
    """Hang ``node`` (with its subtree) under ``parent``, as its last child."""
    _check_parent(node.framework, node.kind, parent)
    if parent is not None and (parent.id == node.id or parent.id in descendant_ids(session, node)):
        raise ValidationFailed(
            errors={"parent_id": [_("A node cannot move under itself or its own descendants.")]}
        )
    siblings = _siblings(session, node.framework_id, parent.id if parent else None)
    node.parent_id = parent.id if parent else None
    node.position = (siblings[-1].position + 1) if siblings else 0
    session.flush()


def rated_ids(session: Session, node_ids: Iterable[int]) -> set[int]:
    """Which of ``node_ids`` people have rated in a mapping round."""
    from lms.mapping.models import Rating

    ids = list(set(node_ids))
    if not ids:
        return set()
    return set(
        session.scalars(
            select(Rating.competence_id).where(Rating.competence_id.in_(ids)).distinct()
        )
    )


def delete_node(session: Session, node: Node) -> None:
    """Delete a node and everything under it (their target levels and tags go with them).

    Competences people have rated stay: deleting them would delete the answers."""
    ids = descendant_ids(session, node) | {node.id}
    if rated_ids(session, ids):
        raise Conflict(
            _(
                "People have rated competences here in a mapping round; "
                "they cannot be deleted. Rename or move them instead."
            )
        )
    doomed = list(session.scalars(select(Node).where(Node.id.in_(ids))))
    by_id = {n.id: n for n in doomed}
    # Children first, so no row ever points at a parent already gone.
    depth: dict[int, int] = {}

    def level_of(n: Node) -> int:
        if n.id not in depth:
            parent = by_id.get(n.parent_id) if n.parent_id is not None else None
            depth[n.id] = 0 if parent is None else level_of(parent) + 1
        return depth[n.id]

    for doomed_node in sorted(doomed, key=level_of, reverse=True):
        session.delete(doomed_node)
        session.flush()


# Content tags


@dataclass(frozen=True)
class ContentRef:
    """Something that builds a competence, ready to show as a link."""

    kind: LinkKind
    id: int
    title: str
    endpoint: str | None = None
    values: tuple[tuple[str, Any], ...] = ()
    anchor: str | None = None

    @property
    def url(self) -> str | None:
        if self.endpoint is None:
            return None
        try:
            return url_for(self.endpoint, _anchor=self.anchor, **dict(self.values))
        except BuildError:
            return None


def resolve_targets(
    session: Session, pairs: Iterable[tuple[LinkKind, int]], locale: str
) -> dict[tuple[LinkKind, int], ContentRef]:
    """Titles and addresses of tagged content, a fixed number of queries for any number."""
    from content.courses.models import Course, Module
    from content.webinars.models import EventSeries, EventSession

    wanted: dict[LinkKind, set[int]] = {}
    for kind, ident in pairs:
        wanted.setdefault(kind, set()).add(ident)
    out: dict[tuple[LinkKind, int], ContentRef] = {}
    if wanted.get(LinkKind.COURSE):
        for course in session.scalars(
            select(Course)
            .where(Course.id.in_(wanted[LinkKind.COURSE]))
            .options(selectinload(Course.translations))
        ):
            out[(LinkKind.COURSE, course.id)] = ContentRef(
                LinkKind.COURSE,
                course.id,
                course.translation(locale).title,
                "learn.course",
                (("slug", course.slug),),
            )
    if wanted.get(LinkKind.MODULE):
        for module in session.scalars(
            select(Module)
            .where(Module.id.in_(wanted[LinkKind.MODULE]))
            .options(
                selectinload(Module.translations),
                selectinload(Module.course).selectinload(Course.translations),
            )
        ):
            out[(LinkKind.MODULE, module.id)] = ContentRef(
                LinkKind.MODULE,
                module.id,
                f"{module.course.translation(locale).title}: {module.translation(locale).title}",
                "learn.course",
                (("slug", module.course.slug),),
            )
    if wanted.get(LinkKind.WEBINAR_SERIES):
        series_ids = wanted[LinkKind.WEBINAR_SERIES]
        first_session: dict[int, int] = {}
        for series_id, session_id in session.execute(
            select(EventSession.series_id, func.min(EventSession.id))
            .where(EventSession.series_id.in_(series_ids))
            .group_by(EventSession.series_id)
        ):
            first_session[series_id] = session_id
        for series in session.scalars(select(EventSeries).where(EventSeries.id.in_(series_ids))):
            first = first_session.get(series.id)
            out[(LinkKind.WEBINAR_SERIES, series.id)] = ContentRef(
                LinkKind.WEBINAR_SERIES,
                series.id,
                series.title,
                "webinars.session_page" if first else "webinars.upcoming",
                (("session_id", first),) if first else (),
            )
    if wanted.get(LinkKind.TRACK):
        for track in session.scalars(
            select(Track)
            .where(Track.id.in_(wanted[LinkKind.TRACK]))
            .options(selectinload(Track.translations))
        ):
            out[(LinkKind.TRACK, track.id)] = ContentRef(
                LinkKind.TRACK,
                track.id,
                track.title(locale),
                "assignments.track",
                (("track_id", track.id),),
            )
    return out


def linked_content(
    session: Session, competence_ids: Iterable[int], locale: str
) -> dict[int, list[ContentRef]]:
    """What builds each competence: ``{competence_id: [ContentRef, …]}`` (courses first)."""
    ids = list(set(competence_ids))
    if not ids:
        return {}
    links = list(
        session.scalars(select(CompetenceLink).where(CompetenceLink.competence_id.in_(ids)))
    )
    refs = resolve_targets(session, ((ln.target_kind, ln.target_id) for ln in links), locale)
    order = list(LinkKind)
    out: dict[int, list[ContentRef]] = {}
    for link in links:
        ref = refs.get((link.target_kind, link.target_id))
        if ref is not None:
            out.setdefault(link.competence_id, []).append(ref)
    for found in out.values():
        found.sort(key=lambda r: (order.index(r.kind), r.title.casefold()))
    return out


def links_of(session: Session, competence: Node) -> list[CompetenceLink]:
    return list(
        session.scalars(
            select(CompetenceLink)
            .where(CompetenceLink.competence_id == competence.id)
            .order_by(CompetenceLink.target_kind, CompetenceLink.id)
        )
    )


def _target_exists(session: Session, kind: LinkKind, target_id: int) -> bool:
    from content.courses.models import Course, Module
    from content.webinars.models import EventSeries

    model: Any = {
        LinkKind.COURSE: Course,
        LinkKind.MODULE: Module,
        LinkKind.WEBINAR_SERIES: EventSeries,
        LinkKind.TRACK: Track,
    }[kind]
    return session.get(model, target_id) is not None


def link_content(
    session: Session, competence: Node, kind: LinkKind, target_id: int
) -> CompetenceLink:
    """Tag a course, module, webinar series or track as building ``competence``."""
    if not competence.is_competence:
        raise ValidationFailed(_("Only competences can be tagged, not areas."))
    if not _target_exists(session, kind, target_id):
        raise ValidationFailed(errors={"target": [_("There is no such content.")]})
    existing = session.scalar(
        select(CompetenceLink).where(
            CompetenceLink.competence_id == competence.id,
            CompetenceLink.target_kind == kind,
            CompetenceLink.target_id == target_id,
        )
    )
    if existing is not None:
        raise Conflict(_("This content is already linked to the competence."))
    link = CompetenceLink(competence_id=competence.id, target_kind=kind, target_id=target_id)
    session.add(link)
    session.flush()
    return link


def unlink_content(session: Session, link: CompetenceLink) -> None:
    session.delete(link)
    session.flush()


def competence_ids_building(
    session: Session, kind: LinkKind, target_ids: Iterable[int]
) -> dict[int, list[int]]:
    """For content of one kind: ``{target_id: [competence_id, …]}``."""
    ids = list(set(target_ids))
    out: dict[int, list[int]] = {}
    if not ids:
        return out
    for competence_id, target_id in session.execute(
        select(CompetenceLink.competence_id, CompetenceLink.target_id).where(
            CompetenceLink.target_kind == kind, CompetenceLink.target_id.in_(ids)
        )
    ):
        out.setdefault(target_id, []).append(competence_id)
    return out


def courses_building(competence_id: int) -> Select[tuple[int]]:
    """Ids of courses tagged with ``competence_id`` directly or through one of their modules
    (a subquery for the catalogue's filter)."""
    from content.courses.models import Module

    direct = select(CompetenceLink.target_id).where(
        CompetenceLink.competence_id == competence_id,
        CompetenceLink.target_kind == LinkKind.COURSE,
    )
    via_module = (
        select(Module.course_id)
        .join(CompetenceLink, CompetenceLink.target_id == Module.id)
        .where(
            CompetenceLink.competence_id == competence_id,
            CompetenceLink.target_kind == LinkKind.MODULE,
        )
    )
    return direct.union(via_module)  # type: ignore[return-value]


def catalogue_competences(session: Session, locale: str) -> list[tuple[int, str]]:
    """Competences that some course builds (directly or through a module), for the course
    catalogue's filter: ``[(competence_id, label), …]`` in framework and tree order."""
    kinds = (LinkKind.COURSE, LinkKind.MODULE)
    nodes = session.scalars(
        select(Node)
        .where(
            Node.id.in_(
                select(CompetenceLink.competence_id).where(CompetenceLink.target_kind.in_(kinds))
            )
        )
        .options(selectinload(Node.framework))
        .order_by(Node.framework_id, Node.code, Node.position, Node.id)
    )
    return [
        (
            node.id,
            " ".join(
                part
                for part in (node.code, node.title(locale, node.framework.fallback_locale))
                if part
            ),
        )
        for node in nodes
    ]

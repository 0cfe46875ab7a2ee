"""Gap analysis: the competence needed against the competence mapped. The one query module
behind the gap pages, their CSV/XLSX exports and the JSON API.

**The rule.**

* *Mapped*: for each person, their latest submitted self-assessment in a round of the framework
  (``Participant.is_latest``). Per competence the manager's validated rating wins over the
  person's own when both exist; "don't know" (no level) is left out. Answers on the 1–7
  self-efficacy scale are compared on the framework's scale (``Rating.score``, see
  :func:`lms.mapping.scales.score_of`).
* *Needed*: the :class:`~lms.competences.models.TargetLevel` for the person's job title (as it
  was in that round); one set for their library wins over one for their municipality, which wins
  over the general one (the most specific unit on the library's path). A range counts from its
  lower bound (``min_level``): the level everyone should at least reach.
* A *cell* (a competence in a unit) gives the number of people mapped, the average mapped and
  needed levels, and the *gap*: the average needed minus the average mapped level of the people
  who have a target (positive: a shortfall; zero or below: met on average). For one person it
  is simply needed − mapped. Cells of fewer than :data:`MIN_PEOPLE` people are suppressed for
  those who may see aggregates only (evaluators).

**The query.** The tallies (:class:`~lms.mapping.models.MappingTally`: the current levels
added up per library, job title and competence, kept in step on every write) under the unit's
path are added up per child unit, competence and job title in SQL and the general targets are
joined to those few rows; a second statement adds what the unit overrides change, for the
libraries that have one. Neither the number of statements nor the rows they return depend on
the number of people.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import ColumnElement, and_, case, func, select
from sqlalchemy.orm import Session, aliased

from lms.auth.permissions import Scope
from lms.competences.models import Framework, TargetLevel
from lms.mapping import scales
from lms.mapping.models import MappingLevel, MappingRound, MappingTally, Participant, RatingKind
from lms.orgs.models import JobTitle, OrgUnit, UnitKind

#: The fewest people a cell must hold before an aggregate-only reader sees its figures.
MIN_PEOPLE = 5
#: How many of the competences with the largest gaps the page suggests content for.
TOP_GAPS = 5


@dataclass
class Cell:
    """Sums over the people in a cell; additive, so libraries add up to municipalities."""

    people: int = 0
    targeted: int = 0  # of those, people with a target level
    sum_score: float = 0.0
    sum_score_targeted: float = 0.0
    sum_needed: float = 0.0
    suppressed: bool = False

    def add(self, other: Cell) -> None:
        self.people += other.people
        self.targeted += other.targeted
        self.sum_score += other.sum_score
        self.sum_score_targeted += other.sum_score_targeted
        self.sum_needed += other.sum_needed

    @property
    def mapped(self) -> float | None:
        return None if self.suppressed or not self.people else self.sum_score / self.people

    @property
    def needed(self) -> float | None:
        return None if self.suppressed or not self.targeted else self.sum_needed / self.targeted

    @property
    def gap(self) -> float | None:
        """Average needed minus average mapped, over the people with a target: positive is a
        shortfall, zero or negative means the target is met on average."""
        if self.suppressed or not self.targeted:
            return None
        return (self.sum_needed - self.sum_score_targeted) / self.targeted

    @property
    def shortfall(self) -> float | None:
        gap = self.gap
        return None if gap is None else max(0.0, gap)

    @property
    def shown_people(self) -> int | None:
        return None if self.suppressed else self.people

    def as_dict(self) -> dict[str, Any]:
        def r(value: float | None) -> float | None:
            return None if value is None else round(value, 2)

        return {
            "people": self.shown_people,
            "mapped": r(self.mapped),
            "needed": r(self.needed),
            "gap": r(self.gap),
            "suppressed": self.suppressed,
        }


@dataclass(frozen=True)
class Column:
    """A child unit of the report (or a person, on a library's page)."""

    id: int
    name: str
    kind: str
    path: str = ""


@dataclass
class Report:
    framework: Framework
    competences: list[scales.CompetenceRow]
    columns: list[Column]
    cells: dict[tuple[int, int], Cell]
    totals: dict[int, Cell]
    people: int
    suppress: bool
    links: dict[int, list[Any]] = field(default_factory=dict)

    def cell(self, column_id: int, competence_id: int) -> Cell:
        return self.cells.get((column_id, competence_id)) or _finish(Cell(), self.suppress)

    def by_column(self) -> list[tuple[Column, Cell]]:
        """Each column over all competences: its average gap per person and competence. A
        column is suppressed when no competence in it reaches :data:`MIN_PEOPLE` people."""
        out = []
        for col in self.columns:
            summed, most = Cell(), 0
            for competence in self.competences:
                cell = self.cells.get((col.id, competence.id))
                if cell is not None:
                    summed.add(cell)
                    most = max(most, cell.people)
            summed.suppressed = self.suppress and most < MIN_PEOPLE
            summed.people = most  # the people behind the column, not people × competences
            out.append((col, summed))
        return out

    def row(self, competence_id: int) -> list[Cell]:
        """The competence's cell in each column, then its total."""
        return [self.cell(col.id, competence_id) for col in self.columns] + [
            self.total(competence_id)
        ]

    def total(self, competence_id: int) -> Cell:
        return self.totals.get(competence_id) or _finish(Cell(), self.suppress)

    @property
    def ranked(self) -> list[scales.CompetenceRow]:
        """Competences with the biggest average gap first; those without figures last."""

        def key(row: scales.CompetenceRow) -> tuple[int, float]:
            gap = self.total(row.id).gap
            return (1, 0.0) if gap is None else (0, -gap)

        return sorted(self.competences, key=key)

    @property
    def largest(self) -> list[scales.CompetenceRow]:
        """The competences with the largest gaps (above zero), at most :data:`TOP_GAPS`."""
        return [c for c in self.ranked if (self.total(c.id).gap or 0) > 0][:TOP_GAPS]


def _finish(cell: Cell, suppress: bool) -> Cell:
    cell.suppressed = suppress and cell.people < MIN_PEOPLE
    return cell


# SQL


def _overrides(paths: Iterable[str] | None) -> Any:
    """Unit overrides of the targets, resolved per library (under ``paths`` if given): the
    most specific unit on the library's path wins. Few rows: only where an override exists."""
    unit = aliased(OrgUnit)
    library = aliased(OrgUnit)
    stmt = (
        select(
            library.path.label("unit_path"),
            TargetLevel.job_title,
            TargetLevel.competence_id,
            TargetLevel.min_level,
            func.row_number()
            .over(
                partition_by=(library.id, TargetLevel.job_title, TargetLevel.competence_id),
                order_by=func.length(unit.path).desc(),
            )
            .label("rn"),
        )
        .join(unit, unit.id == TargetLevel.unit_id)
        .join(library, library.path.startswith(unit.path))
        .where(library.kind == UnitKind.LIBRARY)
    )
    if paths is not None:
        stmt = stmt.where(Scope(paths=tuple(paths)).where(library.path))
    ranked = stmt.subquery("ranked")
    return (
        select(ranked.c.unit_path, ranked.c.job_title, ranked.c.competence_id, ranked.c.min_level)
        .where(ranked.c.rn == 1)
        .cte("overrides")
    )


def _child_path(session: Session, path: Any, parent_length: int) -> Any:
    """'/3/17/42/' under '/3/' → '/3/17/': the path up to the first '/' after the parent's."""
    rest = func.substr(path, parent_length + 1)
    slash = func.strpos(rest, "/") if _dialect(session) == "postgresql" else func.instr(rest, "/")
    return func.substr(path, 1, parent_length + slash)


def _aggregate_children(
    session: Session,
    framework_id: int,
    read_paths: list[str],
    paths: Iterable[str],
    parent_length: int,
) -> list[tuple[Any, int, Cell]]:
    """``(unit path, competence_id, Cell)`` rows for the units ``read_paths`` (a unit's
    children, or the unit itself), from their tallies, in two statements.

    The first reads those units' tallies per competence and job title (a few thousand rows,
    whatever the head count) and joins the general targets; the second adds the difference the
    unit overrides make, from the tallies of the few libraries that have one, each counted to
    the child unit (under the ``parent_length`` long path) it lies in.
    """
    tally = MappingTally
    general = aliased(TargetLevel, name="general")
    target = general.min_level
    on_general = and_(
        general.competence_id == tally.competence_id,
        general.job_title == tally.job_title,
        general.unit_id.is_(None),
    )
    first = (
        select(
            tally.unit_path,
            tally.competence_id,
            func.sum(tally.people),
            func.sum(case((target.is_not(None), tally.people), else_=0)),
            func.sum(tally.score_sum),
            func.sum(case((target.is_not(None), tally.score_sum), else_=0)),
            func.sum(target * tally.people),
        )
        .outerjoin(general, on_general)
        .where(tally.framework_id == framework_id, tally.unit_path.in_(read_paths))
        .group_by(tally.unit_path, tally.competence_id)
    )
    cells: dict[tuple[Any, int], Cell] = {}
    for key, comp, people_n, targeted, s_score, s_targeted, s_needed in session.execute(first):
        cells[(key, comp)] = Cell(
            int(people_n or 0),
            int(targeted or 0),
            float(s_score or 0),
            float(s_targeted or 0),
            float(s_needed or 0),
        )
    overrides = _overrides(paths)
    child = _child_path(session, tally.unit_path, parent_length)
    no_general = target.is_(None)
    second = (
        select(
            child,
            tally.competence_id,
            func.sum((overrides.c.min_level - func.coalesce(target, 0)) * tally.people),
            func.sum(case((no_general, tally.people), else_=0)),
            func.sum(case((no_general, tally.score_sum), else_=0)),
        )
        .select_from(overrides)
        .join(
            tally,
            and_(
                tally.framework_id == framework_id,
                tally.unit_path == overrides.c.unit_path,
                tally.competence_id == overrides.c.competence_id,
                tally.job_title == overrides.c.job_title,
            ),
        )
        .outerjoin(general, on_general)
        .group_by(child, tally.competence_id)
    )
    for key, comp, d_needed, d_targeted, d_score in session.execute(second):
        cell = cells.get((key, comp))
        if cell is None:
            continue
        cell.sum_needed += float(d_needed or 0)
        cell.targeted += int(d_targeted or 0)
        cell.sum_score_targeted += float(d_score or 0)
    return [(key, comp, cell) for (key, comp), cell in cells.items()]


def _dialect(session: Session) -> str:
    return session.get_bind().dialect.name


def _aggregate(
    session: Session,
    framework_id: int,
    level_where: ColumnElement[bool],
    by: str,
    paths: Iterable[str] | None = None,
) -> list[tuple[Any, int, Cell]]:
    """``(key, competence_id, Cell)`` rows in one statement from people's current levels, for
    the small reports: ``by`` is ``user`` (key: user id) or ``all`` (key: None). ``level_where``
    picks the :class:`MappingLevel` rows; ``paths`` narrows the targets' unit overrides."""
    level = MappingLevel
    per_user = [level.user_id] if by == "user" else []
    inner = (
        select(
            level.unit_path,
            level.competence_id,
            level.job_title,
            *per_user,
            func.count().label("n"),
            func.sum(level.score).label("s"),
        )
        .where(level.framework_id == framework_id, level_where)
        .group_by(level.unit_path, level.competence_id, level.job_title, *per_user)
        .subquery("tallies")
    )
    general = aliased(TargetLevel, name="general")
    overrides = _overrides(paths)
    needed = func.coalesce(overrides.c.min_level, general.min_level)
    keys: list[Any] = [inner.c.user_id] if by == "user" else []
    has_target = needed.is_not(None)
    stmt = (
        select(
            *keys,
            inner.c.competence_id,
            func.sum(inner.c.n),
            func.sum(case((has_target, inner.c.n), else_=0)),
            func.sum(inner.c.s),
            func.sum(case((has_target, inner.c.s), else_=0)),
            func.sum(needed * inner.c.n),
        )
        .select_from(inner)
        .outerjoin(
            general,
            and_(
                general.competence_id == inner.c.competence_id,
                general.job_title == inner.c.job_title,
                general.unit_id.is_(None),
            ),
        )
        .outerjoin(
            overrides,
            and_(
                overrides.c.unit_path == inner.c.unit_path,
                overrides.c.job_title == inner.c.job_title,
                overrides.c.competence_id == inner.c.competence_id,
            ),
        )
        .group_by(*keys, inner.c.competence_id)
    )
    n = len(keys)
    out: list[tuple[Any, int, Cell]] = []
    for row in session.execute(stmt):
        key: Any = None if n == 0 else row[0]
        comp, people_n, targeted, s_score, s_targeted, s_needed = row[n:]
        out.append(
            (
                key,
                comp,
                # int()/float(): PostgreSQL sums integers as NUMERIC (Decimal).
                Cell(
                    int(people_n or 0),
                    int(targeted or 0),
                    float(s_score or 0),
                    float(s_targeted or 0),
                    float(s_needed or 0),
                ),
            )
        )
    return out


def _count_people(session: Session, framework_id: int, where: ColumnElement[bool]) -> int:
    """How many people the report covers: their latest submitted participations."""
    return int(
        session.scalar(
            select(func.count(Participant.id))
            .join(MappingRound, MappingRound.id == Participant.round_id)
            .where(
                Participant.is_latest.is_(True),
                Participant.submitted_at.is_not(None),
                MappingRound.framework_id == framework_id,
                where,
            )
        )
        or 0
    )


# Reports


def _build(
    session: Session,
    framework: Framework,
    rows: list[tuple[Any, int, Cell]],
    columns: list[Column],
    column_of: Any,
    *,
    suppress: bool,
    people: int,
) -> Report:
    cells: dict[tuple[int, int], Cell] = {}
    totals: dict[int, Cell] = {}
    for key, competence_id, cell in rows:
        column_id = column_of(key)
        if column_id is not None:
            cells.setdefault((column_id, competence_id), Cell()).add(cell)
        totals.setdefault(competence_id, Cell()).add(cell)
    for cell in [*cells.values(), *totals.values()]:
        _finish(cell, suppress)
    if suppress:
        _protect_by_difference(cells, totals, columns)
    return Report(
        framework=framework,
        competences=scales.competences(session, framework.id),
        columns=columns,
        cells=cells,
        totals=totals,
        people=people,
        suppress=suppress,
    )


def _protect_by_difference(
    cells: dict[tuple[int, int], Cell], totals: dict[int, Cell], columns: list[Column]
) -> None:
    """Secondary suppression: when a row shows its total and hides just one cell, that cell
    could be worked out as the total minus the others, so the next smallest is hidden too."""
    for competence_id, total in totals.items():
        if total.suppressed:
            continue
        row = [cells[(c.id, competence_id)] for c in columns if (c.id, competence_id) in cells]
        hidden = [c for c in row if c.suppressed and c.people]
        shown = sorted((c for c in row if not c.suppressed and c.people), key=lambda c: c.people)
        if len(hidden) == 1 and shown:
            shown[0].suppressed = True


def _child_of(depth: int) -> Any:
    """The id of the unit ``depth`` steps down a library path (``/3/17/42/``: 0 → 3)."""
    known: dict[str, int | None] = {}

    def pick(path: str) -> int | None:
        if path not in known:
            parts = [p for p in path.strip("/").split("/") if p]
            known[path] = int(parts[depth]) if len(parts) > depth else None
        return known[path]

    return pick


def unit_report(session: Session, framework: Framework, unit: OrgUnit, *, suppress: bool) -> Report:
    """A region's, municipality's or library's gaps; its child units are the columns."""
    children = list(
        session.scalars(select(OrgUnit).where(OrgUnit.parent_id == unit.id).order_by(OrgUnit.name))
    )
    read = [c.path for c in children] or [unit.path]
    rows = _aggregate_children(session, framework.id, read, [unit.path], len(unit.path))
    where = Scope(paths=(unit.path,)).where(Participant.unit_path)
    columns = [Column(c.id, c.name, str(c.kind), c.path) for c in children]
    people = _count_people(session, framework.id, where) if rows else 0
    return _build(
        session,
        framework,
        rows,
        columns,
        _child_of(len(unit.ancestor_ids)),
        suppress=suppress,
        people=people,
    )


def programme_report(
    session: Session, framework: Framework, regions: list[OrgUnit], *, suppress: bool
) -> Report:
    """A programme's gaps over ``regions`` (those of the programme the reader may see)."""
    paths = [r.path for r in regions]
    rows = _aggregate_children(session, framework.id, paths, paths, 1)
    where = Scope(paths=tuple(paths)).where(Participant.unit_path)
    columns = [Column(r.id, r.name, str(r.kind), r.path) for r in regions]
    people = _count_people(session, framework.id, where) if rows else 0
    return _build(session, framework, rows, columns, _child_of(0), suppress=suppress, people=people)


def people_report(session: Session, framework: Framework, library: OrgUnit) -> Report:
    """A library's gaps with one column per person (for managers and coordinators only)."""
    rows = _aggregate(
        session, framework.id, MappingLevel.library_id == library.id, "user", [library.path]
    )
    from lms.auth.models import User

    users = (
        list(
            session.scalars(
                select(User)
                .where(User.id.in_({key for key, _c, _cell in rows}))
                .order_by(User.name)
            )
        )
        if rows
        else []
    )
    columns = [Column(u.id, u.name, "person") for u in users]
    return _build(
        session, framework, rows, columns, lambda key: key, suppress=False, people=len(users)
    )


def person_report(session: Session, framework: Framework, user_id: int) -> Report:
    """One person's needed and mapped levels (their latest submitted self-assessment)."""
    rows = _aggregate(session, framework.id, MappingLevel.user_id == user_id, "all")
    return _build(
        session, framework, rows, [], lambda key: None, suppress=False, people=1 if rows else 0
    )


def needed_for(
    session: Session, unit_path: str, job_title: JobTitle, competence_ids: Iterable[int]
) -> dict[int, tuple[int, int]]:
    """``{competence_id: (min, max)}`` for one job title at one library, by the same rule."""
    from lms.competences import services as competences

    ids = list(competence_ids)
    table = competences.target_table(session, ids)
    path_ids = [int(part) for part in unit_path.strip("/").split("/") if part]
    out: dict[int, tuple[int, int]] = {}
    for competence_id in ids:
        found = table.resolve(competence_id, job_title, path_ids)
        if found is not None:
            out[competence_id] = (found.min_level, found.max_level)
    return out


def effective_scores(participant: Participant) -> dict[int, float]:
    """Per competence the score the gap analysis uses: validated if any, else self."""
    out: dict[int, float] = {}
    for kind in (RatingKind.SELF, RatingKind.VALIDATED):
        for rating in participant.ratings:
            if rating.kind is kind and rating.score is not None:
                out[rating.competence_id] = rating.score
    return out


def with_links(session: Session, report: Report, locale: str) -> Report:
    """Add the courses, modules, webinar series and tracks that build the largest gaps."""
    ids = [c.id for c in report.largest]
    if ids:
        from lms.competences import services as competences

        report.links = competences.linked_content(session, ids, locale)
    return report


def frameworks_mapped(session: Session, paths: Iterable[str] | None = None) -> list[Framework]:
    """Frameworks that have rounds (under ``paths`` when given), newest round first."""
    stmt = select(MappingRound.framework_id, func.max(MappingRound.opens_on)).group_by(
        MappingRound.framework_id
    )
    found = [
        fid for fid, _ in sorted(session.execute(stmt).all(), key=lambda r: r[1], reverse=True)
    ]
    if not found:
        return []
    by_id = {f.id: f for f in session.scalars(select(Framework).where(Framework.id.in_(found)))}
    return [by_id[i] for i in found if i in by_id]

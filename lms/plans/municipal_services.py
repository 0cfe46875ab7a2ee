"""Municipality development plans: goals, actions, and the links to what they build on.

Coordinators (and administrators) whose reach covers the municipality write the plan; the
managers of its libraries read it, and so does anyone named responsible for one of its actions.
Services flush and never commit.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import Select, delete, or_, select
from sqlalchemy.orm import Session, selectinload

from content.sanitize import render
from lms.auth.models import Role, User
from lms.auth.permissions import ORG_ADMIN_ROLES, scope
from lms.errors import ValidationFailed
from lms.orgs.models import Membership, OrgUnit, UnitKind
from lms.plans.municipal import (
    ActionStatus,
    LinkKind,
    MunicipalAction,
    MunicipalGoal,
    MunicipalLink,
    MunicipalPlan,
    PlanStatus,
)
from lms.swot.models import SwotGroup, SwotItem, SwotWorkshop

# Who may do what


def may_edit(user: Any, plan_or_municipality: MunicipalPlan | OrgUnit) -> bool:
    unit = (
        plan_or_municipality.municipality
        if isinstance(plan_or_municipality, MunicipalPlan)
        else plan_or_municipality
    )
    return scope(user, *ORG_ADMIN_ROLES).contains(unit)


def manages_in(user: Any, municipality: OrgUnit) -> bool:
    """A manager of one of the municipality's libraries (or of the municipality, or above)."""
    reach = scope(user, Role.MANAGER)
    return reach.everywhere or any(
        p.startswith(municipality.path) or municipality.path.startswith(p) for p in reach.paths
    )


def is_responsible(user: Any, plan: MunicipalPlan) -> bool:
    return any(a.responsible_id == user.id for g in plan.goals for a in g.actions)


def may_see(user: Any, plan: MunicipalPlan) -> bool:
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    return may_edit(user, plan) or manages_in(user, plan.municipality) or is_responsible(user, plan)


def visible_plans(user: User) -> Select[MunicipalPlan]:
    """The plans ``user`` may read: by municipality name, newest first within one."""
    editing = scope(user, *ORG_ADMIN_ROLES)
    managing = scope(user, Role.MANAGER)
    conditions: list[Any] = [
        MunicipalPlan.municipality_id.in_(select(OrgUnit.id).where(editing.where(OrgUnit.path))),
        MunicipalPlan.id.in_(
            select(MunicipalGoal.plan_id)
            .join(MunicipalAction, MunicipalAction.goal_id == MunicipalGoal.id)
            .where(MunicipalAction.responsible_id == user.id)
        ),
    ]
    if managing.everywhere:
        conditions.append(MunicipalPlan.id.is_not(None))
    elif managing.paths:
        # A manager holds the role in a library (below the municipality) or higher up.
        below = [OrgUnit.path.startswith(p, autoescape=True) for p in managing.paths]
        above = select(OrgUnit.parent_id).where(
            OrgUnit.kind == UnitKind.LIBRARY,
            or_(*[OrgUnit.path.startswith(p, autoescape=True) for p in managing.paths]),
        )
        conditions.append(MunicipalPlan.municipality_id.in_(select(OrgUnit.id).where(or_(*below))))
        conditions.append(MunicipalPlan.municipality_id.in_(above))
    return (
        select(MunicipalPlan)
        .join(OrgUnit, OrgUnit.id == MunicipalPlan.municipality_id)
        .where(or_(*conditions))
        .options(selectinload(MunicipalPlan.municipality))
        .order_by(OrgUnit.name, MunicipalPlan.created_at.desc(), MunicipalPlan.id.desc())
    )


# Plans


def _check_dates(starts_on: date | None, ends_on: date | None, field: str = "ends_on") -> None:
    if starts_on and ends_on and ends_on < starts_on:
        raise ValidationFailed(errors={field: [_("The end comes before the start.")]})


def _check_workshop(
    session: Session, municipality: OrgUnit, workshop_id: int | None
) -> SwotWorkshop | None:
    if workshop_id is None:
        return None
    workshop = session.get(SwotWorkshop, workshop_id)
    if workshop is None or workshop.municipality_id != municipality.id:
        raise ValidationFailed(
            errors={"workshop": [_("Choose a SWOT workshop of this municipality.")]}
        )
    return workshop


def create_plan(
    session: Session,
    *,
    municipality: OrgUnit,
    title: str,
    status: PlanStatus,
    summary: str | None,
    starts_on: date | None,
    ends_on: date | None,
    workshop_id: int | None,
    by: User,
) -> MunicipalPlan:
    if municipality.kind != UnitKind.MUNICIPALITY:
        raise ValidationFailed(errors={"municipality": [_("Choose a municipality.")]})
    _check_dates(starts_on, ends_on)
    plan = MunicipalPlan(municipality=municipality, created_by_id=by.id)
    _fill_plan(session, plan, title, status, summary, starts_on, ends_on, workshop_id)
    session.add(plan)
    session.flush()
    return plan


def update_plan(
    session: Session,
    plan: MunicipalPlan,
    *,
    title: str,
    status: PlanStatus,
    summary: str | None,
    starts_on: date | None,
    ends_on: date | None,
    workshop_id: int | None,
) -> None:
    _check_dates(starts_on, ends_on)
    _fill_plan(session, plan, title, status, summary, starts_on, ends_on, workshop_id)
    session.flush()


def _fill_plan(
    session: Session,
    plan: MunicipalPlan,
    title: str,
    status: PlanStatus,
    summary: str | None,
    starts_on: date | None,
    ends_on: date | None,
    workshop_id: int | None,
) -> None:
    plan.workshop = _check_workshop(session, plan.municipality, workshop_id)
    plan.title, plan.status = title, status
    plan.summary_source = summary or ""
    plan.summary_html = render(summary or "", fmt="markdown")
    plan.starts_on, plan.ends_on = starts_on, ends_on


def delete_plan(session: Session, plan: MunicipalPlan) -> None:
    session.delete(plan)
    session.flush()


# Goals and actions


def add_goal(
    session: Session, plan: MunicipalPlan, *, title: str, description: str | None
) -> MunicipalGoal:
    goal = MunicipalGoal(
        plan=plan,
        title=title,
        description=description or "",
        position=max((g.position for g in plan.goals), default=0) + 1,
    )
    session.add(goal)
    session.flush()
    return goal


def update_goal(
    session: Session, goal: MunicipalGoal, *, title: str, description: str | None
) -> None:
    goal.title, goal.description = title, description or ""
    session.flush()


def delete_goal(session: Session, goal: MunicipalGoal) -> None:
    session.delete(goal)
    session.flush()


def staff_of(session: Session, municipality: OrgUnit) -> list[User]:
    """Everyone on the staff of the municipality's libraries, by name."""
    return list(
        session.scalars(
            select(User)
            .where(
                User.id.in_(
                    select(Membership.user_id)
                    .join(OrgUnit, OrgUnit.id == Membership.library_id)
                    .where(OrgUnit.path.startswith(municipality.path, autoescape=True))
                ),
                User.is_active.is_(True),
            )
            .order_by(User.name, User.id)
        )
    )


def _check_responsible(
    session: Session, municipality: OrgUnit, responsible_id: int | None
) -> User | None:
    if responsible_id is None:
        return None
    if responsible_id not in {u.id for u in staff_of(session, municipality)}:
        raise ValidationFailed(
            errors={"responsible": [_("Choose someone on the staff of the municipality.")]}
        )
    return session.get(User, responsible_id)


@dataclass
class ActionInput:
    title: str
    description: str | None
    responsible_id: int | None
    starts_on: date | None
    due_on: date | None
    status: ActionStatus


def add_action(session: Session, goal: MunicipalGoal, data: ActionInput) -> MunicipalAction:
    action = MunicipalAction()
    _fill_action(session, action, goal.plan.municipality, data)  # may query: before attaching
    action.goal = goal
    session.add(action)
    session.flush()
    return action


def update_action(session: Session, action: MunicipalAction, data: ActionInput) -> None:
    _fill_action(session, action, action.goal.plan.municipality, data)
    session.flush()


def _fill_action(
    session: Session, action: MunicipalAction, municipality: OrgUnit, data: ActionInput
) -> None:
    _check_dates(data.starts_on, data.due_on, "due_on")
    action.responsible = _check_responsible(session, municipality, data.responsible_id)
    action.title, action.description = data.title, data.description or ""
    action.starts_on, action.due_on, action.status = data.starts_on, data.due_on, data.status


def delete_action(session: Session, action: MunicipalAction) -> None:
    session.delete(action)
    session.flush()


# Links


@dataclass(frozen=True)
class Option:
    """Something a goal or action may link to, as a form lists it."""

    kind: LinkKind
    id: int
    label: str
    note: str = ""
    #: For a competence: the municipality's average gap (needed − mapped levels), if mapped.
    gap: float | None = None


def competence_gaps(
    session: Session, municipality: OrgUnit, framework_ids: Iterable[int] | None = None
) -> dict[int, float | None]:
    """The municipality's average gap per competence, from the gap analysis
    (:func:`lms.mapping.gaps.unit_report`, one query per framework); ``None`` where unmapped."""
    from lms.competences import services as competences

    try:
        from lms.mapping import gaps
    except ImportError:  # the gap analysis is built in parallel; no figures until it lands
        return {}
    wanted = set(framework_ids) if framework_ids is not None else None
    out: dict[int, float | None] = {}
    for framework in competences.frameworks(session):
        if wanted is not None and framework.id not in wanted:
            continue
        report = gaps.unit_report(session, framework, municipality, suppress=False)
        for row in report.competences:
            out[row.id] = report.total(row.id).gap
    return out


@dataclass
class GapRow:
    """A competence with a shortfall in the municipality, and what builds it."""

    competence_id: int
    code: str
    title: str
    gap: float
    content: list[Any]  # lms.competences.services.ContentRef


def largest_gaps(
    session: Session, municipality: OrgUnit, locale: str, *, limit: int = 5
) -> list[GapRow]:
    """The competences with the largest gaps in the municipality (above zero), across the
    frameworks mapped, each with the courses, webinar series and tracks tagged as building it."""
    from lms.competences import services as competences

    try:
        from lms.mapping import gaps
    except ImportError:  # the gap analysis is built in parallel; no figures until it lands
        return []
    rows: list[GapRow] = []
    for framework in competences.frameworks(session):
        report = gaps.unit_report(session, framework, municipality, suppress=False)
        for competence in report.largest:
            gap = report.total(competence.id).gap
            if gap is not None:
                rows.append(
                    GapRow(competence.id, competence.code, competence.title(locale), gap, [])
                )
    rows.sort(key=lambda r: -r.gap)
    rows = rows[:limit]
    content = competences.linked_content(session, [r.competence_id for r in rows], locale)
    for row in rows:
        row.content = content.get(row.competence_id, [])
    return rows


def _competence_options(session: Session, municipality: OrgUnit, locale: str) -> list[Option]:
    """Every competence, those with the largest gap in the municipality first."""
    from lms.competences import services as competences

    found = competence_gaps(session, municipality)
    out = []
    for framework in competences.frameworks(session):
        for node in competences.competences(session, framework):
            label = node.title(locale, framework.fallback_locale)
            code = f"{node.code} " if node.code else ""
            out.append(
                Option(
                    LinkKind.COMPETENCE,
                    node.id,
                    f"{code}{label}",
                    framework.title(locale),
                    found.get(node.id),
                )
            )
    out.sort(key=lambda o: (o.gap is None, -(o.gap or 0.0)))
    return out


def _swot_options(session: Session, plan: MunicipalPlan) -> list[Option]:
    from lms.swot.labels import QUADRANT_SINGULAR

    workshops = select(SwotWorkshop.id).where(SwotWorkshop.municipality_id == plan.municipality_id)
    if plan.workshop_id is not None:
        workshops = select(SwotWorkshop.id).where(SwotWorkshop.id == plan.workshop_id)
    out = []
    for group in session.scalars(
        select(SwotGroup).where(SwotGroup.workshop_id.in_(workshops)).order_by(SwotGroup.id)
    ):
        prio = _("priority %(n)d", n=group.priority) if group.priority else ""
        out.append(
            Option(
                LinkKind.SWOT_GROUP,
                group.id,
                group.name,
                ", ".join(p for p in (str(QUADRANT_SINGULAR[group.quadrant]), prio) if p),
            )
        )
    for item in session.scalars(
        select(SwotItem).where(SwotItem.workshop_id.in_(workshops)).order_by(SwotItem.id)
    ):
        out.append(
            Option(LinkKind.SWOT_ITEM, item.id, item.text, str(QUADRANT_SINGULAR[item.quadrant]))
        )
    return out


def _content_options(session: Session, locale: str) -> list[Option]:
    from content.courses.models import Course
    from content.webinars.models import EventSeries
    from lms.assignments.models import Track

    out = []
    for course in session.scalars(
        select(Course)
        .where(Course.is_published.is_(True))
        .options(selectinload(Course.translations))
        .order_by(Course.slug)
    ):
        out.append(Option(LinkKind.COURSE, course.id, course.translation(locale).title))
    for series in session.scalars(select(EventSeries).order_by(EventSeries.title)):
        out.append(Option(LinkKind.WEBINAR_SERIES, series.id, series.title))
    for track in session.scalars(
        select(Track).options(selectinload(Track.translations)).order_by(Track.id)
    ):
        out.append(Option(LinkKind.TRACK, track.id, track.title(locale)))
    return out


def link_options(
    session: Session, plan: MunicipalPlan, locale: str
) -> dict[LinkKind, list[Option]]:
    """What the goal and action forms offer, by kind (in the order the form shows them)."""
    found = [
        *_swot_options(session, plan),
        *_competence_options(session, plan.municipality, locale),
        *_content_options(session, locale),
    ]
    out: dict[LinkKind, list[Option]] = {kind: [] for kind in LinkKind}
    for option in found:
        out[option.kind].append(option)
    return out


def _workshops_for(plan: MunicipalPlan) -> Select[int]:
    """The workshops whose items a plan may link: its own, else all of its municipality's."""
    if plan.workshop_id is not None:
        return select(SwotWorkshop.id).where(SwotWorkshop.id == plan.workshop_id)
    return select(SwotWorkshop.id).where(SwotWorkshop.municipality_id == plan.municipality_id)


def _existing(session: Session, plan: MunicipalPlan, kind: LinkKind, ids: set[int]) -> set[int]:
    """Which of ``ids`` a goal or action of ``plan`` may link to (as :func:`link_options`)."""
    from content.courses.models import Course
    from content.webinars.models import EventSeries
    from lms.assignments.models import Track
    from lms.competences.models import Node, NodeKind

    if not ids:
        return set()
    stmt: Select[int]
    if kind is LinkKind.SWOT_ITEM:
        stmt = select(SwotItem.id).where(SwotItem.workshop_id.in_(_workshops_for(plan)))
        column: Any = SwotItem.id
    elif kind is LinkKind.SWOT_GROUP:
        stmt = select(SwotGroup.id).where(SwotGroup.workshop_id.in_(_workshops_for(plan)))
        column = SwotGroup.id
    elif kind is LinkKind.COMPETENCE:
        stmt, column = select(Node.id).where(Node.kind == NodeKind.COMPETENCE), Node.id
    elif kind is LinkKind.COURSE:
        stmt, column = select(Course.id).where(Course.is_published.is_(True)), Course.id
    elif kind is LinkKind.WEBINAR_SERIES:
        stmt, column = select(EventSeries.id), EventSeries.id
    else:
        stmt, column = select(Track.id), Track.id
    return set(session.scalars(stmt.where(column.in_(ids))))


def set_links(
    session: Session,
    owner: MunicipalGoal | MunicipalAction,
    plan: MunicipalPlan,
    chosen: Mapping[LinkKind, Iterable[int]],
) -> None:
    """Replace the owner's links with ``chosen``; each id must be one the form offers."""
    errors: dict[str, list[str]] = {}
    wanted: list[tuple[LinkKind, int]] = []
    for kind, ids in chosen.items():
        unique = list(dict.fromkeys(ids))
        allowed = _existing(session, plan, kind, set(unique))
        if len(allowed) != len(unique):
            errors[kind.value] = [_("Choose from the list.")]
        wanted += [(kind, ident) for ident in unique]
    if errors:
        raise ValidationFailed(errors=errors)
    keep = {(link.kind, link.target_id): link for link in owner.links}
    owner.links = [
        keep.get((kind, ident)) or MunicipalLink(kind=kind, target_id=ident)
        for kind, ident in wanted
    ]
    session.flush()


def forget_target(session: Session, kind: str, target_id: int) -> None:
    """Drop the links to something that is being deleted (a SWOT item or group)."""
    session.execute(
        delete(MunicipalLink).where(
            MunicipalLink.kind == LinkKind(kind), MunicipalLink.target_id == target_id
        )
    )


@dataclass(frozen=True)
class LinkView:
    kind: LinkKind
    id: int
    label: str
    note: str = ""
    url: str | None = None
    gap: float | None = None


def describe_links(
    session: Session, plan: MunicipalPlan, locale: str
) -> dict[tuple[str, int], list[LinkView]]:
    """Every goal's and action's links, resolved to titles in a fixed number of queries.

    Keyed by ``("goal", id)`` or ``("action", id)``. A link whose target is gone is skipped.
    """
    from lms.competences.models import LinkKind as ContentKind
    from lms.competences.models import Node
    from lms.competences.services import resolve_targets
    from lms.swot.labels import QUADRANT_SINGULAR

    links: list[tuple[tuple[str, int], MunicipalLink]] = []
    for goal in plan.goals:
        links += [(("goal", goal.id), link) for link in goal.links]
        for action in goal.actions:
            links += [(("action", action.id), link) for link in action.links]
    wanted: dict[LinkKind, set[int]] = {}
    for _owner, link in links:
        wanted.setdefault(link.kind, set()).add(link.target_id)
    resolved: dict[tuple[LinkKind, int], LinkView] = {}
    if wanted.get(LinkKind.SWOT_ITEM):
        for item in session.scalars(
            select(SwotItem).where(SwotItem.id.in_(wanted[LinkKind.SWOT_ITEM]))
        ):
            resolved[(LinkKind.SWOT_ITEM, item.id)] = LinkView(
                LinkKind.SWOT_ITEM, item.id, item.text, str(QUADRANT_SINGULAR[item.quadrant])
            )
    if wanted.get(LinkKind.SWOT_GROUP):
        for group in session.scalars(
            select(SwotGroup).where(SwotGroup.id.in_(wanted[LinkKind.SWOT_GROUP]))
        ):
            resolved[(LinkKind.SWOT_GROUP, group.id)] = LinkView(
                LinkKind.SWOT_GROUP, group.id, group.name, str(QUADRANT_SINGULAR[group.quadrant])
            )
    if wanted.get(LinkKind.COMPETENCE):
        nodes = list(
            session.scalars(
                select(Node)
                .where(Node.id.in_(wanted[LinkKind.COMPETENCE]))
                .options(selectinload(Node.framework))
            )
        )
        found_gaps = competence_gaps(session, plan.municipality, {n.framework_id for n in nodes})
        for node in nodes:
            resolved[(LinkKind.COMPETENCE, node.id)] = LinkView(
                LinkKind.COMPETENCE,
                node.id,
                node.title(locale, node.framework.fallback_locale),
                node.code,
                gap=found_gaps.get(node.id),
            )
    content_kinds = {
        LinkKind.COURSE: ContentKind.COURSE,
        LinkKind.WEBINAR_SERIES: ContentKind.WEBINAR_SERIES,
        LinkKind.TRACK: ContentKind.TRACK,
    }
    pairs = [
        (content_kinds[kind], ident)
        for kind, ids in wanted.items()
        if kind in content_kinds
        for ident in ids
    ]
    back = {v: k for k, v in content_kinds.items()}
    for (ckind, ident), ref in resolve_targets(session, pairs, locale).items():
        resolved[(back[ckind], ident)] = LinkView(back[ckind], ident, ref.title, url=ref.url)
    out: dict[tuple[str, int], list[LinkView]] = {}
    order = list(LinkKind)
    for owner, link in links:
        view = resolved.get((link.kind, link.target_id))
        if view is not None:
            out.setdefault(owner, []).append(view)
    for views in out.values():
        views.sort(key=lambda v: (order.index(v.kind), v.label.casefold()))
    return out


def workshops_of(session: Session, municipality: OrgUnit) -> list[SwotWorkshop]:
    return list(
        session.scalars(
            select(SwotWorkshop)
            .where(SwotWorkshop.municipality_id == municipality.id)
            .order_by(SwotWorkshop.held_on.desc(), SwotWorkshop.id.desc())
        )
    )


def load_plan(session: Session, plan_id: int) -> MunicipalPlan | None:
    return session.scalar(
        select(MunicipalPlan)
        .where(MunicipalPlan.id == plan_id)
        .options(
            selectinload(MunicipalPlan.municipality),
            selectinload(MunicipalPlan.goals).selectinload(MunicipalGoal.links),
            selectinload(MunicipalPlan.goals)
            .selectinload(MunicipalGoal.actions)
            .selectinload(MunicipalAction.links),
            selectinload(MunicipalPlan.goals)
            .selectinload(MunicipalGoal.actions)
            .selectinload(MunicipalAction.responsible),
        )
    )

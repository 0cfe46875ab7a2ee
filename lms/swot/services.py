"""SWOT workshops: who takes part, the items on the board, grouping, priorities and dots.

Services flush and never commit; views check who may call them with the ``may_*`` helpers here.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import Session, selectinload

from content.sanitize import render
from lms.auth.models import User
from lms.auth.permissions import ORG_ADMIN_ROLES, scope
from lms.auth.services import find_by_email
from lms.db import utcnow
from lms.errors import Conflict, ValidationFailed
from lms.orgs.models import Membership, OrgUnit, UnitKind
from lms.orgs.services import visible_to
from lms.swot.models import (
    PRIORITIES,
    BoardStatus,
    Level,
    Perspective,
    Quadrant,
    SwotFacilitator,
    SwotGroup,
    SwotItem,
    SwotParticipant,
    SwotVote,
    SwotWorkshop,
)

# Who may do what


def is_staff_of(user: User, municipality: OrgUnit) -> bool:
    """On the staff of one of the municipality's libraries."""
    return any(m.library.path.startswith(municipality.path) for m in user.memberships)


def may_manage(user: Any, workshop: SwotWorkshop) -> bool:
    """A facilitator, or an administrator/coordinator whose reach covers the municipality."""
    if not getattr(user, "is_authenticated", False):
        return False
    if scope(user, *ORG_ADMIN_ROLES).contains(workshop.municipality):
        return True
    return any(f.id == user.id for f in workshop.facilitators)


def takes_part(user: Any, workshop: SwotWorkshop) -> bool:
    """The municipality's staff and the people invited by name."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    return is_staff_of(user, workshop.municipality) or any(
        p.id == user.id for p in workshop.participants
    )


def may_see(user: Any, workshop: SwotWorkshop) -> bool:
    return takes_part(user, workshop) or may_manage(user, workshop)


def may_edit_item(user: Any, item: SwotItem) -> bool:
    """Authors change their own items while the board is open; facilitators any, any time."""
    if may_manage(user, item.workshop):
        return True
    return item.workshop.is_open and item.author_id == user.id


def visible_workshops(user: User) -> Select[SwotWorkshop]:
    """The workshops ``user`` takes part in, facilitates or manages, newest day first."""
    reach = scope(user, *ORG_ADMIN_ROLES)
    own_municipalities = (
        select(OrgUnit.parent_id)
        .join(Membership, Membership.library_id == OrgUnit.id)
        .where(Membership.user_id == user.id)
    )
    muni = select(OrgUnit.id).where(reach.where(OrgUnit.path))
    return (
        select(SwotWorkshop)
        .where(
            or_(
                SwotWorkshop.municipality_id.in_(muni),
                SwotWorkshop.municipality_id.in_(own_municipalities),
                SwotWorkshop.id.in_(
                    select(SwotFacilitator.workshop_id).where(SwotFacilitator.user_id == user.id)
                ),
                SwotWorkshop.id.in_(
                    select(SwotParticipant.workshop_id).where(SwotParticipant.user_id == user.id)
                ),
            )
        )
        .options(selectinload(SwotWorkshop.municipality))
        .order_by(SwotWorkshop.held_on.desc(), SwotWorkshop.id.desc())
    )


# Workshops

_SPLIT = re.compile(r"[\s,;]+")


def people_by_email(
    session: Session,
    text: str | None,
    *,
    reach: Any,
    field: str,
    keep: Iterable[User] = (),
) -> list[User]:
    """The accounts named in ``text`` (addresses separated by lines, commas or spaces).

    Only accounts the editor could find anyway (inside their reach, see
    :func:`lms.orgs.services.visible_to`) or already named (``keep``: a facilitator without
    a reach of their own may save the form as it is); any other address is refused by name.
    """
    kept = {u.id for u in keep}
    found: list[User] = []
    unknown: list[str] = []
    for address in _SPLIT.split(text or ""):
        if not address:
            continue
        user = find_by_email(session, address)
        if user is None or not (user.id in kept or visible_to(user, reach)):
            unknown.append(address)
        elif user not in found:
            found.append(user)
    if unknown:
        raise ValidationFailed(
            errors={
                field: [
                    _("There is no account with this e-mail address: %(address)s", address=a)
                    for a in unknown
                ]
            }
        )
    return found


def municipalities_in(reach: Any) -> Select[OrgUnit]:
    return (
        select(OrgUnit)
        .where(OrgUnit.kind == UnitKind.MUNICIPALITY, reach.where(OrgUnit.path))
        .order_by(OrgUnit.name, OrgUnit.id)
    )


def create_workshop(
    session: Session,
    *,
    municipality: OrgUnit,
    title: str,
    held_on: date,
    preparation: str | None,
    facilitators: list[User],
    participants: list[User],
    votes_per_person: int,
    by: User,
) -> SwotWorkshop:
    """A new, open board; the creator facilitates when nobody else is named."""
    if municipality.kind != UnitKind.MUNICIPALITY:
        raise ValidationFailed(errors={"municipality": [_("Choose a municipality.")]})
    workshop = SwotWorkshop(municipality=municipality, created_by_id=by.id)
    _fill(workshop, title, held_on, preparation, facilitators or [by], participants)
    workshop.votes_per_person = votes_per_person
    session.add(workshop)
    session.flush()
    return workshop


def update_workshop(
    session: Session,
    workshop: SwotWorkshop,
    *,
    title: str,
    held_on: date,
    preparation: str | None,
    facilitators: list[User],
    participants: list[User],
    votes_per_person: int,
) -> None:
    if not facilitators:
        raise ValidationFailed(errors={"facilitators": [_("Name at least one facilitator.")]})
    _fill(workshop, title, held_on, preparation, facilitators, participants)
    workshop.votes_per_person = votes_per_person
    session.flush()


def _fill(
    workshop: SwotWorkshop,
    title: str,
    held_on: date,
    preparation: str | None,
    facilitators: list[User],
    participants: list[User],
) -> None:
    workshop.title = title
    workshop.held_on = held_on
    workshop.preparation_source = preparation or ""
    workshop.preparation_html = render(preparation or "", fmt="markdown")
    workshop.facilitators = facilitators
    workshop.participants = participants


def may_delete(user: Any, workshop: SwotWorkshop) -> bool:
    """Only administrators and coordinators whose reach covers the municipality, not every
    facilitator: a deleted board takes everyone's items with it."""
    return scope(user, *ORG_ADMIN_ROLES).contains(workshop.municipality)


def delete_workshop(session: Session, workshop: SwotWorkshop) -> None:
    """The workshop and its items, groups and dots; plans keep their goals but lose the links."""
    from lms.plans.municipal_services import forget_target

    for item in workshop.items:
        forget_target(session, "swot_item", item.id)
    for group in workshop.groups:
        forget_target(session, "swot_group", group.id)
    session.delete(workshop)
    session.flush()


def set_status(session: Session, workshop: SwotWorkshop, status: BoardStatus) -> None:
    """Close the board (no more items, edits or dots from participants) or open it again."""
    workshop.status = status
    workshop.closed_at = utcnow() if status is BoardStatus.CLOSED else None
    session.flush()


def participants_of(session: Session, workshop: SwotWorkshop) -> list[User]:
    """Everyone taking part: the municipality's staff and the people invited by name."""
    staff = session.scalars(
        select(User)
        .join(Membership, Membership.user_id == User.id)
        .join(OrgUnit, OrgUnit.id == Membership.library_id)
        .where(OrgUnit.path.startswith(workshop.municipality.path, autoescape=True))
    )
    found = {u.id: u for u in [*staff, *workshop.participants, *workshop.facilitators]}
    return sorted(
        (u for u in found.values() if u.is_active), key=lambda u: (u.name.casefold(), u.id)
    )


def send_invitations(session: Session, workshop: SwotWorkshop, *, link: str) -> int:
    """Mail everyone taking part the day, the preparation text and the board's address, each in
    their own language; returns how many were queued."""
    from content.webinars.services import locale_of
    from lms.mail import queue_mail

    people = participants_of(session, workshop)
    for person in people:
        queue_mail(
            session,
            to=person.email,
            template="swot_invitation",
            locale=locale_of(person),
            user=person,
            workshop=workshop,
            link=link,
        )
    workshop.invited_at = utcnow()
    session.flush()
    return len(people)


# Items


def _require_open(workshop: SwotWorkshop) -> None:
    if not workshop.is_open:
        raise Conflict(_("The board is closed."))


def add_item(
    session: Session,
    workshop: SwotWorkshop,
    author: User,
    *,
    text: str,
    quadrant: Quadrant,
    level: Level,
    perspective: Perspective,
) -> SwotItem:
    _require_open(workshop)
    item = SwotItem(
        workshop=workshop,
        author_id=author.id,
        text=text,
        quadrant=quadrant,
        level=level,
        perspective=perspective,
    )
    session.add(item)
    session.flush()
    return item


def update_item(
    session: Session,
    item: SwotItem,
    *,
    text: str,
    quadrant: Quadrant,
    level: Level,
    perspective: Perspective,
) -> None:
    if quadrant is not item.quadrant:
        # A group holds items of one quadrant: a moved item leaves its group.
        item.group = None
    item.text, item.quadrant, item.level, item.perspective = text, quadrant, level, perspective
    session.flush()


def delete_item(session: Session, item: SwotItem) -> None:
    from lms.plans.municipal_services import forget_target

    forget_target(session, "swot_item", item.id)
    session.delete(item)
    session.flush()


def votes_left(session: Session, workshop: SwotWorkshop, user: User) -> int:
    used = session.scalar(
        select(func.count())
        .select_from(SwotVote)
        .join(SwotItem, SwotItem.id == SwotVote.item_id)
        .where(SwotItem.workshop_id == workshop.id, SwotVote.user_id == user.id)
    )
    return max(0, workshop.votes_per_person - (used or 0))


def my_votes(session: Session, workshop: SwotWorkshop, user: User) -> set[int]:
    return set(
        session.scalars(
            select(SwotVote.item_id)
            .join(SwotItem, SwotItem.id == SwotVote.item_id)
            .where(SwotItem.workshop_id == workshop.id, SwotVote.user_id == user.id)
        )
    )


def vote(session: Session, item: SwotItem, user: User) -> None:
    """Put one of ``user``'s dots on ``item`` (once per item)."""
    _require_open(item.workshop)
    if session.get(SwotVote, (item.id, user.id)) is not None:
        raise Conflict(_("You have already put a dot on this item."))
    if votes_left(session, item.workshop, user) <= 0:
        raise Conflict(_("You have used all your dots. Take one back to place it elsewhere."))
    session.add(SwotVote(item_id=item.id, user_id=user.id))
    session.flush()


def unvote(session: Session, item: SwotItem, user: User) -> None:
    _require_open(item.workshop)
    found = session.get(SwotVote, (item.id, user.id))
    if found is None:
        raise Conflict(_("You have no dot on this item."))
    session.delete(found)
    session.flush()


# Groups and priorities


def _check_group_name(
    session: Session, workshop: SwotWorkshop, quadrant: Quadrant, name: str, exclude: int | None
) -> None:
    stmt = select(SwotGroup.id).where(
        SwotGroup.workshop_id == workshop.id,
        SwotGroup.quadrant == quadrant,
        func.lower(SwotGroup.name) == name.lower(),
    )
    if exclude is not None:
        stmt = stmt.where(SwotGroup.id != exclude)
    if session.scalar(stmt) is not None:
        raise ValidationFailed(
            errors={"name": [_("This quadrant has a group with this name already.")]}
        )


def add_group(
    session: Session, workshop: SwotWorkshop, *, quadrant: Quadrant, name: str
) -> SwotGroup:
    _check_group_name(session, workshop, quadrant, name, None)
    group = SwotGroup(workshop=workshop, quadrant=quadrant, name=name)
    session.add(group)
    session.flush()
    return group


def update_group(session: Session, group: SwotGroup, *, name: str, priority: int | None) -> None:
    _check_group_name(session, group.workshop, group.quadrant, name, group.id)
    group.name, group.priority = name, priority
    session.flush()


def delete_group(session: Session, group: SwotGroup) -> None:
    """The group goes; its items stay on the board, ungrouped."""
    from lms.plans.municipal_services import forget_target

    for item in list(group.items):
        item.group = None
    forget_target(session, "swot_group", group.id)
    session.delete(group)
    session.flush()


@dataclass
class Placement:
    group_id: int | None
    priority: int | None


def organise(session: Session, workshop: SwotWorkshop, placements: dict[int, Placement]) -> None:
    """Put items into groups and give them priorities, all or nothing.

    Each item may only join a group of its own quadrant; every refusal names the item.
    """
    items = {item.id: item for item in workshop.items}
    groups = {group.id: group for group in workshop.groups}
    errors: dict[str, list[str]] = {}
    for item_id, place in placements.items():
        item = items.get(item_id)
        if item is None:
            errors.setdefault("_", []).append(_("An item in the form is not on this board."))
            continue
        label = _("Item “%(text)s”", text=_shorten(item.text))
        if place.group_id is not None:
            group = groups.get(place.group_id)
            if group is None or group.quadrant is not item.quadrant:
                errors[f"group-{item_id}"] = [
                    _("%(item)s: choose a group of its own quadrant.", item=label)
                ]
                continue
        if place.priority is not None and place.priority not in PRIORITIES:
            errors[f"priority-{item_id}"] = [
                _("%(item)s: choose a priority from 1 to 3.", item=label)
            ]
            continue
    if errors:
        raise ValidationFailed(errors=errors)
    for item_id, place in placements.items():
        item = items[item_id]
        item.group_id = place.group_id
        item.priority = place.priority
    session.flush()
    session.expire(workshop, ["groups", "items"])


def _shorten(text: str, length: int = 40) -> str:
    return text if len(text) <= length else text[: length - 1] + "…"


# The board as pages, the PDF and the API show it


@dataclass
class GroupView:
    group: SwotGroup
    items: list[SwotItem] = field(default_factory=list)
    votes: int = 0


@dataclass
class QuadrantView:
    quadrant: Quadrant
    #: cells[level][perspective]: the items in that cell, in the order they were added
    cells: dict[Level, dict[Perspective, list[SwotItem]]]
    groups: list[GroupView]
    ungrouped: list[SwotItem]
    count: int


@dataclass
class Board:
    quadrants: list[QuadrantView]
    votes: dict[int, int]  # item id → dots

    def votes_of(self, item: SwotItem) -> int:
        return self.votes.get(item.id, 0)


def _priority_key(priority: int | None) -> int:
    return priority if priority is not None else len(PRIORITIES) + 1


def board(session: Session, workshop: SwotWorkshop) -> Board:
    """The board in three queries however many items it holds."""
    items = list(
        session.scalars(
            select(SwotItem).where(SwotItem.workshop_id == workshop.id).order_by(SwotItem.id)
        )
    )
    groups = list(
        session.scalars(
            select(SwotGroup).where(SwotGroup.workshop_id == workshop.id).order_by(SwotGroup.id)
        )
    )
    votes: dict[int, int] = dict(
        session.execute(
            select(SwotVote.item_id, func.count())
            .join(SwotItem, SwotItem.id == SwotVote.item_id)
            .where(SwotItem.workshop_id == workshop.id)
            .group_by(SwotVote.item_id)
        ).all()
    )
    quadrants = []
    for quadrant in Quadrant:
        mine = [i for i in items if i.quadrant is quadrant]
        cells: dict[Level, dict[Perspective, list[SwotItem]]] = {
            lv: {p: [] for p in Perspective} for lv in Level
        }
        for item in mine:
            cells[item.level][item.perspective].append(item)
        views = {g.id: GroupView(g) for g in groups if g.quadrant is quadrant}
        ungrouped = []
        for item in mine:
            if item.group_id in views:
                views[item.group_id].items.append(item)
                views[item.group_id].votes += votes.get(item.id, 0)
            else:
                ungrouped.append(item)

        def item_key(item: SwotItem) -> tuple[int, int, int]:
            return (_priority_key(item.priority), -votes.get(item.id, 0), item.id)

        for view in views.values():
            view.items.sort(key=item_key)
        ungrouped.sort(key=item_key)
        ordered = sorted(
            views.values(),
            key=lambda v: (_priority_key(v.group.priority), -v.votes, v.group.name.casefold()),
        )
        quadrants.append(QuadrantView(quadrant, cells, ordered, ungrouped, len(mine)))
    return Board(quadrants=quadrants, votes=votes)


def staff_count(session: Session, municipality: OrgUnit) -> int:
    return (
        session.scalar(
            select(func.count(func.distinct(Membership.user_id)))
            .join(OrgUnit, OrgUnit.id == Membership.library_id)
            .where(OrgUnit.path.startswith(municipality.path, autoescape=True))
        )
        or 0
    )

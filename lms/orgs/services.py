"""Organisation units, staff memberships and programmes. Services flush; views commit."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from flask import current_app, has_app_context
from flask_babel import gettext as _
from sqlalchemy import Select, exists, func, select
from sqlalchemy.orm import Session, contains_eager, selectinload

from lms.auth.models import RoleAssignment, User
from lms.auth.permissions import Scope
from lms.auth.services import find_by_email
from lms.errors import Conflict, NotFound, ValidationFailed
from lms.orgs.models import (
    CHILD_KIND,
    Country,
    GroupKind,
    GroupMember,
    JobTitle,
    Membership,
    OrgUnit,
    Phase,
    Programme,
    ProgrammeGroup,
    ProgrammeRegion,
    UnitKind,
)


def _check_unique_name(
    session: Session, parent: OrgUnit | None, name: str, exclude_id: int | None = None
) -> None:
    stmt = select(OrgUnit.id).where(
        func.lower(OrgUnit.name) == name.lower(),
        OrgUnit.parent_id.is_(None) if parent is None else OrgUnit.parent_id == parent.id,
    )
    if exclude_id is not None:
        stmt = stmt.where(OrgUnit.id != exclude_id)
    if session.scalar(stmt) is not None:
        raise Conflict(errors={"name": [_("There is already a unit with this name here.")]})


def create_unit(
    session: Session,
    *,
    name: str,
    parent: OrgUnit | None = None,
    country: Country | None = None,
    code: str | None = None,
    address: str | None = None,
) -> OrgUnit:
    """Create a region (no parent), a municipality in a region, or a library in a municipality."""
    if parent is None:
        if country is None:
            raise ValidationFailed(errors={"country": [_("This field is required.")]})
        kind = UnitKind.REGION
    else:
        child = CHILD_KIND.get(parent.kind)
        if child is None:
            raise ValidationFailed(
                errors={"parent_id": [_("A library cannot contain other units.")]}
            )
        kind = child
        country = parent.country  # a unit is always in its region's country
    _check_unique_name(session, parent, name)
    unit = OrgUnit(
        kind=kind,
        name=name,
        parent=parent,
        country=country,
        code=code or None,
        address=address or None,
    )
    session.add(unit)
    session.flush()
    unit.path = f"{parent.path if parent else '/'}{unit.id}/"
    session.flush()
    return unit


def update_unit(
    session: Session,
    unit: OrgUnit,
    *,
    name: str,
    code: str | None = None,
    address: str | None = None,
) -> OrgUnit:
    """Rename a unit or change its code and address; its place in the tree stays."""
    _check_unique_name(session, unit.parent, name, exclude_id=unit.id)
    unit.name = name
    unit.code = code or None
    unit.address = address or None
    session.flush()
    return unit


def delete_unit(session: Session, unit: OrgUnit) -> None:
    """Delete an empty unit. One with units, staff, roles or programmes under it is refused."""
    if session.scalar(select(exists().where(OrgUnit.parent_id == unit.id))):
        raise Conflict(_("This unit still contains other units. Move or delete them first."))
    if session.scalar(select(exists().where(Membership.library_id == unit.id))):
        raise Conflict(_("This library still has staff. Move or remove them first."))
    if session.scalar(select(exists().where(RoleAssignment.unit_id == unit.id))):
        raise Conflict(_("People hold roles in this unit. Remove those roles first."))
    if session.scalar(select(exists().where(ProgrammeRegion.region_id == unit.id))):
        raise Conflict(
            _("This region takes part in a programme. Remove it from the programme first.")
        )
    session.delete(unit)
    session.flush()


def add_member(session: Session, user: User, library: OrgUnit, job_title: JobTitle) -> Membership:
    """Put a person on a library's staff (or change their job title there)."""
    if library.kind != UnitKind.LIBRARY:
        raise ValidationFailed(errors={"library_id": [_("Staff belong to a library.")]})
    existing = session.scalar(
        select(Membership).where(Membership.user_id == user.id, Membership.library_id == library.id)
    )
    if existing is not None:
        existing.job_title = job_title
        session.flush()
        _member_hooks(session, existing)
        return existing
    membership = Membership(user=user, library=library, job_title=job_title)
    session.add(membership)
    session.flush()
    _member_hooks(session, membership)
    return membership


#: ``app.extensions`` key of the callables run after someone joins a library or gets a new job
#: title there (e.g. ``lms.assignments`` gives newcomers the library's group assignments).
MEMBER_HOOKS = "librarena.member_hooks"
MemberHook = Callable[[Session, Membership], object]


def _member_hooks(session: Session, membership: Membership) -> None:
    if has_app_context():
        for hook in current_app.extensions.get(MEMBER_HOOKS, ()):
            hook(session, membership)


def remove_member(session: Session, membership: Membership) -> None:
    """Take a person off a library's staff; their account stays."""
    session.delete(membership)
    session.flush()


def check_dates(starts_on: date | None, ends_on: date | None) -> None:
    """Refuse an end date before the start date (either may be open)."""
    if starts_on and ends_on and ends_on < starts_on:
        raise ValidationFailed(
            errors={"ends_on": [_("The end date must not be before the start date.")]}
        )


def add_phase(
    session: Session, programme: Programme, *, name: str, starts_on: date, ends_on: date
) -> Phase:
    """Add a phase after the programme's last one."""
    check_dates(starts_on, ends_on)
    phase = Phase(
        programme=programme,
        name=name,
        starts_on=starts_on,
        ends_on=ends_on,
        position=len(programme.phases),
    )
    session.add(phase)
    session.flush()
    return phase


# Reading: the statements the HTML views and the API page through.


def units_in(reach: Scope, *, kind: UnitKind | None = None) -> Select[OrgUnit]:
    """The units inside ``reach`` (optionally of one kind), by name."""
    stmt = select(OrgUnit).where(reach.where(OrgUnit.path))
    if kind is not None:
        stmt = stmt.where(OrgUnit.kind == kind)
    return stmt.order_by(OrgUnit.name, OrgUnit.id)


def staff_of(library: OrgUnit) -> Select[Membership]:
    """A library's staff memberships, by name, each with its person loaded."""
    return (
        select(Membership)
        .join(Membership.user)
        .where(Membership.library_id == library.id)
        .options(contains_eager(Membership.user))
        .order_by(User.name, User.id)
    )


def team_in(reach: Scope) -> Select[Membership]:
    """The staff of every library inside ``reach``, by library then name."""
    return (
        select(Membership)
        .join(Membership.user)
        .join(Membership.library)
        .where(reach.where(OrgUnit.path))
        .options(contains_eager(Membership.user), contains_eager(Membership.library))
        .order_by(OrgUnit.name, OrgUnit.id, User.name, User.id)
    )


def programmes_list() -> Select[Programme]:
    """Every programme, newest first, with its regions loaded for the list."""
    return (
        select(Programme)
        .options(selectinload(Programme.regions))
        .order_by(Programme.starts_on.desc().nulls_last(), Programme.name)
    )


def load_programme(session: Session, programme_id: int) -> Programme:
    """A programme with everything its page shows loaded up front (no query per row)."""
    programme = session.scalar(
        select(Programme)
        .where(Programme.id == programme_id)
        .options(
            selectinload(Programme.regions),
            selectinload(Programme.phases),
            selectinload(Programme.groups)
            .selectinload(ProgrammeGroup.members)
            .selectinload(GroupMember.user),
        )
    )
    if programme is None:
        raise NotFound()
    return programme


def ancestors_of(session: Session, unit: OrgUnit) -> list[OrgUnit]:
    """The units above ``unit``, from its region down, in one query."""
    above = unit.ancestor_ids[:-1]
    if not above:
        return []
    return list(
        session.scalars(select(OrgUnit).where(OrgUnit.id.in_(above)).order_by(OrgUnit.path))
    )


def regions_in(session: Session, reach: Scope) -> list[OrgUnit]:
    """The regions someone may put a programme in, by country and name."""
    return list(
        session.scalars(
            select(OrgUnit)
            .where(OrgUnit.kind == UnitKind.REGION, reach.where(OrgUnit.path))
            .order_by(OrgUnit.country, OrgUnit.name)
        )
    )


# Staff


def visible_to(user: User, reach: Scope) -> bool:
    """Whether someone with ``reach`` may find ``user`` by e-mail address.

    Only people already in that part of the organisation, or not yet placed anywhere. Anyone
    else is answered as if the address were unknown: otherwise one region could pull another
    region's staff (and their addresses) into view, and learn which addresses exist.
    """
    if reach.everywhere:
        return True
    units = [a.unit for a in user.roles] + [m.library for m in user.memberships]
    if not units:
        return True
    return any(unit is not None and reach.contains(unit) for unit in units)


def _existing_user(session: Session, email: str, reach: Scope) -> User:
    user = find_by_email(session, email)
    if user is None or not visible_to(user, reach):
        raise ValidationFailed(
            errors={"email": [_("There is no account with this e-mail address.")]}
        )
    return user


def add_staff(
    session: Session, library: OrgUnit, *, email: str, job_title: JobTitle, reach: Scope
) -> Membership:
    """Put the person with ``email`` (an account within ``reach``) on ``library``'s staff."""
    return add_member(session, _existing_user(session, email, reach), library, job_title)


# Programmes


def _check_programme_name(session: Session, name: str, exclude_id: int | None = None) -> None:
    stmt = select(Programme.id).where(func.lower(Programme.name) == name.lower())
    if exclude_id is not None:
        stmt = stmt.where(Programme.id != exclude_id)
    if session.scalar(stmt) is not None:
        raise Conflict(errors={"name": [_("There is already a programme with this name.")]})


def _chosen_regions(
    session: Session, region_ids: list[int], editor_scope: Scope, keep: list[OrgUnit]
) -> list[OrgUnit]:
    """The regions for a programme: those chosen, plus those kept from before.

    Someone whose organisation covers only some of a programme's regions may change their own
    part, but the other regions are not theirs to add or take away: those stay as they were.
    """
    ids = set(region_ids)
    found = list(session.scalars(select(OrgUnit).where(OrgUnit.id.in_(ids)))) if ids else []
    if len(found) != len(ids) or any(r.kind != UnitKind.REGION for r in found):
        raise ValidationFailed(errors={"regions": [_("Choose regions from the list.")]})
    kept = [r for r in keep if not editor_scope.contains(r)]
    if any(not editor_scope.contains(r) and r not in kept for r in found):
        raise ValidationFailed(
            errors={"regions": [_("You chose a region outside your organisation.")]}
        )
    regions = {r.id: r for r in [*found, *kept]}
    if not regions:
        raise ValidationFailed(errors={"regions": [_("Choose at least one region.")]})
    return sorted(regions.values(), key=lambda r: r.name)


def create_programme(
    session: Session,
    *,
    name: str,
    description: str = "",
    starts_on: date | None = None,
    ends_on: date | None = None,
    region_ids: list[int],
    editor_scope: Scope,
) -> Programme:
    """Start a programme over regions that all lie inside the creator's organisation."""
    check_dates(starts_on, ends_on)
    regions = _chosen_regions(session, region_ids, editor_scope, keep=[])
    _check_programme_name(session, name)
    programme = Programme(
        name=name,
        description=description or "",
        starts_on=starts_on,
        ends_on=ends_on,
        regions=regions,
    )
    session.add(programme)
    session.flush()
    return programme


def update_programme(
    session: Session,
    programme: Programme,
    *,
    name: str,
    description: str = "",
    starts_on: date | None = None,
    ends_on: date | None = None,
    region_ids: list[int],
    editor_scope: Scope,
) -> Programme:
    """Change a programme; regions outside the editor's organisation are kept as they were."""
    check_dates(starts_on, ends_on)
    regions = _chosen_regions(session, region_ids, editor_scope, keep=list(programme.regions))
    _check_programme_name(session, name, exclude_id=programme.id)
    programme.name = name
    programme.description = description or ""
    programme.starts_on = starts_on
    programme.ends_on = ends_on
    programme.regions = regions
    session.flush()
    return programme


def delete_phase(session: Session, phase: Phase) -> None:
    """Remove a phase; the later ones move up so positions stay without gaps."""
    programme = phase.programme
    programme.phases.remove(phase)
    for position, other in enumerate(programme.phases):
        other.position = position
    session.flush()


def add_group(
    session: Session, programme: Programme, *, kind: GroupKind, name: str
) -> ProgrammeGroup:
    """Add a group (owner, steering group, …) to a programme's project organisation."""
    group = ProgrammeGroup(programme=programme, kind=kind, name=name)
    session.add(group)
    session.flush()
    return group


def delete_group(session: Session, group: ProgrammeGroup) -> None:
    """Remove a group and its memberships (the people themselves stay)."""
    group.programme.groups.remove(group)
    session.flush()


def programme_reach(programme: Programme, editor_scope: Scope) -> Scope:
    """Whom an editor may find for a programme's groups: their own reach plus the programme's
    regions (a project team gathers consultants from every county taking part)."""
    if editor_scope.everywhere:
        return editor_scope
    paths = {*editor_scope.paths, *(region.path for region in programme.regions)}
    return Scope(paths=tuple(sorted(paths)))


def add_group_member(
    session: Session, group: ProgrammeGroup, *, email: str, reach: Scope, task: str = ""
) -> GroupMember:
    """Put the person with ``email`` in ``group`` with a task (or change their task there)."""
    user = _existing_user(session, email, reach)
    member = session.get(GroupMember, (group.id, user.id))
    if member is None:
        member = GroupMember(group=group, user=user, task=task or "")
        session.add(member)
    else:
        member.task = task or ""
    session.flush()
    return member


def remove_group_member(session: Session, group: ProgrammeGroup, user_id: int) -> None:
    """Take a person out of a group; 404 when they are not in it."""
    member = session.get(GroupMember, (group.id, user_id))
    if member is None:
        raise NotFound()
    group.members.remove(member)
    session.flush()

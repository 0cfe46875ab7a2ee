"""Organisation units, staff memberships and programmes. Services flush; views commit."""

from __future__ import annotations

from datetime import date

from flask_babel import gettext as _
from sqlalchemy import exists, func, select
from sqlalchemy.orm import Session

from lms.auth.models import RoleAssignment, User
from lms.errors import Conflict, ValidationFailed
from lms.orgs.models import (
    CHILD_KIND,
    Country,
    JobTitle,
    Membership,
    OrgUnit,
    Phase,
    Programme,
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
        return existing
    membership = Membership(user=user, library=library, job_title=job_title)
    session.add(membership)
    session.flush()
    return membership


def remove_member(session: Session, membership: Membership) -> None:
    session.delete(membership)
    session.flush()


def check_dates(starts_on: date | None, ends_on: date | None) -> None:
    if starts_on and ends_on and ends_on < starts_on:
        raise ValidationFailed(
            errors={"ends_on": [_("The end date must not be before the start date.")]}
        )


def add_phase(
    session: Session, programme: Programme, *, name: str, starts_on: date, ends_on: date
) -> Phase:
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

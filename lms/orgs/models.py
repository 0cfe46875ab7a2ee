"""Organisations: region → municipality → library, staff, and programmes."""

from __future__ import annotations

import enum
from datetime import date, datetime
from typing import TYPE_CHECKING

from sqlalchemy import CheckConstraint, Date, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.db import Base, enum_column, utcnow

if TYPE_CHECKING:
    from lms.auth.models import User


class UnitKind(enum.StrEnum):
    REGION = "region"
    MUNICIPALITY = "municipality"
    LIBRARY = "library"


#: Which kind of unit may sit under which.
CHILD_KIND = {UnitKind.REGION: UnitKind.MUNICIPALITY, UnitKind.MUNICIPALITY: UnitKind.LIBRARY}


class Country(enum.StrEnum):
    SE = "SE"
    NO = "NO"
    DK = "DK"


class JobTitle(enum.StrEnum):
    LIBRARIAN = "librarian"
    LIBRARY_ASSISTANT = "library_assistant"
    MANAGER = "manager"
    SPECIALIST = "specialist"
    OTHER = "other"


class OrgUnit(Base):
    """A region (län/fylke/region), a municipality (kommun/kommune) or a library.

    ``path`` is the chain of ids from the region down (``/3/17/42/``): "this unit and
    everything under it" is one indexed prefix match, which every scoped query uses.
    """

    __tablename__ = "org_units"
    __table_args__ = (
        UniqueConstraint("parent_id", "name", name="uq_org_units_parent_name"),
        CheckConstraint(
            "(kind = 'region' AND parent_id IS NULL)"
            " OR (kind <> 'region' AND parent_id IS NOT NULL)",
            name="parent_by_kind",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[UnitKind] = mapped_column(enum_column(UnitKind, "unit_kind"))
    parent_id: Mapped[int | None] = mapped_column(
        ForeignKey("org_units.id", ondelete="RESTRICT"), index=True
    )
    name: Mapped[str] = mapped_column(String(200))
    code: Mapped[str | None] = mapped_column(String(32))
    country: Mapped[Country] = mapped_column(enum_column(Country, "country"))
    address: Mapped[str | None] = mapped_column(String(300))
    path: Mapped[str] = mapped_column(String(255), default="", index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    parent: Mapped[OrgUnit | None] = relationship(remote_side=[id], back_populates="children")
    children: Mapped[list[OrgUnit]] = relationship(back_populates="parent", order_by="OrgUnit.name")
    memberships: Mapped[list[Membership]] = relationship(back_populates="library")

    def __repr__(self) -> str:
        return f"<OrgUnit {self.kind} {self.name!r}>"

    @property
    def ancestor_ids(self) -> list[int]:
        return [int(part) for part in self.path.strip("/").split("/") if part]


class Membership(Base):
    """A person on the staff of a library, with a job title."""

    __tablename__ = "memberships"
    __table_args__ = (
        UniqueConstraint("user_id", "library_id", name="uq_memberships_user_library"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    library_id: Mapped[int] = mapped_column(
        ForeignKey("org_units.id", ondelete="RESTRICT"), index=True
    )
    job_title: Mapped[JobTitle] = mapped_column(enum_column(JobTitle, "job_title"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    user: Mapped[User] = relationship(back_populates="memberships")
    library: Mapped[OrgUnit] = relationship(back_populates="memberships")


class Programme(Base):
    """A competence-development programme such as KUB, run over some regions."""

    __tablename__ = "programmes"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    description: Mapped[str] = mapped_column(Text, default="")
    starts_on: Mapped[date | None] = mapped_column(Date)
    ends_on: Mapped[date | None] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    regions: Mapped[list[OrgUnit]] = relationship(
        secondary="programme_regions", order_by="OrgUnit.name"
    )
    phases: Mapped[list[Phase]] = relationship(
        back_populates="programme", order_by="Phase.position", cascade="all, delete-orphan"
    )
    groups: Mapped[list[ProgrammeGroup]] = relationship(
        back_populates="programme", order_by="ProgrammeGroup.id", cascade="all, delete-orphan"
    )


class ProgrammeRegion(Base):
    __tablename__ = "programme_regions"

    programme_id: Mapped[int] = mapped_column(
        ForeignKey("programmes.id", ondelete="CASCADE"), primary_key=True
    )
    region_id: Mapped[int] = mapped_column(
        ForeignKey("org_units.id", ondelete="RESTRICT"), primary_key=True
    )


class Phase(Base):
    """A phase of a programme (e.g. mobilisation, implementation) with its dates."""

    __tablename__ = "phases"
    __table_args__ = (CheckConstraint("ends_on >= starts_on", name="dates_in_order"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    programme_id: Mapped[int] = mapped_column(
        ForeignKey("programmes.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(200))
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date] = mapped_column(Date)
    position: Mapped[int] = mapped_column(default=0)

    programme: Mapped[Programme] = relationship(back_populates="phases")


class GroupKind(enum.StrEnum):
    OWNER = "owner"
    STEERING_GROUP = "steering_group"
    REFERENCE_GROUP = "reference_group"
    PROJECT_TEAM = "project_team"


class ProgrammeGroup(Base):
    """A named group of the programme's project organisation."""

    __tablename__ = "programme_groups"

    id: Mapped[int] = mapped_column(primary_key=True)
    programme_id: Mapped[int] = mapped_column(
        ForeignKey("programmes.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[GroupKind] = mapped_column(enum_column(GroupKind, "group_kind"))
    name: Mapped[str] = mapped_column(String(200))

    programme: Mapped[Programme] = relationship(back_populates="groups")
    members: Mapped[list[GroupMember]] = relationship(
        back_populates="group", cascade="all, delete-orphan"
    )


class GroupMember(Base):
    __tablename__ = "programme_group_members"

    group_id: Mapped[int] = mapped_column(
        ForeignKey("programme_groups.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    task: Mapped[str] = mapped_column(String(200), default="")

    group: Mapped[ProgrammeGroup] = relationship(back_populates="members")
    user: Mapped[User] = relationship()

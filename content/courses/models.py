"""Courses → ordered modules → ordered items, each with a translation per locale.

What coordinators edit is the *draft*: these tables. Publishing freezes the draft into a
:class:`CourseVersion` (a JSON snapshot); learners read the version they enrolled in, so an
edit never moves the ground under someone half-way through.
"""

from __future__ import annotations

import enum
from datetime import datetime
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

from sqlalchemy import JSON, CheckConstraint, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.db import Base, enum_column, utcnow

if TYPE_CHECKING:
    from content.quizzes.models import Question


#: How relationships name :class:`Item`: module-qualified, as the SWOT package has an ``Item`` too.
_ITEM = "content.courses.models.Item"


class ItemKind(enum.StrEnum):
    LESSON = "lesson"
    QUIZ = "quiz"
    REFLECTION = "reflection"


class TextFormat(enum.StrEnum):
    """How an author wrote a body; either way it is stored as sanitised HTML."""

    MARKDOWN = "markdown"
    HTML = "html"


class Course(Base):
    __tablename__ = "courses"
    __table_args__ = (CheckConstraint("estimated_minutes >= 0", name="minutes_not_negative"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    #: The locale shown when the reader's own is missing; every course has this translation.
    fallback_locale: Mapped[str] = mapped_column(String(8), default="en")
    topic: Mapped[str] = mapped_column(String(80), default="", index=True)
    estimated_minutes: Mapped[int] = mapped_column(default=0)
    is_published: Mapped[bool] = mapped_column(default=False)
    # The latest published version as the catalogue filters and shows it, copied when it is
    # published (``content.courses.snapshot.catalogue_fields``): a catalogue page reads these
    # small columns instead of parsing whole versions with every lesson in four languages.
    published_topic: Mapped[str] = mapped_column(String(80), default="")
    published_minutes: Mapped[int] = mapped_column(default=0)
    #: The published languages as ``,da,en,sv,``, so one ``LIKE '%,sv,%'`` finds a language.
    published_locales: Mapped[str] = mapped_column(String(40), default="")
    #: The version's course part without descriptions: titles and summaries per locale.
    published_header: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    translations: Mapped[list[CourseTranslation]] = relationship(
        back_populates="course", cascade="all, delete-orphan", order_by="CourseTranslation.locale"
    )
    modules: Mapped[list[Module]] = relationship(
        back_populates="course", cascade="all, delete-orphan", order_by="Module.position"
    )

    def __repr__(self) -> str:
        return f"<Course {self.slug!r}>"

    @property
    def locales(self) -> list[str]:
        return [t.locale for t in self.translations]

    def translation(self, locale: str) -> CourseTranslation:
        return pick(self.translations, locale, self.fallback_locale)


class CourseTranslation(Base):
    __tablename__ = "course_translations"
    __table_args__ = (
        UniqueConstraint("course_id", "locale", name="uq_course_translations_locale"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id", ondelete="CASCADE"), index=True)
    locale: Mapped[str] = mapped_column(String(8), index=True)
    title: Mapped[str] = mapped_column(String(200))
    summary: Mapped[str] = mapped_column(String(500), default="")
    #: Sanitised on write (``content.sanitize``); safe to render as is.
    description_html: Mapped[str] = mapped_column(Text, default="")
    #: What the author typed, kept so the form shows it again.
    description_source: Mapped[str] = mapped_column(Text, default="")
    description_format: Mapped[TextFormat] = mapped_column(
        enum_column(TextFormat, "text_format"), default=TextFormat.MARKDOWN
    )

    course: Mapped[Course] = relationship(back_populates="translations")


class Module(Base):
    __tablename__ = "course_modules"

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(default=0)

    course: Mapped[Course] = relationship(back_populates="modules")
    translations: Mapped[list[ModuleTranslation]] = relationship(
        back_populates="module", cascade="all, delete-orphan", order_by="ModuleTranslation.locale"
    )
    # Module-qualified: another package has an ``Item`` model too (SWOT items).
    items: Mapped[list[Item]] = relationship(
        _ITEM,
        back_populates="module",
        cascade="all, delete-orphan",
        order_by=f"{_ITEM}.position",
    )

    def translation(self, locale: str) -> ModuleTranslation:
        return pick(self.translations, locale, self.course.fallback_locale)


class ModuleTranslation(Base):
    __tablename__ = "course_module_translations"
    __table_args__ = (
        UniqueConstraint("module_id", "locale", name="uq_course_module_translations_locale"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    module_id: Mapped[int] = mapped_column(
        ForeignKey("course_modules.id", ondelete="CASCADE"), index=True
    )
    locale: Mapped[str] = mapped_column(String(8))
    title: Mapped[str] = mapped_column(String(200))
    summary: Mapped[str] = mapped_column(String(500), default="")
    #: An introduction shown above the module's items; Markdown, sanitised on write.
    intro_html: Mapped[str] = mapped_column(Text, default="")
    intro_source: Mapped[str] = mapped_column(Text, default="")

    module: Mapped[Module] = relationship(back_populates="translations")


class Item(Base):
    """A lesson, a quiz or a reflection task in a module."""

    __tablename__ = "course_items"
    __table_args__ = (
        CheckConstraint("pass_mark IS NULL OR (pass_mark BETWEEN 0 AND 100)", name="pass_mark"),
        CheckConstraint("max_attempts IS NULL OR max_attempts >= 1", name="max_attempts"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    module_id: Mapped[int] = mapped_column(
        ForeignKey("course_modules.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[ItemKind] = mapped_column(enum_column(ItemKind, "item_kind"))
    position: Mapped[int] = mapped_column(default=0)
    #: Quizzes: the percentage needed to pass, and how many tries (none: unlimited).
    pass_mark: Mapped[int | None]
    max_attempts: Mapped[int | None]

    module: Mapped[Module] = relationship(back_populates="items")
    translations: Mapped[list[ItemTranslation]] = relationship(
        back_populates="item", cascade="all, delete-orphan", order_by="ItemTranslation.locale"
    )
    questions: Mapped[list[Question]] = relationship(
        back_populates="item", cascade="all, delete-orphan", order_by="Question.position"
    )

    def translation(self, locale: str) -> ItemTranslation:
        return pick(self.translations, locale, self.module.course.fallback_locale)


class ItemTranslation(Base):
    __tablename__ = "course_item_translations"
    __table_args__ = (
        UniqueConstraint("item_id", "locale", name="uq_course_item_translations_locale"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(
        ForeignKey("course_items.id", ondelete="CASCADE"), index=True
    )
    locale: Mapped[str] = mapped_column(String(8))
    title: Mapped[str] = mapped_column(String(200))
    #: Sanitised on write with the LESSON policy (video embeds allowed); safe to render.
    body_html: Mapped[str] = mapped_column(Text, default="")
    body_source: Mapped[str] = mapped_column(Text, default="")
    body_format: Mapped[TextFormat] = mapped_column(
        enum_column(TextFormat, "text_format"), default=TextFormat.MARKDOWN
    )

    item: Mapped[Item] = relationship(_ITEM, back_populates="translations")


class CourseVersion(Base):
    """A published course, frozen: ``snapshot`` holds everything a learner reads.

    Its layout is built by ``content.courses.snapshot.build`` and read through
    ``content.courses.snapshot.Snapshot``.
    """

    __tablename__ = "course_versions"
    __table_args__ = (UniqueConstraint("course_id", "number", name="uq_course_versions_number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id", ondelete="CASCADE"), index=True)
    number: Mapped[int]
    snapshot: Mapped[dict[str, Any]] = mapped_column(JSON)
    published_at: Mapped[datetime] = mapped_column(default=utcnow)
    published_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    course: Mapped[Course] = relationship()


class _Translated(Protocol):
    @property
    def locale(self) -> str: ...


T = TypeVar("T", bound=_Translated)


def pick(translations: list[T], locale: str, fallback: str) -> T:
    """The translation in ``locale``, else the fallback locale's, else the first there is."""
    by_locale = {t.locale: t for t in translations}
    found = by_locale.get(locale) or by_locale.get(fallback) or next(iter(translations), None)
    if found is None:
        raise LookupError("no translation")
    return found


class MediaKind(enum.StrEnum):
    IMAGE = "image"
    VIDEO = "video"
    CAPTIONS = "captions"
    FILE = "file"  # a download: PDF, office document, plain text, audio …


class MediaFile(Base):
    """An uploaded file of a course, stored under ``instance/media`` by a random name.

    Its type was read from its bytes on upload (``content.courses.media``), never from its name;
    ``content_type`` is what it is served as.
    """

    __tablename__ = "course_media"
    __table_args__ = (CheckConstraint("size_bytes >= 0", name="size_not_negative"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id", ondelete="CASCADE"), index=True)
    kind: Mapped[MediaKind] = mapped_column(enum_column(MediaKind, "media_kind"))
    #: The file's name on disk: random, so nothing about it comes from the uploader.
    storage_name: Mapped[str] = mapped_column(String(80), unique=True)
    #: The uploader's file name, cleaned; only used in Content-Disposition and lists.
    filename: Mapped[str] = mapped_column(String(200))
    content_type: Mapped[str] = mapped_column(String(100))
    size_bytes: Mapped[int]
    sha256: Mapped[str] = mapped_column(String(64))
    #: Images: the text alternative; downloads: the link text.
    alt: Mapped[str] = mapped_column(String(300), default="")
    #: Videos: their captions track (a CAPTIONS file of the same course).
    captions_id: Mapped[int | None] = mapped_column(
        ForeignKey("course_media.id", ondelete="SET NULL")
    )
    #: Captions: the language they are written in.
    language: Mapped[str] = mapped_column(String(8), default="")
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    course: Mapped[Course] = relationship()
    captions: Mapped[MediaFile | None] = relationship(remote_side=[id])


class ApiClient(Base):
    """A machine allowed to read the content API with a bearer token. Only its SHA-256 is kept;
    the token itself is shown once, when an administrator creates the client."""

    __tablename__ = "content_api_clients"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    #: What it may do: a subset of ``content.courses.tokens.SCOPES``.
    scopes: Mapped[list[str]] = mapped_column(JSON, default=list)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_used_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]

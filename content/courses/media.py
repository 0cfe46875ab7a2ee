"""Uploaded media of a course: images, videos with captions, downloadable files.

A file's type is read from its bytes (magic numbers, via ``filetype``), never from its name or
the browser's claimed type; what is not on the allowlist below is refused. Files are stored
under the instance's ``media`` folder by a random name and served (``content.courses.views``)
with the type found here, ``nosniff``, and inline only for images, video and captions: HTML
and SVG are never accepted, so never served at all.
"""

from __future__ import annotations

import hashlib
import re
import secrets
import unicodedata
from dataclasses import dataclass
from pathlib import Path

import filetype
from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session

from content.courses.models import Course, CourseVersion, ItemTranslation, MediaFile, MediaKind
from content.courses.models import Module as CourseModule
from lms.auth.models import User
from lms.config import LOCALES
from lms.errors import Conflict, ValidationFailed
from lms.i18n import LANGUAGE_NAMES

MiB = 1024 * 1024

#: The most bytes one upload of each kind may have. Videos stay under the app's request limit;
#: longer films belong on a video host and are embedded (``content.sanitize.EMBED_HOSTS``).
LIMITS: dict[MediaKind, int] = {
    MediaKind.IMAGE: 5 * MiB,
    MediaKind.VIDEO: 60 * MiB,
    MediaKind.CAPTIONS: MiB // 2,
    MediaKind.FILE: 25 * MiB,
}


@dataclass(frozen=True)
class Accepted:
    kind: MediaKind
    content_type: str
    extension: str


#: What may be uploaded, by the type its bytes show. Everything else is refused.
ALLOWED: dict[str, Accepted] = {
    mime: Accepted(kind, mime, ext)
    for mime, kind, ext in (
        ("image/png", MediaKind.IMAGE, "png"),
        ("image/jpeg", MediaKind.IMAGE, "jpg"),
        ("image/gif", MediaKind.IMAGE, "gif"),
        ("image/webp", MediaKind.IMAGE, "webp"),
        ("video/mp4", MediaKind.VIDEO, "mp4"),
        ("video/webm", MediaKind.VIDEO, "webm"),
        ("application/pdf", MediaKind.FILE, "pdf"),
        ("application/epub+zip", MediaKind.FILE, "epub"),
        (
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            MediaKind.FILE,
            "docx",
        ),
        (
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            MediaKind.FILE,
            "xlsx",
        ),
        (
            "application/vnd.openxmlformats-officedocument.presentationml.presentation",
            MediaKind.FILE,
            "pptx",
        ),
        ("application/vnd.oasis.opendocument.text", MediaKind.FILE, "odt"),
        ("application/vnd.oasis.opendocument.spreadsheet", MediaKind.FILE, "ods"),
        ("application/vnd.oasis.opendocument.presentation", MediaKind.FILE, "odp"),
        ("audio/mpeg", MediaKind.FILE, "mp3"),
        ("audio/ogg", MediaKind.FILE, "ogg"),
    )
}
VTT = Accepted(MediaKind.CAPTIONS, "text/vtt", "vtt")
PLAIN_TEXT = Accepted(MediaKind.FILE, "text/plain", "txt")

#: Served in the page (``Content-Disposition: inline``); everything else is a download.
INLINE_KINDS = frozenset({MediaKind.IMAGE, MediaKind.VIDEO, MediaKind.CAPTIONS})


def _as_text(data: bytes) -> str | None:
    if b"\x00" in data:
        return None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return None


def _looks_like_markup(text: str) -> bool:
    # HTML, SVG and XML would be dangerous if a browser ever rendered them; plain text never
    # starts with a tag, so anything that does is refused rather than served.
    return text.lstrip().startswith("<")


def detect(data: bytes) -> Accepted:
    """What ``data`` really is, from its bytes; ValidationFailed if it is not allowed."""
    if not data:
        raise ValidationFailed(errors={"file": [_("The file is empty.")]})
    guessed = filetype.guess_mime(data[:8192])
    if guessed is not None:
        accepted = ALLOWED.get(guessed)
        if accepted is None:
            raise ValidationFailed(errors={"file": [_not_allowed()]})
        return accepted
    text = _as_text(data)
    if text is None or _looks_like_markup(text):
        raise ValidationFailed(errors={"file": [_not_allowed()]})
    if text.startswith("WEBVTT"):
        return VTT
    return PLAIN_TEXT


def _not_allowed() -> str:
    return _(
        "This kind of file cannot be uploaded. Allowed: PNG, JPEG, GIF and WebP images; MP4 and "
        "WebM videos; WebVTT captions; PDF, EPUB, Word, Excel, PowerPoint, OpenDocument, MP3, "
        "Ogg and plain text files."
    )


def check_size(kind: MediaKind, size: int, field: str = "file") -> None:
    limit = LIMITS[kind]
    if size > limit:
        raise ValidationFailed(
            errors={field: [_("The file is too large: at most %(size)s.", size=human_size(limit))]}
        )


def human_size(size: int) -> str:
    if size >= MiB:
        return f"{size / MiB:.1f} MB".replace(".0 MB", " MB")
    return f"{max(1, round(size / 1024))} kB"


_UNSAFE_NAME = re.compile(r"[^\w.\- ]+")


def clean_filename(name: str, extension: str) -> str:
    """A name to offer for downloads: the uploader's stem, tamed, with the real extension."""
    base = unicodedata.normalize("NFC", name.replace("\\", "/").rsplit("/", 1)[-1])
    stem = base.rsplit(".", 1)[0] if "." in base else base
    stem = _UNSAFE_NAME.sub("-", stem).strip(" .-")[:120] or "file"
    return f"{stem}.{extension}"


def read_limited(stream: object, limit: int) -> bytes:
    """At most ``limit + 1`` bytes of an upload: enough to know it is too large."""
    read = getattr(stream, "read", None)
    if read is None:
        return b""
    data = read(limit + 1)
    return data if isinstance(data, bytes) else b""


def media_root() -> Path:
    """Where uploads live: ``MEDIA_ROOT`` if configured, else ``instance/media``."""
    configured = current_app.config.get("MEDIA_ROOT")
    return Path(configured) if configured else Path(current_app.instance_path) / "media"


def path_of(root: Path, media: MediaFile) -> Path:
    return root / media.storage_name


def new_storage_name(extension: str) -> str:
    return f"{secrets.token_hex(16)}.{extension}"


def write_file(root: Path, name: str, data: bytes) -> None:
    root.mkdir(parents=True, exist_ok=True)
    # "x": never overwrite; the name is random, so a clash means something is badly wrong.
    with (root / name).open("xb") as out:
        out.write(data)


def add_media(
    session: Session,
    course: Course,
    *,
    root: Path,
    data: bytes,
    filename: str,
    alt: str = "",
    by: User | None = None,
    captions: bytes | None = None,
    captions_filename: str = "",
    language: str = "",
) -> MediaFile:
    """Check and store an upload for ``course``.

    Images need a text alternative (``alt``); videos need a WebVTT captions file and its
    language; downloads may have a link text. Refused uploads store nothing.
    """
    accepted = detect(data)
    check_size(accepted.kind, len(data))
    errors: dict[str, list[str]] = {}
    if accepted.kind is MediaKind.CAPTIONS:
        errors["file"] = [_("Upload captions together with their video, in the captions field.")]
    if accepted.kind is MediaKind.IMAGE and not alt.strip():
        errors["alt"] = [
            _("Describe the image for people who cannot see it (its text alternative).")
        ]
    track: Accepted | None = None
    if accepted.kind is MediaKind.VIDEO:
        if not captions:
            errors["captions"] = [_("A video needs captions: add a WebVTT (.vtt) file.")]
        else:
            try:
                track = detect(captions)
            except ValidationFailed:
                track = None
            if track is not VTT:
                errors["captions"] = [_("Captions must be a WebVTT file starting with WEBVTT.")]
            elif len(captions) > LIMITS[MediaKind.CAPTIONS]:
                limit = human_size(LIMITS[MediaKind.CAPTIONS])
                errors["captions"] = [_("The file is too large: at most %(size)s.", size=limit)]
        if language not in LOCALES:
            errors["language"] = [_("Choose the language of the captions.")]
    if errors:
        raise ValidationFailed(errors=errors)
    media = _store(session, course, root, data, accepted, filename, alt, by)
    if accepted.kind is MediaKind.VIDEO and captions is not None:
        media.captions = _store(
            session, course, root, captions, VTT, captions_filename or filename, "", by
        )
        media.captions.language = language
    session.flush()
    return media


def _store(
    session: Session,
    course: Course,
    root: Path,
    data: bytes,
    accepted: Accepted,
    filename: str,
    alt: str,
    by: User | None,
) -> MediaFile:
    name = new_storage_name(accepted.extension)
    media = MediaFile(
        course=course,
        kind=accepted.kind,
        storage_name=name,
        filename=clean_filename(filename, accepted.extension),
        content_type=accepted.content_type,
        size_bytes=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
        alt=alt.strip()[:300],
        language="",
        uploaded_by_id=by.id if by is not None else None,
    )
    session.add(media)
    write_file(root, name, data)
    return media


def course_media(session: Session, course_id: int) -> list[MediaFile]:
    """A course's media, newest first (captions listed under their video, not on their own)."""
    return list(
        session.scalars(
            select(MediaFile)
            .where(MediaFile.course_id == course_id)
            .order_by(MediaFile.created_at.desc(), MediaFile.id.desc())
        )
    )


def url_of(media: MediaFile) -> str:
    """The address lessons use; relative, so a package moves between servers unchanged."""
    return f"/media/{media.id}/{media.filename}"


_MEDIA_URL = re.compile(r"/media/(\d+)/")


def referenced_ids(html: str) -> set[int]:
    return {int(found) for found in _MEDIA_URL.findall(html or "")}


def snippet(media: MediaFile) -> str:
    """What an author pastes into a lesson (Markdown allows this HTML; it is sanitised)."""
    src = url_of(media)
    if media.kind is MediaKind.IMAGE:
        alt = media.alt.replace('"', "&quot;")
        return f'<img src="{src}" alt="{alt}">'
    if media.kind is MediaKind.VIDEO:
        track = ""
        if media.captions is not None:
            captions = media.captions
            label = LANGUAGE_NAMES.get(captions.language, captions.language)
            track = (
                f'<track kind="captions" src="{url_of(captions)}" '
                f'srclang="{captions.language}" label="{label}" default>'
            )
        return f'<video controls src="{src}">{track}</video>'
    text = (media.alt or media.filename).replace("[", "(").replace("]", ")")
    return f"[{text} ({human_size(media.size_bytes)})]({src})"


def is_used(session: Session, media: MediaFile) -> bool:
    """True when a lesson of the draft or of any published version points at ``media``."""
    needle = f"/media/{media.id}/"
    bodies = session.scalars(
        select(ItemTranslation.body_html)
        .join(ItemTranslation.item)
        .join(CourseModule)
        .where(CourseModule.course_id == media.course_id)
    )
    if any(needle in body for body in bodies):
        return True
    videos = session.scalar(select(MediaFile.id).where(MediaFile.captions_id == media.id))
    if videos is not None:
        return True
    snapshots = session.scalars(
        select(CourseVersion.snapshot).where(CourseVersion.course_id == media.course_id)
    )
    return any(needle in str(data) for data in snapshots)


def delete_media(session: Session, media: MediaFile, *, root: Path) -> None:
    """Delete an upload no lesson uses (not even a published version's); else Conflict."""
    if is_used(session, media):
        raise Conflict(_("A lesson uses this file. Remove it from the lesson first."))
    files = [media, *([media.captions] if media.captions is not None else [])]
    for found in files:
        session.delete(found)
    session.flush()
    for found in files:
        path_of(root, found).unlink(missing_ok=True)

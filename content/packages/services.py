"""Course packages: export a course as a zip, and import one after checking all of it.

An import reads the zip's directory first and refuses what no honest package has: paths that
climb out (``../``) or start at the root, symbolic links, encrypted or duplicate entries,
files larger than allowed, or a compression ratio only a zip bomb has. It then reads each file
with a counter (a header may lie about sizes), validates the manifest against
:class:`~content.packages.schemas.ManifestSchema` and the rules authoring applies, and checks
every media file by its bytes. Every problem is reported with its path in the manifest
(``modules[2].items[0].translations.sv.title``); only a package without any is imported, so
a bad package changes nothing.
"""

from __future__ import annotations

import hashlib
import io
import json
import re
import stat
import zipfile
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

from flask_babel import gettext as _
from marshmallow import ValidationError
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from content.courses import media as media_files
from content.courses import services as courses
from content.courses.models import Course, ItemKind, MediaFile, MediaKind
from content.courses.schemas import SLUG
from content.packages.schemas import FORMAT, VERSION, ManifestSchema
from content.quizzes.models import QuestionKind
from lms.auth.models import User
from lms.config import LOCALES
from lms.errors import Conflict, ValidationFailed
from lms.schema import message_paths

MiB = 1024 * 1024
MANIFEST = "manifest.json"

#: Limits of a package: the zip as uploaded, its entries, and what they unpack to.
MAX_PACKAGE_BYTES = 60 * MiB
MAX_ENTRIES = 500
MAX_MANIFEST_BYTES = 5 * MiB
MAX_TOTAL_BYTES = 200 * MiB
#: Deflate rarely does better than 10:1 on real course files; a bomb does 1000:1 and more.
MAX_RATIO = 100
#: Below this, ratios say nothing (a short, repetitive file compresses very well).
RATIO_FLOOR = 64 * 1024
_CHUNK = 64 * 1024


@dataclass
class Problems:
    """Every problem found, each with where it is; raised at the end as one ValidationFailed."""

    found: list[str] = field(default_factory=list)

    def add(self, path: str, message: str) -> None:
        self.found.append(f"{path}: {message}" if path else message)

    def raise_if_any(self) -> None:
        if self.found:
            raise ValidationFailed(
                _("The package cannot be imported."), errors={"package": list(self.found)}
            )


# Export


def _course_manifest(course: Course) -> dict[str, Any]:
    return {
        "slug": course.slug,
        "fallback_locale": course.fallback_locale,
        "topic": course.topic,
        "estimated_minutes": course.estimated_minutes,
        "translations": {
            t.locale: {
                "title": t.title,
                "summary": t.summary,
                "description": t.description_source,
                "format": t.description_format.value,
            }
            for t in course.translations
        },
    }


def _modules_manifest(course: Course) -> list[dict[str, Any]]:
    return [
        {
            "translations": {
                t.locale: {"title": t.title, "summary": t.summary, "intro": t.intro_source}
                for t in module.translations
            },
            "items": [
                {
                    "kind": item.kind.value,
                    "pass_mark": item.pass_mark,
                    "max_attempts": item.max_attempts,
                    "translations": {
                        t.locale: {
                            "title": t.title,
                            "body": t.body_source,
                            "format": t.body_format.value,
                        }
                        for t in item.translations
                    },
                    "questions": [
                        {
                            "kind": q.kind.value,
                            "prompt": dict(q.prompt),
                            "feedback": dict(q.feedback),
                            "answers": {k: list(v) for k, v in q.answers.items()},
                            "choices": [
                                {
                                    "correct": c.is_correct,
                                    "text": dict(c.text),
                                    "feedback": dict(c.feedback),
                                }
                                for c in q.choices
                            ],
                        }
                        for q in item.questions
                    ],
                }
                for item in module.items
            ],
        }
        for module in course.modules
    ]


def _media_path(found: MediaFile) -> str:
    return f"media/{found.id}-{found.filename}"


def manifest_of(course: Course, files: list[MediaFile]) -> dict[str, Any]:
    """The manifest of ``course`` (its draft, as authored) and its media."""
    return {
        "format": FORMAT,
        "version": VERSION,
        "course": _course_manifest(course),
        "modules": _modules_manifest(course),
        "media": [
            {
                "id": found.id,
                "kind": found.kind.value,
                "path": _media_path(found),
                "filename": found.filename,
                "alt": found.alt,
                "language": found.language,
                "captions": found.captions_id,
                "sha256": found.sha256,
            }
            for found in files
        ],
    }


def export_course(session: Session, course: Course, *, root: Path) -> bytes:
    """``course`` as a zip: ``manifest.json`` and its media files under ``media/``."""
    files = sorted(media_files.course_media(session, course.id), key=lambda m: m.id)
    missing = [f.filename for f in files if not media_files.path_of(root, f).is_file()]
    if missing:
        # A package without them could never be imported: say so now, not on the other server.
        raise Conflict(
            _(
                "Files of this course are missing on the server: %(names)s.",
                names=", ".join(missing),
            )
        )
    manifest = manifest_of(course, files)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        zf.writestr(MANIFEST, json.dumps(manifest, ensure_ascii=False, indent=2))
        for found in files:
            zf.write(media_files.path_of(root, found), _media_path(found))
    return out.getvalue()


# Reading a zip safely


def _unsafe_name(name: str) -> str | None:
    """Why an entry's name is refused, or None."""
    if "\\" in name or "\x00" in name:
        return _("The path has a backslash or a null character.")
    path = PurePosixPath(name)
    if path.is_absolute() or re.match(r"^[A-Za-z]:", name):
        return _("The path is absolute.")
    if any(part == ".." for part in path.parts):
        return _("The path leads out of the package (..).")
    return None


def _is_symlink(info: zipfile.ZipInfo) -> bool:
    return stat.S_ISLNK(info.external_attr >> 16)


def _check_directory(zf: zipfile.ZipFile, problems: Problems) -> dict[str, zipfile.ZipInfo]:
    """The zip's regular files by name, after checking every entry's header."""
    entries = zf.infolist()
    if len(entries) > MAX_ENTRIES:
        problems.add("package", _("Too many files: at most %(count)d.", count=MAX_ENTRIES))
        return {}
    files: dict[str, zipfile.ZipInfo] = {}
    total = 0
    for info in entries:
        name = info.filename
        why = _unsafe_name(name)
        if why is not None:
            problems.add(name, why)
            continue
        if _is_symlink(info):
            problems.add(name, _("Symbolic links are not allowed."))
            continue
        if info.flag_bits & 0x1:
            problems.add(name, _("Encrypted files are not allowed."))
            continue
        if info.is_dir():
            continue
        if name in files:
            problems.add(name, _("The package has this file twice."))
            continue
        limit = MAX_MANIFEST_BYTES if name == MANIFEST else max(media_files.LIMITS.values())
        if info.file_size > limit:
            problems.add(name, _("The file is too large: at most %(size)s.", size=_size(limit)))
            continue
        if info.file_size > RATIO_FLOOR and info.file_size > MAX_RATIO * max(info.compress_size, 1):
            problems.add(name, _("The file is compressed suspiciously well (a zip bomb?)."))
            continue
        total += info.file_size
        files[name] = info
    if total > MAX_TOTAL_BYTES:
        problems.add(
            "package",
            _("The files unpack to more than %(size)s.", size=_size(MAX_TOTAL_BYTES)),
        )
        return {}
    return files


def _size(limit: int) -> str:
    return media_files.human_size(limit)


def _read(zf: zipfile.ZipFile, info: zipfile.ZipInfo, problems: Problems) -> bytes | None:
    """An entry's bytes, counted as they come: never more than its header declared."""
    out = bytearray()
    try:
        with zf.open(info) as stream:
            while chunk := stream.read(_CHUNK):
                out += chunk
                if len(out) > info.file_size:
                    problems.add(info.filename, _("The file is larger than its header says."))
                    return None
    except (zipfile.BadZipFile, OSError, EOFError, NotImplementedError, ValueError):
        problems.add(info.filename, _("The file is damaged and cannot be read."))
        return None
    return bytes(out)


# Validating the manifest


def _check_rules(manifest: dict[str, Any], problems: Problems) -> None:
    """What authoring would refuse, found all at once instead of at the first problem."""
    course = manifest["course"]
    fallback = course["fallback_locale"]
    if fallback not in LOCALES:
        problems.add(
            "course.fallback_locale", _("Choose one of: %(list)s.", list=", ".join(LOCALES))
        )
        return
    if not SLUG.match(course["slug"]):
        problems.add("course.slug", _("Use lower-case letters a–z, digits and single hyphens."))
    if not 0 <= (course.get("estimated_minutes") or 0) <= 10_000:
        problems.add("course.estimated_minutes", _("Enter a number from 0 to 10000."))
    if not course["translations"].get(fallback):
        problems.add(
            f"course.translations.{fallback}", _("Missing: the fallback language needs a title.")
        )
    for m, module in enumerate(manifest["modules"]):
        where = f"modules[{m}]"
        if not module["translations"].get(fallback):
            problems.add(
                f"{where}.translations.{fallback}",
                _("Missing: the fallback language needs a title."),
            )
        for i, item in enumerate(module["items"]):
            _check_item(item, f"{where}.items[{i}]", fallback, problems)


def _check_item(item: dict[str, Any], where: str, fallback: str, problems: Problems) -> None:
    if not item["translations"].get(fallback):
        problems.add(
            f"{where}.translations.{fallback}", _("Missing: the fallback language needs a title.")
        )
    pass_mark, attempts = item.get("pass_mark"), item.get("max_attempts")
    if pass_mark is not None and not 0 <= pass_mark <= 100:
        problems.add(f"{where}.pass_mark", _("Enter a number from 0 to 100."))
    if attempts is not None and attempts < 1:
        problems.add(f"{where}.max_attempts", _("Enter a number from 1 up, or leave it empty."))
    if item["kind"] is not ItemKind.QUIZ and item["questions"]:
        problems.add(f"{where}.questions", _("Only a quiz has questions."))
    for q, question in enumerate(item["questions"]):
        at = f"{where}.questions[{q}]"
        kind = question["kind"]
        if not (question["prompt"] or {}).get(fallback):
            problems.add(
                f"{at}.prompt.{fallback}", _("Missing: the question in the fallback language.")
            )
        choices = question["choices"]
        if kind is QuestionKind.SHORT:
            if not (question["answers"] or {}).get(fallback):
                problems.add(f"{at}.answers.{fallback}", _("Give at least one accepted answer."))
            continue
        if len(choices) < 2:
            problems.add(f"{at}.choices", _("Give at least two choices."))
        correct = sum(1 for c in choices if c["correct"])
        if kind in (QuestionKind.SINGLE, QuestionKind.TRUE_FALSE) and correct != 1:
            problems.add(f"{at}.choices", _("Mark exactly one choice as correct."))
        elif kind is QuestionKind.MULTIPLE and correct < 1:
            problems.add(f"{at}.choices", _("Mark at least one choice as correct."))
        for c, choice in enumerate(choices):
            if not (choice["text"] or {}).get(fallback):
                problems.add(
                    f"{at}.choices[{c}].text.{fallback}",
                    _("Missing: the choice in the fallback language."),
                )


def _texts(manifest: dict[str, Any]) -> Iterator[tuple[str, str]]:
    """Every authored rich text with its path: where media may be referenced."""
    for loc, t in manifest["course"]["translations"].items():
        if t:
            yield f"course.translations.{loc}.description", t.get("description") or ""
    for m, module in enumerate(manifest["modules"]):
        for loc, t in module["translations"].items():
            if t:
                yield f"modules[{m}].translations.{loc}.intro", t.get("intro") or ""
        for i, item in enumerate(module["items"]):
            for loc, t in item["translations"].items():
                if t:
                    yield f"modules[{m}].items[{i}].translations.{loc}.body", t.get("body") or ""


_MEDIA_REF = re.compile(r"/media/(\d+)/([^\s\"'()<>]*)")


@dataclass
class Package:
    """A checked package: its manifest (loaded) and the bytes of each media entry by id."""

    manifest: dict[str, Any]
    files: dict[int, bytes]


def _check_media(
    manifest: dict[str, Any], files: dict[str, bytes], problems: Problems
) -> dict[int, bytes]:
    by_id: dict[int, bytes] = {}
    ids = [entry["id"] for entry in manifest["media"]]
    kinds = {entry["id"]: entry["kind"] for entry in manifest["media"]}
    for n, entry in enumerate(manifest["media"]):
        where = f"media[{n}]"
        if ids.count(entry["id"]) > 1:
            problems.add(f"{where}.id", _("Another media entry has this id."))
        data = files.get(entry["path"])
        if data is None:
            problems.add(
                f"{where}.path", _("The package has no file %(path)s.", path=entry["path"])
            )
            continue
        try:
            accepted = media_files.detect(data)
            media_files.check_size(accepted.kind, len(data))
        except ValidationFailed as exc:
            for message in exc.errors.get("file", [exc.message or ""]):
                problems.add(f"{where}.path", message)
            continue
        if accepted.kind is not entry["kind"]:
            problems.add(f"{where}.kind", _("The file is not of this kind."))
        if hashlib.sha256(data).hexdigest() != entry["sha256"]:
            problems.add(f"{where}.sha256", _("The file does not match its checksum."))
        if entry["kind"] is MediaKind.IMAGE and not entry["alt"]:
            problems.add(f"{where}.alt", _("An image needs a text alternative."))
        captions = entry.get("captions")
        if captions is not None and kinds.get(captions) is not MediaKind.CAPTIONS:
            problems.add(f"{where}.captions", _("There is no captions entry with this id."))
        if entry["kind"] is MediaKind.CAPTIONS and entry["language"] not in LOCALES:
            problems.add(
                f"{where}.language", _("Choose one of: %(list)s.", list=", ".join(LOCALES))
            )
        by_id[entry["id"]] = data
    listed = {entry["path"] for entry in manifest["media"]}
    for name in sorted(set(files) - listed - {MANIFEST}):
        problems.add(name, _("The manifest does not list this file."))
    for path, text in _texts(manifest):
        for ident in sorted({int(found) for found, _name in _MEDIA_REF.findall(text)}):
            if ident not in kinds:
                problems.add(
                    path, _("Refers to media %(id)d, which is not in the package.", id=ident)
                )
    return by_id


def read_package(session: Session, data: bytes, *, slug: str | None = None) -> Package:
    """Check a whole package; ValidationFailed lists every problem found, each with its path."""
    problems = Problems()
    if len(data) > MAX_PACKAGE_BYTES:
        problems.add(
            "package",
            _("The package is too large: at most %(size)s.", size=_size(MAX_PACKAGE_BYTES)),
        )
        problems.raise_if_any()
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, OSError, ValueError):
        problems.add("package", _("This is not a zip file."))
        problems.raise_if_any()
    with zf:
        infos = _check_directory(zf, problems)
        if MANIFEST not in infos:
            if not problems.found:
                problems.add("package", _("The package has no manifest.json."))
            problems.raise_if_any()
        contents = {}
        for name, info in infos.items():
            read = _read(zf, info, problems)
            if read is not None:
                contents[name] = read
    problems.raise_if_any()
    try:
        raw = json.loads(contents[MANIFEST].decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as exc:
        problems.add(MANIFEST, _("This is not valid JSON: %(error)s", error=str(exc)))
        problems.raise_if_any()
    try:
        manifest: dict[str, Any] = ManifestSchema().load(raw)
    except ValidationError as exc:
        for path, message in message_paths(exc.messages):
            problems.add(path, message)
        problems.raise_if_any()
    if manifest["format"] != FORMAT:
        problems.add("format", _("Not a Librarena course package."))
    if manifest["version"] != VERSION:
        problems.add("version", _("This version of the format is not supported."))
    if slug:
        manifest["course"]["slug"] = slug
    _check_rules(manifest, problems)
    taken = session.scalar(
        select(Course.id).where(func.lower(Course.slug) == manifest["course"]["slug"].lower())
    )
    if taken is not None:
        problems.add(
            "course.slug",
            _("Another course already has this address: give the imported course another one."),
        )
    files = _check_media(manifest, contents, problems)
    problems.raise_if_any()
    return Package(manifest, files)


# Importing


def _translations(given: Mapping[str, Any], rename: dict[str, str]) -> dict[str, dict[str, Any]]:
    out = {}
    for loc, values in given.items():
        if not values:
            continue
        row = dict(values)
        for key in ("description", "intro", "body"):
            if key in row:
                row[key] = _relink(row[key] or "", rename)
        if "format" in row and row["format"] is not None:
            row["format"] = row["format"].value
        out[loc] = row
    return out


def _relink(text: str, rename: dict[str, str]) -> str:
    return _MEDIA_REF.sub(lambda m: rename.get(m.group(1), m.group(0)), text)


def import_package(
    session: Session, package: Package, *, root: Path, by: User | None = None
) -> Course:
    """Create a draft course from a checked package (see :func:`read_package`)."""
    manifest = package.manifest
    spec = manifest["course"]
    course = Course(
        slug=spec["slug"],
        fallback_locale=spec["fallback_locale"],
        topic=spec.get("topic") or "",
        estimated_minutes=spec.get("estimated_minutes") or 0,
    )
    session.add(course)
    session.flush()
    created: dict[int, MediaFile] = {}
    writes: list[tuple[str, bytes]] = []
    for entry in manifest["media"]:
        data = package.files[entry["id"]]
        accepted = media_files.detect(data)
        found = MediaFile(
            course=course,
            kind=accepted.kind,
            storage_name=media_files.new_storage_name(accepted.extension),
            filename=media_files.clean_filename(entry["filename"], accepted.extension),
            content_type=accepted.content_type,
            size_bytes=len(data),
            sha256=entry["sha256"],
            alt=entry["alt"] or "",
            language=entry["language"] or "",
            uploaded_by_id=by.id if by is not None else None,
        )
        session.add(found)
        created[entry["id"]] = found
        writes.append((found.storage_name, data))
    session.flush()
    for entry in manifest["media"]:
        if entry.get("captions") is not None:
            created[entry["id"]].captions = created[entry["captions"]]
    rename = {str(old): media_files.url_of(new) for old, new in created.items()}
    courses.update_course(
        session,
        course,
        slug=course.slug,
        translations=_translations(spec["translations"], rename),
        fallback_locale=course.fallback_locale,
        topic=course.topic,
        estimated_minutes=course.estimated_minutes,
    )
    for module_spec in manifest["modules"]:
        module = courses.add_module(
            session, course, translations=_translations(module_spec["translations"], rename)
        )
        for item_spec in module_spec["items"]:
            item = courses.add_item(
                session,
                module,
                kind=item_spec["kind"],
                translations=_translations(item_spec["translations"], rename),
                pass_mark=item_spec.get("pass_mark"),
                max_attempts=item_spec.get("max_attempts"),
            )
            for q in item_spec["questions"]:
                courses.add_question(
                    session,
                    item,
                    kind=q["kind"],
                    prompt={k: v for k, v in q["prompt"].items() if v},
                    feedback={k: v for k, v in (q["feedback"] or {}).items() if v},
                    answers={k: v for k, v in (q["answers"] or {}).items() if v},
                    choices=[
                        {
                            "correct": c["correct"],
                            "text": {k: v for k, v in c["text"].items() if v},
                            "feedback": {k: v for k, v in (c["feedback"] or {}).items() if v},
                        }
                        for c in q["choices"]
                    ],
                )
    session.flush()
    # Files last: should anything above fail, nothing is left on disk either.
    for name, data in writes:
        media_files.write_file(root, name, data)
    return course

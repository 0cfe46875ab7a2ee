"""Course packages: the round trip, every problem reported with its path, unsafe zips refused."""

from __future__ import annotations

import io
import json
import re
import stat
import zipfile

import pytest
from sqlalchemy import func, select

from content.courses import media
from content.courses import services as courses
from content.courses.models import Course, ItemKind, MediaFile
from content.packages import services
from lms.errors import Conflict, ValidationFailed
from tests.content.conftest import MP4, PDF, PNG, VTT, items_of


def _rich_course(session, create_course, media_root):
    """A course with translations, a quiz and an image, a video with captions and a file."""
    course = create_course(publish=False, slug="package-source")
    lesson = items_of(course)[ItemKind.LESSON]
    image = media.add_media(
        session, course, root=media_root, data=PNG, filename="map.png", alt="A map"
    )
    video = media.add_media(
        session,
        course,
        root=media_root,
        data=MP4,
        filename="intro.mp4",
        captions=VTT,
        captions_filename="intro.vtt",
        language="sv",
    )
    handout = media.add_media(
        session, course, root=media_root, data=PDF, filename="handout.pdf", alt="Handout"
    )
    body = "\n\n".join(media.snippet(m) for m in (image, video, handout))
    courses.update_item(
        session,
        lesson,
        translations={
            "en": {"title": "Lesson one", "body": body, "format": "markdown"},
            "sv": {"title": "Lektion ett", "body": "<p>Hej</p>", "format": "html"},
        },
    )
    session.commit()
    return course


def _normalised(manifest):
    """A manifest with media ids renumbered in order, as a new server gives new ids."""
    text = json.dumps(manifest, sort_keys=True)
    ids = [entry["id"] for entry in manifest["media"]]
    for n, ident in enumerate(ids):
        text = re.sub(rf"/media/{ident}/", f"/media/#{n}/", text)
        text = re.sub(rf'"media/{ident}-', f'"media/#{n}-', text)
        text = re.sub(rf'"(id|captions)": {ident}([,}}])', rf'"\1": "#{n}"\2', text)
    data = json.loads(text)
    data["course"].pop("slug")
    return data


def _zip(entries, **infos):
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for name, data in entries.items():
            info = infos.get(name)
            if info is None:
                info = zipfile.ZipInfo(name)
                info.compress_type = zipfile.ZIP_DEFLATED
            zf.writestr(info, data)
    return out.getvalue()


def _problems(session, data, **kwargs):
    with pytest.raises(ValidationFailed) as exc:
        services.read_package(session, data, **kwargs)
    return exc.value.errors["package"]


def test_export_then_import_gives_an_equal_course(session, create_course, media_root):
    course = _rich_course(session, create_course, media_root)
    data = services.export_course(session, course, root=media_root)
    package = services.read_package(session, data, slug="package-copy")
    copy = services.import_package(session, package, root=media_root)
    session.commit()
    original = services.manifest_of(course, media.course_media(session, course.id)[::-1])
    copied = services.manifest_of(
        courses.load_course(session, copy.id),
        sorted(media.course_media(session, copy.id), key=lambda m: m.id),
    )
    assert copy.slug == "package-copy"
    assert not copy.is_published
    assert _normalised(copied) == _normalised(original)
    # Structure, translations and quizzes really are there, not just equal manifests.
    assert [t.locale for t in copy.translations] == ["en", "sv"]
    quiz = items_of(copy)[ItemKind.QUIZ]
    assert [q.kind.value for q in quiz.questions] == ["single", "short"]
    assert quiz.questions[0].choices[0].is_correct
    # Media are copied, with new files and ids, and the lesson points at the copies.
    copied_media = media.course_media(session, copy.id)
    assert len(copied_media) == 4
    for found in copied_media:
        assert media.path_of(media_root, found).read_bytes() in (PNG, MP4, VTT, PDF)
    body = items_of(copy)[ItemKind.LESSON].translation("en").body_html
    assert all(f"/media/{m.id}/" in body for m in copied_media)
    video = next(m for m in copied_media if m.kind.value == "video")
    assert video.captions is not None
    assert video.captions.language == "sv"


def test_every_problem_is_reported_with_its_path_and_nothing_changes(
    session, create_course, media_root
):
    course = _rich_course(session, create_course, media_root)
    data = services.export_course(session, course, root=media_root)
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        manifest = json.loads(zf.read("manifest.json"))
        files = {n: zf.read(n) for n in zf.namelist() if n != "manifest.json"}
    manifest["modules"][0]["items"][0]["translations"]["sv"]["title"] = ""
    manifest["modules"][0]["items"][1]["questions"][0]["choices"][0]["correct"] = False
    manifest["modules"][0]["items"][1]["pass_mark"] = 150
    manifest["modules"][0]["colour"] = "red"
    manifest["modules"].append({"translations": {"sv": {"title": "Bara svenska"}}, "items": []})
    manifest["media"][0]["sha256"] = "0" * 64
    manifest["course"]["translations"]["en"]["description"] = "See /media/999/x.png"
    before = session.scalar(select(func.count(Course.id)))
    before_media = session.scalar(select(func.count(MediaFile.id)))
    on_disk = sorted(media_root.iterdir())
    package = _zip({"manifest.json": json.dumps(manifest), **files})
    # The first stage (the schema) stops the rest; fix its problems to see the next ones.
    problems = _problems(session, package, slug="other")
    assert "modules[0].items[0].translations.sv.title: This field is required." in problems
    assert "modules[0].colour: Unknown field: not part of the package format." in problems
    manifest["modules"][0]["items"][0]["translations"]["sv"]["title"] = "Lektion"
    del manifest["modules"][0]["colour"]
    problems = _problems(session, _zip({"manifest.json": json.dumps(manifest), **files}))
    assert problems == [
        "modules[0].items[1].pass_mark: Enter a number from 0 to 100.",
        "modules[0].items[1].questions[0].choices: Mark exactly one choice as correct.",
        "modules[1].translations.en: Missing: the fallback language needs a title.",
        "course.slug: Another course already has this address: give the imported course "
        "another one.",
        "media[0].sha256: The file does not match its checksum.",
        "course.translations.en.description: Refers to media 999, which is not in the package.",
    ]
    assert session.scalar(select(func.count(Course.id))) == before
    assert session.scalar(select(func.count(MediaFile.id))) == before_media
    assert sorted(media_root.iterdir()) == on_disk


def test_disguised_media_in_a_package_is_refused(session, create_course, media_root):
    course = _rich_course(session, create_course, media_root)
    data = services.export_course(session, course, root=media_root)
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        manifest = json.loads(zf.read("manifest.json"))
        files = {n: zf.read(n) for n in zf.namelist() if n != "manifest.json"}
    image = manifest["media"][0]
    files[image["path"]] = b"<svg onload=alert(1)></svg>"
    files["media/extra.exe"] = b"MZ"
    problems = _problems(
        session, _zip({"manifest.json": json.dumps(manifest), **files}), slug="x-copy"
    )
    assert any(
        p.startswith("media[0].path: This kind of file cannot be uploaded") for p in problems
    )
    assert "media/extra.exe: The manifest does not list this file." in problems


def _symlink(name):
    info = zipfile.ZipInfo(name)
    info.external_attr = (stat.S_IFLNK | 0o777) << 16
    return info


@pytest.mark.parametrize(
    ("entries", "infos", "expected"),
    [
        ({"../evil.txt": b"x", "manifest.json": b"{}"}, {}, "../evil.txt: The path leads out"),
        ({"/etc/passwd": b"x", "manifest.json": b"{}"}, {}, "/etc/passwd: The path is absolute"),
        ({"media/a\\..\\b": b"x", "manifest.json": b"{}"}, {}, "media/a\\..\\b: The path has a"),
        (
            {"media/link": b"/etc/passwd", "manifest.json": b"{}"},
            {"media/link": _symlink("media/link")},
            "media/link: Symbolic links are not allowed.",
        ),
        (
            {"manifest.json": b"\x00" * (6 * 1024 * 1024)},
            {},
            "manifest.json: The file is too large",
        ),
        (
            {"media/zeros.txt": b"0" * (20 * 1024 * 1024)},
            {},
            "media/zeros.txt: The file is compressed",
        ),
        ({"other.txt": b"x"}, {}, "The package has no manifest.json."),
        ({"manifest.json": b"{not json"}, {}, "manifest.json: This is not valid JSON"),
        ({"manifest.json": b"[]"}, {}, "Expected an object."),
        (
            {"manifest.json": b"[" * 100_000},
            {"manifest.json": zipfile.ZipInfo("manifest.json")},  # stored: no ratio to refuse
            "manifest.json: This is not valid JSON",
        ),
    ],
)
def test_unsafe_zips_are_refused(session, entries, infos, expected):
    problems = _problems(session, _zip(entries, **infos))
    assert any(expected in p for p in problems), problems


def test_not_a_zip_and_too_large(session, monkeypatch):
    assert _problems(session, b"PK\x03\x04 broken") == ["package: This is not a zip file."]
    monkeypatch.setattr(services, "MAX_PACKAGE_BYTES", 10)
    assert _problems(session, b"x" * 11)[0].startswith("package: The package is too large")


def test_total_size_is_limited_from_the_headers(session, monkeypatch):
    monkeypatch.setattr(services, "MAX_TOTAL_BYTES", 1000)
    entries = {f"media/{n}.txt": bytes(range(256)) * 2 for n in range(3)}
    problems = _problems(session, _zip({"manifest.json": b"{}", **entries}))
    assert any("unpack to more than" in p for p in problems)


def test_a_header_that_lies_about_the_size_is_caught_while_reading(session):
    data = bytearray(_zip({"manifest.json": json.dumps({"a": "b" * 5000}).encode()}))
    # Shrink the declared uncompressed size in the central directory: the reader must stop
    # at the declared size instead of trusting it.
    central = data.rfind(b"PK\x01\x02")
    data[central + 24 : central + 28] = (100).to_bytes(4, "little")
    problems = _problems(session, bytes(data))
    assert any(
        p.startswith("manifest.json: The file is larger than its header says")
        or p.startswith("manifest.json: The file is damaged")
        for p in problems
    ), problems


def test_coordinator_exports_and_imports_in_the_browser(
    client, login, create_user, create_course, session, media_root
):
    course = _rich_course(session, create_course, media_root)
    login(create_user("coordinator", everywhere=True))
    page = client.get(f"/author/courses/{course.id}").get_data(as_text=True)
    assert f"/author/courses/{course.id}/package.zip" in page
    resp = client.get(f"/author/courses/{course.id}/package.zip")
    assert resp.status_code == 200
    assert resp.mimetype == "application/zip"
    assert 'filename="package-source.zip"' in resp.headers["Content-Disposition"]
    package = resp.data
    # Same address: refused, with the reason, and the form keeps what was typed.
    resp = client.post(
        "/author/packages/import",
        data={"package": (io.BytesIO(package), "p.zip")},
        content_type="multipart/form-data",
    )
    assert resp.status_code == 422
    assert "course.slug: Another course already has this address" in resp.get_data(as_text=True)
    resp = client.post(
        "/author/packages/import",
        data={"package": (io.BytesIO(package), "p.zip"), "slug": "Bad Slug"},
        content_type="multipart/form-data",
    )
    assert resp.status_code == 422
    assert 'value="Bad Slug"' in resp.get_data(as_text=True)
    resp = client.post(
        "/author/packages/import",
        data={"package": (io.BytesIO(package), "p.zip"), "slug": "imported"},
        content_type="multipart/form-data",
    )
    assert resp.status_code == 302
    copy = session.scalar(select(Course).where(Course.slug == "imported"))
    assert resp.location.endswith(f"/author/courses/{copy.id}")
    assert client.post("/author/packages/import", data={}).status_code == 422


def test_only_authors_export_and_import(client, login, create_user, create_course, media_root):
    course = create_course(publish=True)
    login(create_user("learner"))
    assert client.get(f"/author/courses/{course.id}/package.zip").status_code == 403
    assert client.get("/author/packages/import").status_code == 403


def test_export_refuses_when_a_file_is_missing_on_the_server(session, create_course, media_root):
    course = _rich_course(session, create_course, media_root)
    gone = media.course_media(session, course.id)[0]
    media.path_of(media_root, gone).unlink()
    with pytest.raises(Conflict) as exc:
        services.export_course(session, course, root=media_root)
    assert gone.filename in exc.value.message

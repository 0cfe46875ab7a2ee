"""Uploads: real type from the bytes, size limits, random names, safe serving, access."""

from __future__ import annotations

import io

import pytest
from sqlalchemy import func, select

from content.courses import media, services
from content.courses.models import ItemKind, MediaFile, MediaKind
from lms.errors import Conflict, ValidationFailed
from tests.content.conftest import MP4, PDF, PNG, VTT, items_of


def _upload(client, item_id, data, name, **extra):
    form = {"file": (io.BytesIO(data), name), **extra}
    return client.post(
        f"/author/items/{item_id}/media", data=form, content_type="multipart/form-data"
    )


def _fetch(client, url):
    """GET a media file and close the response (it streams from an open file)."""
    resp = client.get(url)
    resp.get_data()
    resp.close()
    return resp


def _count(session):
    return session.scalar(select(func.count(MediaFile.id)))


def test_detect_reads_the_bytes_not_the_name():
    assert media.detect(PNG).content_type == "image/png"
    assert media.detect(MP4).kind is MediaKind.VIDEO
    assert media.detect(PDF).kind is MediaKind.FILE
    assert media.detect(VTT) is media.VTT
    assert media.detect("Plain notes, åäö\n".encode()) is media.PLAIN_TEXT
    for bad in (
        b"<svg xmlns='http://www.w3.org/2000/svg'><script>alert(1)</script></svg>",
        b"  <html><body onload=alert(1)></body></html>",
        b"MZ\x90\x00" + b"\x00" * 60,  # a Windows program
        b"\xff\xfe\x00\x00binary",
        b"",
    ):
        with pytest.raises(ValidationFailed) as exc:
            media.detect(bad)
        assert "file" in exc.value.errors


def test_clean_filename_keeps_only_a_tame_stem_and_the_real_extension():
    assert media.clean_filename("../../etc/passwd", "txt") == "passwd.txt"
    assert media.clean_filename("C:\\Users\\x\\Bild 1.exe", "png") == "Bild 1.png"
    assert media.clean_filename('"><script>.png', "png") == "script.png"
    assert media.clean_filename("", "pdf") == "file.pdf"


def test_coordinator_uploads_an_image_with_alt_text_and_gets_a_snippet(
    client, login, create_user, create_course, session, media_root
):
    course = create_course(publish=False)
    lesson = items_of(course)[ItemKind.LESSON]
    login(create_user("coordinator", everywhere=True))
    resp = _upload(client, lesson.id, PNG, "../evil name.html", alt="Ett bibliotek")
    assert resp.status_code == 302, resp.get_data(as_text=True)
    found = session.scalar(select(MediaFile).where(MediaFile.course_id == course.id))
    assert found.kind is MediaKind.IMAGE
    assert found.filename == "evil name.png"  # the real extension, not the claimed one
    assert found.storage_name.endswith(".png")
    assert "evil" not in found.storage_name
    assert (media_root / found.storage_name).read_bytes() == PNG
    page = client.get(f"/author/items/{lesson.id}/edit").get_data(as_text=True)
    snippet = (
        f"&lt;img src=&#34;/media/{found.id}/evil name.png&#34; alt=&#34;Ett bibliotek&#34;&gt;"
    )
    assert snippet in page
    served = _fetch(client, media.url_of(found))
    assert served.status_code == 200
    assert served.data == PNG
    assert served.headers["Content-Type"] == "image/png"
    assert served.headers["X-Content-Type-Options"] == "nosniff"
    assert served.headers["Content-Disposition"].startswith("inline")
    assert "sandbox" in served.headers["Content-Security-Policy"]


def test_image_without_alt_and_disguised_files_are_refused_and_nothing_stored(
    client, login, create_user, create_course, session, media_root
):
    course = create_course(publish=False)
    lesson = items_of(course)[ItemKind.LESSON]
    login(create_user("coordinator", everywhere=True))
    resp = _upload(client, lesson.id, PNG, "photo.png", alt="")
    assert resp.status_code == 422
    assert "Describe the image" in resp.get_data(as_text=True)
    # The lesson's own fields still show what is saved, so saving next loses nothing.
    assert 'value="Lesson one"' in resp.get_data(as_text=True)
    svg = b"<svg onload='alert(1)' xmlns='http://www.w3.org/2000/svg'/>"
    resp = _upload(client, lesson.id, svg, "photo.png", alt="x")
    assert resp.status_code == 422
    assert "cannot be uploaded" in resp.get_data(as_text=True)
    resp = _upload(client, lesson.id, b"<html><script>x</script></html>", "notes.txt")
    assert resp.status_code == 422
    resp = client.post(f"/author/items/{lesson.id}/media", data={"alt": "x"})
    assert resp.status_code == 422
    assert "Choose a file" in resp.get_data(as_text=True)
    assert _count(session) == 0
    assert not media_root.exists() or not any(media_root.iterdir())


def test_oversized_upload_is_refused(
    client, login, create_user, create_course, session, media_root, monkeypatch
):
    monkeypatch.setitem(media.LIMITS, MediaKind.FILE, 100)
    course = create_course(publish=False)
    lesson = items_of(course)[ItemKind.LESSON]
    login(create_user("coordinator", everywhere=True))
    resp = _upload(client, lesson.id, PDF + b"x" * 200, "big.pdf")
    assert resp.status_code == 422
    assert "too large" in resp.get_data(as_text=True)
    assert _count(session) == 0


def test_video_needs_webvtt_captions_and_a_language(
    client, login, create_user, create_course, session, media_root
):
    course = create_course(publish=False)
    lesson = items_of(course)[ItemKind.LESSON]
    login(create_user("coordinator", everywhere=True))
    resp = _upload(client, lesson.id, MP4, "film.mp4")
    assert resp.status_code == 422
    assert "needs captions" in resp.get_data(as_text=True)
    resp = _upload(
        client,
        lesson.id,
        MP4,
        "film.mp4",
        captions=(io.BytesIO(b"not vtt"), "c.vtt"),
        language="sv",
    )
    assert resp.status_code == 422
    assert "WebVTT" in resp.get_data(as_text=True)
    assert _count(session) == 0
    resp = _upload(
        client,
        lesson.id,
        MP4,
        "film.mp4",
        captions=(io.BytesIO(VTT), "film.sv.vtt"),
        language="sv",
    )
    assert resp.status_code == 302
    video = session.scalar(select(MediaFile).where(MediaFile.kind == MediaKind.VIDEO))
    assert video.captions is not None
    assert video.captions.language == "sv"
    snippet = media.snippet(video)
    assert f'src="/media/{video.captions.id}/' in snippet
    assert 'srclang="sv"' in snippet
    track = _fetch(client, media.url_of(video.captions))
    assert track.headers["Content-Type"] == "text/vtt; charset=utf-8"
    # What the author pastes survives sanitising as a player with its captions.
    services.update_item(
        session, lesson, translations={"en": {"title": "Lesson one", "body": snippet}}
    )
    body = lesson.translation("en").body_html
    assert "<video" in body
    assert "<track" in body
    assert "controls" in body


def test_downloads_are_attachments_with_a_safe_name(
    client, login, create_user, create_course, session, media_root
):
    course = create_course(publish=False)
    lesson = items_of(course)[ItemKind.LESSON]
    login(create_user("coordinator", everywhere=True))
    _upload(client, lesson.id, PDF, "Handbok för bibliotek.pdf", alt="Handboken")
    found = session.scalar(select(MediaFile))
    served = _fetch(client, media.url_of(found))
    assert served.headers["Content-Type"] == "application/pdf"
    disposition = served.headers["Content-Disposition"]
    assert disposition.startswith("attachment")
    assert "filename*=UTF-8''Handbok%20f%C3%B6r%20bibliotek.pdf" in disposition
    assert media.snippet(found) == f"[Handboken (1 kB)]({media.url_of(found)})"


def test_media_of_a_draft_course_only_for_authors(
    client, login, create_user, create_course, session, media_root
):
    draft = create_course(publish=False)
    found = media.add_media(session, draft, root=media_root, data=PNG, filename="a.png", alt="A")
    session.commit()
    url = media.url_of(found)
    assert client.get(url).status_code == 302  # sign in first
    login(create_user("learner"))
    assert client.get(url).status_code == 403
    assert client.get(f"/media/{found.id}/other-name.png").status_code == 404
    assert client.get("/media/999999/a.png").status_code == 404
    services.publish(session, draft, by=None)
    session.commit()
    assert _fetch(client, url).status_code == 200


def test_media_in_use_cannot_be_deleted(
    client, login, create_user, create_course, session, media_root
):
    course = create_course(publish=False)
    lesson = items_of(course)[ItemKind.LESSON]
    found = media.add_media(session, course, root=media_root, data=PNG, filename="a.png", alt="A")
    unused = media.add_media(session, course, root=media_root, data=PNG, filename="b.png", alt="B")
    spare = media.add_media(session, course, root=media_root, data=PNG, filename="c.png", alt="C")
    services.update_item(
        session, lesson, translations={"en": {"title": "L", "body": media.snippet(found)}}
    )
    services.publish(session, course, by=None)
    # Gone from the draft, but the published version still shows it.
    services.update_item(session, lesson, translations={"en": {"title": "L", "body": "x"}})
    session.commit()
    with pytest.raises(Conflict):
        media.delete_media(session, found, root=media_root)
    session.rollback()
    login(create_user("coordinator", everywhere=True))
    path = media.path_of(media_root, unused)
    resp = client.post(f"/author/media/{unused.id}/delete", data={"item": str(lesson.id)})
    assert resp.status_code == 302
    assert f"/author/items/{lesson.id}/edit" in resp.location
    assert not path.exists()
    assert client.post(f"/author/media/{found.id}/delete").status_code == 409
    # A made-up return item, however large, only changes where the page goes back to.
    resp = client.post(f"/author/media/{spare.id}/delete", data={"item": "9" * 30})
    assert resp.status_code == 302
    assert resp.location.endswith(f"/author/courses/{course.id}")
    assert session.get(MediaFile, found.id) is not None


def test_only_authors_upload(client, login, create_user, create_course, session, media_root):
    course = create_course(publish=False)
    lesson = items_of(course)[ItemKind.LESSON]
    login(create_user("manager"))
    assert _upload(client, lesson.id, PNG, "a.png", alt="A").status_code == 403
    assert _count(session) == 0

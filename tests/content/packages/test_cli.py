"""``librarena course export|import``: the same checks as the browser, from the command line."""

from __future__ import annotations

import zipfile

from sqlalchemy import select

from content.courses.models import Course


def test_export_then_import_from_the_command_line(
    app, session, create_course, media_root, tmp_path
):
    create_course(slug="cli-source")
    runner = app.test_cli_runner()
    target = tmp_path / "course.zip"
    result = runner.invoke(args=["course", "export", "cli-source", str(target)])
    assert result.exit_code == 0, result.output
    assert zipfile.is_zipfile(target)
    result = runner.invoke(args=["course", "import", str(target), "--slug", "cli-copy"])
    assert result.exit_code == 0, result.output
    assert "Imported cli-copy as a draft" in result.output
    copy = session.scalar(select(Course).where(Course.slug == "cli-copy"))
    assert copy is not None
    assert not copy.is_published


def test_a_bad_package_lists_its_problems_and_imports_nothing(
    app, session, create_course, media_root, tmp_path
):
    create_course(slug="cli-taken")
    runner = app.test_cli_runner()
    target = tmp_path / "course.zip"
    runner.invoke(args=["course", "export", "cli-taken", str(target)])
    before = session.scalar(select(Course.id).order_by(Course.id.desc()).limit(1))
    result = runner.invoke(args=["course", "import", str(target)])
    assert result.exit_code == 1
    assert "course.slug: Another course already has this address" in result.output
    assert "The package was not imported." in result.output
    assert session.scalar(select(Course.id).order_by(Course.id.desc()).limit(1)) == before
    result = runner.invoke(args=["course", "export", "no-such-course", str(target)])
    assert result.exit_code == 1
    assert "No course has the address" in result.output

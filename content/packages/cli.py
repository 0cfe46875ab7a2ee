"""``librarena course export|import``: move courses between servers without a browser."""

from __future__ import annotations

from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy import select

from lms.db import db


@click.group("course")
def course_group() -> None:
    """Course packages: export a course as a zip, import one."""


@course_group.command("export")
@click.argument("slug")
@click.argument("target", type=click.Path(dir_okay=False, path_type=Path))
@with_appcontext
def export_command(slug: str, target: Path) -> None:
    """Write the course SLUG (its draft, with media) as a package to TARGET."""
    from content.courses import media
    from content.courses.models import Course
    from content.courses.services import load_course
    from content.packages import services

    course_id = db.session.scalar(select(Course.id).where(Course.slug == slug))
    if course_id is None:
        raise click.ClickException(f"No course has the address {slug!r}.")
    course = load_course(db.session, course_id)
    target.write_bytes(services.export_course(db.session, course, root=media.media_root()))
    click.echo(f"Exported {slug} to {target}.")


@course_group.command("import")
@click.argument("source", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--slug", default=None, help="An address for the course instead of the package's.")
@with_appcontext
def import_command(source: Path, slug: str | None) -> None:
    """Import the package SOURCE as a draft course; on any problem, list them all and import
    nothing."""
    from content.courses import media
    from content.packages import services
    from lms.errors import ValidationFailed

    # A request context for the messages' language (DEFAULT_LOCALE) and the services' config.
    try:
        with current_app.test_request_context():
            package = services.read_package(db.session, source.read_bytes(), slug=slug)
            course = services.import_package(db.session, package, root=media.media_root())
    except ValidationFailed as exc:
        db.session.rollback()
        for problem in exc.errors.get("package", [exc.message or ""]):
            click.echo(problem, err=True)
        raise click.ClickException("The package was not imported.") from exc
    db.session.commit()
    click.echo(f"Imported {course.slug} as a draft (course {course.id}).")

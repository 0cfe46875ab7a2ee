"""Course packages in the browser: export a course as a zip, import one (authors only)."""

from __future__ import annotations

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response as BaseResponse

from content.courses import media
from content.courses import services as courses
from content.packages import services
from content.packages.schemas import ImportSchema
from lms.auth.models import Role
from lms.auth.permissions import roles_required
from lms.db import db
from lms.errors import ValidationFailed
from lms.schema import load

bp = Blueprint("packages", __name__, template_folder="templates", url_prefix="/author")

AUTHORS = (Role.ADMIN, Role.COORDINATOR)


@bp.get("/courses/<int:course_id>/package.zip")
@roles_required(*AUTHORS)
def export(course_id: int) -> Response:
    """The course's draft and media as a package another Librarena can import."""
    course = courses.load_course(db.session, course_id)
    data = services.export_course(db.session, course, root=media.media_root())
    return Response(
        data,
        mimetype="application/zip",
        headers={
            "Content-Disposition": f'attachment; filename="{course.slug}.zip"',
            "Cache-Control": "no-store",
        },
    )


def _form(
    errors: dict[str, list[str]] | None = None, values: dict[str, str] | None = None
) -> tuple[str, int]:
    if errors:
        db.session.rollback()
    return render_template("packages/import.html", errors=errors or {}, values=values or {}), (
        422 if errors else 200
    )


@bp.route("/packages/import", methods=["GET", "POST"])
@roles_required(*AUTHORS)
def import_package() -> BaseResponse | tuple[str, int]:
    """Upload a package; it is checked whole, and imported as a draft only if all is well."""
    if request.method == "GET":
        return _form()
    values = {"slug": request.form.get("slug", "")}
    upload = request.files.get("package")
    try:
        data = load(ImportSchema(), request.form)
        if upload is None or not upload.filename:
            raise ValidationFailed(errors={"package": [_("Choose a package (.zip) to import.")]})
        body = media.read_limited(upload.stream, services.MAX_PACKAGE_BYTES)
        package = services.read_package(db.session, body, slug=data.get("slug") or None)
        course = services.import_package(
            db.session, package, root=media.media_root(), by=current_user
        )
    except ValidationFailed as exc:
        return _form(exc.errors or {"package": [exc.message or ""]}, values)
    db.session.commit()
    flash(_("The course is imported as a draft. Check it, then publish it."), "success")
    return redirect(url_for("courses.course", course_id=course.id))

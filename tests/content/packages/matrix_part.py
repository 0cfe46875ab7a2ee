"""The access matrix's part for the content server's uploads and packages (and certificate PDFs,
quiz question editing, API clients): see ``tests/matrix_support.py``."""

from __future__ import annotations

import hashlib
from typing import Any

from sqlalchemy.orm import Session

from content.courses import services as courses
from content.courses.models import ApiClient, Course, MediaFile, MediaKind
from lms.auth.models import User
from tests.matrix_support import EVERYONE, ORG_ADMINS, ORG_PAGE, ROLES, SIGNED_IN, Case, rule


def _media(session: Session, course_id: int, name: str) -> MediaFile:
    found = MediaFile(
        course=session.get(Course, course_id),
        kind=MediaKind.IMAGE,
        storage_name=f"matrix-{name}",
        filename=name,
        content_type="image/png",
        size_bytes=0,
        sha256="0" * 64,
        alt="Matrix",
        language="",
    )
    session.add(found)
    session.flush()
    return found


#: A machine client's token (scope ``progress:read``), known to the matrix.
MACHINE_TOKEN = "lrn_matrix-machine-token"
MACHINE = {"Authorization": f"Bearer {MACHINE_TOKEN}"}


def add_world(session: Session, users: dict[str, User], ids: dict[str, Any]) -> None:
    """Media rows of the published course and of the draft, and a machine client. The media
    files are not written (the matrix has no media folder): whoever may see a file gets 404,
    the others 403 first."""
    exported = courses.create_course(
        session, slug="matrix-export", translations={"en": {"title": "Export"}}
    )
    ids["export_course"] = exported.id
    ids["media_published"] = _media(session, ids["course"], "published.png").id
    ids["media_draft"] = _media(session, ids["draft"], "draft.png").id
    client = ApiClient(
        name="Matrix",
        token_hash=hashlib.sha256(MACHINE_TOKEN.encode()).hexdigest(),
        scopes=["progress:read"],
    )
    session.add(client)
    session.flush()
    ids["api_client"] = client.id


CASES: list[Case] = [
    # uploads: authors upload and delete; anyone signed in reads a published course's files,
    # only authors a draft's
    Case(
        "courses.upload_media",
        "POST",
        "/author/items/{lesson}/media",
        rule(422, ORG_ADMINS),
        data={},
    ),
    Case(
        "courses.delete_media",
        "POST",
        "/author/media/{media_draft}/delete",
        rule(302, ORG_ADMINS),
    ),
    Case(
        "learn.media_file",
        "GET",
        "/media/{media_published}/published.png",
        rule(404, SIGNED_IN),
    ),
    Case("learn.media_file", "GET", "/media/{media_draft}/draft.png", rule(404, ORG_ADMINS)),
    Case("learn.media_file", "GET", "/media/{media_draft}/other.png", rule(404, SIGNED_IN)),
    # packages: authors only
    Case("packages.export", "GET", "/author/courses/{export_course}/package.zip", ORG_PAGE),
    # the matrix writes no media files: a course whose files are missing is not exported
    Case("packages.export", "GET", "/author/courses/{course}/package.zip", rule(409, ORG_ADMINS)),
    Case("packages.export", "GET", "/author/courses/999999/package.zip", rule(404, ORG_ADMINS)),
    Case("packages.import_package", "GET", "/author/packages/import", ORG_PAGE),
    Case(
        "packages.import_package",
        "POST",
        "/author/packages/import",
        rule(422, ORG_ADMINS),
        data={},
    ),
    # certificate PDFs: as public as the certificate page
    Case(
        "certificates.certificate_pdf_file",
        "GET",
        "/certificates/matrix-certificate-code/certificate.pdf",
        EVERYONE,
    ),
    Case(
        "certificates.certificate_pdf_file",
        "GET",
        "/certificates/no-such-code/certificate.pdf",
        dict.fromkeys(ROLES, 404),
    ),
    # quiz questions: authors edit and reorder them
    Case("courses.edit_question", "GET", "/author/questions/{question}/edit", ORG_PAGE),
    Case(
        "courses.edit_question",
        "POST",
        "/author/questions/{question}/edit",
        rule(422, ORG_ADMINS),
        data={},
    ),
    Case(
        "courses.move_question",
        "POST",
        "/author/questions/{question}/move",
        rule(302, ORG_ADMINS),
        data={"direction": "up"},
    ),
    # machine clients: global administrators manage them; a token reads what its scope allows,
    # whoever's cookie comes with it, and people never reach the machine-only view
    Case("courses.api_clients", "GET", "/author/api-clients", rule(200, ("admin",))),
    Case("courses.api_clients", "POST", "/author/api-clients", rule(422, ("admin",)), data={}),
    Case(
        "courses.revoke_api_client",
        "POST",
        "/author/api-clients/{api_client}/revoke",
        rule(302, ("admin",)),
    ),
    Case(
        "courses_api.learner_enrolments",
        "GET",
        "/api/v1/learners/{staff_a}/enrolments",
        rule(200, (), anonymous=401),
    ),
    Case(
        "courses_api.learner_enrolments",
        "GET",
        "/api/v1/learners/{staff_b}/enrolments",
        EVERYONE,
        headers=MACHINE,
    ),
    Case(
        "courses_api.catalogue",
        "GET",
        "/api/v1/courses",
        dict.fromkeys(ROLES, 403),
        headers=MACHINE,
    ),
]

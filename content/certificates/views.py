"""Certificate pages: printable, and open to anyone who has the verification address."""

from __future__ import annotations

from flask import Blueprint, Response, render_template

from content.certificates.pdf import certificate_pdf
from content.certificates.services import by_code, verification_url
from lms.db import db

bp = Blueprint("certificates", __name__, template_folder="templates")


@bp.get("/certificates/<code>")
def certificate(code: str) -> str:
    """Public on purpose: an employer checks a certificate by opening its address."""
    found = by_code(db.session, code)
    return render_template(
        "certificates/certificate.html",
        certificate=found,
        verify_url=verification_url(found.code),
    )


@bp.get("/certificates/<code>/certificate.pdf")
def certificate_pdf_file(code: str) -> Response:
    """The certificate as a PDF to keep or send; as public as its page, which it points to."""
    found = by_code(db.session, code)
    verify_url = verification_url(found.code)
    return Response(
        certificate_pdf(found, verify_url),
        mimetype="application/pdf",
        headers={"Content-Disposition": 'inline; filename="certificate.pdf"'},
    )

"""Certificate pages: printable, and open to anyone who has the verification address."""

from __future__ import annotations

from flask import Blueprint, render_template, url_for

from content.certificates.services import by_code
from lms.db import db

bp = Blueprint("certificates", __name__, template_folder="templates")


@bp.get("/certificates/<code>")
def certificate(code: str) -> str:
    """Public on purpose: an employer checks a certificate by opening its address."""
    found = by_code(db.session, code)
    return render_template(
        "certificates/certificate.html",
        certificate=found,
        verify_url=url_for("certificates.certificate", code=found.code, _external=True),
    )

"""A certificate as a PDF (fpdf2), in the reader's language, with its verification address.

DejaVu Sans (every Nordic letter, and most others) is embedded when the system has it; otherwise
the PDF core font Helvetica is used and letters outside Latin-1 become "?".
"""

from __future__ import annotations

import io
from pathlib import Path

import segno
from flask_babel import format_date
from flask_babel import gettext as _
from fpdf import FPDF
from fpdf.enums import XPos, YPos

from content.certificates.models import Certificate

FONT_DIR = Path("/usr/share/fonts/truetype/dejavu")
FAMILY = "DejaVu"


def _font(pdf: FPDF) -> str:
    regular, bold = FONT_DIR / "DejaVuSans.ttf", FONT_DIR / "DejaVuSans-Bold.ttf"
    if regular.exists() and bold.exists():
        pdf.add_font(FAMILY, "", str(regular))
        pdf.add_font(FAMILY, "B", str(bold))
        return FAMILY
    return "helvetica"


def certificate_pdf(certificate: Certificate, verify_url: str) -> bytes:
    """One landscape A4 page: who completed what and when, and where to check it."""
    pdf = FPDF(orientation="L", format="A4")
    family = _font(pdf)

    def plain(text: str) -> str:
        if family == "helvetica":
            return text.encode("latin-1", "replace").decode("latin-1")
        return text

    pdf.set_title(plain(f"{_('Certificate')}: {certificate.course_title}"))
    pdf.set_author(plain(certificate.holder_name))
    pdf.set_creator("Librarena")
    pdf.set_lang(certificate.locale)
    pdf.set_auto_page_break(auto=False)
    pdf.add_page()
    # A frame, inset from the page's edge.
    pdf.set_line_width(1.2)
    pdf.rect(10, 10, pdf.w - 20, pdf.h - 20)
    pdf.set_line_width(0.3)
    pdf.rect(14, 14, pdf.w - 28, pdf.h - 28)

    def line(text: str, *, size: float, bold: bool = False, gap: float = 4) -> None:
        pdf.set_font(family, "B" if bold else "", size)
        pdf.multi_cell(0, size * 0.55, plain(text), align="C", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        pdf.ln(gap)

    pdf.set_y(36)
    line(_("Certificate"), size=34, bold=True, gap=10)
    line(_("This certifies that"), size=14)
    line(certificate.holder_name, size=26, bold=True, gap=6)
    line(_("has completed the course"), size=14)
    line(certificate.course_title, size=20, bold=True, gap=6)
    line(_("on %(date)s.", date=format_date(certificate.issued_at, "long")), size=14, gap=18)
    # A QR code of the address, for a certificate checked from paper with a phone.
    code = io.BytesIO()
    segno.make(verify_url, error="m").save(code, kind="png", scale=6, border=2)
    code.seek(0)
    pdf.image(code, x=pdf.w - 14 - 8 - 32, y=pdf.h - 14 - 8 - 32, w=32, h=32, alt_text=verify_url)
    line(_("Anyone can check that this certificate is genuine at:"), size=10, gap=1)
    pdf.set_font(family, "", 10)
    pdf.set_text_color(0, 70, 160)
    pdf.cell(
        0, 6, plain(verify_url), align="C", link=verify_url, new_x=XPos.LMARGIN, new_y=YPos.NEXT
    )
    pdf.set_text_color(0, 0, 0)
    pdf.ln(2)
    line(_("Verification code: %(code)s", code=certificate.code), size=10)
    return bytes(pdf.output())

"""The board as a PDF (fpdf2), in the reader's language.

DejaVu Sans (a TrueType font with every Nordic letter) is embedded when the system has it;
otherwise the PDF core font Helvetica is used and letters outside Latin-1 become "?".
"""

from __future__ import annotations

from pathlib import Path

from flask_babel import format_date, ngettext
from flask_babel import gettext as _
from fpdf import FPDF
from fpdf.enums import XPos, YPos

from lms.swot.labels import LEVEL_LABELS, PERSPECTIVE_LABELS, QUADRANT_LABELS, STATUS_LABELS
from lms.swot.models import SwotItem, SwotWorkshop
from lms.swot.services import Board

FONT_DIR = Path("/usr/share/fonts/truetype/dejavu")
FAMILY = "DejaVu"


class _BoardPDF(FPDF):
    footer_text = ""

    def footer(self) -> None:
        self.set_y(-12)
        self.set_font(self.font_family, size=8)
        self.cell(0, 6, f"{self.footer_text} · {self.page_no()}", align="C")


def _font(pdf: FPDF) -> str:
    regular, bold = FONT_DIR / "DejaVuSans.ttf", FONT_DIR / "DejaVuSans-Bold.ttf"
    if regular.exists() and bold.exists():
        pdf.add_font(FAMILY, "", str(regular))
        pdf.add_font(FAMILY, "B", str(bold))
        return FAMILY
    return "helvetica"


def _plain(pdf: FPDF, text: str) -> str:
    if pdf.font_family == "helvetica":
        return text.encode("latin-1", "replace").decode("latin-1")
    return text


def board_pdf(workshop: SwotWorkshop, board: Board) -> bytes:
    """The workshop's board: each quadrant's prioritised groups, then its other items."""
    pdf = _BoardPDF(format="A4")
    family = _font(pdf)
    pdf.set_title(workshop.title)
    pdf.set_creator("Librarena")
    pdf.set_auto_page_break(auto=True, margin=16)
    pdf.footer_text = _plain(pdf, f"{workshop.title} – {workshop.municipality.name}")
    pdf.add_page()
    width = pdf.epw

    def line(text: str, *, size: float = 10, bold: bool = False, indent: float = 0) -> None:
        pdf.set_font(family, "B" if bold else "", size)
        pdf.set_x(pdf.l_margin + indent)
        pdf.multi_cell(
            width - indent, size * 0.5, _plain(pdf, text), new_x=XPos.LMARGIN, new_y=YPos.NEXT
        )

    def item_line(item: SwotItem, indent: float) -> None:
        details = [str(LEVEL_LABELS[item.level]), str(PERSPECTIVE_LABELS[item.perspective])]
        if item.priority:
            details.append(_("priority %(n)d", n=item.priority))
        dots = board.votes_of(item)
        if dots:
            details.append(ngettext("%(num)d dot", "%(num)d dots", dots))
        line(f"• {item.text}", indent=indent)
        line(f"({'; '.join(details)})", size=8, indent=indent + 4)

    line(workshop.title, size=18, bold=True)
    line(
        _(
            "SWOT workshop for %(municipality)s, %(date)s",
            municipality=workshop.municipality.name,
            date=format_date(workshop.held_on, "long"),
        ),
        size=11,
    )
    line(_("Board: %(status)s", status=STATUS_LABELS[workshop.status]), size=9)
    for quadrant in board.quadrants:
        pdf.ln(4)
        line(f"{QUADRANT_LABELS[quadrant.quadrant]} ({quadrant.count})", size=14, bold=True)
        if not quadrant.count:
            line(_("No items."), size=9)
            continue
        for view in quadrant.groups:
            parts = [view.group.name]
            if view.group.priority:
                parts.append(_("priority %(n)d", n=view.group.priority))
            if view.votes:
                parts.append(ngettext("%(num)d dot", "%(num)d dots", view.votes))
            pdf.ln(1)
            line(" – ".join(parts), size=11, bold=True, indent=2)
            for item in view.items:
                item_line(item, indent=6)
        if quadrant.ungrouped:
            if quadrant.groups:
                pdf.ln(1)
                line(_("Not grouped"), size=11, bold=True, indent=2)
            for item in quadrant.ungrouped:
                item_line(item, indent=6)
    return bytes(pdf.output())

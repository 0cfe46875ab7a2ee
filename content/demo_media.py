"""Demo media: a planning template (PDF, one per language) offered as a download in the pilot
course *Digital mediation*, so the lesson editor's file list and the learner's download link
have something real to show.

The PDF is made here with fpdf2 rather than kept as a binary in the repository: its text is
reviewable like the rest of the course.
"""

from __future__ import annotations

from flask import has_app_context
from fpdf import FPDF
from fpdf.enums import XPos, YPos
from sqlalchemy.orm import Session

from content import sanitize
from content.certificates.pdf import FONT_DIR
from content.courses import media
from content.courses.models import Course, ItemKind

#: The course, module (by position) and lesson (by position in the module) that offer it.
COURSE = "digital-mediation"
MODULE, LESSON = 3, 0

TEMPLATE: dict[str, dict[str, object]] = {
    "en": {
        "file": "planning-template.pdf",
        "link": "Planning template for a mediation activity",
        "title": "Planning a mediation activity",
        "sections": [
            ("Target group", ["Who exactly is it for?", "What stops them today?"]),
            ("Goal", ["What can the participants do afterwards?", "How will we count it?"]),
            ("Format and place", ["Drop-in, workshop or one-to-one?", "When suits them?"]),
            ("Partners", ["Who already meets this group?", "Who can help invite them?"]),
            ("Marketing", ["Where will they see the invitation?", "Which words do they use?"]),
            ("Follow-up", ["What did we learn?", "What do we repeat, change or share?"]),
        ],
    },
    "sv": {
        "file": "planeringsmall.pdf",
        "link": "Planeringsmall för en förmedlingsaktivitet",
        "title": "Planera en förmedlingsaktivitet",
        "sections": [
            ("Målgrupp", ["Vem är den till för, exakt?", "Vad hindrar dem i dag?"]),
            ("Mål", ["Vad kan deltagarna göra efteråt?", "Hur räknar vi det?"]),
            ("Form och plats", ["Drop-in, workshop eller enskilt?", "Vilken tid passar dem?"]),
            ("Samarbetspartner", ["Vem möter redan gruppen?", "Vem kan hjälpa till att bjuda in?"]),
            ("Marknadsföring", ["Var ser de inbjudan?", "Vilka ord använder de själva?"]),
            ("Uppföljning", ["Vad lärde vi oss?", "Vad gör vi igen, ändrar eller delar?"]),
        ],
    },
    "nb": {
        "file": "planleggingsmal.pdf",
        "link": "Planleggingsmal for et formidlingstiltak",
        "title": "Planlegg et formidlingstiltak",
        "sections": [
            ("Målgruppe", ["Hvem er det for, helt konkret?", "Hva hindrer dem i dag?"]),
            ("Mål", ["Hva kan deltakerne gjøre etterpå?", "Hvordan teller vi det?"]),
            ("Form og sted", ["Drop-in, verksted eller én til én?", "Når passer det for dem?"]),
            ("Samarbeidspartnere", ["Hvem møter gruppen allerede?", "Hvem kan hjelpe å invitere?"]),
            ("Markedsføring", ["Hvor ser de invitasjonen?", "Hvilke ord bruker de selv?"]),
            ("Oppfølging", ["Hva lærte vi?", "Hva gjentar, endrer eller deler vi?"]),
        ],
    },
    "da": {
        "file": "planlaegningsskabelon.pdf",
        "link": "Planlægningsskabelon til en formidlingsaktivitet",
        "title": "Planlæg en formidlingsaktivitet",
        "sections": [
            ("Målgruppe", ["Hvem er den helt præcist for?", "Hvad forhindrer dem i dag?"]),
            ("Mål", ["Hvad kan deltagerne bagefter?", "Hvordan tæller vi det?"]),
            ("Form og sted", ["Drop-in, workshop eller én til én?", "Hvornår passer det dem?"]),
            (
                "Samarbejdspartnere",
                ["Hvem møder allerede gruppen?", "Hvem kan hjælpe med at invitere?"],
            ),
            ("Markedsføring", ["Hvor ser de invitationen?", "Hvilke ord bruger de selv?"]),
            ("Opfølgning", ["Hvad lærte vi?", "Hvad gentager, ændrer eller deler vi?"]),
        ],
    },
}


def template_pdf(locale: str) -> bytes:
    """The planning template in ``locale``: a title and, per heading, questions with room."""
    text = TEMPLATE[locale]
    pdf = FPDF(format="A4")
    regular, bold = FONT_DIR / "DejaVuSans.ttf", FONT_DIR / "DejaVuSans-Bold.ttf"
    family = "helvetica"
    if regular.exists() and bold.exists():
        pdf.add_font("DejaVu", "", str(regular))
        pdf.add_font("DejaVu", "B", str(bold))
        family = "DejaVu"

    def plain(value: str) -> str:
        return value if family == "DejaVu" else value.encode("latin-1", "replace").decode()

    pdf.set_title(plain(str(text["title"])))
    pdf.set_creator("Librarena")
    pdf.set_lang(locale)
    pdf.add_page()
    pdf.set_font(family, "B", 18)
    pdf.multi_cell(0, 10, plain(str(text["title"])), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(4)
    for heading, questions in text["sections"]:  # type: ignore[attr-defined]
        pdf.set_font(family, "B", 12)
        pdf.cell(0, 8, plain(heading), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        pdf.set_font(family, "", 10)
        for question in questions:
            pdf.cell(0, 6, plain(f"• {question}"), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
            y = pdf.get_y() + 7
            pdf.line(pdf.l_margin + 4, y, pdf.w - pdf.r_margin, y)
            pdf.ln(9)
        pdf.ln(2)
    return bytes(pdf.output())


def attach_planning_template(session: Session, course: Course) -> None:
    """Upload the template (one PDF per language) and link it from the lesson, before the
    course is published. Without an app (no media folder to write to) nothing is added."""
    if course.slug != COURSE or not has_app_context():
        return
    try:
        lesson = course.modules[MODULE].items[LESSON]
    except IndexError:
        return
    if lesson.kind is not ItemKind.LESSON:
        return
    root = media.media_root()
    for translation in lesson.translations:
        text = TEMPLATE.get(translation.locale)
        if text is None:
            continue
        found = media.add_media(
            session,
            course,
            root=root,
            data=template_pdf(translation.locale),
            filename=str(text["file"]),
            alt=str(text["link"]),
        )
        translation.body_source += f"\n\n{media.snippet(found)}\n"
        translation.body_html = sanitize.markdown_to_html(translation.body_source, sanitize.LESSON)
    session.flush()

"""The certificate PDF: a real PDF with the holder, the course, the code and where to check it."""

from __future__ import annotations

import io

from pypdf import PdfReader

from content.certificates.services import issue


def _text(data: bytes) -> str:
    return " ".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def test_certificate_pdf_names_the_holder_and_its_verification_address(
    client, session, create_user, create_course, enrol
):
    course = create_course()
    learner = create_user(name="Åsa Ødegård-Łukasiewicz")
    certificate = issue(session, enrol(course, learner), locale="en")
    session.commit()
    page = client.get(f"/certificates/{certificate.code}").get_data(as_text=True)
    pdf_url = f"/certificates/{certificate.code}/certificate.pdf"
    assert pdf_url in page
    resp = client.get(pdf_url)  # public, like the page: no sign-in
    assert resp.status_code == 200
    assert resp.mimetype == "application/pdf"
    assert resp.data.startswith(b"%PDF-")
    text = _text(resp.data)
    assert "Åsa Ødegård-Łukasiewicz" in text
    assert certificate.course_title in text
    assert certificate.code in text
    assert f"http://librarena.localhost/certificates/{certificate.code}" in text
    # …and a QR code of that address, for a certificate checked from paper.
    assert len(PdfReader(io.BytesIO(resp.data)).pages[0].images) == 1


def test_certificate_pdf_speaks_the_readers_language(
    client, session, create_user, create_course, enrol
):
    course = create_course()
    certificate = issue(session, enrol(course, create_user()), locale="en")
    session.commit()
    resp = client.get(
        f"/certificates/{certificate.code}/certificate.pdf", headers={"Accept-Language": "sv"}
    )
    assert "Intyg" in _text(resp.data)


def test_unknown_code_has_no_pdf(client):
    assert client.get("/certificates/no-such-code/certificate.pdf").status_code == 404

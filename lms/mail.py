"""E-mail: composed in the recipient's language, queued in the outbox, sent by the worker."""

from __future__ import annotations

import smtplib
import ssl
import uuid
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from pathlib import Path
from typing import Any

from flask import Flask, render_template
from flask_babel import force_locale
from sqlalchemy.orm import Session

from lms.outbox.services import enqueue, register

CHANNEL = "mail"


def queue_mail(
    session: Session,
    *,
    to: str,
    template: str,
    locale: str,
    attachments: list[dict[str, str]] | None = None,
    **context: Any,
) -> None:
    """Render ``templates/mail/<template>.txt`` in ``locale`` and queue it.

    The template's first line is the subject. Attachments are ``{"filename", "mimetype",
    "content"}`` with text content (e.g. an iCalendar file).
    """
    with force_locale(locale):
        rendered = render_template(f"mail/{template}.txt", **context)
    subject, _, body = rendered.strip().partition("\n")
    enqueue(
        session,
        CHANNEL,
        {
            "to": to,
            "subject": subject.strip(),
            "body": body.strip() + "\n",
            "attachments": attachments or [],
        },
    )


def build_message(app: Flask, payload: dict[str, Any]) -> EmailMessage:
    msg = EmailMessage()
    msg["From"] = app.config["MAIL_SENDER"]
    msg["To"] = payload["to"]
    msg["Subject"] = payload["subject"]
    msg["Date"] = formatdate(localtime=False)
    msg["Message-ID"] = make_msgid(domain="librarena.invalid")
    msg.set_content(payload["body"])
    for att in payload.get("attachments", []):
        maintype, _, subtype = att["mimetype"].partition("/")
        msg.add_attachment(
            att["content"].encode(), maintype=maintype, subtype=subtype, filename=att["filename"]
        )
    return msg


def send(app: Flask, payload: dict[str, Any]) -> None:
    msg = build_message(app, payload)
    if app.config["MAIL_BACKEND"] == "smtp":
        with smtplib.SMTP(
            app.config["MAIL_SERVER"], int(app.config["MAIL_PORT"]), timeout=30
        ) as smtp:
            if app.config["MAIL_USE_TLS"]:
                smtp.starttls(context=ssl.create_default_context())
            if app.config["MAIL_USERNAME"]:
                smtp.login(app.config["MAIL_USERNAME"], app.config["MAIL_PASSWORD"] or "")
            smtp.send_message(msg)
        return
    folder = Path(app.config["MAIL_DIR"])
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{uuid.uuid4().hex}.eml").write_bytes(msg.as_bytes())


def init_app(app: Flask) -> None:
    register(app, CHANNEL, send, uses_database=False)

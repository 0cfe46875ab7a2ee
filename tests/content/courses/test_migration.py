"""The content migration fills the catalogue columns of courses published before it."""

from __future__ import annotations

import json

from alembic import command
from sqlalchemy import text

from lms.db import db
from lms.migrations import alembic_config
from tests.conftest import make_test_app

BEFORE, AFTER = "b5c7e9a1f605", "b6e8a0c2f706"


def test_courses_published_before_get_their_catalogue_columns(tmp_path):
    app = make_test_app(f"sqlite:///{tmp_path / 'm.sqlite3'}", str(tmp_path))
    snapshot = {
        "format": 1,
        "course": {
            "id": 1,
            "slug": "old",
            "fallback_locale": "sv",
            "topic": "digital-mediation",
            "estimated_minutes": 45,
            "translations": {
                "sv": {"title": "Gammal", "summary": "Kort", "description_html": "<p>Lång</p>"},
                "en": {"title": "Old", "summary": "Short", "description_html": "<p>Long</p>"},
            },
        },
        "modules": [],
    }
    with app.app_context():
        command.upgrade(alembic_config(), BEFORE)
        with db.engine.begin() as conn:
            conn.execute(
                text(
                    "INSERT INTO courses (id, slug, fallback_locale, topic, estimated_minutes,"
                    " is_published, created_at, updated_at) VALUES (1, 'old', 'sv', 'x', 0, 1,"
                    " '2026-01-01 00:00:00', '2026-01-01 00:00:00')"
                )
            )
            conn.execute(
                text(
                    "INSERT INTO course_versions (course_id, number, snapshot, published_at)"
                    " VALUES (1, 1, :snapshot, '2026-01-01 00:00:00')"
                ),
                {"snapshot": json.dumps(snapshot)},
            )
        command.upgrade(alembic_config(), AFTER)
        with db.engine.connect() as conn:
            topic, minutes, locales, header = conn.execute(
                text(
                    "SELECT published_topic, published_minutes, published_locales,"
                    " published_header FROM courses"
                )
            ).one()
        command.downgrade(alembic_config(), BEFORE)
        db.engine.dispose()
    assert (topic, minutes, locales) == ("digital-mediation", 45, ",en,sv,")
    header = json.loads(header)
    assert header["course"]["translations"]["sv"] == {
        "title": "Gammal",
        "summary": "Kort",
        "description_html": "",
    }

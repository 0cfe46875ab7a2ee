"""The Alembic migrations build exactly the schema the models describe, on both databases."""

from __future__ import annotations

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, inspect, text

import lms.models  # noqa: F401
from lms.db import Base, db
from lms.migrations import alembic_config
from tests.conftest import make_test_app


def test_migrations_upgrade_matches_models_and_downgrades_cleanly(fresh_url, tmp_path):
    app = make_test_app(fresh_url, str(tmp_path))
    with app.app_context():
        command.upgrade(alembic_config(), "head")
        with db.engine.connect() as conn:
            diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
        assert diff == [], f"models and migrations differ: {diff}"
        command.downgrade(alembic_config(), "base")
        assert set(inspect(db.engine).get_table_names()) <= {"alembic_version"}
        db.engine.dispose()


def test_cli_upgrade_and_demo_are_idempotent(fresh_url, tmp_path, monkeypatch):
    from sqlalchemy import func, select

    from lms.auth.models import User
    from lms.cli import main

    monkeypatch.setenv("LIBRARENA_DATABASE_URL", fresh_url)
    monkeypatch.setenv("LIBRARENA_SECRET_KEY", "cli-test")
    monkeypatch.setenv("LIBRARENA_INSTANCE_PATH", str(tmp_path))
    from click.testing import CliRunner

    runner = CliRunner()
    for _ in range(2):
        result = runner.invoke(main, ["db", "upgrade"], catch_exceptions=False)
        assert "up to date" in result.output
    first = runner.invoke(main, ["demo"], catch_exceptions=False)
    assert "Demo data loaded." in first.output
    assert "manager@demo.librarena.example" in first.output
    second = runner.invoke(main, ["demo"], catch_exceptions=False)
    assert "already there" in second.output
    engine = create_engine(fresh_url)
    with engine.connect() as conn:
        users = conn.execute(select(func.count()).select_from(User.__table__)).scalar()
    engine.dispose()
    assert 55 <= users <= 70  # about 60 staff across the roles


def test_demo_programme_spans_the_four_counties(session, app_context):
    from sqlalchemy import select

    from lms.demo import load_demo
    from lms.orgs.models import Programme, UnitKind

    assert load_demo(session)
    kub = session.scalars(select(Programme)).one()
    assert sorted(r.name for r in kub.regions) == ["Dalarna", "Gävleborg", "Uppsala", "Värmland"]
    assert {r.kind for r in kub.regions} == {UnitKind.REGION}
    assert [p.name for p in kub.phases] == ["Mobilisering", "Genomförande"]
    assert not load_demo(session)  # a second run changes nothing


def test_links_migration_keeps_every_link_both_ways(fresh_url, tmp_path):
    """e3b5d7f9a124 rebuilds the LRS link table under a new key: the rows survive it, and
    its downgrade."""
    app = make_test_app(fresh_url, str(tmp_path))
    links = {(1, "verb", "http://example.org/v"), (1, "agent", "mbox::mailto:a@example.org")}
    with app.app_context():
        command.upgrade(alembic_config(), "d2a4c6e8f013")
        with db.engine.begin() as conn:
            conn.execute(
                text(
                    "INSERT INTO xapi_statements (seq, id, stored, verb_id, is_voided, "
                    "is_voiding, data) VALUES (1, 'a1b2c3d4-0000-4000-8000-000000000001', "
                    "'2026-01-01 00:00:00', 'http://example.org/v', false, false, '{}')"
                )
            )
            for seq, kind, value in links:
                conn.execute(
                    text("INSERT INTO xapi_statement_links (seq, kind, value) VALUES (:s, :k, :v)"),
                    {"s": seq, "k": kind, "v": value},
                )
        steps = [
            (command.upgrade, "e3b5d7f9a124"),
            (command.downgrade, "d2a4c6e8f013"),
            (command.upgrade, "head"),
        ]
        for step, target in steps:
            step(alembic_config(), target)
            with db.engine.connect() as conn:
                rows = conn.execute(text("SELECT seq, kind, value FROM xapi_statement_links"))
                assert set(map(tuple, rows)) == links, target
        db.engine.dispose()

from __future__ import annotations

import stat

from lms.auth.models import User
from lms.config import SETTINGS, load_config


def test_config_secret_key_generated_once_and_private(tmp_path):
    first = load_config(str(tmp_path), environ={})
    second = load_config(str(tmp_path), environ={})
    assert first["SECRET_KEY"] == second["SECRET_KEY"]
    assert len(first["SECRET_KEY"]) >= 48
    mode = (tmp_path / "secret_key").stat().st_mode
    assert stat.S_IMODE(mode) == 0o600


def test_config_environment_with_prefix_wins_and_is_typed(tmp_path):
    cfg = load_config(
        str(tmp_path),
        environ={
            "LIBRARENA_SECRET_KEY": "from-env",
            "LIBRARENA_DATABASE_URL": "postgresql+psycopg://u@h/db",
            "LIBRARENA_MAIL_PORT": "587",
            "LIBRARENA_MAIL_USE_TLS": "yes",
            "SECRET_KEY": "unprefixed is ignored",
        },
    )
    assert cfg["SECRET_KEY"] == "from-env"
    assert cfg["DATABASE_URL"] == "postgresql+psycopg://u@h/db"
    assert cfg["MAIL_PORT"] == 587
    assert cfg["MAIL_USE_TLS"] is True
    assert not (tmp_path / "secret_key").exists()


def test_config_default_database_is_sqlite_in_instance(tmp_path):
    cfg = load_config(str(tmp_path), environ={})
    assert cfg["DATABASE_URL"] == f"sqlite:///{tmp_path / 'librarena.sqlite3'}"


def test_config_every_setting_is_documented_in_readme():
    from pathlib import Path

    readme = (Path(__file__).parents[2] / "README.md").read_text()
    for name in SETTINGS:
        assert f"LIBRARENA_{name}" in readme, name


def test_sqlite_runs_in_wal_mode_with_foreign_keys(tmp_path):
    from sqlalchemy import text

    from lms.db import make_engine

    engine = make_engine(f"sqlite:///{tmp_path / 'x.sqlite3'}")
    with engine.connect() as conn:
        assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1
    engine.dispose()


def test_config_overrides_beat_environment_and_defaults(tmp_path):
    cfg = load_config(
        str(tmp_path),
        overrides={"MAIL_DIR": "/elsewhere", "SECRET_KEY": "k"},
        environ={"LIBRARENA_SECRET_KEY": "env"},
    )
    assert cfg["MAIL_DIR"] == "/elsewhere"
    assert cfg["SECRET_KEY"] == "k"


def test_sqlite_write_requests_take_the_write_lock_up_front(tmp_path):
    """Two requests that read and then write must queue, not fail with "database is locked"."""
    import sqlite3

    from lms.db import Base, db
    from tests.conftest import make_test_app

    path = tmp_path / "locks.sqlite3"
    app = make_test_app(f"sqlite:///{path}", str(tmp_path))
    Base.metadata.create_all(db.state(app).engine)

    def write_lock_free() -> bool:
        other = sqlite3.connect(path, timeout=0, isolation_level=None)
        try:
            other.execute("BEGIN IMMEDIATE")
            other.execute("ROLLBACK")
            return True
        except sqlite3.OperationalError:
            return False
        finally:
            other.close()

    with app.test_request_context("/", method="POST"):
        db.session.get(User, 1)
        assert not write_lock_free()  # held from the request's first query
        db.remove()
    with app.test_request_context("/", method="GET"):
        db.session.get(User, 1)
        assert write_lock_free()  # readers never block writers
        db.remove()
    db.state(app).engine.dispose()

"""Configuration read from ``LIBRARENA_*`` environment variables.

Nothing here runs at import time: :func:`load_config` is called by the app factory, so a test
can build an app with its own settings and never touch the environment or ``instance/``.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from pathlib import Path
from typing import Any

PREFIX = "LIBRARENA_"

#: Every setting a deployment may change, with its default and what it does. README's table is
#: written from this, and ``load_config`` reads exactly these names.
SETTINGS: dict[str, tuple[Any, str]] = {
    "DATABASE_URL": (None, "SQLAlchemy URL; default SQLite file `instance/librarena.sqlite3`"),
    "SECRET_KEY": (None, "Session signing key; default generated once into `instance/secret_key`"),
    "BASE_URL": ("http://127.0.0.1:5000", "Public URL, used in e-mails and feeds"),
    "DEFAULT_LOCALE": ("en", "Language when nothing else decides (sv, nb, da, en)"),
    "DEFAULT_TIMEZONE": ("Europe/Stockholm", "Time zone when neither user nor country sets one"),
    "MEDIA_ROOT": (None, "Folder for courses' uploaded files; default `instance/media/`"),
    "MAIL_BACKEND": ("file", "`file` (writes .eml into `instance/mail/`) or `smtp`"),
    "MAIL_SERVER": ("localhost", "SMTP host"),
    "MAIL_PORT": (25, "SMTP port"),
    "MAIL_USE_TLS": (False, "STARTTLS on the SMTP connection"),
    "MAIL_USERNAME": (None, "SMTP user"),
    "MAIL_PASSWORD": (None, "SMTP password"),
    "MAIL_SENDER": ("Librarena <no-reply@librarena.invalid>", "From: address"),
    "RATELIMIT_STORAGE_URI": ("memory://", "Flask-Limiter storage (e.g. `redis://…`)"),
    "LOGIN_RATE_LIMIT": ("5 per minute;30 per hour", "Failed sign-ins per account and client"),
    "LOGIN_RATE_LIMIT_PER_CLIENT": ("60 per hour", "Failed sign-ins per client address"),
    "SECURE_COOKIES": (False, "Set Secure on cookies; turn on behind HTTPS"),
    "PASSWORD_RESET_HOURS": (2, "How long a password-reset link stays valid"),
    "BBB_URL": (None, "BigBlueButton API base, ending in `/bigbluebutton/`"),
    "BBB_SECRET": (None, "BigBlueButton shared secret (never sent to a browser)"),
    "BBB_CHECKSUM": ("sha256", "BigBlueButton checksum: `sha256`, or `sha1` for old servers"),
    "BBB_TIMEOUT": (5, "Seconds to wait for BigBlueButton"),
    "WEBINAR_JOIN_MINUTES_BEFORE": (15, "Minutes before the start when Join appears"),
    "INVITE_DAYS": (7, "How long an invitation link stays valid"),
    "LTI_CLOCK_TOLERANCE": (60, "Seconds of clock skew allowed on LTI id_tokens (`iat`, `exp`)"),
}

COUNTRY_LOCALE = {"SE": "sv", "NO": "nb", "DK": "da"}
COUNTRY_TIMEZONE = {"SE": "Europe/Stockholm", "NO": "Europe/Oslo", "DK": "Europe/Copenhagen"}
LOCALES = ("sv", "nb", "da", "en")


def _coerce(raw: str, default: Any) -> Any:
    if isinstance(default, bool):
        return raw.strip().lower() in {"1", "true", "yes", "on"}
    if isinstance(default, int):
        return int(raw)
    return raw


def _secret_key(instance_path: Path) -> str:
    """Read the instance's secret key, creating it (mode 0600) on first run."""
    path = instance_path / "secret_key"
    if path.exists():
        return path.read_text().strip()
    instance_path.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(48)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write(key)
    return key


def load_config(
    instance_path: str,
    overrides: Mapping[str, Any] | None = None,
    environ: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    """Build the config: defaults, then ``LIBRARENA_*`` variables, then ``overrides``."""
    env = os.environ if environ is None else environ
    config: dict[str, Any] = {}
    for name, (default, _help) in SETTINGS.items():
        raw = env.get(PREFIX + name)
        config[name] = default if raw is None else _coerce(raw, default)
    config.update(overrides or {})
    ipath = Path(instance_path)
    if not config["DATABASE_URL"]:
        config["DATABASE_URL"] = f"sqlite:///{ipath / 'librarena.sqlite3'}"
    if not config["SECRET_KEY"]:
        config["SECRET_KEY"] = _secret_key(ipath)
    config.setdefault("MAIL_DIR", str(ipath / "mail"))
    return config

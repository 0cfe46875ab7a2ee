"""Development plans (JSON API)."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("plans_api", __name__, url_prefix="/api/v1")

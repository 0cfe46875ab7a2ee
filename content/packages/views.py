"""Course packages (HTML)."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("packages", __name__, template_folder="templates")

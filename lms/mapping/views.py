"""Competence mapping rounds (HTML)."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("mapping", __name__, url_prefix="/mapping", template_folder="templates")

"""Competence frameworks (HTML)."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("competences", __name__, url_prefix="/competences", template_folder="templates")

"""Competence mapping rounds (JSON API)."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("mapping_api", __name__, url_prefix="/api/v1")

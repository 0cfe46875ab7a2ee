"""Tracks (ordered learning paths) and the assignments managers make of them. (JSON API)."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("assignments_api", __name__, url_prefix="/api/v1")

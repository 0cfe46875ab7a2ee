"""SWOT workshops (HTML)."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("swot", __name__, url_prefix="/swot", template_folder="templates")

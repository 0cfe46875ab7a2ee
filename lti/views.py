"""Librarena as an LTI tool (HTML)."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("lti", __name__, url_prefix="/lti", template_folder="templates")

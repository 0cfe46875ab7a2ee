"""Dashboards and reports per role, with CSV and XLSX exports. (HTML)."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("reporting", __name__, url_prefix="/reports", template_folder="templates")

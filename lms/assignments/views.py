"""Tracks (ordered learning paths) and the assignments managers make of them. (HTML)."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("assignments", __name__, template_folder="templates")

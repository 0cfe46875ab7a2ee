"""Organisation units and programmes (JSON)."""

from flask import Blueprint

bp = Blueprint("orgs_api", __name__, url_prefix="/api/v1")

"""Organisation units, staff, teams and programmes (HTML)."""

from flask import Blueprint

bp = Blueprint("orgs", __name__, template_folder="templates")

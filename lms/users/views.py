"""Administration of user accounts and their roles."""

from flask import Blueprint

bp = Blueprint("users", __name__, url_prefix="/admin/users", template_folder="templates")

"""The public pages: upcoming evenings, the residents' and initiatives' forms, the cancel link."""
from flask import Blueprint, jsonify

bp = Blueprint("forms", __name__)


@bp.get("/")
def index():
    return jsonify({"service": "registration"})


@bp.route("/afmelden/<token>", methods=["GET", "POST"])
def cancel(token):
    return jsonify({"token": token})


def error_page(status: int, message: str):
    return jsonify({"error": {"code": "error", "message": message}}), status


def install_page_errors(app):
    pass

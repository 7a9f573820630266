"""The door: volunteers check residents in and see their colours appear."""
from flask import Blueprint

bp = Blueprint("door", __name__)

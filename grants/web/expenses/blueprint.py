"""The expenses blueprint, shared by the route modules of the area."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("expenses", __name__, url_prefix="/expenses")

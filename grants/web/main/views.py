"""The home page and the language switch."""

from __future__ import annotations

from flask import (
    Blueprint,
    abort,
    current_app,
    redirect,
    render_template,
    request,
    session,
    url_for,
)

from grants.domain.permissions import policies
from grants.services import notices, rounds
from grants.web.access import requires
from grants.web.redirects import safe_next
from grants.web.rounds.views import phase_items

bp = Blueprint("main", __name__)


@bp.get("/")
@requires(policies.PUBLIC)
def index():
    """Landing page: the rounds and where they stand, and the notices open for objections."""
    items = phase_items(rounds.list_rounds())
    open_notices = [n for n in notices.list_notices() if notices.is_open(n)]
    return render_template("main/index.html", items=items, open_notices=open_notices)


@bp.post("/lang/<code>")
@requires(policies.PUBLIC)
def set_language(code: str):
    """Remember the chosen interface language and return to the page the visitor was on."""
    if code not in current_app.config["LANGUAGES"]:
        abort(404)
    session["lang"] = code
    return redirect(safe_next(request.form.get("next"), url_for("main.index")))

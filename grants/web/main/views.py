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

from grants.web.access import public

bp = Blueprint("main", __name__)


@bp.get("/")
@public
def index():
    """Landing page: what the platform is and where each role starts."""
    return render_template("main/index.html")


@bp.post("/lang/<code>")
@public
def set_language(code: str):
    """Remember the chosen interface language and return to the page the visitor was on."""
    if code not in current_app.config["LANGUAGES"]:
        abort(404)
    session["lang"] = code
    target = request.form.get("next") or ""
    if not target.startswith("/") or target.startswith("//"):
        target = url_for("main.index")
    return redirect(target)

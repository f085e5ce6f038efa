"""Login, logout and self-registration for residents and organisations."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import logout_user
from sqlalchemy import select

from grants.domain.errors import Refusal
from grants.domain.permissions import policies
from grants.extensions import db
from grants.models import Community
from grants.services import accounts, auth
from grants.web import sessions as web_sessions
from grants.web.access import requires
from grants.web.auth.forms import LoginForm, OrganisationForm, ResidentForm
from grants.web.home.views import landing_url
from grants.web.redirects import safe_next

bp = Blueprint("auth", __name__, url_prefix="/auth")


def _safe_next(default: str) -> str:
    """A same-site path to continue to after login, never an outside address."""
    return safe_next(request.args.get("next"), default)


def _live_row():
    """The session row this browser holds now (signed in or waiting), or None."""
    live = web_sessions.current()
    return live.row if live is not None else None


@bp.route("/login", methods=["GET", "POST"])
@requires(policies.PUBLIC)
def login():
    """Log in; too many failures answer 429 with Retry-After. A staff account goes on to the
    second factor (or to set one up) before it is signed in."""
    form = LoginForm()
    if form.validate_on_submit():
        address = request.remote_addr or ""
        try:
            user = auth.check_password(form.username.data, form.password.data, address)
        except auth.Throttled as throttled:
            abort(429, retry_after=throttled.retry_after)
        if user is not None:
            token, row = auth.begin(user, address, replaces=_live_row())
            live = web_sessions.sign_in(token, row, user)
            target = _safe_next(landing_url(user))
            if not live.complete:
                return redirect(web_sessions.second_factor_url(live, target))
            flash(_("欢迎回来，%(name)s", name=user.display_name), "success")
            return redirect(target)
        flash(_("用户名或密码不正确"), "danger")
        return render_template("auth/login.html", form=form), 401
    return render_template("auth/login.html", form=form), 400 if form.errors else 200


@bp.post("/logout")
@requires(policies.SIGNED_IN, second_factor_step=True)
def logout():
    """Log out: the session ends on the server (a copied cookie stops working), recorded."""
    live = web_sessions.current()
    if live is not None:
        auth.logout(live.user, live.row)
    logout_user()
    web_sessions.sign_out()
    flash(_("您已退出登录"), "info")
    return redirect(url_for("main.index"))


def _sign_in_new(user) -> None:
    """Sign a just-registered account in with a new server-kept session."""
    token, row = auth.begin(user, request.remote_addr or "", replaces=_live_row())
    web_sessions.sign_in(token, row, user)


def _communities() -> list[tuple[int, str]]:
    """(id, label) choices for the community picker."""
    rows = db.session.scalars(select(Community).order_by(Community.street, Community.name))
    return [(0, _("（请选择）"))] + [(c.id, f"{c.street} {c.name}") for c in rows]


@bp.route("/register", methods=["GET", "POST"])
@requires(policies.PUBLIC)
def register():
    """A resident creates an account."""
    form = ResidentForm()
    form.community_id.choices = _communities()
    if form.validate_on_submit():
        try:
            user = accounts.register_resident(
                form.username.data, form.display_name.data, form.password.data,
                form.phone.data or "", form.community_id.data or None)
        except Refusal as error:
            flash(str(error), "danger")
            return render_template("auth/register.html", form=form, kind="resident"), 400
        else:
            _sign_in_new(user)
            flash(_("注册成功，欢迎参与金点子提案"), "success")
            return redirect(url_for("main.index"))
    status = 400 if form.errors else 200
    return render_template("auth/register.html", form=form, kind="resident"), status


@bp.route("/register/organisation", methods=["GET", "POST"])
@requires(policies.PUBLIC)
def register_organisation():
    """A social organisation creates its profile and first member account."""
    form = OrganisationForm()
    if form.validate_on_submit():
        details = accounts.OrgDetails(
            name=form.org_name.data, uscc=form.uscc.data, contact_name=form.contact_name.data,
            contact_phone=form.contact_phone.data, address=form.address.data or "",
            bank_name=form.bank_name.data or "",
            bank_account=(form.bank_account.data or "").replace(" ", ""))
        try:
            user = accounts.register_organisation(
                form.username.data, form.display_name.data, form.password.data, details)
        except Refusal as error:
            flash(str(error), "danger")
            return render_template("auth/register.html", form=form, kind="organisation"), 400
        else:
            _sign_in_new(user)
            flash(_("组织注册成功"), "success")
            return redirect(url_for("main.index"))
    status = 400 if form.errors else 200
    return render_template("auth/register.html", form=form, kind="organisation"), status

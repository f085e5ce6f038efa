"""Admin pages: list accounts, create staff accounts, change roles."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import func, select

from grants.domain.errors import Refusal
from grants.domain.permissions import policies
from grants.extensions import db
from grants.models import User
from grants.services import accounts
from grants.web.access import requires
from grants.web.admin.forms import RolesForm, StaffForm

bp = Blueprint("admin", __name__, url_prefix="/admin")
PAGE_SIZE = 50


@bp.get("/users")
@requires(policies.MANAGE_USERS)
def users():
    """All accounts, newest first, with their roles; searchable by name."""
    query = select(User).order_by(User.id.desc())
    if term := request.args.get("q", "").strip():
        like = f"%{term}%"
        query = query.where(User.username.ilike(like) | User.display_name.ilike(like))
    page = db.paginate(query, per_page=PAGE_SIZE, error_out=False)
    total = db.session.scalar(select(func.count(User.id)))
    return render_template("admin/users.html", page=page, term=term, total=total)


@bp.route("/users/new", methods=["GET", "POST"])
@requires(policies.MANAGE_USERS)
def new_user():
    """Create a staff account (judge, organizer, finance, auditor, admin)."""
    form = StaffForm()
    form.roles.choices = accounts.role_choices()
    if form.validate_on_submit():
        try:
            accounts.create_staff_user(form.username.data, form.display_name.data,
                                       form.password.data, form.roles.data, actor=current_user)
        except Refusal as error:
            flash(str(error), "danger")
            return render_template("admin/new_user.html", form=form), 400
        flash(_("账号已创建"), "success")
        return redirect(url_for("admin.users"))
    return render_template("admin/new_user.html", form=form), 400 if form.errors else 200


@bp.route("/users/<int:user_id>/roles", methods=["GET", "POST"])
@requires(policies.MANAGE_USERS)
def edit_roles(user_id: int):
    """Change one account's roles."""
    user = db.session.get(User, user_id) or abort(404)
    form = RolesForm(data={"roles": sorted(user.roles)})
    form.roles.choices = accounts.role_choices()
    if form.validate_on_submit():
        try:
            accounts.set_roles(user, form.roles.data, actor=current_user)
        except Refusal as error:
            flash(str(error), "danger")
            return render_template("admin/roles.html", form=form, user=user), 400
        flash(_("角色已更新"), "success")
        return redirect(url_for("admin.users"))
    return render_template("admin/roles.html", form=form, user=user), 400 if form.errors else 200

"""The inbox of in-app notifications and the unread badge shown in the navigation."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import func, select, update
from wtforms import StringField, SubmitField

from grants.domain.clock import now_utc, stored
from grants.domain.errors import Refusal
from grants.domain.permissions import policies
from grants.extensions import db
from grants.models import Notification
from grants.services import contact, delivery
from grants.web.access import requires

bp = Blueprint("notifications", __name__, url_prefix="/notifications")
PAGE_SIZE = 20


def unread_count_of(user_id: int) -> int:
    """How many notifications of this account are still unread."""
    query = select(func.count(Notification.id)).where(
        Notification.user_id == user_id, Notification.read_at.is_(None)
    )
    return db.session.scalar(query) or 0


@bp.app_context_processor
def unread_badge() -> dict:
    """``unread_count`` for every page: the logged-in account's unread notifications (else 0)."""
    if not current_user.is_authenticated:
        return {"unread_count": 0}
    return {"unread_count": unread_count_of(current_user.id)}


@bp.get("/")
@requires(policies.SIGNED_IN)
def index():
    """The account's notifications, newest first, unread ones highlighted."""
    query = (
        select(Notification)
        .where(Notification.user_id == current_user.id)
        .order_by(Notification.created_at.desc(), Notification.id.desc())
    )
    page = db.paginate(query, per_page=PAGE_SIZE, error_out=False)
    return render_template("notifications/index.html", page=page, form=FlaskForm(),
                           email_form=EmailForm(formdata=None, email=current_user.email),
                           email_sent=bool(delivery.senders()))


@bp.post("/read")
@requires(policies.SIGNED_IN)
def mark_all_read():
    """Mark every unread notification of the account as read (not a domain change: no audit)."""
    if FlaskForm().validate_on_submit():
        db.session.execute(
            update(Notification)
            .where(Notification.user_id == current_user.id, Notification.read_at.is_(None))
            .values(read_at=stored(now_utc()))
        )
        db.session.commit()
        flash(_("已全部标记为已读"), "success")
    return redirect(url_for("notifications.index"), 303)


class EmailForm(FlaskForm):
    """The address notifications are also e-mailed to (blank: inbox only)."""

    email = StringField(_l("通知邮箱（可不填）"),
                        render_kw={"maxlength": 120, "inputmode": "email", "autocomplete": "email"})
    save_email = SubmitField(_l("保存邮箱"))


@bp.post("/email")
@requires(policies.SIGNED_IN)
def set_email():
    """Save the account's notification e-mail (any signed-in person, for themselves)."""
    form = EmailForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        address = contact.set_email(current_user, form.email.data or "")
    except Refusal as error:
        flash(str(error), "danger")
        return redirect(url_for("notifications.index"), 303)
    flash(_("通知邮箱已保存") if address else _("已不再发送邮件通知"), "success")
    return redirect(url_for("notifications.index"), 303)

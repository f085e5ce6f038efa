"""The organizer's announcement pages (``/open/manage/announcements``): write, edit, publish,
withdraw. The service sanitises and audits; these views only show forms and results."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from grants.domain.errors import Refusal
from grants.domain.permissions import policies
from grants.services.portal import announcements
from grants.web.access import requires
from grants.web.portal.forms import AnnouncementForm
from grants.web.portal.views import bp


def _row_or_404(announcement_id: int):
    """The announcement, or a 404 page."""
    return announcements.get(announcement_id) or abort(404)


@bp.get("/manage/announcements")
@requires(policies.ORGANIZE)
def manage_announcements():
    """Every announcement with its state and the actions allowed now, and a form for a new one."""
    rows = announcements.all_for_staff()
    actions = {row.id: announcements.actions_for(row, current_user) for row in rows}
    return render_template("portal/manage/list.html", rows=rows, actions=actions,
                           form=AnnouncementForm())


@bp.post("/manage/announcements")
@requires(policies.ORGANIZE)
def create_announcement():
    """Save a new announcement as a draft."""
    form = AnnouncementForm()
    try:
        row = announcements.create(form.title.data or "", form.body.data or "", current_user)
    except Refusal as error:
        flash(str(error), "danger")
        return render_template("portal/manage/form.html", form=form, row=None), error.status
    flash(_("公告已保存为草稿"), "success")
    return redirect(url_for("portal.edit_announcement", announcement_id=row.id))


@bp.get("/manage/announcements/<int:announcement_id>")
@requires(policies.ORGANIZE)
def edit_announcement(announcement_id: int):
    """The edit form of one announcement, filled with its stored (clean) text."""
    row = _row_or_404(announcement_id)
    form = AnnouncementForm(title=row.title, body=row.body_html)
    return render_template("portal/manage/form.html", form=form, row=row,
                           actions=announcements.actions_for(row, current_user))


@bp.post("/manage/announcements/<int:announcement_id>")
@requires(policies.ORGANIZE)
def save_announcement(announcement_id: int):
    """Save a changed text (audited only when something changed)."""
    row = _row_or_404(announcement_id)
    form = AnnouncementForm()
    try:
        changed = announcements.edit(row.id, form.title.data or "", form.body.data or "",
                                     current_user)
    except Refusal as error:
        flash(str(error), "danger")
        return render_template("portal/manage/form.html", form=form, row=row,
                               actions=announcements.actions_for(row, current_user)), error.status
    flash(_("公告已保存") if changed else _("内容没有变化"), "success")
    return redirect(url_for("portal.edit_announcement", announcement_id=row.id))


@bp.post("/manage/announcements/<int:announcement_id>/publish")
@requires(policies.ORGANIZE)
def publish_announcement(announcement_id: int):
    """Show the announcement on the portal."""
    announcements.publish(_row_or_404(announcement_id).id, current_user)
    flash(_("公告已发布"), "success")
    return redirect(url_for("portal.manage_announcements"))


@bp.post("/manage/announcements/<int:announcement_id>/withdraw")
@requires(policies.ORGANIZE)
def withdraw_announcement(announcement_id: int):
    """Take the announcement off the portal."""
    announcements.withdraw(_row_or_404(announcement_id).id, current_user)
    flash(_("公告已撤回"), "success")
    return redirect(url_for("portal.manage_announcements"))

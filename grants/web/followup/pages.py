"""Page builders of the follow-up views: gather what a template needs and render it with the
status the view chose. Templates get the services' view rows, in which numbers are masked;
only the caller's own list (``calls.html`` and its CSV) has them in full."""

from __future__ import annotations

from flask import (
    Response,
    abort,
    current_app,
    flash,
    render_template,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user

from grants.domain.beneficiaries import MAX_FILE_BYTES, MAX_ROWS
from grants.domain.errors import Refusal
from grants.domain.i18n import source_language, tr
from grants.domain.league import VERDICT_LABELS
from grants.domain.lifecycles import FOLLOW_UP_CALL
from grants.domain.lifecycles.follow_up import ASSIGNING_STATES
from grants.domain.permissions import followup as perms
from grants.domain.quarters import quarter_label
from grants.domain.satisfaction import OUTCOME_LABELS, percent
from grants.services import followup
from grants.services.followup.calls import MY_LIST_COLUMNS
from grants.services.ranking import safe_cell
from grants.web.csv_stream import csv_chunks
from grants.web.followup.forms import (
    ActionForm,
    AssignForm,
    AttemptForm,
    DrawForm,
    RulesForm,
    UploadForm,
)
from grants.web.judging.refusals import or_abort, reasons

CSV_MIMETYPE = "text/csv"
SAMPLE_COLUMNS = (("project", "项目"), ("rank", "顺序"), ("name", "姓名"), ("phone", "电话（已隐去）"),
                  ("community", "社区"), ("status", "状态"), ("attempts", "拨打次数"),
                  ("outcome", "回访结果"), ("on_time", "是否按时"), ("caller", "回访员"))
"""The sample export: numbers masked, like every export but the caller's own list."""


def flash_refusal(error: Refusal) -> None:
    """Flash every reason of a refusal (each bad row of a list on its own line)."""
    flash(str(error), "danger")
    for reason in reasons(error):
        if reason != str(error):
            flash(reason, "danger")


def refused(form, error: Refusal) -> None:
    """Flash a refusal and put its problems beside the form's inputs."""
    flash(str(error), "danger")
    for message in form.show_problems(error.problems):
        if message != str(error):
            flash(message, "danger")


def not_found():
    """A 404 page (an action a sample does not have)."""
    abort(404)


def action_message(action: str) -> str:
    """What the organizer reads after opening or closing a sample."""
    return _("回访已开始，回访员可以登记") if action == "start_calling" else _("本季度回访已结束")


def list_url(award) -> str | None:
    """The award's beneficiary list page for a reader who may see it (for the agreement)."""
    if award is None or award.status not in perms.LIST_AWARD_STATES:
        return None
    if not perms.can_view_list(current_user, award.proposal)[0]:
        return None
    return url_for("followup.list_page", award_id=award.id)


def rate_text(rate) -> str:
    """A rate and its interval as one line: ``80.0%（60.9%–91.1%，n=25）``; a dash without."""
    if rate is None:
        return "—"
    interval = rate.interval
    return _("%(rate)s（95%% 区间 %(low)s–%(high)s，n=%(n)s）", rate=percent(rate.point),
             low=percent(interval.low), high=percent(interval.high), n=rate.n)


def _labels() -> dict:
    """The label tables templates show."""
    return {"outcome_labels": OUTCOME_LABELS, "verdict_labels": VERDICT_LABELS,
            "rate_text": rate_text, "percent": percent, "quarter_label": quarter_label}


# --- staff -------------------------------------------------------------------------------------


def index_page():
    """The follow-up index: rounds and their samples."""
    return render_template("followup/index.html", rounds=followup.rounds_overview(),
                           **_labels())


def _rules_form(rules) -> RulesForm:
    """The rules form filled with the round's rules."""
    return RulesForm(formdata=None, data={
        "quota": str(rules.quota), "weight_evaluation": str(rules.weights.evaluation),
        "weight_satisfaction": str(rules.weights.satisfaction),
        "weight_timeliness": str(rules.weights.timeliness),
        "erase_after_days": str(rules.erase_after_days)})


def round_page(round_id: int, status: int = 200, rules_form: RulesForm | None = None):
    """A round's follow-up page."""
    view = or_abort(followup.round_view, round_id)
    draw_form = DrawForm(formdata=None)
    draw_form.quarter.choices = [(q, quarter_label(q)) for q in view.drawable]
    return render_template(
        "followup/round.html", view=view, rules_form=rules_form or _rules_form(view.rules),
        draw_form=draw_form, can_run=perms.can_run_follow_up(current_user)[0],
        erase_on=view.rules.erase_on(view.funding_round.implementation_end), **_labels(),
    ), status


def sample_page(sample_id: int, status: int = 200):
    """A sample's page for follow-up readers (numbers masked)."""
    view = or_abort(followup.sample_view, current_user, sample_id)
    assign_form = AssignForm(formdata=None)
    assign_form.caller_id.choices = [("", _("（请选择）"))] + [
        (str(user.id), user.display_name) for user in view.callers]
    return render_template(
        "followup/sample.html", view=view, assign_form=assign_form,
        action_form=ActionForm(formdata=None), actions=view.actions,
        can_assign=view.can_run and view.sample.status in ASSIGNING_STATES, **_labels(),
    ), status


def _csv_response(header, lines, filename: str) -> Response:
    """A CSV download (rows already read: the chunks need no request context)."""
    return Response(csv_chunks(header, list(lines)), mimetype=CSV_MIMETYPE, headers={
        "Content-Disposition": f'attachment; filename="{filename}"'})


def _cell(value) -> str:
    """A CSV cell (None empty, booleans as 是/否), quoted if a spreadsheet would run it."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    return str(safe_cell(str(value)))


def sample_csv(sample_id: int) -> Response:
    """The sample's export, in Chinese whoever downloads it; numbers masked."""
    or_abort(followup.sample_or_404, sample_id)
    with source_language():
        rows = list(followup.export_rows(sample_id))
        for row in rows:
            row["status"] = tr(FOLLOW_UP_CALL.state_label(row["status"]))
            row["outcome"] = tr(OUTCOME_LABELS.get(row["outcome"], "")) if row["outcome"] else ""
    lines = ([_cell(row[key]) for key, _header in SAMPLE_COLUMNS] for row in rows)
    return _csv_response([header for _key, header in SAMPLE_COLUMNS], lines,
                         f"follow-up-sample-{sample_id}.csv")


# --- the grantee -------------------------------------------------------------------------------


def mine_page():
    """The grantee's awards and their lists."""
    return render_template("followup/mine.html", awards=followup.my_awards(current_user))


def list_page(award_id: int, status: int = 200):
    """One project's list page (404 for anyone who may not see it)."""
    page = or_abort(followup.list_page, current_user, award_id)
    return render_template(
        "followup/list.html", page=page, form=UploadForm(formdata=None), max_rows=MAX_ROWS,
        max_mb=MAX_FILE_BYTES // (1024 * 1024),
        max_request=current_app.config.get("MAX_CONTENT_LENGTH"),
    ), status


# --- the caller -------------------------------------------------------------------------------


def calls_page(status: int = 200):
    """The caller's own numbers, in full, with one attempt form each."""
    return render_template("followup/calls.html", calls=followup.my_calls(current_user),
                           form=AttemptForm(formdata=None), call_lifecycle=FOLLOW_UP_CALL,
                           **_labels()), status


def calls_csv() -> Response:
    """The caller's own list as CSV (audited as downloaded)."""
    rows = followup.my_list_rows(current_user)
    lines = ([_cell(row[key]) for key, _header in MY_LIST_COLUMNS] for row in rows)
    return _csv_response([header for _key, header in MY_LIST_COLUMNS], lines, "my-calls.csv")


# --- the league table -----------------------------------------------------------------------


def league_index_page():
    """The quarters with a league table."""
    return render_template("followup/league_index.html",
                           samples=followup.league_list(current_user), **_labels())


def league_page(sample_id: int):
    """One quarter's provider league table."""
    view = or_abort(followup.league_view, current_user, sample_id)
    return render_template("followup/league.html", view=view, **_labels())


def league_document(view) -> dict:
    """The 通报's data, built in the document language."""
    return {"view": view, **_labels()}

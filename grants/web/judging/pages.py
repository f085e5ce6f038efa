"""Page builders for the judging views: gather what a template needs and render it.

Kept apart from ``views.py`` so each view stays a few lines: a view decides what happens, a
builder here shows the result (with the status the view chose).
"""

from __future__ import annotations

from flask import render_template, request
from flask_login import current_user

from grants.domain import scoring
from grants.domain.clock import aware
from grants.domain.permissions import judging as perms
from grants.domain.phases import format_local
from grants.domain.rubric import Criterion
from grants.services import judging, ranking_store
from grants.web.judging.forms import (
    ConfirmForm,
    JudgePickForm,
    OrgConflictForm,
    ReasonForm,
    RubricForm,
    SettingsForm,
    to_local,
)
from grants.web.paging import Pager

CHART_HEIGHT = 60
LEANING_BADGES = {
    scoring.LEANING_LENIENT: "text-bg-info",
    scoring.LEANING_STRICT: "text-bg-warning",
}


def dashboard(status: int = 200):
    """The judge's dashboard."""
    rounds = judging.judge_dashboard(
        current_user, request.args.get("round_id", type=int), request.args.get("page", 1, type=int))
    return render_template("judging/dashboard.html", rounds=rounds, form=ReasonForm()), status


def score(page, form, status: int = 200, typed: dict | None = None):
    """The scoring page; ``typed`` re-shows what the judge typed after a refusal."""
    values = {c.id: str(page.points[c.id]) for c in page.criteria if c.id in page.points}
    values.update({key: value for key, value in (typed or {}).items()})
    return render_template(
        "judging/score.html", page=page, form=form, values=values, conflict_form=ReasonForm()
    ), status


def org_conflict_form() -> OrgConflictForm:
    """The per-organisation conflict form with every registered organisation to choose from."""
    form = OrgConflictForm()
    form.organisation_id.choices = [(o.id, o.name) for o in judging.organisations()]
    return form


def conflicts(form, status: int = 200):
    """The judge's conflicts page."""
    return render_template(
        "judging/conflicts.html", form=form, items=judging.conflicts_of_judge(current_user.id)
    ), status


def rounds():
    """The organizer's list of rounds."""
    can_manage = perms.can_manage_panel(current_user)[0]
    return render_template(
        "judging/rounds.html", rounds=judging.all_rounds(), can_manage=can_manage
    )


def manage(funding_round, status: int = 200):
    """The organizer's judging page for one round."""
    round_id = funding_round.id
    pick = JudgePickForm()
    pick.judge_id.choices = [(j.id, j.display_name) for j in judging.available_judges(round_id)]
    return render_template(
        "judging/manage.html",
        r=funding_round,
        settings=judging.settings_for(round_id),
        criteria=judging.rubric_of(round_id),
        rubric_lock=judging.rubric_lock(round_id),
        panel=judging.panel_of(round_id),
        pick=pick,
        confirm=ConfirmForm(),
        overview=judging.round_overview(round_id),
        conflicts=judging.conflicts_in_round(round_id),
        assignments=judging.assignments_of(round_id),
        can_manage=perms.can_manage_panel(current_user)[0],
    ), status


def replace(round_id: int, proposal_id: int, judge_id: int, form, status: int = 200):
    """The replacement picker for one judge on one proposal."""
    return render_template(
        "judging/replace.html",
        form=form,
        r=judging.get_round(round_id),
        proposal=judging.get_proposal(proposal_id),
        judge=judging.get_user(judge_id),
    ), status


def rubric_form(round_id: int) -> RubricForm:
    """The rubric form, filled with the round's rubric plus one empty line to add."""
    if request.method == "POST":
        return RubricForm()
    rows = [
        {"key": c.key, "name": c.name, "max_points": c.max_points, "guidance": c.guidance}
        for c in judging.rubric_of(round_id)
    ]
    return RubricForm(
        data={"criteria": [*rows, {"key": "", "name": "", "max_points": None, "guidance": ""}]}
    )


def rubric_criteria(form: RubricForm, round_id: int) -> list[Criterion]:
    """The criteria typed into the rubric form (blank lines dropped, new ones given keys)."""
    entries = [entry.data for entry in form.criteria if (entry.data["name"] or "").strip()]
    keys = [e["key"] for e in entries if e["key"]]
    result = []
    for entry in entries:
        key = entry["key"] or judging.new_criterion_key(keys)
        keys.append(key)
        result.append(
            Criterion(
                key,
                entry["name"].strip(),
                entry["max_points"] or 0,
                (entry["guidance"] or "").strip(),
            )
        )
    return result


def rubric(round_id: int, form, status: int = 200):
    """The rubric editing page."""
    return render_template(
        "judging/rubric.html",
        form=form,
        r=judging.get_round(round_id),
        lock=judging.rubric_lock(round_id),
    ), status


def settings_form(round_id: int) -> SettingsForm:
    """The settings form, filled with the round's current settings; it knows when judging
    closes, since the vote window must end by then."""
    judging_close = judging.get_round(round_id).judging_close
    if request.method == "POST":
        form = SettingsForm()
    else:
        current = judging.settings_for(round_id)
        data = {name: getattr(current, name) for name in judging.SETTINGS_FIELDS}
        data["vote_open"], data["vote_close"] = (
            to_local(current.vote_open),
            to_local(current.vote_close),
        )
        form = SettingsForm(data=data)
    form.judging_close = judging_close
    return form


def settings(round_id: int, form, status: int = 200):
    """The settings editing page."""
    funding_round = judging.get_round(round_id)
    return render_template(
        "judging/settings.html", form=form, r=funding_round,
        judging_close=format_local(aware(funding_round.judging_close)),
    ), status


def sheet(found, form, status: int = 200):
    """One score sheet with its points; the reopen form when the score sheet table lets the
    reader reopen it (an organizer or admin, and the sheet is submitted)."""
    return render_template(
        "judging/sheet.html",
        sheet=found,
        form=form,
        points=judging.sheet_points(found),
        criteria=judging.criteria_rows(found.round_id),
        proposal=judging.get_proposal(found.proposal_id),
        judge=judging.get_user(found.judge_id),
        can_reopen="reopen" in judging.sheet_actions(found, current_user),
    ), status


def ranking_page(funding_round):
    """One page of the ranking (stored when judging closed): rows, per-criterion means, the
    page's flags and the judges' score charts."""
    report = ranking_store.ranking_view(funding_round.id, request.args.get("page", 1, type=int))
    peak = max((max(p.histogram) for p in report.profiles.values()), default=1) or 1
    return render_template(
        "judging/ranking.html",
        r=funding_round,
        report=report,
        paging=Pager(report.page, report.pages),
        peak=peak,
        chart_height=CHART_HEIGHT,
        labels=scoring.HISTOGRAM_LABELS,
        leaning_badges=LEANING_BADGES,
        settings=judging.settings_for(funding_round.id),
        can_manage=perms.can_manage_panel(current_user)[0],
        confirm=ConfirmForm(),
    )


def vote(funding_round, status: int = 200):
    """The resident vote page of a round."""
    return render_template(
        "judging/vote.html",
        r=funding_round,
        settings=judging.settings_for(funding_round.id),
        proposals=judging.vote_listing(funding_round.id),
        mine=judging.votes_of(current_user, funding_round.id),
        can_vote=perms.can_vote(current_user)[0],
        confirm=ConfirmForm(),
    ), status

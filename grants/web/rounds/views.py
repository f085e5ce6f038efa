"""Round pages: the public list and page of each round; organisers create and edit rounds."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.routing import BuildError

from grants.domain.budget import category_label
from grants.domain.errors import Refusal
from grants.domain.permissions import APPLICANTS, has_any_role, policies
from grants.domain.permissions.rounds import can_manage_rounds
from grants.domain.phases import PHASE_LABELS
from grants.services import rounds
from grants.web.access import policy_of, requires
from grants.web.rounds.forms import RoundForm, form_values, new_round_values, round_data

bp = Blueprint("rounds", __name__, url_prefix="/rounds")
APPLY_ENDPOINT = "proposals.new"


def _round_or_404(round_id: int):
    """The round, or a 404 page."""
    return rounds.get_round(round_id) or abort(404)


def _apply_url(funding_round) -> str | None:
    """Where residents and organisations start a proposal, while submission is open."""
    if rounds.check_phase(funding_round, "submit") is not None:
        return None
    if current_user.is_authenticated and not has_any_role(current_user, APPLICANTS):
        return None
    try:
        return url_for(APPLY_ENDPOINT, round_id=funding_round.id)
    except BuildError:
        return None


@bp.get("/")
@requires(policies.PUBLIC)
def index():
    """Every round, newest first, with the phase it is in now."""
    items = phase_items(rounds.list_rounds())
    return render_template(
        "rounds/index.html", items=items, can_manage=can_manage_rounds(current_user)[0]
    )


@bp.get("/<int:round_id>")
@requires(policies.PUBLIC)
def detail(round_id: int):
    """A round's description, money rules, categories, caps, timeline and activity counts."""
    funding_round = _round_or_404(round_id)
    phase_key = rounds.current_phase(funding_round)
    return render_template(
        "rounds/detail.html",
        r=funding_round,
        timeline=rounds.timeline_of(funding_round),
        phase_key=phase_key,
        phase=PHASE_LABELS[phase_key],
        links=_links(funding_round),
        counts=rounds.counts_of(funding_round),
        caps=rounds.caps_of(funding_round),
        category_label=category_label,
        apply_url=_apply_url(funding_round),
        needs_message=rounds.check_phase(funding_round, "post_need"),
        can_manage=can_manage_rounds(current_user)[0],
    )


def phase_items(items) -> list[tuple]:
    """Rounds as the cards show them: (round, phase key, phase label), the real phase."""
    return [(r, key, PHASE_LABELS[key]) for r, key in rounds.phases_by_round(items)]


def _allowed(endpoint: str) -> bool:
    """True when the visitor's route policy lets them open ``endpoint``."""
    policy = policy_of(current_app, endpoint)
    return policy is not None and policy.allows(current_user)


def _links(funding_round) -> dict:
    """The round's notice, results and vote, and the staff pages the visitor may open."""
    found = rounds.links_of(funding_round)
    return {
        "open_notice": found.open_notice,
        "results": found.results,
        "vote": found.vote,
        "ranking": _allowed("judging.ranking_page"),
        "awards": _allowed("awards.round_page"),
    }


def _save(form: RoundForm, funding_round=None):
    """Create or update from a valid form; returns the saved round (or raises a Refusal)."""
    if funding_round is None:
        return rounds.create_round(round_data(form), actor=current_user)
    rounds.update_round(funding_round, round_data(form), actor=current_user,
                        confirm_earlier=bool(form.confirm_earlier.data))
    return funding_round


def _refused_form(form: RoundForm, funding_round, refusal: Refusal):
    """Show a refusal on the form with its status: each problem beside the input it names
    (a pool cut below the round's awards, beside the pool), any other as a message."""
    for problem in refusal.problems:
        if problem.field in form:
            form[problem.field].errors = [*form[problem.field].errors, problem.message]
        else:
            flash(problem.message, "danger")
    earlier = getattr(refusal, "moves", None)
    if earlier:
        earlier = [(move.describe().render(), count) for move, count in earlier]
    elif not refusal.problems:
        flash(str(refusal), "danger")
    return render_template("rounds/form.html", form=form, r=funding_round,
                           earlier=earlier), refusal.status


def _form_page(form: RoundForm, funding_round=None):
    """Handle a round form post: save and go to the round, or show the refusal with 400."""
    if form.validate_on_submit():
        try:
            saved = _save(form, funding_round)
        except Refusal as refusal:
            return _refused_form(form, funding_round, refusal)
        flash(_("赛事已保存"), "success")
        return redirect(url_for("rounds.detail", round_id=saved.id))
    status = 400 if form.errors else 200
    return render_template("rounds/form.html", form=form, r=funding_round), status


@bp.route("/new", methods=["GET", "POST"])
@requires(policies.ORGANIZE)
def new():
    """An organiser sets up a new round."""
    next_no = max((r.round_no for r in rounds.list_rounds()), default=0) + 1
    return _form_page(RoundForm(data=new_round_values(next_no)))


@bp.route("/<int:round_id>/edit", methods=["GET", "POST"])
@requires(policies.ORGANIZE)
def edit(round_id: int):
    """An organiser edits a round; the changed fields are audited."""
    funding_round = _round_or_404(round_id)
    return _form_page(RoundForm(data=form_values(funding_round)), funding_round)

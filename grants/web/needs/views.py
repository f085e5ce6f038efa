"""Needs pages: the public list and need page; residents post and support, organisers merge."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from grants.domain.errors import Refusal
from grants.domain.inputs import parse_row_id
from grants.domain.lifecycles.need import is_merged, is_open
from grants.domain.permissions import policies
from grants.domain.permissions.needs import can_merge_needs, can_post_need, can_support_need
from grants.extensions import db
from grants.services import needs, rounds
from grants.web.access import requires
from grants.web.idempotency import idempotent
from grants.web.needs.forms import MergeForm, NeedForm, SupportForm
from grants.web.redirects import safe_next

bp = Blueprint("needs", __name__, url_prefix="/needs")
PAGE_SIZE = 20


def _need_or_404(need_id: int):
    """The need, or a 404 page."""
    return needs.get_need(need_id) or abort(404)


def _criteria(funding_round) -> needs.NeedFilter:
    """The list filter from the query string (unknown values fall back to the defaults)."""
    sort = request.args.get("sort", "support")
    return needs.NeedFilter(
        round_id=funding_round.id,
        community_id=request.args.get("community", type=parse_row_id),
        category=request.args.get("category") or None,
        sort=sort if sort in needs.SORTS else "support",
    )


@bp.get("/")
@requires(policies.PUBLIC)
def index():
    """A round's needs, most supported (or newest) first, by community and category."""
    round_id = request.args.get("round", type=parse_row_id)
    funding_round = rounds.get_round(round_id) if round_id else needs.default_round()
    if funding_round is None and round_id:
        abort(404)
    if funding_round is None:
        return render_template("needs/index.html", r=None)
    criteria = _criteria(funding_round)
    page = db.paginate(needs.needs_query(criteria), per_page=PAGE_SIZE, error_out=False)
    return render_template(
        "needs/index.html",
        r=funding_round,
        page=page,
        criteria=criteria,
        rounds=rounds.list_rounds(),
        communities=needs.round_communities(funding_round),
        supported=needs.supported_ids(current_user, [n.id for n in page.items]),
        funded=needs.funded_ids(page.items),
        window_message=rounds.check_phase(funding_round, "post_need"),
        can_post=can_post_need(current_user)[0],
        support_form=SupportForm(),
    )


def _detail(need, status: int = 200, merge_form: MergeForm | None = None):
    """Render a need's page (also after an incomplete merge form, with its status)."""
    proposals = needs.answering_proposals(need)
    if merge_form is None and can_merge_needs(current_user)[0]:
        merge_form = MergeForm()
    if merge_form is not None:
        merge_form.target_id.choices = [
            (
                n.id,
                _(
                    "#%(id)s %(title)s（%(count)s 人支持）",
                    id=n.id,
                    title=n.title,
                    count=n.support_count,
                ),
            )
            for n in needs.merge_targets(need)
        ]
    page = render_template(
        "needs/detail.html",
        need=need,
        proposals=proposals,
        author=needs.mask_name(need.author.display_name),
        funded=needs.need_is_funded(need, proposals),
        merged=is_merged(need.status),
        need_is_open=is_open(need.status),
        supported=bool(needs.supported_ids(current_user, [need.id])),
        can_support=can_support_need(current_user, need)[0],
        window_message=rounds.check_phase(need.round, "support_need"),
        support_form=SupportForm(),
        merge_form=merge_form,
    )
    return page, status


@bp.get("/<int:need_id>")
@requires(policies.PUBLIC)
def detail(need_id: int):
    """A need: what, where, how many supports, and the proposals that answer it."""
    return _detail(_need_or_404(need_id))


@bp.route("/new/<int:round_id>", methods=["GET", "POST"])
@requires(policies.RESIDENT)
@idempotent
def new(round_id: int):
    """A resident posts a need while the round collects needs."""
    funding_round = rounds.get_round(round_id) or abort(404)
    form = NeedForm(community_id=getattr(current_user, "community_id", None) or 0)
    form.community_id.choices = [(0, _("（请选择）"))] + [
        (c.id, c.name) for c in needs.round_communities(funding_round)
    ]
    form.category.choices = [("", _("（请选择）"))] + [(c, _(c)) for c in funding_round.categories]
    status = 200
    if form.validate_on_submit():
        try:
            need = needs.post_need(funding_round, current_user, form.data_for_service())
        except Refusal as error:
            flash(str(error), "danger")
            status = error.status
        else:
            flash(_("需求已提交，感谢您的点单"), "success")
            return redirect(url_for("needs.detail", need_id=need.id))
    elif form.errors:
        status = 400
    return render_template(
        "needs/new.html",
        form=form,
        r=funding_round,
        window_message=rounds.check_phase(funding_round, "post_need"),
    ), status


def _back(need) -> str:
    """Where to go after supporting: the list the button was on, or the need page."""
    return safe_next(request.form.get("next"), url_for("needs.detail", need_id=need.id))


@bp.post("/<int:need_id>/support")
@requires(policies.RESIDENT)
@idempotent
def support(need_id: int):
    """A resident supports a need once; a repeat (double click) answers 409 and adds nothing."""
    need = _need_or_404(need_id)
    if not SupportForm().validate_on_submit():
        abort(400)
    needs.support_need(need, current_user)
    flash(_("已支持该需求"), "success")
    return redirect(_back(need), 303)


@bp.post("/<int:need_id>/merge")
@requires(policies.ORGANIZE)
def merge(need_id: int):
    """An organiser merges a duplicate need into another need of the same round."""
    need = _need_or_404(need_id)
    form = MergeForm()
    form.target_id.choices = [(n.id, str(n.id)) for n in needs.merge_targets(need)]
    if not form.validate_on_submit():
        flash(_("请选择要合并到的需求"), "danger")
        return _detail(need, 400, form)
    target = needs.merge_need(need, needs.get_need(form.target_id.data), current_user)
    flash(_("需求已合并"), "success")
    return redirect(url_for("needs.detail", need_id=target.id), 303)

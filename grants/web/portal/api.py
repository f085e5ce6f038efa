"""The read-only JSON API (``/api/v1``): rounds, funded projects and their spending.

Described by the OpenAPI 3.1 document at ``/api/v1/openapi.json`` (:mod:`.openapi`), public,
and built on the same reads as the portal pages, so it shows exactly what they show. Money is
integer fen. Every error is a JSON body ``{"error": …, "status": …}``: an id that is not a
number is a 400, an id no row can have (negative, zero, past 2³¹−1) or no row has is a 404.
"""

from __future__ import annotations

import re

from flask import Blueprint, jsonify, request
from flask_babel import gettext as _
from werkzeug.exceptions import BadRequest, HTTPException, NotFound

from grants.domain.errors import Refusal
from grants.domain.permissions import policies
from grants.extensions import db
from grants.services import is_row_id
from grants.services.portal import queries
from grants.web.access import requires
from grants.web.portal import openapi

bp = Blueprint("api", __name__, url_prefix="/api/v1")
_NUMBER = re.compile(r"[-+]?[0-9]+")


def _error(status: int, message: str):
    """A JSON error body with its status."""
    return jsonify({"error": message, "status": status}), status


@bp.errorhandler(HTTPException)
def _http_error(error: HTTPException):
    """Every HTTP error of the API as JSON (never the HTML error page)."""
    return _error(error.code or 500, error.description or "")


@bp.errorhandler(Refusal)
def _refusal(error: Refusal):
    """A refused request as JSON; nothing it started is kept."""
    db.session.rollback()
    return _error(error.status, str(error))


def _row_id(text: str) -> int:
    """The id in a path: 400 when it is not a whole number, 404 when no row can have it."""
    if not _NUMBER.fullmatch(text or ""):
        raise BadRequest(_("编号必须是整数"))
    if len(text) > 12 or not is_row_id(int(text)):
        raise NotFound(_("找不到这条记录"))
    return int(text)


def _int_arg(name: str) -> int | None:
    """An integer query argument; 400 when given but not a whole number."""
    text = request.args.get(name)
    if text is None or text == "":
        return None
    if not _NUMBER.fullmatch(text) or len(text) > 1000:
        raise BadRequest(_("参数 %(name)s 必须是整数", name=name))
    return int(text)


def _round_json(s: queries.RoundSummary) -> dict:
    return {"id": s.id, "name": s.name, "round_no": s.round_no, "district": s.district,
            "street": s.street, "pool_fen": s.pool_fen, "funded_fen": s.funded_fen,
            "noticed_fen": s.noticed_fen, "funded_count": s.funded_count,
            "paid_fen": s.paid_fen, "accepted_fen": s.accepted_fen,
            "implementation_start": s.implementation_start.isoformat(),
            "implementation_end": s.implementation_end.isoformat()}


def _project_json(r: queries.ProjectRow) -> dict:
    return {"id": r.award_id, "round_id": r.round_id, "round_name": r.round_name,
            "title": r.title, "category": r.category, "applicant": r.applicant,
            "resident_team": r.is_team, "community": r.community, "status": r.status,
            "requested_fen": r.requested_fen, "amount_fen": r.amount_fen,
            "paid_fen": r.paid_fen, "accepted_fen": r.accepted_fen}


@bp.get("/openapi.json")
@requires(policies.PUBLIC)
def spec():
    """The OpenAPI 3.1 description of this API."""
    return jsonify(openapi.document())


@bp.get("/rounds")
@requires(policies.PUBLIC)
def rounds():
    """Every round with its pool and where its money stands."""
    return jsonify({"rounds": [_round_json(s) for s in queries.round_summaries()]})


@bp.get("/rounds/<round_id>")
@requires(policies.PUBLIC)
def round_detail(round_id: str):
    """One round."""
    summary = queries.round_summary(_row_id(round_id))
    if summary is None:
        raise NotFound(_("找不到这个赛事"))
    return jsonify(_round_json(summary))


@bp.get("/projects")
@requires(policies.PUBLIC)
def projects():
    """One page of funded projects, filtered by round, category and words of the title."""
    round_id = _int_arg("round_id")
    page = _int_arg("page") or 1
    if round_id is not None and not is_row_id(round_id):
        return jsonify({"projects": [], "page": 1, "pages": 1, "count": 0})
    filters = queries.ProjectFilters.of(request.args.get("q"), round_id,
                                        request.args.get("category"))
    found = queries.project_page(filters, max(page, 1))
    return jsonify({"projects": [_project_json(r) for r in found.rows], "page": found.page,
                    "pages": found.pages, "count": found.count})


def _detail_or_404(project_id: str) -> queries.ProjectDetail:
    """A funded project's detail, or a JSON 404."""
    detail = queries.project_detail(_row_id(project_id))
    if detail is None:
        raise NotFound(_("找不到这个项目"))
    return detail


@bp.get("/projects/<project_id>")
@requires(policies.PUBLIC)
def project_detail(project_id: str):
    """One funded project with its tranches, payments and the needs it answered."""
    detail = _detail_or_404(project_id)
    return jsonify({
        **_project_json(detail.row),
        "implementation_start": detail.implementation_start.isoformat(),
        "implementation_end": detail.implementation_end.isoformat(),
        "tranches": [{"sequence": t.sequence, "share_bp": t.share_bp, "amount_fen": t.amount_fen,
                      "gate": t.gate, "status": t.status, "paid_fen": t.paid_fen}
                     for t in detail.tranches],
        "disbursements": [{"value_date": d.value_date.isoformat(), "amount_fen": d.amount_fen}
                          for d in detail.disbursements],
        "needs": [{"id": n.id, "title": n.title, "category": n.category} for n in detail.needs],
    })


@bp.get("/projects/<project_id>/spending")
@requires(policies.PUBLIC)
def project_spending(project_id: str):
    """A funded project's spending finance accepted, by approved budget line."""
    detail = _detail_or_404(project_id)
    return jsonify({"project_id": detail.row.award_id,
                    "accepted_fen": detail.row.accepted_fen,
                    "lines": [{"item": line.item, "cost_category": line.cost_category,
                               "approved_fen": line.approved_fen,
                               "adjusted_fen": line.adjusted_fen,
                               "accepted_fen": line.accepted_fen} for line in detail.lines]})


@bp.get("/spending")
@requires(policies.PUBLIC)
def spending():
    """Approved budget and accepted spending by cost category (of one round, or all)."""
    round_id = _int_arg("round_id")
    if round_id is not None and not is_row_id(round_id):
        raise NotFound(_("找不到这个赛事"))
    rows = queries.spending_by_category(round_id)
    return jsonify({"round_id": round_id, "categories": [
        {"cost_category": r.cost_category, "approved_fen": r.approved_fen,
         "accepted_fen": r.accepted_fen} for r in rows]})


@bp.route("/<path:rest>", methods=["GET", "POST", "PUT", "PATCH", "DELETE"])
@requires(policies.PUBLIC)
def unknown(rest: str):
    """Any other address under the API: a JSON 404."""
    raise NotFound(_("没有这个接口"))

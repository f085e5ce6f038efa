"""Downloads for offices (CSV and XLSX with Chinese headers): a round's ranking, proposals
and objections for staff readers, the audit log for auditors."""

from __future__ import annotations

from flask import Blueprint, abort, request

from grants.domain.clock import local_date
from grants.domain.i18n import N_
from grants.domain.permissions import policies
from grants.extensions import db
from grants.models import FundingRound
from grants.services import office_exports
from grants.web.access import requires
from grants.web.exports import columns
from grants.web.sheets import download

bp = Blueprint("exports", __name__, url_prefix="/exports")


def _round_or_404(round_id: int) -> FundingRound:
    """The round, or a 404 page."""
    return db.session.get(FundingRound, round_id) or abort(404)


def ranking_download(round_id: int, fmt: str):
    """The detailed ranking of a round (also served at the judging ranking's own address)."""
    _round_or_404(round_id)
    sheet = office_exports.ranking_sheet(round_id)
    return download(fmt, columns.ranking_columns(sheet), sheet.rows,
                    f"ranking-round-{round_id}", N_("评审排名")) or abort(404)


@bp.get("/rounds/<int:round_id>/ranking.<fmt>")
@requires(policies.STAFF_READ)
def ranking(round_id: int, fmt: str):
    """The detailed ranking with applicant and community."""
    return ranking_download(round_id, fmt)


@bp.get("/rounds/<int:round_id>/proposals.<fmt>")
@requires(policies.STAFF_READ)
def proposals(round_id: int, fmt: str):
    """Every submitted proposal of a round with its applicant, community, status and amount."""
    _round_or_404(round_id)
    return download(fmt, columns.PROPOSALS, office_exports.proposal_rows(round_id),
                    f"proposals-round-{round_id}", N_("申报项目")) or abort(404)


@bp.get("/rounds/<int:round_id>/objections.<fmt>")
@requires(policies.STAFF_READ)
def objections(round_id: int, fmt: str):
    """Every objection against a round's awards, with who filed it and the ruling."""
    _round_or_404(round_id)
    return download(fmt, columns.OBJECTIONS, office_exports.objection_rows(round_id),
                    f"objections-round-{round_id}", N_("公示异议")) or abort(404)


@bp.get("/audit.<fmt>")
@requires(policies.READ_AUDIT)
def audit_log(fmt: str):
    """The audit log, readable, narrowed by the audit page's action and date filters."""
    filters = office_exports.AuditFilters.from_args(request.args)
    stem = f"audit-log-{local_date().isoformat()}"
    return download(fmt, columns.AUDIT, office_exports.audit_rows(filters), stem,
                    N_("审计日志")) or abort(404)

"""Reading the money: an award's spending by budget line with the variance and its chart (and
the settlement forms, :mod:`.settle`), a round's spending by cost category with its chart,
and the round's exports: every expense as XLSX or CSV, every receipt as a ZIP.

These pages are for the staff who read awards (organizers, auditors, finance); a grantee reads
its own award on the expense page and downloads its own receipts there.
"""

from __future__ import annotations

from flask import Response, stream_with_context
from flask_login import current_user

from grants.domain.permissions import policies
from grants.services import expenses
from grants.web.access import requires
from grants.web.expenses import pages
from grants.web.expenses.blueprint import bp
from grants.web.expenses.exports import (
    CSV_MIMETYPE,
    XLSX_MIMETYPE,
    chinese_rows,
    csv_chunks,
    xlsx_temp_file,
)
from grants.web.expenses.files import ZIP_MIMETYPE, send_temp, zip_file
from grants.web.judging.refusals import or_abort


@bp.get("/awards/<int:award_id>/spending")
@requires(policies.AWARD_READ)
def spending(award_id: int):
    """Spending by line against the (adjusted) budget, the variance, the chart and the
    award's settlement: paid, accepted, refunded, clawed back."""
    return pages.spending_page(award_id)


@bp.get("/rounds/<int:round_id>")
@requires(policies.AWARD_READ)
def round_overview(round_id: int):
    """A round's spending by cost category, its awards' money and what awaits a decision."""
    return pages.round_page(round_id)


@bp.get("/rounds/<int:round_id>/receipts.zip")
@requires(policies.AWARD_READ)
def round_receipts(round_id: int):
    """Every receipt of a round as one ZIP: a folder per award, files named by expense."""
    pages.round_or_404(round_id)
    files = or_abort(expenses.receipts_of, current_user, round_id=round_id)
    path, _count = zip_file((item.arcname, item.data) for item in files)
    return send_temp(path, ZIP_MIMETYPE, f"receipts-round-{round_id}.zip")


@bp.get("/rounds/<int:round_id>/expenses.xlsx")
@requires(policies.AWARD_READ)
def export_xlsx(round_id: int):
    """Every expense of the round as an XLSX workbook (written row by row, served from disk)."""
    pages.round_or_404(round_id)
    path = xlsx_temp_file(chinese_rows(expenses.iter_expense_rows(round_id)))
    return send_temp(path, XLSX_MIMETYPE, f"expenses-round-{round_id}.xlsx")


@bp.get("/rounds/<int:round_id>/expenses.csv")
@requires(policies.AWARD_READ)
def export_csv(round_id: int):
    """Every expense of the round as CSV, streamed as it is read."""
    pages.round_or_404(round_id)
    rows = chinese_rows(expenses.iter_expense_rows(round_id))
    disposition = f'attachment; filename="expenses-round-{round_id}.csv"'
    return Response(stream_with_context(csv_chunks(rows)), mimetype=CSV_MIMETYPE,
                    content_type=f"{CSV_MIMETYPE}; charset=utf-8",
                    headers={"Content-Disposition": disposition})

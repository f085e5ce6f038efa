"""``flask payments …``: disbursement from cron and the finance office's shell.

- ``due`` lists the tranches whose gate is met and that are not paid yet, overdue ones first
  (exit status 0 either way, so cron mails the list rather than an error);
- ``export --round ID --format xlsx|csv FILE`` writes a round's payment ledger, streamed;
- ``prune-keys`` deletes idempotency keys past their retention (run daily).
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import click
from flask.cli import AppGroup

from grants.domain.errors import Refusal
from grants.domain.money import format_fen

payments_cli = AppGroup("payments", help="拨付 / tranche payments")


class _NoOfficer:
    """The scheduler as the dashboard's reader: no officer has id 0, so nothing is hidden as
    "requested by me" and every requested payment counts as awaiting approval."""

    id = 0
    roles = frozenset()


def _line(row) -> str:
    """One due tranche: overdue mark, agreement number, project, tranche, amount, deadline."""
    tranche = row.tranche
    award = tranche.award
    number = award.agreement.number if award.agreement else f"#{award.id}"
    mark = "逾期" if row.overdue else "待拨付"
    deadline = f"期限 {row.deadline.isoformat()}" if row.deadline else "无期限"
    left = format_fen(tranche.amount_fen - row.paid_fen)
    return f"{mark}\t{number}\t{award.proposal.title}\t第 {tranche.sequence} 批\t{left}\t{deadline}"


@payments_cli.command("due")
@click.option("--today", type=click.DateTime(formats=["%Y-%m-%d"]), default=None,
              help="decide as on this local date (default: today in Asia/Shanghai)")
def due(today: datetime | None) -> None:
    """List the due and overdue tranches, overdue first, and how many payments await approval."""
    from grants.services import payments

    board = payments.dashboard(_NoOfficer(), today.date() if today else None)
    for row in board.due:
        click.echo(_line(row))
    click.echo(f"待拨付 {len(board.due)} 批，其中逾期 {len(board.overdue)} 批；"
               f"待审批付款 {len(board.to_approve)} 笔")


@payments_cli.command("export")
@click.option("--round", "round_id", type=click.IntRange(min=1), required=True, help="round id")
@click.option("--format", "fmt", type=click.Choice(["xlsx", "csv"]), required=True)
@click.argument("file", type=click.Path(dir_okay=False, writable=True, path_type=Path))
def export(round_id: int, fmt: str, file: Path) -> None:
    """Write the round's payment ledger to FILE as XLSX or CSV (Chinese headers)."""
    from grants.services import payments
    from grants.web.finance.exports import WRITERS

    if fmt == "xlsx":
        click.echo(f"{_xlsx_by_task(round_id, file)} 笔付款已写入 {file}")
        return
    try:
        rows = payments.iter_payment_rows(round_id)
    except Refusal as error:
        raise click.ClickException(str(error)) from error
    count = WRITERS[fmt](rows, file)
    click.echo(f"{count} 笔付款已写入 {file}")


def _xlsx_by_task(round_id: int, file: Path) -> int:
    """Write the XLSX ledger with the browser's job task (in-process); returns the payments
    written, as its last progress report counted them."""
    from grants.jobs.runner import JobFailure
    from grants.jobs.tasks import payments_xlsx

    written = [0]

    def progress(done: int, total: int) -> None:
        written[0] = done

    try:
        payments_xlsx(progress, file, round_id)
    except JobFailure as failure:
        raise click.ClickException(failure.message) from failure
    return written[0]


@payments_cli.command("prune-keys")
def prune_keys() -> None:
    """Delete the idempotency keys older than their retention (at least 24 hours)."""
    from grants.services import idempotency

    click.echo(f"已清理 {idempotency.prune()} 个过期的幂等键")

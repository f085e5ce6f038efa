"""``flask evaluations remind-overdue``: remind reports past their deadline and fail those
still missing after the grace period (run daily from cron)."""

from __future__ import annotations

from datetime import datetime

import click
from flask.cli import AppGroup

evaluations_cli = AppGroup("evaluations", help="中期/结项评估 / mid-term and final evaluations")


@evaluations_cli.command("remind-overdue")
@click.option(
    "--today",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    default=None,
    help="decide as on this local date (default: today in Asia/Shanghai)",
)
def remind_overdue(today: datetime | None) -> None:
    """Remind overdue reports; fail, as system, those still missing after the grace period
    (their awards suspended). Safe to re-run."""
    from grants.services import evaluations

    lines = evaluations.remind_overdue(today.date() if today else None)
    for line in lines or ["没有逾期的评估报告"]:
        click.echo(line)

"""``flask notices close-due``: confirm the notices whose period has ended (run from cron)."""

from __future__ import annotations

from datetime import datetime

import click
from flask.cli import AppGroup

notices_cli = AppGroup("notices", help="公示 / public notices")


@notices_cli.command("close-due")
@click.option(
    "--today",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    default=None,
    help="decide as on this local date (default: today in Asia/Shanghai)",
)
def close_due(today: datetime | None) -> None:
    """Confirm every notice whose period has ended with no open objection (safe to re-run)."""
    from grants.services import notices
    from grants.web.public_documents import make_pending

    lines = notices.close_due(today.date() if today else None)
    make_pending()
    for line in lines or ["没有到期待确认的公示"]:
        click.echo(line)

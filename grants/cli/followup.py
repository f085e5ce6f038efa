"""``flask followup erase-numbers``: erase beneficiaries' numbers once their round's keeping
period is over (run from cron; each list audited once; safe to re-run)."""

from __future__ import annotations

from datetime import datetime, time

import click
from flask.cli import AppGroup

followup_cli = AppGroup("followup", help="满意度回访 / satisfaction follow-up")


@followup_cli.command("erase-numbers")
@click.option("--today", type=click.DateTime(formats=["%Y-%m-%d"]), default=None,
              help="decide as on this local date (default: today in Asia/Shanghai)")
@click.option("--dry-run", is_flag=True, help="only list what is due, erase nothing")
def erase_numbers(today: datetime | None, dry_run: bool) -> None:
    """Erase the phone numbers of every list whose round closed longer ago than its round's
    keeping period (``erase_after_days``, default 90)."""
    from grants.domain.clock import BEIJING
    from grants.services import followup

    now = datetime.combine(today.date(), time(12), tzinfo=BEIJING) if today else None
    if dry_run:
        due = followup.due_lists(now)
        for item in due:
            click.echo(f"名单 #{item.list_id}（项目 #{item.award_id}）：{item.due_on} 起应删除电话")
        click.echo(f"共 {len(due)} 份名单到期（未删除）")
        return
    done = followup.erase_due_numbers(now)
    for item, count in done:
        click.echo(f"名单 #{item.list_id}（项目 #{item.award_id}）：已删除 {count} 个电话")
    click.echo(f"共删除 {sum(count for _item, count in done)} 个电话（{len(done)} 份名单）")

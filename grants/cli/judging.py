"""``flask judging …``: command-line tools of the judging area."""

from __future__ import annotations

import click
from flask.cli import AppGroup

judging_cli = AppGroup("judging", help="专家评审 / judging")


@judging_cli.command("export-ranking")
@click.option("--round", "round_id", type=int, required=True, help="赛事编号 / round id")
def export_ranking(round_id: int) -> None:
    """Print a round's ranking as CSV: rank,proposal_id,title,final_score,method,judges."""
    from grants.domain.errors import Refusal
    from grants.services import judging, ranking

    try:
        judging.get_round(round_id)
    except Refusal as error:
        raise click.ClickException(str(error)) from error
    click.echo(ranking.ranking_csv(round_id), nl=False)


@judging_cli.command("store-ranking")
@click.option("--round", "round_id", type=int, required=True, help="赛事编号 / round id")
def store_ranking(round_id: int) -> None:
    """Store the ranking of a round whose judging closed before rankings were stored (closing
    judging stores it; the pages read it a page at a time)."""
    from grants.domain.errors import Refusal
    from grants.extensions import db
    from grants.services import judging, ranking_store

    try:
        judging.get_round(round_id)
    except Refusal as error:
        raise click.ClickException(str(error)) from error
    if not judging.judging_closed(round_id):
        raise click.ClickException("judging is still open: the ranking is stored when it closes")
    count = ranking_store.store_ranking(round_id)
    db.session.commit()
    click.echo(f"stored {count} ranked proposals of round {round_id}")

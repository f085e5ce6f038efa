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

"""``flask judging export-ranking``: the CSV header, two-decimal scores, unknown rounds."""

from __future__ import annotations

from grants.cli.judging import judging_cli
from tests.judging_support import build, split_total, write_sheet


def _run(app, *args):
    return app.test_cli_runner().invoke(judging_cli, ["export-ranking", *args])


def test_export_prints_the_ranking_as_csv(app):
    setup = build(judges=5, proposals=2, assign=False)
    first, second = setup.proposals
    for judge, total in zip(setup.judges, (70, 82, 85, 88, 95), strict=True):
        write_sheet(setup.round, judge.id, first.id, split_total(total))
        write_sheet(setup.round, judge.id, second.id, split_total(total - 10.5))
    result = _run(app, "--round", str(setup.round.id))
    assert result.exit_code == 0, result.output
    assert result.output.splitlines() == [
        "rank,proposal_id,title,final_score,method,judges",
        f"1,{first.id},微项目1,85.00,trimmed_mean,5",
        f"2,{second.id},微项目2,74.50,trimmed_mean,5",
    ]


def test_export_of_a_round_without_scores_prints_the_header(app):
    setup = build(judges=1, proposals=1, assign=False)
    result = _run(app, "--round", str(setup.round.id))
    assert result.output == "rank,proposal_id,title,final_score,method,judges\n"


def test_unknown_round_fails_with_a_message(app):
    result = _run(app, "--round", "999")
    assert result.exit_code == 1 and "找不到该赛事" in result.output


def test_round_is_required(app):
    assert _run(app).exit_code == 2


def test_store_ranking_stores_a_closed_round_and_refuses_an_open_one(app):
    from grants.extensions import db
    from grants.models.base import utcnow
    from grants.models.judging import JudgingSettings
    from grants.services import ranking_store

    setup = build(judges=1, proposals=1, assign=False)
    write_sheet(setup.round, setup.judges[0].id, setup.proposals[0].id, split_total(80))
    runner = app.test_cli_runner()
    refused = runner.invoke(judging_cli, ["store-ranking", "--round", str(setup.round.id)])
    assert refused.exit_code != 0 and ranking_store.summary_of(setup.round.id) is None
    db.session.get(JudgingSettings, setup.round.id).closed_at = utcnow()
    db.session.commit()
    done = runner.invoke(judging_cli, ["store-ranking", "--round", str(setup.round.id)])
    assert done.exit_code == 0, done.output
    assert ranking_store.summary_of(setup.round.id).ranked == 1

"""The ranking stored when judging closes: the same rows as the live ranking, read a page at a
time; the judge dashboard counts progress in SQL and pages its rows without revealing
conflicts the judge did not declare."""

from __future__ import annotations

from datetime import timedelta

from grants.extensions import db
from grants.models.judging import Assignment, Conflict
from grants.services import awards, judging, ranking, ranking_store
from tests.judging_support import build, split_total, write_sheet


def _scored(judges: int = 3, proposals: int = 7):
    setup = build(judges=judges, proposals=proposals, assign=False)
    for n, proposal in enumerate(setup.proposals):
        for j, judge in enumerate(setup.judges):
            write_sheet(setup.round, judge.id, proposal.id, split_total(60 + 3 * n + j),
                        comment=f"评语{n}-{j}")
    return setup


def test_closing_stores_the_ranking_the_pages_then_read(app, monkeypatch):
    setup = _scored()
    live = ranking.round_ranking(setup.round.id)
    assert ranking_store.summary_of(setup.round.id) is None
    assert ranking_store.ranking_view(setup.round.id).stored is False
    judging.close_judging(setup.round.id, setup.organizer,
                          now=setup.round.judging_close + timedelta(hours=1))
    summary = ranking_store.summary_of(setup.round.id)
    assert summary.ranked == len(live) == 7 and summary.method == "trimmed_mean"
    stored = ranking_store.stored_lines(setup.round.id, 1, 100)
    assert [(r.rank, r.proposal_id, r.final_score) for r in stored] == \
        [(r.rank, r.proposal_id, r.final_score) for r in live]
    monkeypatch.setattr(ranking_store, "PAGE_SIZE", 3)
    view = ranking_store.ranking_view(setup.round.id, page=2)
    assert view.stored and view.pages == 3 and [r.rank for r in view.rows] == [4, 5, 6]
    assert set(view.profiles) == {j.id for j in setup.judges}
    assert ranking.final_score_of(setup.round.id, live[0].proposal_id) == live[0].final_score


def test_the_award_preview_decides_a_prefix_of_the_stored_ranking(app):
    setup = _scored()
    judging.close_judging(setup.round.id, setup.organizer,
                          now=setup.round.judging_close + timedelta(hours=1))
    every = awards.ranking_candidates(setup.round.id)
    first = awards.ranking_candidates(setup.round.id, upto=3)
    assert [c.rank for c in every] == list(range(1, 8)) and first == every[:3]
    whole = awards.preview(setup.round, every)
    assert awards.preview(setup.round, first) == whole[:3]


def test_the_dashboard_pages_rows_and_counts_in_sql(app, monkeypatch):
    from grants.services.judging import queries

    setup = build(judges=1, proposals=5, assign=False)
    judge = setup.judges[0]
    write_sheet(setup.round, judge.id, setup.proposals[0].id, split_total(80))
    db.session.add_all(Assignment(round_id=setup.round.id, judge_id=judge.id, proposal_id=p.id)
                       for p in setup.proposals[1:])
    db.session.add(Conflict(judge_id=judge.id, proposal_id=setup.proposals[1].id,
                            reason="同事", source="declared"))
    db.session.add(Conflict(judge_id=judge.id, proposal_id=setup.proposals[2].id,
                            reason="机构", source="detected"))
    db.session.commit()
    monkeypatch.setattr(queries, "DASHBOARD_PAGE", 2)
    [first] = judging.judge_dashboard(judge)
    assert (first.assigned, first.done, first.left) == (3, 1, 2)
    shown = [r.proposal_id for r in first.rows]
    assert shown == [setup.proposals[0].id, setup.proposals[1].id]
    assert first.rows[1].conflict == "同事" and first.pages == 2
    [second] = judging.judge_dashboard(judge, setup.round.id, 2)
    assert [r.proposal_id for r in second.rows] == [setup.proposals[3].id, setup.proposals[4].id]
    assert setup.proposals[2].id not in shown + [r.proposal_id for r in second.rows]

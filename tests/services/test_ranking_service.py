"""The round ranking: aggregation methods, tie-breaks, votes, exports and a constant query count."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from io import BytesIO

import pytest
from openpyxl import load_workbook

from grants.extensions import db
from grants.models.judging import JudgingSettings, Vote
from grants.services import ranking
from tests.factories import make_proposal
from tests.helpers import count_queries, create_user
from tests.judging_support import build, split_total, write_sheet


def _score(setup, proposal, totals):
    """Each listed judge's total for a proposal, extra judges created as needed."""
    for i, total in enumerate(totals):
        while len(setup.judges) <= i:
            n = len(setup.judges) + 1
            setup.judges.append(create_user(f"extra{n}", "judge", display_name=f"评审专家{n}号"))
        write_sheet(
            setup.round, setup.judges[i].id, proposal.id, split_total(total), comment=f"评语{i + 1}"
        )


def test_trimmed_mean_of_five_hand_computed(app):
    setup = build(judges=5, proposals=1, assign=False)
    _score(setup, setup.proposals[0], [70, 82, 85, 88, 95])
    [row] = ranking.round_ranking(setup.round.id)
    assert row.final_score == Decimal("85.00")
    assert row.method == "trimmed_mean" and row.judges == 5 and row.rank == 1


def test_four_judges_fall_back_to_the_mean_and_say_so(app):
    setup = build(judges=4, proposals=1, assign=False)
    _score(setup, setup.proposals[0], [70, 82, 85, 88])
    [row] = ranking.round_ranking(setup.round.id)
    assert row.method == "mean"
    assert row.final_score == Decimal("81.25")
    assert "不足 5 人" in row.note


def test_median_method(app):
    setup = build(judges=4, proposals=1, assign=False)
    db.session.get(JudgingSettings, setup.round.id).method = "median"
    db.session.commit()
    _score(setup, setup.proposals[0], [70, 82, 85, 88])
    [row] = ranking.round_ranking(setup.round.id)
    assert (row.method, row.final_score) == ("median", Decimal("83.50"))


def _tied(setup, proposal, need_fit):
    """Three judges giving a total of 80 with the given 需求契合度."""
    rest = 80 - need_fit
    points = {
        "need_fit": Decimal(need_fit),
        "feasibility": Decimal(min(25, rest)),
        "innovation": Decimal(max(rest - 25, 0) if rest - 25 <= 15 else 15),
    }
    left = rest - points["feasibility"] - points["innovation"]
    points["budget"] = min(Decimal(20), left)
    points["sustainability"] = left - points["budget"]
    for judge in setup.judges:
        write_sheet(setup.round, judge.id, proposal.id, points)


def test_ties_broken_by_need_fit_then_amount_then_submission(app):
    setup = build(judges=3, proposals=0, assign=False)
    applicant = create_user("tieapplicant", "resident")
    base = setup.round.submit_open
    a = make_proposal(setup.round, applicant, "eligible", 900_000, title="甲")
    b = make_proposal(setup.round, applicant, "eligible", 900_000, title="乙")
    c = make_proposal(setup.round, applicant, "eligible", 800_000, title="丙")
    d = make_proposal(setup.round, applicant, "eligible", 800_000, title="丁")
    for proposal, minutes in ((a, 1), (b, 2), (c, 4), (d, 3)):
        proposal.submitted_at = base + timedelta(minutes=minutes)
    db.session.commit()
    _tied(setup, a, 20)  # higher need-fit beats everybody on 80
    for proposal in (b, c, d):
        _tied(setup, proposal, 15)
    rows = ranking.round_ranking(setup.round.id)
    assert [r.title for r in rows] == ["甲", "丁", "丙", "乙"]
    assert all(r.final_score == Decimal("80.00") for r in rows)
    assert "需求契合度" in rows[1].tie_break
    assert "提交更早" in rows[2].tie_break
    assert "申请金额" in rows[3].tie_break


def test_resident_votes_blend_into_the_final_score(app):
    setup = build(judges=3, proposals=2, assign=False)
    settings = db.session.get(JudgingSettings, setup.round.id)
    settings.vote_weight_pct = 20
    settings.vote_min_turnout = 4
    db.session.commit()
    first, second = setup.proposals
    _score(setup, first, [80, 80, 80])
    _score(setup, second, [70, 70, 70])
    voters = [create_user(f"voter{i}", "resident") for i in range(4)]
    db.session.add_all(
        [Vote(round_id=setup.round.id, proposal_id=second.id, user_id=v.id) for v in voters]
        + [Vote(round_id=setup.round.id, proposal_id=first.id, user_id=voters[0].id)]
    )
    db.session.commit()
    rows = {r.proposal_id: r for r in ranking.round_ranking(setup.round.id)}
    assert rows[second.id].final_score == Decimal("76.00")  # 0.8·70 + 0.2·100
    assert rows[first.id].final_score == Decimal("69.00")  # 0.8·80 + 0.2·25
    assert rows[second.id].rank == 1


def test_drafts_and_ineligible_proposals_are_left_out(app):
    setup = build(judges=3, proposals=2, assign=False)
    first, second = setup.proposals
    _score(setup, first, [80, 81, 82])
    write_sheet(setup.round, setup.judges[0].id, second.id, split_total(90), submitted=False)
    report = ranking.ranking_report(setup.round.id)
    assert [r.proposal_id for r in report.rows] == [first.id]
    assert report.unscored == [second.id]
    assert report.breakdown[first.id]["need_fit"] == Decimal("20.00")


def test_round_without_scores_ranks_nothing(app):
    setup = build(judges=1, proposals=2, assign=False)
    assert ranking.round_ranking(setup.round.id) == []


def _round_of(proposals: int, judges: int, prefix: str):
    setup = build(judges=judges, proposals=proposals, assign=False, prefix=prefix)
    for proposal in setup.proposals:
        for judge in setup.judges:
            write_sheet(
                setup.round, judge.id, proposal.id, split_total(60 + proposal.id % 30), comment="好"
            )
    return setup


@pytest.mark.parametrize("small, large", [((3, 3), (30, 3)), ((3, 3), (3, 7))])
def test_ranking_runs_a_fixed_number_of_queries(app, small, large):
    one = _round_of(*small, prefix="a")
    two = _round_of(*large, prefix="b")
    db.session.commit()
    with count_queries() as few:
        ranking.ranking_report(one.round.id)
    db.session.commit()
    with count_queries() as many:
        rows = ranking.ranking_report(two.round.id).rows
    assert len(rows) == large[0]
    assert few[0] == many[0] <= 7


def test_csv_export_header_and_two_decimals(app):
    setup = build(judges=5, proposals=1, assign=False)
    _score(setup, setup.proposals[0], [70, 82, 85, 88, 95])
    lines = ranking.ranking_csv(setup.round.id).splitlines()
    assert lines[0] == "rank,proposal_id,title,final_score,method,judges"
    assert lines[1] == f"1,{setup.proposals[0].id},微项目1,85.00,trimmed_mean,5"


def test_exports_guard_against_spreadsheet_formulas(app):
    setup = build(judges=3, proposals=1, assign=False)
    setup.proposals[0].title = '=HYPERLINK("x")'
    db.session.commit()
    _score(setup, setup.proposals[0], [80, 80, 80])
    assert "\"'=HYPERLINK" in ranking.ranking_csv(setup.round.id, detailed=True)
    book = load_workbook(BytesIO(ranking.ranking_xlsx(setup.round.id)))
    sheet = book.active
    assert sheet.cell(1, 1).value == "rank"
    assert sheet.cell(2, 3).value.startswith("'=")
    assert sheet.cell(2, 4).value == 80


def test_applicant_result_labels_judges_without_names(app):
    setup = build(judges=3, proposals=1, assign=False)
    _score(setup, setup.proposals[0], [80, 70, 90])
    result = ranking.applicant_result(setup.proposals[0])
    assert result.row.final_score == Decimal("80.00")
    assert [label for label, _ in result.comments] == ["评委1", "评委2", "评委3"]
    assert [text for _, text in result.comments] == ["评语1", "评语2", "评语3"]
    assert result.means["need_fit"] == Decimal("20.00")

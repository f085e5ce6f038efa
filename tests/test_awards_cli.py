"""``flask notices close-due`` is idempotent; ``flask agreements render`` writes one PDF per
agreement, named by its number, using worker processes."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from grants.cli.agreements import agreements_cli
from grants.cli.notices import notices_cli
from grants.domain.awards import Candidate
from grants.extensions import db
from grants.services import agreements
from grants.services import awards as award_svc
from grants.services import notices as notice_svc
from tests.factories import make_proposal, make_round
from tests.helpers import audit_count, create_user
from tests.web.test_pdf_documents import shared_pdf_cache  # noqa: F401

MONDAY, NEXT_MONDAY = date(2026, 7, 6), date(2026, 7, 13)


@pytest.fixture
def notice(app):
    organizer = create_user("wangmin", "organizer")
    applicant = create_user("zhangguilan", "resident")
    r = make_round("notice", pool_fen=5_000_000)
    cands = []
    for rank in (1, 2, 3):
        p = make_proposal(r, applicant, status="scored", title=f"楼道微更新{rank}")
        cands.append(Candidate(p.id, rank, p.title, Decimal(90 - rank), 1_000_000 + rank))
    award_svc.propose_awards(r.id, cands, organizer)
    return notice_svc.publish_notice(r.id, organizer, today=MONDAY)


def test_close_due_twice_changes_nothing_the_second_time(app, notice):
    runner = app.test_cli_runner()
    early = runner.invoke(notices_cli, ["close-due", "--today", "2026-07-10"])
    assert early.exit_code == 0 and "没有到期待确认的公示" in early.output
    before = audit_count()
    first = runner.invoke(notices_cli, ["close-due", "--today", "2026-07-13"])
    assert first.exit_code == 0 and "已确认 3 个立项" in first.output
    after_first = audit_count()
    assert after_first > before
    second = runner.invoke(notices_cli, ["close-due", "--today", "2026-07-13"])
    assert second.exit_code == 0 and "没有到期待确认的公示" in second.output
    assert audit_count() == after_first


def test_render_writes_every_agreement(app, notice, tmp_path, shared_pdf_cache):  # noqa: F811
    notice_svc.confirm_notice(notice.id, None, today=NEXT_MONDAY)
    out = tmp_path / "out"
    result = app.test_cli_runner().invoke(
        agreements_cli, ["render", "--round", str(notice.round_id), "--out", str(out)]
    )
    assert result.exit_code == 0, result.output
    numbers = [a.number for a in agreements.agreements_of_round(notice.round_id)]
    assert sorted(p.name for p in out.iterdir()) == [f"{n}.pdf" for n in numbers]
    assert all((out / f"{n}.pdf").read_bytes().startswith(b"%PDF") for n in numbers)
    assert "3 份协议书已写入" in result.output


def test_render_refuses_a_round_without_agreements(app, notice, tmp_path):
    result = app.test_cli_runner().invoke(
        agreements_cli, ["render", "--round", str(notice.round_id), "--out", str(tmp_path)]
    )
    assert result.exit_code != 0 and "没有协议书" in result.output


def test_seed_publishes_round_7_with_objections_once(app):
    from grants.demo import awards as demo_awards
    from grants.models.awards import Objection
    from tests.judging_support import build, split_total, write_sheet

    assert "not found" in next(demo_awards.seed())
    setup = build(judges=3, proposals=3, assign=False, prefix="j")
    create_user("organizer", "organizer")
    create_user("resident5", "resident")
    assert "skipped" in list(demo_awards.seed())[-1]
    for judge in setup.judges:
        for proposal, total in zip(setup.proposals, (90, 80, 70), strict=True):
            write_sheet(setup.round, judge.id, proposal.id, split_total(total))
    setup.round.judging_close = setup.round.judging_open
    db.session.commit()
    lines = list(demo_awards.seed())
    assert lines[0].startswith("awards: 3 proposed") and "1 dismissed" in lines[-1]
    statuses = sorted(o.status for o in db.session.query(Objection))
    assert statuses == ["dismissed", "filed"]
    before = audit_count()
    assert list(demo_awards.seed()) == ["awards: round 7 already has awards"]
    assert audit_count() == before

"""``flask payments due|export|prune-keys``, and the demo's disbursement: round 6 paid through
the services, round 7's first tranches due, nothing added by a second seed, the chain intact."""

from __future__ import annotations

import csv
from datetime import timedelta

from openpyxl import load_workbook
from sqlalchemy import func, select

from grants.cli.payments import payments_cli
from grants.domain.clock import now_utc, stored
from grants.extensions import db
from grants.models import FundingRound
from grants.models.awards import Award, Tranche
from grants.models.payments import IdempotencyKey, Payment
from grants.services import payments
from grants.web.finance.exports import HEADERS
from tests.helpers import audit_count
from tests.web.test_finance_web import people, signed  # noqa: F401


def _run(app, *args):
    return app.test_cli_runner().invoke(payments_cli, list(args))


def _pay_first(signed, people):  # noqa: F811
    """Request, approve and pay the first tranche of the organisation's award."""
    award = signed["awards"][0]
    tranche = award.tranches[0]
    payment = payments.request_payment(people["finance1"], tranche.id, tranche.amount_fen,
                                       "江宁区阳光助老服务中心", "6222021000000001234")
    payments.approve_payment(people["finance2"], payment.id)
    payments.mark_paid(people["finance1"], payment.id, "JSB0001", now_utc().date(),
                       "32010188000006123456")
    return payment


def test_due_lists_due_tranches_and_marks_the_overdue(app, signed):  # noqa: F811
    result = _run(app, "due")
    assert result.exit_code == 0, result.output
    assert "银龄互助食堂" in result.output and "楼道微更新" in result.output
    assert "待拨付 2 批，其中逾期 0 批；待审批付款 0 笔" in result.output
    later = (now_utc() + timedelta(days=60)).date().isoformat()
    result = _run(app, "due", "--today", later)
    assert result.output.count("逾期\t") == 2 and "其中逾期 2 批" in result.output


def test_due_leaves_out_paid_tranches(app, signed, people):  # noqa: F811
    _pay_first(signed, people)
    result = _run(app, "due")
    assert "银龄互助食堂" not in result.output and "待拨付 1 批" in result.output


def test_export_writes_xlsx_and_csv_with_chinese_headers(app, signed, people, tmp_path):  # noqa: F811
    payment = _pay_first(signed, people)
    round_id = str(signed["round"].id)
    out_csv, out_xlsx = tmp_path / "ledger.csv", tmp_path / "ledger.xlsx"
    result = _run(app, "export", "--round", round_id, "--format", "csv", str(out_csv))
    assert result.exit_code == 0 and "1 笔付款已写入" in result.output
    with open(out_csv, encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.reader(handle))
    assert tuple(rows[0]) == HEADERS and rows[1][0] == str(payment.id)
    assert "6000.00" in rows[1] and "已付款" in rows[1]
    result = _run(app, "export", "--round", round_id, "--format", "xlsx", str(out_xlsx))
    assert result.exit_code == 0, result.output
    values = list(load_workbook(out_xlsx, read_only=True).active.iter_rows(values_only=True))
    assert tuple(values[0]) == HEADERS and values[1][0] == payment.id


def test_export_refuses_an_unknown_round_and_a_bad_format(app, tmp_path):
    result = _run(app, "export", "--round", "987654", "--format", "csv", str(tmp_path / "x"))
    assert result.exit_code != 0 and "找不到这个赛事" in result.output
    assert not (tmp_path / "x").exists()
    result = _run(app, "export", "--round", "1", "--format", "pdf", str(tmp_path / "x"))
    assert result.exit_code != 0


def test_prune_keys_deletes_only_keys_past_their_retention(app):
    old = stored(now_utc() - timedelta(days=3))
    db.session.add_all([
        IdempotencyKey(key="old-key-aaaaaaaaaaaa", fingerprint="f" * 64, created_at=old),
        IdempotencyKey(key="new-key-bbbbbbbbbbbb", fingerprint="f" * 64),
    ])
    db.session.commit()
    result = _run(app, "prune-keys")
    assert result.exit_code == 0 and "已清理 1 个" in result.output
    assert db.session.scalars(select(IdempotencyKey.key)).all() == ["new-key-bbbbbbbbbbbb"]


# ------------------------------------------------------------------------------- demo


def _round(name_start: str) -> FundingRound:
    return db.session.scalar(select(FundingRound).where(FundingRound.name.startswith(name_start)))


def test_the_demo_pays_round_6_and_makes_round_7_due(demo_app):
    sixth, seventh = _round("第六届"), _round("第七届")
    assert sixth.implementation_start.year == 2025
    statuses = db.session.scalars(
        select(Payment.status).join(Award).where(Award.round_id == sixth.id)).all()
    assert statuses.count("paid") >= 8
    assert statuses.count("rejected") == 1 and statuses.count("requested") == 1
    paid = db.session.scalars(select(Payment).where(Payment.status == "paid")).all()
    assert all(p.approved_by_id != p.requested_by_id for p in paid)
    first = db.session.scalars(
        select(Tranche.status).join(Award)
        .where(Award.round_id == seventh.id, Tranche.sequence == 1)).all()
    assert first and set(first) == {"due"}
    assert payments.round_ledger(seventh.id).count == len(first)


def test_seeding_the_demo_again_adds_nothing_and_the_chain_verifies(demo_app):
    before = audit_count()
    payments_before = db.session.scalar(select(func.count(Payment.id)))
    result = demo_app.test_cli_runner().invoke(args=["seed-demo"])
    assert result.exit_code == 0, result.output
    assert audit_count() == before
    assert db.session.scalar(select(func.count(Payment.id))) == payments_before
    verify = demo_app.test_cli_runner().invoke(args=["audit", "verify"])
    assert verify.exit_code == 0 and verify.output.startswith("OK: ")

"""``flask followup erase-numbers``: nothing before the round's keeping period is over, then
every number of the round erased and each list audited once; running again erases nothing."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from grants.extensions import db
from grants.models import FundingRound
from grants.models.followup import Beneficiary
from tests.followup.support import entries


def _kept() -> int:
    return db.session.scalar(select(func.count(Beneficiary.id)).where(Beneficiary.phone != ""))


def test_numbers_are_erased_once_the_keeping_period_is_over(app, listed):
    runner = app.test_cli_runner()
    end = db.session.get(FundingRound, listed.round_id).implementation_end
    early = (end + timedelta(days=90)).isoformat()
    due = (end + timedelta(days=91)).isoformat()
    assert "共 0 份名单到期" in runner.invoke(args=["followup", "erase-numbers", "--today",
                                                  early, "--dry-run"]).output
    dry = runner.invoke(args=["followup", "erase-numbers", "--today", due, "--dry-run"])
    assert "共 3 份名单到期" in dry.output and _kept() == 60
    done = runner.invoke(args=["followup", "erase-numbers", "--today", due])
    assert done.exit_code == 0 and "共删除 60 个电话（3 份名单）" in done.output
    assert _kept() == 0 and len(entries("beneficiary_list.erase_numbers")) == 3
    again = runner.invoke(args=["followup", "erase-numbers", "--today", due])
    assert "共删除 0 个电话（0 份名单）" in again.output
    assert len(entries("beneficiary_list.erase_numbers")) == 3
    assert runner.invoke(args=["audit", "verify"]).exit_code == 0

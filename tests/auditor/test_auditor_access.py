"""The auditor reads everything staff see and changes nothing.

Every route is enumerated from the app. A *staff page* is a route whose policy names a staff
role (organizer, admin, finance, auditor), leaving out account administration; a *read page*
accepts GET only, a *write* accepts POST. On the demo data, with real ids in every URL, the
auditor must get 200 on each read page and 403 on each write. No write policy may name the
auditor at all. The one kind of POST the auditor may send is the button of a page marked
``read_only_start``, which starts a job that only reads (:data:`grants.jobs.tasks.READS_ONLY`).
"""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from grants.demo import DEMO_PASSWORD
from grants.domain.permissions import policies
from grants.domain.roles import ADMIN, AUDITOR, FINANCE, ORGANIZER
from grants.extensions import db
from grants.models import FundingRound
from grants.models.audit import AuditEntry
from grants.models.awards import Agreement, Award, Notice, Objection, Tranche
from grants.models.expenses import BudgetAdjustment, Expense, ExpenseReceipt
from grants.models.judging import PanelMember, ScoreSheet
from grants.models.payments import Payment
from grants.web.access import STATIC_ENDPOINTS, policy_of
from tests.helpers import AuthActions

STAFF_ROLES = {ORGANIZER, ADMIN, FINANCE, AUDITOR}
EDITING_DESKS = {"portal.manage_announcements", "portal.edit_announcement"}
"""The organizer's drafting desk for announcements: the auditor reads them on the portal and
every change to them in the audit log."""
ACCOUNT_ADMIN = {policies.MANAGE_USERS, policies.FOLLOW_UP_CALL, policies.EVALUATE}
"""Left out: account administration, and the pages of work assigned to a person (a caller's
numbers, an evaluator's sheets), which no one else reads."""
SELF_SERVICE = {policies.PUBLIC, policies.SIGNED_IN}


def _round_six() -> FundingRound:
    return db.session.scalar(select(FundingRound).where(FundingRound.round_no == 6))


def _first(model, *where):
    return db.session.scalar(select(model.id).where(*where).order_by(model.id).limit(1))


def _ids() -> dict[str, str]:
    """A real id for every URL variable of a staff page (round 6, the finished demo round)."""
    six = _round_six()
    award = _first(Award, Award.round_id == six.id)
    values = {
        "round_id": six.id,
        "award_id": award,
        "proposal_id": db.session.get(Award, award).proposal_id,
        "payment_id": _first(Payment),
        "sheet_id": _first(ScoreSheet, ScoreSheet.round_id == six.id),
        "agreement_id": _first(Agreement),
        "notice_id": _first(Notice),
        "objection_id": _first(Objection),
        "expense_id": _first(Expense),
        "receipt_id": _first(ExpenseReceipt),
        "tranche_id": _first(Tranche),
        "adjustment_id": _first(BudgetAdjustment),
        "judge_id": db.session.scalar(select(PanelMember.judge_id).where(
            PanelMember.round_id == six.id).limit(1)),
        "fmt": "csv",
        "object_type": "funding_round",
        "object_id": six.id,
    }
    return {name: str(value) for name, value in values.items()}


def _staff_rules(app, method: str):
    """The staff routes accepting ``method`` (GET-only ones for reading)."""
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        policy = policy_of(app, rule.endpoint)
        if rule.endpoint in STATIC_ENDPOINTS or policy in ACCOUNT_ADMIN:
            continue
        if rule.endpoint in EDITING_DESKS:
            continue
        if policy.roles is None or not STAFF_ROLES.intersection(policy.roles):
            continue
        methods = rule.methods - {"HEAD", "OPTIONS"}
        if method == "START":
            if _starts_read_only_job(app, rule):
                yield rule
        elif _starts_read_only_job(app, rule):
            continue
        elif (method == "GET" and methods == {"GET"}) or (method == "POST" and "POST" in methods):
            yield rule


def _starts_read_only_job(app, rule) -> bool:
    """True for a page whose POST only starts a read-only job (``read_only_start``)."""
    return getattr(app.view_functions[rule.endpoint], "starts_read_only_job", False)


def _path(rule, ids: dict[str, str]) -> str:
    path = rule.rule
    for name in rule.arguments:
        path = re.sub(rf"<(?:[^:<>]+:)?{name}>", ids.get(name, "1"), path)
    return path


@pytest.fixture
def auditor_client(demo_app):
    client = demo_app.test_client()
    demo_app.config["WTF_CSRF_ENABLED"] = False
    response = AuthActions(client).login("auditor", DEMO_PASSWORD)
    assert response.status_code == 302
    return client


def test_the_auditor_reads_every_staff_page_and_writes_none(demo_app, auditor_client):
    ids = _ids()
    before = db.session.scalar(select(AuditEntry.seq).order_by(AuditEntry.seq.desc()).limit(1))
    reads = [_path(rule, ids) for rule in _staff_rules(demo_app, "GET")]
    writes = [_path(rule, ids) for rule in _staff_rules(demo_app, "POST")]
    refused = [(p, code) for p in reads if (code := auditor_client.get(p).status_code) != 200]
    allowed = [(p, code) for p in writes if (code := auditor_client.post(p).status_code) != 403]
    assert refused == [] and allowed == []
    assert len(reads) >= 25 and len(writes) >= 40
    after = db.session.scalar(select(AuditEntry.seq).order_by(AuditEntry.seq.desc()).limit(1))
    assert after == before  # nothing the auditor did was recorded as a change


def test_the_auditor_starts_read_only_jobs_and_they_change_nothing(demo_app, auditor_client):
    """The audit check, the chain export and the payment ledger start as jobs from a button:
    the auditor may press it (the page and the job only read), and no record changes."""
    ids = _ids()
    before = db.session.scalar(select(AuditEntry.seq).order_by(AuditEntry.seq.desc()).limit(1))
    starts = [_path(rule, ids) for rule in _staff_rules(demo_app, "START")]
    assert {"/audit/verify", "/audit/export"} <= set(starts)
    for path in starts:
        assert auditor_client.get(path).status_code == 200, path
        response = auditor_client.post(path)
        assert response.status_code == 302 and "/jobs/" in response.location, path
    after = db.session.scalar(select(AuditEntry.seq).order_by(AuditEntry.seq.desc()).limit(1))
    assert after == before


def test_no_write_policy_names_the_auditor(app):
    writers = {policy_of(app, rule.endpoint) for rule in app.url_map.iter_rules()
               if "POST" in rule.methods and rule.endpoint not in STATIC_ENDPOINTS
               and not _starts_read_only_job(app, rule)}
    named = sorted(p.name for p in writers - SELF_SERVICE if AUDITOR in (p.roles or ()))
    assert named == []


def test_staff_pages_show_the_auditor_no_buttons(demo_app, auditor_client):
    seventh = db.session.scalar(select(FundingRound.id).where(FundingRound.round_no == 7))
    for path in ("/awards/", f"/awards/rounds/{seventh}", f"/judging/rounds/{seventh}",
                 "/screening/?status=all", "/expenses/queue", "/finance/"):
        page = auditor_client.get(path).get_data(as_text=True)
        forms = [tag for tag in re.findall(r"<form[^>]*>", page)
                 if 'method="post"' in tag and "/auth/logout" not in tag and "/lang/" not in tag]
        assert forms == [], path

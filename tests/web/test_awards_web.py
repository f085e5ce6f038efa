"""The organizer's award pages and the applicant's agreement pages: who may, who may not, and
refused input that changes nothing. The round is ranked by the judging area for real."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from grants.extensions import db
from grants.models import AuditEntry, FundingRound
from grants.models.awards import Agreement, Award, Notice, Objection
from grants.models.base import utcnow
from grants.services import notices as notice_svc
from tests.helpers import audit_count, create_user, login_as
from tests.judging_support import build, split_total, write_sheet
from tests.web.test_pdf_documents import shared_pdf_cache  # noqa: F401

OUTSIDERS = ("resident", "judge", "org_member", "finance")


@pytest.fixture
def ranked(app):
    """A round whose judging has closed: three proposals scored by three judges."""
    setup = build(judges=3, proposals=3, assign=False, prefix="j")
    for judge in setup.judges:
        for proposal, total in zip(setup.proposals, (90, 80, 70), strict=True):
            write_sheet(setup.round, judge.id, proposal.id, split_total(total))
    setup.round.judging_close = utcnow() - timedelta(hours=1)
    setup.round.pool_fen = 1_100_000
    db.session.commit()
    create_user("root", "admin")
    create_user("other", "resident")
    return setup


def _as(client, username):
    client.post("/auth/logout")
    return login_as(client, username)


def _post(client, url, **data):
    return client.post(url, data=data)


def _publish(client, setup):
    """Propose and publish through the web as the organizer; return the notice."""
    _as(client, "jorganizer")
    assert _post(client, f"/awards/rounds/{setup.round.id}/propose").status_code == 302
    assert _post(client, f"/awards/rounds/{setup.round.id}/publish").status_code == 302
    return db.session.scalar(select(Notice))


def _confirmed(client, setup):
    """Publish, let the period pass, confirm: return the first agreement."""
    notice = _publish(client, setup)
    notice.starts_on -= timedelta(days=20)
    notice.ends_on -= timedelta(days=20)
    db.session.commit()
    assert _post(client, f"/awards/notices/{notice.id}/confirm").status_code == 302
    return db.session.scalar(select(Agreement).order_by(Agreement.id))


@pytest.mark.parametrize("role", OUTSIDERS)
def test_organizer_pages_are_403_for_others(ranked, client, role):
    """Only organizers act here; auditors read these pages (``tests/auditor``)."""
    create_user(f"x_{role}", role)
    _as(client, f"x_{role}")
    rid = ranked.round.id
    for url in ("/awards/", f"/awards/rounds/{rid}"):
        assert client.get(url).status_code == 403, url
    assert client.post(f"/awards/rounds/{rid}/agreements.zip").status_code == 403


def test_anonymous_visitors_are_sent_to_login(ranked, client):
    for url in (
        "/awards/",
        f"/awards/rounds/{ranked.round.id}",
        "/awards/mine",
        "/awards/agreements/1",
        "/awards/agreements/1.pdf",
    ):
        response = client.get(url)
        assert response.status_code == 302 and "/auth/login" in response.headers["Location"]


def test_changes_are_403_for_residents_and_change_nothing(ranked, client):
    _publish(client, ranked)
    award = db.session.scalar(select(Award))
    notice = db.session.scalar(select(Notice))
    rid, pid = ranked.round.id, ranked.proposals[0].id
    _as(client, "japplicant")
    before = audit_count()
    posts = {
        f"/awards/rounds/{rid}/settings": {"min_score": "10"},
        f"/awards/rounds/{rid}/propose": {},
        f"/awards/{award.id}/adjust": {"amount": "6000", "reason": "x"},
        f"/awards/rounds/{rid}/proposals/{pid}/exclude": {"reason": "x"},
        f"/awards/rounds/{rid}/publish": {},
        f"/awards/notices/{notice.id}/confirm": {},
        "/awards/objections/1/decide": {"decision": "dismiss", "reason": "x"},
        "/awards/agreements/1/countersign": {},
    }
    for url, data in posts.items():
        assert client.post(url, data=data).status_code == 403, url
    assert audit_count() == before


def test_organizer_decides_awards_from_the_ranking(ranked, client):
    _as(client, "jorganizer")
    rid = ranked.round.id
    page = client.get(f"/awards/rounds/{rid}").get_data(as_text=True)
    assert "第1名 申请 ¥5,100.00，立项，剩余资金 ¥5,900.00" in page
    assert "第3名 申请 ¥5,300.00，资金已用完" in page
    assert _post(client, f"/awards/rounds/{rid}/settings", min_score="75").status_code == 302
    assert _post(client, f"/awards/rounds/{rid}/propose").status_code == 302
    awards = db.session.scalars(select(Award).order_by(Award.rank)).all()
    assert [(a.rank, a.amount_fen) for a in awards] == [(1, 510_000), (2, 520_000)]
    before = audit_count()
    bad = [
        ({"amount": "abc", "reason": "调整"}, 422),
        ({"amount": "6000", "reason": ""}, 422),
        ({"amount": "16000", "reason": "调整"}, 409),
        ({"amount": "6000.50", "reason": "调整"}, 409),
    ]
    for data, status in bad:
        assert client.post(f"/awards/{awards[0].id}/adjust", data=data).status_code == status
    assert audit_count() == before
    response = client.post(
        f"/awards/{awards[0].id}/adjust", data={"amount": "5800", "reason": "核减"}
    )
    assert response.status_code == 302 and awards[0].amount_fen == 580_000
    assert _post(client, f"/awards/rounds/{rid}/settings", min_score="abc").status_code == 422


def test_exclude_and_publish_through_the_web(ranked, client):
    _as(client, "jorganizer")
    rid, first = ranked.round.id, ranked.proposals[0].id
    _post(client, f"/awards/rounds/{rid}/propose")
    before = audit_count()
    assert (
        _post(client, f"/awards/rounds/{rid}/proposals/{first}/exclude", reason=" ").status_code
        == 422
    )
    assert audit_count() == before
    assert (
        _post(
            client, f"/awards/rounds/{rid}/proposals/{first}/exclude", reason="材料不实"
        ).status_code
        == 302
    )
    assert _post(client, f"/awards/rounds/{rid}/propose").status_code == 302
    assert [a.rank for a in db.session.scalars(select(Award).order_by(Award.rank))] == [2, 3]
    assert _post(client, f"/awards/rounds/{rid}/publish").status_code == 302
    assert _post(client, f"/awards/rounds/{rid}/publish").status_code == 409
    notice = db.session.scalar(select(Notice))
    assert _post(client, f"/awards/notices/{notice.id}/confirm").status_code == 409
    assert {a.status for a in db.session.scalars(select(Award))} == {"in_notice"}


def test_objection_rulings_through_the_web(ranked, client):
    notice = _publish(client, ranked)
    award = notice.awards[0]
    objection = notice_svc.file_objection(award.id, "预算偏高", name="李四", phone="13912345678")
    page = client.get(f"/awards/rounds/{ranked.round.id}").get_data(as_text=True)
    assert "13912345678" in page  # the organizer sees how to reach the objector
    url = f"/awards/objections/{objection.id}/decide"
    before = audit_count()
    assert _post(client, url, decision="amount", reason="核减").status_code == 422
    assert _post(client, url, decision="dismiss", reason="").status_code == 422
    assert _post(client, url, decision="amount", amount="99999", reason="核增").status_code == 409
    assert audit_count() == before
    assert _post(client, url, decision="amount", amount="5000", reason="核减").status_code == 302
    assert (db.session.get(Objection, objection.id).status, award.amount_fen) == ("upheld", 500_000)
    assert _post(client, url, decision="dismiss", reason="再驳回").status_code == 409


def test_applicant_signs_only_their_own_agreement(ranked, client, shared_pdf_cache):  # noqa: F811
    agreement = _confirmed(client, ranked)
    url = f"/awards/agreements/{agreement.id}"
    for outsider in ("other", "jjudge1"):
        _as(client, outsider)
        for path in (url, f"{url}.pdf"):
            assert client.get(path).status_code == 404, (outsider, path)
        assert _post(client, f"{url}/sign", agree="y").status_code == 404
    _as(client, "japplicant")
    assert agreement.number in client.get("/awards/mine").get_data(as_text=True)
    assert client.get(url).status_code == 200
    before = audit_count()
    assert _post(client, f"{url}/sign").status_code == 422
    assert audit_count() == before
    assert _post(client, f"{url}/sign", agree="y").status_code == 302
    assert _post(client, f"{url}/sign", agree="y").status_code == 409
    assert agreement.applicant_signed_at is not None


def test_only_the_organizer_countersigns(ranked, client, shared_pdf_cache):  # noqa: F811
    agreement = _confirmed(client, ranked)
    url = f"/awards/agreements/{agreement.id}"
    assert _post(client, f"{url}/countersign").status_code == 409  # applicant has not signed
    _as(client, "japplicant")
    _post(client, f"{url}/sign", agree="y")
    for username in ("root", "japplicant"):
        _as(client, username)
        assert _post(client, f"{url}/countersign").status_code == 403, username
    _as(client, "jorganizer")
    assert client.get(url).status_code == 200
    assert _post(client, f"{url}/countersign").status_code == 302
    assert agreement.award.status == "agreement_signed"
    signed = select(AuditEntry.action).where(AuditEntry.action.like("agreement.%sign"))
    assert db.session.scalars(signed.order_by(AuditEntry.seq)).all() == [
        "agreement.sign",
        "agreement.countersign",
    ]
    response = client.post(f"/awards/rounds/{ranked.round.id}/agreements.zip")
    assert response.status_code == 302 and "/jobs/" in response.headers["Location"]


def test_round_page_without_a_ranking_explains_why(app, client):
    from tests.factories import make_round

    create_user("wangmin", "organizer")
    r = make_round("notice")
    _as(client, "wangmin")
    page = client.get(f"/awards/rounds/{r.id}")
    assert page.status_code == 200
    assert _post(client, f"/awards/rounds/{r.id}/propose").status_code == 409
    assert client.get("/awards/rounds/999").status_code == 404
    assert client.post(f"/awards/rounds/{r.id}/agreements.zip").status_code == 404


def test_round_page_draws_what_the_lifecycles_allow(ranked, client):
    _as(client, "jorganizer")
    rid = ranked.round.id
    assert _post(client, f"/awards/rounds/{rid}/propose").status_code == 302
    awards = db.session.scalars(select(Award).order_by(Award.rank)).all()
    page = client.get(f"/awards/rounds/{rid}").get_data(as_text=True)
    assert all(f"/awards/{a.id}/adjust" in page for a in awards)
    assert f"/awards/rounds/{rid}/publish" in page and "拟立项" in page
    assert _post(client, f"/awards/rounds/{rid}/publish").status_code == 302
    notice = db.session.scalar(select(Notice))
    objection = notice_svc.file_objection(awards[0].id, "预算偏高", name="李四", phone="13912345678")
    page = client.get(f"/awards/rounds/{rid}").get_data(as_text=True)
    assert "/adjust" not in page and f"/awards/rounds/{rid}/publish" not in page
    assert f"/awards/notices/{notice.id}/confirm" in page
    assert f"/awards/objections/{objection.id}/decide" in page
    url = f"/awards/objections/{objection.id}/decide"
    assert _post(client, url, decision="dismiss", reason="经核实不成立").status_code == 302
    page = client.get(f"/awards/rounds/{rid}").get_data(as_text=True)
    assert url not in page and "异议不成立" in page and "经核实不成立" in page
    _as(client, "root")
    page = client.get(f"/awards/rounds/{rid}").get_data(as_text=True)
    assert f"/awards/notices/{notice.id}/confirm" in page  # admins organize too


def _round_with_confirmed_awards(applicant) -> FundingRound:
    """The round created through the form (pool ¥150,000), given confirmed awards that total
    ¥70,500 (written directly, as the factories do)."""
    from tests.factories import make_proposal

    funding_round = db.session.scalar(select(FundingRound))
    for rank, amount in enumerate((1_500_000,) * 4 + (1_050_000,), start=1):
        proposal = make_proposal(funding_round, applicant, status="awarded", amount_fen=amount,
                                 title=f"项目{rank}")
        db.session.add(Award(round_id=funding_round.id, proposal_id=proposal.id, rank=rank,
                             amount_fen=amount, requested_fen=amount, status="confirmed",
                             score=90 - rank))
    db.session.commit()
    return funding_round


def test_round_edit_refuses_a_pool_below_the_confirmed_awards(app, client):
    from tests.web.test_rounds_web import round_form

    create_user("wangmin", "organizer")
    applicant = create_user("zhangguilan", "resident")
    _as(client, "wangmin")
    assert client.post("/rounds/new", data=round_form()).status_code == 302
    funding_round = _round_with_confirmed_awards(applicant)
    url = f"/rounds/{funding_round.id}/edit"
    before = audit_count()
    response = client.post(url, data=round_form(pool="5000"))
    page = response.get_data(as_text=True)
    message = "立项总额 ¥70,500.00 超过资金池 ¥5,000.00（超出 ¥65,500.00）"
    assert response.status_code == 422
    beside_pool = page[page.index('name="pool"'):page.index('name="band_min"')]
    assert message in beside_pool and "is-invalid" in page
    db.session.expire_all()
    assert db.session.get(FundingRound, funding_round.id).pool_fen == 15_000_000
    assert audit_count() == before
    assert client.post(url, data=round_form(pool="70500")).status_code == 302
    assert db.session.get(FundingRound, funding_round.id).pool_fen == 7_050_000

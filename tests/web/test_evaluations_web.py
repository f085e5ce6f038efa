"""The evaluation pages: every page opens for the people it is for; another grantee's report and
photos answer 404; a refused report or score sheet comes back with a 4xx, the message and
everything typed; the organizer's forms work end to end; the public notice and its objection
form; the award page shows the results."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from grants.extensions import db
from grants.models.awards import Agreement, Award
from grants.models.evaluations import Evaluation, EvaluationPhoto
from grants.services import evaluations as svc
from tests.evaluations_support import (
    PHOTO,
    evaluation_of,
    implementing_awards,
    in_notice,
    people,
    report_form,
    scored,
    submitted,
)
from tests.helpers import audit_count, keyed


def text_of(response) -> str:
    return response.get_data(as_text=True)


@pytest.fixture
def world(app):
    """Two awards of one round: A's mid-term scored (both evaluators) and in its results
    notice, B's mid-term with a draft report and one evaluator."""
    who = people()
    a, b = implementing_awards(who, 2)
    (done,) = submitted(who, [a])
    scored(who, [done], (24, 15, 15, 24))
    round_id = db.session.get(Award, a).round_id
    notice = in_notice(who, round_id)
    draft = evaluation_of(b)
    svc.assign_evaluator(who.organizer, draft.id, who.evaluator.id)
    svc.save_report(who.grantee, draft.id, {"summary": "草稿内容"}, [("活动.png", PHOTO)])
    return {"who": who, "round_id": round_id, "done": done.id, "draft": draft.id,
            "notice": notice.id, "award_a": a}


def _photo(evaluation_id: int) -> int:
    return db.session.scalar(select(EvaluationPhoto.id).where(
        EvaluationPhoto.evaluation_id == evaluation_id))


def _sheet(evaluation_id: int, evaluator) -> int:
    evaluation = db.session.get(Evaluation, evaluation_id)
    return next(s.id for s in evaluation.sheets if s.evaluator_id == evaluator.id)


PAGES = {
    "grantee": [("/evaluations/mine", "微项目"), ("/evaluations/{draft}", "提交评估报告"),
                ("/evaluations/{done}", "评估得分")],
    "pinggu1": [("/evaluations/queue", "待评分"), ("/evaluations/{done}", "评估评分")],
    "wangmin": [("/evaluations/rounds", "评估"), ("/evaluations/rounds/{round_id}", "分配评估人员"),
                ("/evaluations/{done}", "评估评分")],
    "anonymous": [("/evaluations/notices/{notice}", "提出异议"), ("/notices/", "中期评估结果公示"),
                  ("/evaluations/{done}/object", "提出异议")],
}


@pytest.mark.parametrize("username", sorted(PAGES))
def test_each_page_opens_for_its_reader(client, auth, world, username):
    if username != "anonymous":
        assert auth.login(username).status_code == 302
    for path, needle in PAGES[username]:
        response = client.get(path.format(**world))
        assert response.status_code == 200, (username, path, response.status_code)
        assert needle in text_of(response), (username, path, needle)


def test_the_evaluator_sees_the_scoring_form_once_the_report_is_in(client, auth, world):
    who = world["who"]
    auth.login("pinggu1")
    waiting = client.get(f"/evaluations/sheets/{_sheet(world['draft'], who.evaluator)}")
    assert waiting.status_code == 200 and "提交评估报告后即可评分" in text_of(waiting)
    done = client.get(f"/evaluations/sheets/{_sheet(world['done'], who.evaluator)}")
    assert done.status_code == 200 and "合计" in text_of(done)


def test_the_old_notice_address_leads_to_the_results_page(client, world):
    response = client.get(f"/notices/{world['notice']}")
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/evaluations/notices/{world['notice']}")
    assert client.get(f"/notices/{world['notice']}.pdf").status_code == 404


def test_another_grantee_or_evaluator_meets_404(client, auth, world):
    who = world["who"]
    ids = {**world, "photo": _photo(world["draft"]),
           "sheet": _sheet(world["draft"], who.evaluator)}
    paths = ["/evaluations/{draft}", "/evaluations/photos/{photo}", "/evaluations/sheets/{sheet}"]
    for username, allowed in (("othergrantee", (403, 404)), ("pinggu2", (404,))):
        auth.login(username)
        for path in paths:
            status = client.get(path.format(**ids)).status_code
            assert status in allowed, (username, path, status)
        auth.logout()


def test_another_grantee_cannot_write_or_remove_a_photo(client, auth, world):
    auth.login("othergrantee")
    before = audit_count()
    photo = _photo(world["draft"])
    assert client.post(f"/evaluations/{world['draft']}/report",
                       data=report_form()).status_code == 404
    assert client.post(f"/evaluations/photos/{photo}/remove").status_code == 404
    assert audit_count() == before and db.session.get(EvaluationPhoto, photo) is not None


def test_the_grantee_gets_the_photo(client, auth, world):
    auth.login("grantee")
    response = client.get(f"/evaluations/photos/{_photo(world['draft'])}")
    assert response.status_code == 200 and response.data == PHOTO
    assert response.mimetype == "image/png"


def test_a_refused_report_keeps_what_was_typed(client, auth, world):
    auth.login("grantee")
    before = audit_count()
    data = report_form(summary="今天新写的总结内容", beneficiaries="9" * 30, submit="1")
    response = client.post(f"/evaluations/{world['draft']}/report", data=data)
    assert response.status_code == 422
    page = text_of(response)
    assert "今天新写的总结内容" in page and "9" * 30 in page
    assert "受益人数须为 0 至" in page
    assert audit_count() == before
    assert db.session.get(Evaluation, world["draft"]).summary == "草稿内容"


def test_the_grantee_submits_the_report_from_the_page(client, auth, world):
    auth.login("grantee")
    response = client.post(f"/evaluations/{world['draft']}/report",
                           data={**report_form(), "submit": "1"})
    assert response.status_code == 302
    assert db.session.get(Evaluation, world["draft"]).status == "submitted"


def test_a_refused_score_keeps_the_points_typed(client, auth, world):
    who = world["who"]
    svc.save_report(who.grantee, world["draft"], report_form(), submit=True)
    auth.login("pinggu1")
    sheet = _sheet(world["draft"], who.evaluator)
    data = {"points_implementation": "28", "points_funding": "25", "points_finance": "\x00",
            "points_effect": "", "comment": "评估意见草稿"}
    response = client.post(f"/evaluations/sheets/{sheet}", data=data)
    assert response.status_code == 422
    page = text_of(response)
    assert "评估意见草稿" in page and 'value="28"' in page and "0–20" in page
    good = {"points_implementation": "28", "points_funding": "18", "points_finance": "18",
            "points_effect": "27", "comment": "好"}
    assert client.post(f"/evaluations/sheets/{sheet}", data=good).status_code == 302
    assert evaluation_of(db.session.get(Evaluation, world["draft"]).award_id).status == "scored"


def test_the_organizer_forms_refuse_bad_input_with_the_message(client, auth, world):
    auth.login("wangmin")
    round_id = world["round_id"]
    bad = client.post(f"/evaluations/rounds/{round_id}/settings",
                      data={"rubric": "standard", "pass_mark": "1000", "notice_days": "7",
                            "grace_days": "5", "bar_years": "0"})
    assert bad.status_code == 422 and "合格分数线须为 1 至 100" in text_of(bad)
    assert 'value="1000"' in text_of(bad)
    unknown = client.post(f"/evaluations/rounds/{round_id}/open",
                          data={"kind": "weekly", "due_on": "2030-01-01"})
    assert unknown.status_code == 400
    reason = client.post(f"/evaluations/{world['draft']}/cancel", data={"reason": " "})
    assert reason.status_code == 422 and "请填写取消理由" in text_of(reason)


def test_the_organizer_assigns_and_publishes_from_the_overview(client, auth, world):
    who = world["who"]
    auth.login("wangmin")
    response = client.post(f"/evaluations/{world['draft']}/assign",
                           data={"evaluator_id": str(who.evaluator2.id)})
    assert response.status_code == 302
    again = client.post(f"/evaluations/{world['draft']}/assign",
                        data={"evaluator_id": str(who.evaluator2.id)})
    assert again.status_code == 409 and "已分配" in text_of(again)
    early = client.post(f"/evaluations/notices/{world['notice']}/confirm")
    assert early.status_code == 409 and "期满后方可确认评估结果" in text_of(early)


def test_an_objection_from_the_public_page(client, world):
    response = client.post(f"/evaluations/{world['done']}/object", data=keyed({
        "text": "该项目实际未开展讲座，报告与事实不符。", "name": "李四", "phone": "13912345678"}))
    assert response.status_code == 302 and "/notices/objections/" in response.headers["Location"]
    empty = client.post(f"/evaluations/{world['done']}/object", data=keyed({"text": ""}))
    assert empty.status_code in (400, 422)


def test_the_agreement_page_shows_the_results(client, auth, world):
    agreement = db.session.scalar(select(Agreement.id).where(
        Agreement.award_id == world["award_a"]))
    auth.login("grantee")
    page = text_of(client.get(f"/awards/agreements/{agreement}"))
    assert "中期/结项评估" in page and f"/evaluations/{world['done']}" in page


def test_the_demo_evaluates_round_6_and_its_pages_open(demo_app):
    from grants.demo import DEMO_PASSWORD
    from grants.demo.finance import ROUND6_NAME
    from grants.models import FundingRound
    from tests.conftest import IsolatedClient
    from tests.helpers import login_as

    round_id = db.session.scalar(select(FundingRound.id).where(FundingRound.name == ROUND6_NAME))
    found = {(e.kind, e.status): e for e in db.session.scalars(
        select(Evaluation).where(Evaluation.round_id == round_id))}
    assert set(found) == {("midterm", "passed"), ("midterm", "failed"), ("final", "passed")}
    assert found[("midterm", "failed")].award.status == "suspended"
    assert found[("final", "passed")].award.status == "final_passed"
    demo_app.test_client_class = IsolatedClient
    for username, paths in (
        ("pinggu1", ["/evaluations/queue", f"/evaluations/sheets/{found[('final', 'passed')].sheets[0].id}"]),
        ("organizer", ["/evaluations/rounds", f"/evaluations/rounds/{round_id}"]),
        ("org11", ["/evaluations/mine", f"/evaluations/{found[('midterm', 'passed')].id}"]),
    ):
        client = demo_app.test_client()
        assert login_as(client, username, DEMO_PASSWORD).status_code == 302
        for path in paths:
            assert client.get(path).status_code == 200, (username, path)
    notice = found[("midterm", "failed")].notice_id
    assert demo_app.test_client().get(f"/evaluations/notices/{notice}").status_code == 200

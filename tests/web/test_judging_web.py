"""Judging pages: who may use each route, scoring through the form, locking, votes, results."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from grants.extensions import db
from grants.models import AuditEntry
from grants.models.base import utcnow
from grants.models.judging import JudgingSettings, Score, ScoreSheet, Vote
from grants.services import judging
from tests.helpers import audit_count, create_user, keyed, login_as
from tests.judging_support import build, form_points, split_total

FULL = split_total(80)


@pytest.fixture
def setup(app):
    """Two judges on every one of two proposals, plus a resident and an auditor."""
    built = build(judges=2, proposals=2)
    create_user("resident", "resident")
    create_user("auditor", "auditor")
    create_user("admin", "admin")
    create_user("outsider", "judge", display_name="局外评委")
    return built


def _form(setup, points: dict, submit=True, comment="") -> dict:
    data = {f"points-{cid}": value for cid, value in form_points(setup.round, points).items()}
    data["comment"] = comment
    data["submit" if submit else "save"] = "1"
    return data


def _submit(client, setup, judge, proposal, points=FULL, comment=""):
    login_as(client, judge.username)
    response = client.post(
        f"/judging/proposals/{proposal.id}/sheet", data=_form(setup, points, comment=comment)
    )
    assert response.status_code == 302, response.text
    client.get("/judging/")  # shows (and so clears) the flashed messages of this judge
    client.post("/auth/logout")


# --------------------------------------------------------------------------- access matrix


def _routes(setup):
    rid, pid = setup.round.id, setup.proposals[0].id
    return {
        "dashboard": ("get", "/judging/"),
        "score": ("get", f"/judging/proposals/{pid}/sheet"),
        "conflicts": ("get", "/judging/conflicts"),
        "rounds": ("get", "/judging/rounds"),
        "manage": ("get", f"/judging/rounds/{rid}"),
        "rubric": ("get", f"/judging/rounds/{rid}/rubric"),
        "settings": ("get", f"/judging/rounds/{rid}/settings"),
        "ranking": ("get", f"/judging/rounds/{rid}/ranking"),
        "csv": ("get", f"/judging/rounds/{rid}/ranking.csv"),
        "xlsx": ("get", f"/judging/rounds/{rid}/ranking.xlsx"),
        "vote_page": ("get", f"/judging/rounds/{rid}/vote"),
        "replace": (
            "get",
            f"/judging/rounds/{rid}/proposals/{pid}/judges/{setup.judges[0].id}/replace",
        ),
    }


EXPECTED = {
    # route: (anonymous, resident, judge1, organizer, auditor)
    "dashboard": (302, 403, 200, 403, 403),
    "score": (302, 403, 200, 403, 403),
    "conflicts": (302, 403, 200, 403, 403),
    "rounds": (302, 403, 403, 200, 200),
    "manage": (302, 403, 403, 200, 200),
    "rubric": (302, 403, 403, 200, 403),
    "settings": (302, 403, 403, 200, 403),
    "ranking": (302, 403, 403, 200, 200),
    "csv": (302, 403, 403, 200, 200),
    "xlsx": (302, 403, 403, 200, 200),
    "vote_page": (200, 200, 200, 200, 200),
    "replace": (302, 403, 403, 200, 403),
}


@pytest.mark.parametrize("route", sorted(EXPECTED))
def test_who_may_open_each_page(client, setup, route):
    method, url = _routes(setup)[route]
    for username, expected in zip(
        (None, "resident", "judge1", "organizer", "auditor"), EXPECTED[route], strict=True
    ):
        client.post("/auth/logout")
        if username:
            login_as(client, username)
        response = getattr(client, method)(url)
        assert response.status_code == expected, (username, route, response.status_code)


POSTS = (
    "/judging/rounds/{rid}/assign",
    "/judging/rounds/{rid}/close",
    "/judging/rounds/{rid}/publish",
    "/judging/rounds/{rid}/panel",
    "/judging/rounds/{rid}/panel/{jid}/remove",
)


@pytest.mark.parametrize("template", POSTS)
@pytest.mark.parametrize("username", ["judge1", "resident", "auditor"])
def test_only_organizers_post_round_actions(client, setup, template, username):
    login_as(client, username)
    before = audit_count()
    url = template.format(rid=setup.round.id, jid=setup.judges[0].id)
    assert client.post(url, data={"judge_id": setup.judges[0].id}).status_code == 403
    assert audit_count() == before


OTHER_POSTS = {
    "declare_conflict": ("/judging/proposals/{pid}/conflict", ("resident", "organizer")),
    "conflicts": ("/judging/conflicts", ("resident", "organizer", "auditor")),
    "score": ("/judging/proposals/{pid}/sheet", ("resident", "organizer", "admin")),
    "replace": (
        "/judging/rounds/{rid}/proposals/{pid}/judges/{jid}/replace",
        ("judge1", "auditor"),
    ),
    "rubric": ("/judging/rounds/{rid}/rubric", ("judge1", "auditor")),
    "settings": ("/judging/rounds/{rid}/settings", ("judge1", "auditor")),
    "vote": ("/judging/rounds/{rid}/vote/{pid}", ("judge1", "organizer", "auditor")),
}


@pytest.mark.parametrize("name", sorted(OTHER_POSTS))
def test_posts_refused_to_the_wrong_roles(client, setup, name):
    template, refused = OTHER_POSTS[name]
    url = template.format(rid=setup.round.id, pid=setup.proposals[0].id, jid=setup.judges[0].id)
    for username in refused:
        client.post("/auth/logout")
        login_as(client, username)
        before = audit_count()
        assert client.post(url, data=keyed({"reason": "x", "judge_id": 1})).status_code == 403, username
        assert audit_count() == before
    sheet = judging.save_sheet(setup.judges[0], setup.proposals[0].id, {}, "", submit=False)
    client.post("/auth/logout")
    login_as(client, "resident")
    assert client.get(f"/judging/sheets/{sheet.id}").status_code == 403


def test_admin_runs_judging_like_an_organizer_and_is_audited_as_admin(client, setup):
    spare = create_user("judge5", "judge", display_name="替补评委")
    login_as(client, "admin")
    rid = setup.round.id
    assert client.get(f"/judging/rounds/{rid}").status_code == 200
    response = client.post(f"/judging/rounds/{rid}/panel", data={"judge_id": spare.id})
    assert response.status_code == 302
    entry = db.session.scalars(select(AuditEntry).order_by(AuditEntry.seq.desc())).first()
    assert (entry.action, entry.actor_role) == ("panel.add_judge", "admin")


def test_anonymous_posts_go_to_login(client, setup):
    response = client.post(f"/judging/rounds/{setup.round.id}/assign")
    assert response.status_code == 302 and "/auth/login" in response.location


# --------------------------------------------------------------------------- scoring


def test_unassigned_judge_gets_404_on_the_form(client, setup):
    login_as(client, "outsider")
    url = f"/judging/proposals/{setup.proposals[0].id}/sheet"
    assert client.get(url).status_code == 404
    assert client.post(url, data=_form(setup, FULL)).status_code == 404
    assert db.session.scalar(select(func.count(ScoreSheet.id))) == 0


def test_conflicted_judge_gets_403_and_organizer_can_replace(client, setup):
    judge, proposal = setup.judges[0], setup.proposals[0]
    login_as(client, judge.username)
    response = client.post(
        f"/judging/proposals/{proposal.id}/conflict", data={"reason": "申报人是我的同事"}
    )
    assert response.status_code == 302
    assert client.get(f"/judging/proposals/{proposal.id}/sheet").status_code == 403
    dashboard = client.get("/judging/").text
    assert "回避" in dashboard
    client.post("/auth/logout")
    spare = create_user("judge3", "judge", display_name="替补评委")
    judging.add_judge(setup.round.id, spare.id, setup.organizer)
    login_as(client, "organizer")
    page = client.get(f"/judging/rounds/{setup.round.id}").text
    assert "更换评委" in page and "申报人是我的同事" in page
    url = f"/judging/rounds/{setup.round.id}/proposals/{proposal.id}/judges/{judge.id}/replace"
    assert "替补评委" in client.get(url).text
    assert client.post(url, data={"judge_id": spare.id}).status_code == 302
    assert spare.id in judging.assignments_of(setup.round.id)[proposal.id]


def test_conflict_without_reason_is_refused(client, setup):
    login_as(client, "judge1")
    before = audit_count()
    response = client.post(
        f"/judging/proposals/{setup.proposals[0].id}/conflict", data={"reason": ""}
    )
    assert response.status_code == 400 and "请填写回避理由" in response.text
    assert audit_count() == before


def test_save_draft_then_submit(client, setup):
    judge, proposal = setup.judges[0], setup.proposals[0]
    login_as(client, judge.username)
    url = f"/judging/proposals/{proposal.id}/sheet"
    page = client.get(url).text
    assert "需求契合度" in page and "js/judging.js" in page and "<script>" not in page
    before = audit_count()
    response = client.post(
        url, data=_form(setup, {"need_fit": "15.5"}, submit=False, comment="需求调研扎实")
    )
    assert response.status_code == 302 and audit_count() == before
    page = client.get(url).text
    assert 'value="15.5"' in page and "需求调研扎实" in page
    assert client.post(url, data=_form(setup, FULL, comment="方案可行")).status_code == 302
    assert audit_count() == before + 1
    assert "已提交" in client.get("/judging/").text


@pytest.mark.parametrize(
    "value, submit", [("-0.5", False), ("20.5", False), ("0.3", False), ("abc", False), ("", True)]
)
def test_bad_points_answer_400_with_a_message(client, setup, value, submit):
    login_as(client, "judge1")
    before = audit_count()
    response = client.post(
        f"/judging/proposals/{setup.proposals[0].id}/sheet",
        data=_form(setup, {**FULL, "need_fit": value}, submit=submit),
    )
    assert response.status_code == 400
    assert "需求契合度" in response.text
    assert db.session.scalar(select(func.count(ScoreSheet.id))) == 0
    assert audit_count() == before


def test_submitted_sheet_cannot_be_changed(client, setup):
    judge, proposal = setup.judges[0], setup.proposals[0]
    _submit(client, setup, judge, proposal)
    scores = sorted(db.session.scalars(select(Score.half_points)))
    login_as(client, judge.username)
    before = audit_count()
    response = client.post(
        f"/judging/proposals/{proposal.id}/sheet", data=_form(setup, split_total(40))
    )
    assert response.status_code == 409
    assert "锁定" in response.text
    assert sorted(db.session.scalars(select(Score.half_points))) == scores
    assert audit_count() == before
    assert "disabled" in client.get(f"/judging/proposals/{proposal.id}/sheet").text


def test_judge_never_sees_another_judges_scores(client, setup):
    first, second = setup.judges
    proposal = setup.proposals[0]
    _submit(client, setup, second, proposal, split_total(55), comment="第二位评委的独特评语")
    login_as(client, first.username)
    for url in ("/judging/", f"/judging/proposals/{proposal.id}/sheet"):
        html = client.get(url).text
        assert "第二位评委的独特评语" not in html
        assert second.display_name not in html
        assert 'value="20"' not in html  # 55 = 20 + 25 + 10 on the other sheet
    sheet_id = db.session.scalar(select(ScoreSheet.id))
    assert client.get(f"/judging/sheets/{sheet_id}").status_code == 404


def test_sheet_page_for_owner_and_organizer_and_reopen(client, setup):
    judge, proposal = setup.judges[0], setup.proposals[0]
    _submit(client, setup, judge, proposal, comment="原评语")
    sheet_id = db.session.scalar(select(ScoreSheet.id))
    login_as(client, judge.username)
    assert "原评语" in client.get(f"/judging/sheets/{sheet_id}").text
    assert (
        client.post(f"/judging/sheets/{sheet_id}/reopen", data={"reason": "x"}).status_code == 403
    )
    client.post("/auth/logout")
    login_as(client, "organizer")
    before = audit_count()
    response = client.post(f"/judging/sheets/{sheet_id}/reopen", data={"reason": ""})
    assert response.status_code == 400 and audit_count() == before
    response = client.post(f"/judging/sheets/{sheet_id}/reopen", data={"reason": "请复核预算分"})
    assert response.status_code == 302 and audit_count() == before + 1
    assert db.session.get(ScoreSheet, sheet_id).status == "draft"


def test_scoring_after_the_window_is_refused(client, setup):
    setup.round.judging_close = utcnow() - timedelta(minutes=1)
    db.session.commit()
    login_as(client, "judge1")
    url = f"/judging/proposals/{setup.proposals[0].id}/sheet"
    assert "截止" in client.get(url).text
    assert client.post(url, data=_form(setup, FULL)).status_code == 409


# --------------------------------------------------------------------------- organizer pages


def test_organizer_sets_up_panel_rubric_and_settings(client, app):
    setup = build(judges=1, proposals=1, assign=False)
    new_judge = create_user("judge7", "judge", display_name="评审专家七")
    login_as(client, "organizer")
    rid = setup.round.id
    assert "评审专家七" in client.get(f"/judging/rounds/{rid}").text
    assert (
        client.post(f"/judging/rounds/{rid}/panel", data={"judge_id": new_judge.id}).status_code
        == 302
    )
    response = client.post(f"/judging/rounds/{rid}/panel", data={"judge_id": new_judge.id})
    assert response.status_code == 409 and "已在评审组中" in response.text
    assert client.post(f"/judging/rounds/{rid}/assign").status_code == 302
    response = client.post(
        f"/judging/rounds/{rid}/settings",
        data={
            "mode": "all",
            "judges_per_proposal": 3,
            "seed": 5,
            "method": "median",
            "vote_weight_pct": 80,
            "vote_max_per_resident": 3,
        },
    )
    assert response.status_code == 400
    response = client.post(
        f"/judging/rounds/{rid}/settings",
        data={
            "mode": "all",
            "judges_per_proposal": 3,
            "seed": 5,
            "method": "median",
            "blind": "y",
            "vote_weight_pct": 10,
            "vote_max_per_resident": 3,
            "vote_open": "2026-01-01T09:00",
            "vote_close": "2026-01-10T18:00",
        },
    )
    assert response.status_code == 302
    stored = db.session.get(JudgingSettings, rid)
    assert stored.method == "median" and stored.vote_open.hour == 1  # 09:00 Beijing = 01:00 UTC


def test_rubric_form_before_and_after_judging_opens(client, app):
    from tests.factories import make_round

    funding_round = make_round("screening")
    create_user("organizer", "organizer")
    login_as(client, "organizer")
    url = f"/judging/rounds/{funding_round.id}/rubric"
    assert "需求契合度" in client.get(url).text
    bad = {"criteria-0-name": "社区需求", "criteria-0-max_points": "60"}
    response = client.post(url, data=bad)
    assert response.status_code == 400 and "100" in response.text
    good = {
        "criteria-0-name": "社区需求",
        "criteria-0-max_points": "60",
        "criteria-1-name": "可行性",
        "criteria-1-max_points": "40",
        "criteria-2-name": "",
        "criteria-2-max_points": "",
    }
    assert client.post(url, data=good).status_code == 302
    assert [c.name for c in judging.rubric_of(funding_round.id)] == ["社区需求", "可行性"]
    funding_round.judging_open = utcnow() - timedelta(minutes=1)
    db.session.commit()
    response = client.post(url, data=good)
    assert response.status_code == 409 and "锁定" in response.text


def test_close_publish_and_the_applicants_result(client, setup):
    for proposal in setup.proposals:
        for i, judge in enumerate(setup.judges):
            _submit(
                client,
                setup,
                judge,
                proposal,
                split_total(70 + 10 * i),
                comment=f"评语{proposal.id}-{i}",
            )
    login_as(client, "organizer")
    rid = setup.round.id
    result_url = f"/judging/results/{setup.proposals[0].id}"
    assert client.post(f"/judging/rounds/{rid}/publish").status_code == 409
    assert client.post(f"/judging/rounds/{rid}/close").status_code == 302
    client.post("/auth/logout")
    login_as(client, "applicant")
    assert client.get(result_url).status_code == 404  # not yet published
    client.post("/auth/logout")
    login_as(client, "organizer")
    assert client.post(f"/judging/rounds/{rid}/publish").status_code == 302
    client.post("/auth/logout")
    login_as(client, "applicant")
    html = client.get(result_url).text
    assert "75.00" in html and "评委1" in html and "评委2" in html
    assert f"评语{setup.proposals[0].id}-1" in html
    assert all(judge.display_name not in html for judge in setup.judges)
    for username in ("resident", "judge1", "auditor"):
        client.post("/auth/logout")
        login_as(client, username)
        assert client.get(result_url).status_code == 404
    assert client.get("/judging/results/99999").status_code == 404


def test_ranking_page_and_exports(client, setup):
    for proposal in setup.proposals:
        for judge in setup.judges:
            _submit(client, setup, judge, proposal, split_total(60 + proposal.id))
    login_as(client, "auditor")
    html = client.get(f"/judging/rounds/{setup.round.id}/ranking").text
    assert "<svg" in html and "<rect" in html and setup.judges[0].display_name in html
    assert "style=" not in html
    csv = client.get(f"/judging/rounds/{setup.round.id}/ranking.csv")
    assert csv.mimetype == "text/csv"
    assert csv.data.decode("utf-8-sig").startswith("名次,项目编号,项目名称,申报主体,所在社区,最终得分")
    xlsx = client.get(f"/judging/rounds/{setup.round.id}/ranking.xlsx")
    assert xlsx.data[:2] == b"PK"
    assert client.get(f"/judging/rounds/{setup.round.id}/ranking.pdf").status_code == 404


def test_unknown_round_is_404(client, setup):
    login_as(client, "organizer")
    assert client.get("/judging/rounds/9999").status_code == 404
    assert client.get("/judging/rounds/9999/ranking").status_code == 404


# --------------------------------------------------------------------------- resident vote


def _open_vote(setup, limit=1):
    settings = db.session.get(JudgingSettings, setup.round.id)
    settings.vote_weight_pct, settings.vote_max_per_resident = 20, limit
    settings.vote_open = utcnow() - timedelta(hours=1)
    settings.vote_close = utcnow() + timedelta(hours=1)
    db.session.commit()


def test_resident_votes_once_per_proposal_within_the_limit(client, setup):
    _open_vote(setup, limit=1)
    first, second = setup.proposals
    login_as(client, "resident")
    page = client.get(f"/judging/rounds/{setup.round.id}/vote").text
    assert first.title in page and "支持这个项目" in page
    url = f"/judging/rounds/{setup.round.id}/vote/{{}}"
    assert client.post(url.format(first.id), data=keyed()).status_code == 302
    response = client.post(url.format(first.id), data=keyed())
    assert response.status_code == 409 and "只能支持一次" in response.text
    response = client.post(url.format(second.id), data=keyed())
    assert response.status_code == 409 and "最多支持 1 个" in response.text
    assert db.session.scalar(select(func.count(Vote.id))) == 1


def test_vote_window_and_who_may_vote(client, setup):
    first = setup.proposals[0]
    url = f"/judging/rounds/{setup.round.id}/vote/{first.id}"
    login_as(client, "resident")
    response = client.post(url, data=keyed())
    assert response.status_code == 409 and "未开放" in response.text
    _open_vote(setup)
    settings = db.session.get(JudgingSettings, setup.round.id)
    settings.vote_close = utcnow() - timedelta(minutes=1)
    settings.vote_open = utcnow() - timedelta(hours=2)
    db.session.commit()
    assert "截止" in client.post(url, data=keyed()).text
    client.post("/auth/logout")
    login_as(client, "judge1")
    assert client.post(url, data=keyed()).status_code == 403
    client.post("/auth/logout")
    assert client.post(url).status_code == 302  # to the login page
    assert db.session.scalar(select(func.count(Vote.id))) == 0


def test_replacing_a_judge_who_is_not_assigned_is_404_not_a_crash(app, client):
    from tests.judging_support import build

    setup = build(judges=3, proposals=1, prefix="r")
    login_as(client, "rorganizer")
    rid, pid = setup.round.id, setup.proposals[0].id
    for judge_id in (999999, setup.organizer.id):
        url = f"/judging/rounds/{rid}/proposals/{pid}/judges/{judge_id}/replace"
        assert client.get(url).status_code == 404

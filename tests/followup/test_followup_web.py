"""Follow-up pages: a phone number appears only on its assigned caller's own list and in that
caller's own export — never on any page or export of anyone else, whatever their role — plus
who may open each list page, uploads refused row by row with nothing changed, and the
organizer's and caller's work through the forms."""

from __future__ import annotations

import io
import re
import uuid

import pytest
from sqlalchemy import select

from grants.domain.roles import ROLES
from grants.extensions import db
from grants.models.followup import Beneficiary, BeneficiaryList, FollowUpCall
from grants.services import followup
from tests.followup.support import count, csv_bytes, rows
from tests.helpers import audit_count, create_user

ANONYMOUS = "anonymous"


@pytest.fixture
def calling(listed):
    """A sample being called: projects 1 and 2 with the first caller, 3 with the second; a
    few attempts recorded, with a number typed into a note."""
    sample = followup.draw_sample(listed.organizer, listed.round_id, listed.quarter)
    callers = (listed.caller, listed.caller, listed.caller2)
    for award_id, caller in zip(listed.award_ids, callers, strict=True):
        followup.assign_caller(listed.organizer, sample.id, award_id, caller.id)
    followup.start_calling(listed.organizer, sample.id)
    calls = db.session.scalars(select(FollowUpCall).where(FollowUpCall.sample_id == sample.id)
                               .order_by(FollowUpCall.id)).all()
    followup.record_attempt(listed.caller, calls[0].id, "satisfied", "yes",
                            f"改打女儿电话 {calls[1].beneficiary.phone}")
    followup.record_attempt(listed.caller, calls[1].id, "no_answer")
    listed.sample_id = sample.id
    return listed


def _phones_by_caller(sample_id: int) -> dict[int, set[str]]:
    found: dict[int, set[str]] = {}
    for call in db.session.scalars(select(FollowUpCall).where(FollowUpCall.sample_id == sample_id)):
        found.setdefault(call.caller_id, set()).add(call.beneficiary.phone)
    return found


def _all_phones() -> set[str]:
    return set(db.session.scalars(select(Beneficiary.phone)))


def _get_paths(app, team) -> list[str]:
    """Every GET route of the follow-up area with this team's ids, and the audit log."""
    ids = {"round_id": team.round_id, "award_id": team.award_ids[0],
           "sample_id": team.sample_id}
    paths = ["/audit/"]
    for rule in app.url_map.iter_rules():
        if rule.endpoint.startswith("followup.") and "GET" in rule.methods:
            path = rule.rule
            for name in rule.arguments:
                path = re.sub(rf"<(?:[^:<>]+:)?{name}>", str(ids[name]), path)
            paths.append(path)
    return paths


VISITORS = (ANONYMOUS, *ROLES, "grantee", "caller", "caller2")


@pytest.mark.parametrize("visitor", VISITORS)
def test_numbers_appear_only_on_their_assigned_callers_own_list_and_export(
        app, client, auth, calling, visitor):
    own = _phones_by_caller(calling.sample_id)
    everyone = _all_phones()
    user = {"grantee": calling.grantees[0], "caller": calling.caller,
            "caller2": calling.caller2}.get(visitor)
    if visitor not in (ANONYMOUS, "grantee", "caller", "caller2"):
        user = create_user(f"visitor_{visitor}", visitor)
    if user is not None:
        assert auth.login(user.username).status_code == 302
    allowed = own.get(user.id, set()) if user is not None else set()
    statuses = {}
    for path in _get_paths(app, calling):
        response = client.get(path)
        statuses[path] = response.status_code
        body = response.get_data(as_text=True)
        own_list = path in ("/followup/calls", "/followup/calls.csv")
        leaked = {p for p in everyone if p in body} - (allowed if own_list else set())
        assert not leaked, f"{visitor} sees {sorted(leaked)[:3]} on {path}"
        if own_list and response.status_code == 200:
            assert allowed <= {p for p in everyone if p in body}, path
    assert statuses["/followup/calls"] == (200 if visitor in ("caller", "caller2", "organizer",
                                                              "evaluator") else
                                           302 if visitor == ANONYMOUS else 403)


def test_the_staff_sample_page_and_export_show_masked_numbers_and_masked_notes(client, auth,
                                                                             calling):
    auth.login(calling.organizer.username)
    page = client.get(f"/followup/samples/{calling.sample_id}").get_data(as_text=True)
    assert "****" in page and "改打女儿电话 137****" in page
    export = client.get(f"/followup/samples/{calling.sample_id}/numbers.csv")
    assert export.status_code == 200 and export.mimetype == "text/csv"
    text = export.get_data(as_text=True)
    assert text.startswith("\ufeff项目,顺序,姓名,电话（已隐去）") and "****" in text
    assert not any(p in text for p in _all_phones())


def test_the_callers_own_export_is_audited_with_a_count_and_no_number(client, auth, calling):
    auth.login(calling.caller.username)
    before = audit_count()
    text = client.get("/followup/calls.csv").get_data(as_text=True)
    assert sum(p in text for p in _phones_by_caller(calling.sample_id)[calling.caller.id]) == 45
    assert audit_count() == before + 1
    from tests.followup.support import entries

    entry = entries("caller_list.download")[-1]
    assert entry.payload == '{"numbers":45}' and entry.actor_role == "evaluator"


LIST_OPENS = {"grantee": 200, "org colleague": 404, "other grantee": 404, "organizer": 200,
              "admin": 200, "auditor": 200, "evaluator": 404, "finance": 404, "judge": 404}


@pytest.mark.parametrize("visitor", sorted(LIST_OPENS))
def test_a_list_page_opens_for_its_grantee_and_follow_up_readers_only(client, auth, listed,
                                                                     visitor):
    if visitor == "grantee":
        user = listed.grantees[0]
    elif visitor == "other grantee":
        user = listed.grantees[1]
    elif visitor == "org colleague":
        user = create_user("colleague", "org_member")
    else:
        user = create_user(f"v_{visitor}", visitor)
    auth.login(user.username)
    for path in (f"/followup/awards/{listed.award_ids[0]}/list",):
        assert client.get(path).status_code == LIST_OPENS[visitor], (visitor, path)
    form = "上传名单" in client.get(f"/followup/awards/{listed.award_ids[0]}/list").get_data(
        as_text=True)
    assert form == (visitor == "grantee")


def _upload(client, award_id: int, data: bytes, name: str = "名单.csv"):
    return client.post(f"/followup/awards/{award_id}/list",
                       data={"file": (io.BytesIO(data), name)},
                       content_type="multipart/form-data")


def test_a_bad_upload_lists_every_bad_row_on_the_page_and_changes_nothing(client, auth, team):
    auth.login(team.grantees[0].username)
    table = rows(1, 3) + [("", "13700019999", "竹山社区", "送餐"), ("王五", "12", "竹山社区", "")]
    before = (audit_count(), count(BeneficiaryList))
    response = _upload(client, team.award_ids[0], csv_bytes(table))
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "第 5 行：缺少姓名" in page and "第 6 行：电话应为 11 位手机号" in page
    assert "缺少服务内容" in page and "13700019999" not in page
    assert (audit_count(), count(BeneficiaryList)) == before


def test_a_good_upload_stores_the_list_and_the_page_masks_it(client, auth, team):
    auth.login(team.grantees[0].username)
    response = _upload(client, team.award_ids[0], csv_bytes(rows(1, 8)))
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "名单已上传：8 位受益人" in page and "137****" in page
    assert not any(p in page for p in _all_phones())


def test_another_grantee_uploading_meets_not_found(client, auth, team):
    auth.login(team.grantees[1].username)
    assert _upload(client, team.award_ids[0], csv_bytes(rows(1, 2))).status_code == 404
    assert count(BeneficiaryList) == 0


def test_the_organizer_and_callers_run_a_quarter_through_the_forms(client, auth, listed):
    auth.login(listed.organizer.username)
    rules = client.post(f"/followup/rounds/{listed.round_id}/rules", data={
        "quota": "15", "weight_evaluation": "50", "weight_satisfaction": "30",
        "weight_timeliness": "30", "erase_after_days": "90"})
    assert rules.status_code == 422 and "三项权重之和应为 100" in rules.get_data(as_text=True)
    assert client.post(f"/followup/rounds/{listed.round_id}/rules", data={
        "quota": "15", "weight_evaluation": "50", "weight_satisfaction": "30",
        "weight_timeliness": "20", "erase_after_days": "90"}).status_code == 302
    drawn = client.post(f"/followup/rounds/{listed.round_id}/samples",
                        data={"quarter": listed.quarter})
    assert drawn.status_code == 302
    sample_id = int(drawn.headers["Location"].rstrip("/").rsplit("/", 1)[-1])
    assert client.post(f"/followup/samples/{sample_id}/start_calling").status_code == 409
    for award_id in listed.award_ids:
        assert client.post(f"/followup/samples/{sample_id}/callers", data={
            "award_id": str(award_id), "caller_id": str(listed.caller.id)}).status_code == 302
    assert client.post(f"/followup/samples/{sample_id}/start_calling").status_code == 302
    assert client.get(f"/followup/league/{sample_id}").status_code == 200
    auth.logout()
    assert client.get(f"/followup/league/{sample_id}").status_code == 404
    auth.login(listed.caller.username)
    page = client.get("/followup/calls").get_data(as_text=True)
    call_id = int(re.search(r'id="call-(\d+)"', page).group(1))
    key = uuid.uuid4().hex
    answer = {"outcome": "satisfied", "on_time": "yes", "notes": "", "idempotency_key": key}
    assert client.post(f"/followup/calls/{call_id}", data=answer).status_code == 302
    assert client.post(f"/followup/calls/{call_id}", data=answer).status_code == 302
    assert db.session.get(FollowUpCall, call_id).attempts == 1
    refused = client.post(f"/followup/calls/{call_id}", data={
        "outcome": "no_answer", "idempotency_key": uuid.uuid4().hex})
    assert refused.status_code == 409
    auth.logout()
    auth.login(listed.organizer.username)
    assert client.post(f"/followup/samples/{sample_id}/close").status_code == 302
    auth.logout()
    public = client.get(f"/followup/league/{sample_id}").get_data(as_text=True)
    assert "服务提供方评价" in public and "流动奖牌" in public
    assert client.get("/followup/league").status_code == 200


def test_unknown_sample_actions_and_ids_are_not_found(client, auth, listed):
    auth.login(listed.organizer.username)
    assert client.post("/followup/samples/1/redraw").status_code == 404
    assert client.get("/followup/samples/987654").status_code == 404
    assert client.get("/followup/league/987654.pdf").status_code == 404

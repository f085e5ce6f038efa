"""Needs service: posting inside the window, supporting once, merging duplicates."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from grants.domain.errors import Refusal
from grants.extensions import db
from grants.models import AuditEntry, Need, NeedSupport, Notification
from grants.services import needs
from tests.factories import make_community, make_round
from tests.helpers import audit_count, create_user


def need_data(community, **overrides) -> needs.NeedData:
    fields = dict(
        title="楼道灯坏了没人修",
        community_id=community.id,
        category="邻里文化",
        description="三号楼楼道灯坏了两个月",
        people_affected=40,
    )
    fields.update(overrides)
    return needs.NeedData(**fields)


@pytest.fixture
def setting(app):
    funding_round = make_round("needs")
    community = make_community()
    author = create_user("author", "resident")
    return funding_round, community, author


def supports_of(need) -> int:
    return db.session.scalar(
        select(func.count(NeedSupport.id)).where(NeedSupport.need_id == need.id)
    )


def test_post_need_is_audited(setting):
    funding_round, community, author = setting
    need = needs.post_need(funding_round, author, need_data(community))
    assert need.status == "open" and need.support_count == 0
    entry = db.session.scalars(select(AuditEntry).order_by(AuditEntry.seq.desc())).first()
    assert (entry.action, entry.object_id, entry.actor_id) == ("need.post", need.id, author.id)


def test_post_outside_window_names_the_deadline_and_writes_nothing(app):
    funding_round = make_round("submission")
    author = create_user("author", "resident")
    before = audit_count()
    with pytest.raises(Refusal) as refused:
        needs.post_need(funding_round, author, need_data(make_community()))
    assert str(refused.value).startswith("本轮需求征集已于") and "截止" in str(refused.value)
    assert refused.value.status == 409
    assert audit_count() == before and db.session.scalar(select(func.count(Need.id))) == 0


def test_post_with_explicit_time_inside_window(app):
    funding_round = make_round("submission")
    author = create_user("author", "resident")
    inside = funding_round.needs_open.replace(tzinfo=UTC) + timedelta(hours=1)
    need = needs.post_need(funding_round, author, need_data(make_community()), now=inside)
    assert need.id


@pytest.mark.parametrize(
    "overrides, message",
    [
        ({"title": "  "}, "请填写需求标题"),
        ({"title": "长" * 81}, "最多 80 个字"),
        ({"category": "体育"}, "类别须为本轮类别之一"),
        ({"description": ""}, "请描述需求"),
        ({"people_affected": -1}, "受益人数"),
        ({"community_id": 9999}, "请选择所在社区"),
    ],
)
def test_bad_need_is_refused(setting, overrides, message):
    funding_round, community, author = setting
    before = audit_count()
    with pytest.raises(Refusal, match=message):
        needs.post_need(funding_round, author, need_data(community, **overrides))
    assert audit_count() == before


def test_only_residents_post(setting):
    funding_round, community, _ = setting
    judge = create_user("judge", "judge")
    with pytest.raises(Refusal) as refused:
        needs.post_need(funding_round, judge, need_data(community))
    assert refused.value.status == 403


def test_support_once_keeps_count_in_step(setting):
    funding_round, community, author = setting
    need = needs.post_need(funding_round, author, need_data(community))
    fan = create_user("fan", "resident")
    needs.support_need(need, fan)
    before = audit_count()
    with pytest.raises(Refusal, match="已经支持过") as again:
        needs.support_need(need, fan)
    assert again.value.status == 409
    db.session.refresh(need)
    assert need.support_count == 1 == supports_of(need) and audit_count() == before


def test_cannot_support_own_need(setting):
    funding_round, community, author = setting
    need = needs.post_need(funding_round, author, need_data(community))
    with pytest.raises(Refusal, match="不能支持自己") as refused:
        needs.support_need(need, author)
    assert refused.value.status == 403 and supports_of(need) == 0


def test_support_closes_with_needs_collection(setting):
    funding_round, community, author = setting
    need = needs.post_need(funding_round, author, need_data(community))
    fan = create_user("fan", "resident")
    after = funding_round.needs_close.replace(tzinfo=UTC)
    with pytest.raises(Refusal, match="本轮需求征集已于"):
        needs.support_need(need, fan, now=after)
    assert supports_of(need) == 0


def _supported(need, *users):
    for user in users:
        needs.support_need(need, user)


def test_merge_carries_supports_without_double_counting(setting):
    funding_round, community, author = setting
    other = create_user("other", "resident")
    source = needs.post_need(funding_round, author, need_data(community, title="老人吃饭难"))
    target = needs.post_need(funding_round, other, need_data(community, title="独居老人助餐"))
    r1, r2, r3 = (create_user(f"r{i}", "resident") for i in (1, 2, 3))
    _supported(source, r1, r2, other)  # other authored the target: not carried
    _supported(target, r2, r3)
    organizer = create_user("boss", "organizer")
    before = audit_count()
    needs.merge_need(source, target, organizer)
    db.session.expire_all()
    source, target = db.session.get(Need, source.id), db.session.get(Need, target.id)
    assert (source.status, source.merged_into_id) == ("merged", target.id)
    assert target.support_count == 3 == supports_of(target)  # r1, r2, r3
    assert audit_count() == before + 1
    entry = db.session.scalars(select(AuditEntry).order_by(AuditEntry.seq.desc())).first()
    assert entry.action == "need.merge" and '"carried":1' in entry.payload
    assert db.session.scalar(
        select(Notification.message).where(Notification.user_id == author.id)
    ).startswith("您提交的需求")


def test_merge_refusals(setting):
    funding_round, community, author = setting
    first = needs.post_need(funding_round, author, need_data(community))
    second = needs.post_need(funding_round, author, need_data(community, title="二"))
    organizer = create_user("boss", "organizer")
    with pytest.raises(Refusal, match="自己"):
        needs.merge_need(first, first, organizer)
    with pytest.raises(Refusal) as refused:
        needs.merge_need(first, second, author)
    assert refused.value.status == 403
    needs.merge_need(first, second, organizer)
    with pytest.raises(Refusal, match="已合并"):
        needs.merge_need(first, second, organizer)
    third = needs.post_need(funding_round, author, need_data(community, title="三"))
    with pytest.raises(Refusal, match="目标需求本身已被合并"):
        needs.merge_need(third, first, organizer)
    other_round = make_round("needs", name="另一轮")
    elsewhere = needs.post_need(other_round, author, need_data(community))
    with pytest.raises(Refusal, match="同一轮"):
        needs.merge_need(third, elsewhere, organizer)


def test_merged_need_takes_no_more_support(setting):
    funding_round, community, author = setting
    source = needs.post_need(funding_round, author, need_data(community))
    target = needs.post_need(funding_round, author, need_data(community, title="二"))
    needs.merge_need(source, target, create_user("boss", "organizer"))
    db.session.refresh(source)
    with pytest.raises(Refusal) as refused:
        needs.support_need(source, create_user("fan", "resident"))
    assert refused.value.status == 409


def test_mask_name():
    assert needs.mask_name("张桂兰") == "张**"
    assert needs.mask_name("") == ""


def test_concurrent_double_support_counts_once(pg_app):
    funding_round = make_round("needs")
    author = create_user("author", "resident")
    fan = create_user("fan", "resident")
    need = needs.post_need(funding_round, author, need_data(make_community()))
    need_id, fan_id = need.id, fan.id
    barrier, outcomes = threading.Barrier(4), []

    def click():
        with pg_app.app_context():
            from grants.models import User

            target, user = db.session.get(Need, need_id), db.session.get(User, fan_id)
            barrier.wait()
            try:
                needs.support_need(target, user)
                outcomes.append("ok")
            except Refusal as error:
                outcomes.append(error.status)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=click) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes, key=str) == [409, 409, 409, "ok"]
    db.session.expire_all()
    assert db.session.get(Need, need_id).support_count == 1 == supports_of(need)
    assert (
        db.session.scalar(
            select(func.count(AuditEntry.seq)).where(AuditEntry.action == "need.support")
        )
        == 1
    )


def test_now_may_be_naive_utc(setting):
    funding_round, community, author = setting
    naive = datetime.now(UTC).replace(tzinfo=None)
    assert needs.post_need(funding_round, author, need_data(community), now=naive).id


def _last_entry() -> AuditEntry:
    return db.session.scalars(select(AuditEntry).order_by(AuditEntry.seq.desc())).first()


def test_post_merge_and_support_record_the_role_that_allowed_them(setting):
    funding_round, community, author = setting
    source = needs.post_need(funding_round, author, need_data(community))
    entry = _last_entry()
    assert (entry.action, entry.actor_role) == ("need.post", "resident")
    assert '"from":null' in entry.payload and '"to":"open"' in entry.payload
    many_hats = create_user("many", "finance", "auditor", "resident")
    needs.support_need(source, many_hats)
    assert (_last_entry().action, _last_entry().actor_role) == ("need.support", "resident")
    target = needs.post_need(funding_round, author, need_data(community, title="二"))
    chief = create_user("chief", "admin", "organizer", "auditor")
    needs.merge_need(source, target, chief)
    entry = _last_entry()
    assert (entry.action, entry.object_id, entry.actor_role) == ("need.merge", source.id, "organizer")
    assert '"from":"open"' in entry.payload and '"to":"merged"' in entry.payload


def test_an_awarded_proposal_funds_the_open_needs_it_answers(setting):
    from grants.models import proposal_need
    from tests.factories import make_proposal

    funding_round, community, author = setting
    answered = needs.post_need(funding_round, author, need_data(community))
    duplicate = needs.post_need(funding_round, author, need_data(community, title="二"))
    elsewhere = needs.post_need(funding_round, author, need_data(community, title="三"))
    needs.merge_need(duplicate, answered, create_user("boss", "organizer"))
    proposal = make_proposal(funding_round, create_user("team", "resident"), status="awarded")
    db.session.execute(proposal_need.insert(), [
        {"proposal_id": proposal.id, "need_id": answered.id},
        {"proposal_id": proposal.id, "need_id": duplicate.id},
    ])
    before = audit_count()
    funded = needs.fund_needs_answered_by(proposal.id)
    db.session.commit()
    assert [need.id for need in funded] == [answered.id]
    assert audit_count() == before + 1
    entry = _last_entry()
    assert (entry.action, entry.object_id, entry.actor_role) == ("need.fund", answered.id, "system")
    db.session.expire_all()
    statuses = {n.id: n.status for n in db.session.scalars(select(Need))}
    assert statuses == {answered.id: "funded", duplicate.id: "merged", elsewhere.id: "open"}
    assert needs.funded_ids(list(db.session.scalars(select(Need)))) == {answered.id}
    assert needs.fund_needs_answered_by(proposal.id) == []

"""Nothing half-done after a fault: the database connection is killed right after a request's
work commits (``pg_terminate_backend`` from another connection, as a server restart or a
network cut would). The view must not go back to the database after that commit, its answer
stands, and a retry with the same idempotency key gets the first answer and adds no row."""

from __future__ import annotations

from contextlib import contextmanager
from datetime import timedelta
from decimal import Decimal

import psycopg
import pytest
from sqlalchemy import event, func, select, text

from grants.domain.awards import Candidate
from grants.extensions import db
from grants.models import Need, NeedSupport
from grants.models.awards import Objection
from grants.models.base import utcnow
from grants.models.payments import IdempotencyKey
from grants.services import awards, idempotency, notices, unit_of_work
from tests.conftest import PG_URL, IsolatedClient
from tests.factories import make_community, make_proposal, make_round
from tests.helpers import create_user, keyed, login_as


@pytest.fixture
def pg_client(pg_app):
    """A test client for the PostgreSQL app."""
    pg_app.test_client_class = IsolatedClient
    return pg_app.test_client()


@contextmanager
def killed_after_commit(model):
    """Kill the server connection of the transaction that inserts a ``model`` row, right after
    it commits, and record every statement sent after that moment."""
    state = {"pid": None, "after": []}

    def inserted(_mapper, connection, _target):
        state["pid"] = connection.exec_driver_sql("SELECT pg_backend_pid()").scalar()

    def committed(_session):
        if state["pid"] is not None and not state.get("killed"):
            with psycopg.connect(PG_URL, autocommit=True) as admin:
                admin.execute("SELECT pg_terminate_backend(%s)", (state["pid"],))
            state["killed"] = True

    def statement(_conn, _cursor, sql, *_args):
        if state.get("killed"):
            state["after"].append(sql)

    event.listen(model, "after_insert", inserted)
    event.listen(db.session, "after_commit", committed)
    event.listen(db.engine, "before_cursor_execute", statement)
    try:
        yield state
    finally:
        event.remove(model, "after_insert", inserted)
        event.remove(db.session, "after_commit", committed)
        event.remove(db.engine, "before_cursor_execute", statement)


def _count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def _only_the_key_after_commit(state) -> None:
    """After the work's commit, the request only stores its answer with its key."""
    assert state.get("killed"), "the connection was not killed"
    touched = [sql for sql in state["after"] if "idempotency_key" not in sql]
    assert touched == [], touched


def test_a_need_posted_when_the_connection_dies_is_saved_once(pg_app, pg_client):
    funding_round, community = make_round("needs"), make_community()
    create_user("zhang", "resident")
    login_as(pg_client, "zhang")
    form = keyed({"title": "小区缺少晾晒场地", "community_id": str(community.id), "category": "环保",
                  "description": "希望在空地设置公共晾晒架", "people_affected": "120"})
    with killed_after_commit(Need) as state:
        first = pg_client.post(f"/needs/new/{funding_round.id}", data=form)
    _only_the_key_after_commit(state)
    need_id = db.session.scalar(select(Need.id))
    assert first.status_code == 302 and first.headers["Location"].endswith(f"/needs/{need_id}")
    again = pg_client.post(f"/needs/new/{funding_round.id}", data=form)
    assert (again.status_code, again.headers["Location"]) == (302, first.headers["Location"])
    assert _count(Need) == 1


def test_a_support_when_the_connection_dies_is_counted_once(pg_app, pg_client):
    funding_round = make_round("needs")
    author, fan = create_user("zhang", "resident"), create_user("li", "resident")
    need = Need(round_id=funding_round.id, author_id=author.id,
                community_id=make_community().id, category="环保", title="楼道灯坏了",
                description="三号楼", created_at=utcnow())
    db.session.add(need)
    db.session.commit()
    assert fan.id
    login_as(pg_client, "li")
    form = keyed()
    with killed_after_commit(NeedSupport) as state:
        first = pg_client.post(f"/needs/{need.id}/support", data=form)
    _only_the_key_after_commit(state)
    again = pg_client.post(f"/needs/{need.id}/support", data=form)
    assert first.status_code == again.status_code == 303
    assert again.headers["Location"] == first.headers["Location"]
    assert _count(NeedSupport) == 1 and db.session.get(Need, need.id).support_count == 1


def _published_notice():
    """A notice in its objection period with one award."""
    organizer = create_user("wangmin", "organizer")
    applicant = create_user("zhangguilan", "resident")
    funding_round = make_round("notice", pool_fen=3_000_000)
    proposal = make_proposal(funding_round, applicant, status="scored", title="项目1")
    awards.propose_awards(funding_round.id,
                          [Candidate(proposal.id, 1, proposal.title, Decimal("85"), 1_000_000)],
                          organizer)
    return notices.publish_notice(funding_round.id, organizer)


def test_an_objection_when_the_connection_dies_is_filed_once(pg_app, pg_client):
    award_id = _published_notice().awards[0].id
    form = keyed({"text": "申报材料与实际不符", "name": "李四", "phone": "13912345678"})
    with killed_after_commit(Objection) as state:
        first = pg_client.post(f"/notices/awards/{award_id}/object", data=form)
    _only_the_key_after_commit(state)
    again = pg_client.post(f"/notices/awards/{award_id}/object", data=form)
    assert first.status_code == again.status_code == 302
    assert again.headers["Location"] == first.headers["Location"]
    assert _count(Objection) == 1


def test_a_key_whose_work_committed_is_never_given_up(any_app):
    """A server error after the work committed must not free the key for a second run."""
    create_user("zhang", "resident")
    idempotency.begin("k" * 32, "f" * 64, None)
    with idempotency.holding("k" * 32), unit_of_work():
        db.session.execute(text("UPDATE \"user\" SET display_name = 'x'"))
    idempotency.abandon("k" * 32)
    row = db.session.get(IdempotencyKey, "k" * 32)
    assert row is not None and row.status_code == idempotency.COMMITTED
    db.session.expunge(row)
    with pytest.raises(Exception) as refused:
        idempotency.begin("k" * 32, "f" * 64, None)
    assert getattr(refused.value, "status", None) == 409


def test_a_key_whose_work_failed_is_given_up(any_app):
    idempotency.begin("j" * 32, "f" * 64, None)
    with pytest.raises(RuntimeError), idempotency.holding("j" * 32), unit_of_work():
        raise RuntimeError("the work failed before its commit")
    idempotency.abandon("j" * 32)
    assert db.session.get(IdempotencyKey, "j" * 32) is None


def test_objects_keep_their_values_after_the_commit(any_app):
    """What a service wrote is read back without a query once committed."""
    author_id = create_user("zhang", "resident").id
    need = Need(round_id=make_round("needs").id, author_id=author_id,
                community_id=make_community().id, category="环保", title="楼道灯坏了",
                description="三号楼", created_at=utcnow() - timedelta(minutes=1))
    with unit_of_work():
        db.session.add(need)
    queries = []

    def sent(_conn, _cursor, sql, *_args):
        queries.append(sql)

    event.listen(db.engine, "before_cursor_execute", sent)
    try:
        assert need.id and need.title == "楼道灯坏了" and need.author_id == author_id
    finally:
        event.remove(db.engine, "before_cursor_execute", sent)
    assert queries == []

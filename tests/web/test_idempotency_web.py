"""``@idempotent`` on a real POST: the work (posting a need through the needs service, one row
and one audit entry) happens once per key, every replay gets the identical answer, another
request with the key is refused 422, a copy of a running request waits (then 409), a missing
key 400; a server error gives the key up. On PostgreSQL, 50 threads with one key.

The route is test-only: a blueprint added to the test app by the ``routes`` fixture.
"""

from __future__ import annotations

import re
import threading
import time
from dataclasses import dataclass, field

import pytest
from flask import Blueprint, flash, redirect, render_template_string, request, url_for
from flask.testing import FlaskClient
from flask_login import current_user
from sqlalchemy import func, select

from grants.domain.idempotency import fingerprint
from grants.domain.permissions import policies
from grants.extensions import db
from grants.models import Need
from grants.models.payments import IdempotencyKey
from grants.services import idempotency as key_service
from grants.services import needs, rounds
from grants.web.access import policy_of, requires
from grants.web.idempotency import idempotent
from tests.conftest import IsolatedClient
from tests.factories import make_community, make_round
from tests.helpers import audit_count, create_user, login_as

FORM = """{% from "_macros/forms.html" import idempotency_field %}
<form method="post">{{ idempotency_field() }}</form>"""
PATH = "/_test/idem/need"
KEY = "Zr5c0E1nYd-9QwXUa_LkPq3m"


@dataclass
class Work:
    """What the test route did: how often it ran, whether it should fail, how slow it is."""

    calls: list = field(default_factory=list)
    fail: bool = False
    delay: float = 0.0
    lock: threading.Lock = field(default_factory=threading.Lock)
    seen_keys: list = field(default_factory=list)


def _post_a_need(work: Work):
    """The route's work: post a need through the service (a row and an audit entry)."""
    with work.lock:
        work.calls.append(time.monotonic())
    work.seen_keys.append(_committed_keys())
    if work.fail:
        raise RuntimeError("the bank link is down")
    data = needs.NeedData(
        title=request.form.get("title", "楼道灯坏了没人修"),
        community_id=int(request.form["community_id"]),
        category="邻里文化",
        description=f"修灯预算 {request.form['amount_fen']} 分",
    )
    need = needs.post_need(rounds.get_round(int(request.form["round_id"])), current_user, data)
    time.sleep(work.delay)
    return need


def _committed_keys() -> list[tuple]:
    """The key rows another connection sees now: only what was committed."""
    with db.engine.connect() as other:
        return [tuple(row) for row in other.execute(
            select(IdempotencyKey.key, IdempotencyKey.finished_at))]


def _blueprint(work: Work) -> Blueprint:
    """A money-moving-like POST (redirect with a flash, or JSON) and a page drawing its form."""
    bp = Blueprint("idem_test", __name__, url_prefix="/_test/idem")

    @bp.route("/form", methods=["GET", "POST"])
    @requires(policies.RESIDENT)
    @idempotent
    def form():
        if request.method == "GET":
            return render_template_string(FORM)
        need = _post_a_need(work)
        return redirect(url_for("needs.detail", need_id=need.id), 303)

    @bp.post("/need")
    @requires(policies.RESIDENT)
    @idempotent
    def post():
        need = _post_a_need(work)
        flash(f"需求 #{need.id} 已发布", "success")
        return redirect(url_for("needs.detail", need_id=need.id), 303)

    @bp.post("/need.json")
    @requires(policies.RESIDENT)
    @idempotent
    def post_json():
        return {"need_id": _post_a_need(work).id, "status": "posted"}, 201

    return bp


def _install(application) -> Work:
    work = Work()
    application.register_blueprint(_blueprint(work))
    return work


@pytest.fixture
def routes(app):
    return _install(app)


@dataclass(frozen=True)
class Setting:
    round_id: int
    community_id: int
    user_id: int

    def fields(self, **overrides) -> dict:
        data = {"round_id": str(self.round_id), "community_id": str(self.community_id),
                "amount_fen": "150000"}
        data.update(overrides)
        return data


def _setting() -> Setting:
    funding_round = make_round("needs")
    community = make_community()
    user = create_user("resident1", "resident")
    return Setting(funding_round.id, community.id, user.id)


@pytest.fixture
def setting(routes, client):
    found = _setting()
    assert login_as(client, "resident1").status_code == 302
    _take_flashes(client)
    return found


def _need_count() -> int:
    return db.session.scalar(select(func.count(Need.id)))


def _key_count() -> int:
    return db.session.scalar(select(func.count()).select_from(IdempotencyKey))


def _take_flashes(client) -> list:
    with client.session_transaction() as session:
        return [tuple(f) for f in session.pop("_flashes", [])]


def _answer(response) -> tuple:
    return response.status_code, response.headers.get("Location"), response.get_data()


def test_the_form_draws_a_fresh_key_each_time_and_its_post_runs_once(setting, routes, client):
    drawn = [client.get("/_test/idem/form") for _ in range(2)]
    keys = [re.search(r'<input type="hidden" name="idempotency_key" value="([^"]+)">',
                      page.get_data(as_text=True)).group(1) for page in drawn]
    assert [page.status_code for page in drawn] == [200, 200] and _key_count() == 0
    assert keys[0] != keys[1]
    assert all(re.fullmatch(r"[A-Za-z0-9_-]{32}", key) for key in keys)
    sent = [client.post("/_test/idem/form", data=setting.fields(idempotency_key=keys[0]))
            for _ in range(2)]
    assert _answer(sent[0]) == _answer(sent[1]) and sent[0].status_code == 303
    assert (len(routes.calls), _need_count()) == (1, 1)


def test_the_decorated_view_keeps_its_policy(routes, app, client):
    assert policy_of(app, "idem_test.post") is policies.RESIDENT
    response = client.post(PATH, data={"idempotency_key": KEY})
    assert response.status_code == 302 and "/auth/login" in response.headers["Location"]
    assert _key_count() == 0


def test_idempotent_above_the_policy_is_refused_when_the_view_is_declared():
    def view():
        return "paid"

    with pytest.raises(TypeError, match="below @requires"):
        idempotent(requires(policies.RESIDENT)(view))


def test_a_replay_returns_the_identical_answer_and_the_work_is_done_once(setting, routes,
                                                                          client):
    before = audit_count()
    first = client.post(PATH, data=setting.fields(idempotency_key=KEY))
    first_flashes = _take_flashes(client)
    replays = [client.post(PATH, data=setting.fields(idempotency_key=KEY)) for _ in range(3)]

    need_id = db.session.scalar(select(Need.id))
    assert first.status_code == 303 and first.headers["Location"] == f"/needs/{need_id}"
    assert all(_answer(replay) == _answer(first) for replay in replays)
    assert all(replay.content_type == first.content_type for replay in replays)
    assert first_flashes == [("success", f"需求 #{need_id} 已发布")]
    assert _take_flashes(client) == first_flashes * 3
    assert (len(routes.calls), _need_count(), audit_count() - before) == (1, 1, 1)
    assert routes.seen_keys == [[(KEY, None)]]  # claimed and committed before the work ran


def test_a_json_client_sends_the_key_as_a_header_and_gets_the_stored_body(setting, routes,
                                                                          client):
    headers = {"Idempotency-Key": KEY, "Accept": "application/json"}
    first = client.post(PATH + ".json", data=setting.fields(), headers=headers)
    replay = client.post(PATH + ".json", data=setting.fields(), headers=headers)
    assert first.status_code == 201 and first.get_json()["status"] == "posted"
    assert _answer(replay) == _answer(first) and replay.content_type == "application/json"
    assert (len(routes.calls), _need_count()) == (1, 1)


def test_a_json_body_is_part_of_the_request(setting, routes, client):
    headers = {"Idempotency-Key": KEY, "Accept": "application/json"}
    client.post("/_test/idem/need.json", json={"amount_fen": 1}, headers=headers)
    response = client.post("/_test/idem/need.json", json={"amount_fen": 2}, headers=headers)
    assert response.status_code == 422 and "另一项不同的请求" in response.get_json()["detail"]


def test_the_same_key_with_another_request_is_refused_422_and_nothing_is_done(setting, routes,
                                                                              client):
    client.post(PATH, data=setting.fields(idempotency_key=KEY))
    before = audit_count()
    other_amount = client.post(PATH, data=setting.fields(idempotency_key=KEY, amount_fen="9"))
    other_route = client.post(PATH + ".json", data=setting.fields(idempotency_key=KEY))
    as_json = client.post(PATH, data=setting.fields(idempotency_key=KEY, amount_fen="9"),
                          headers={"Accept": "application/json"})
    assert other_amount.status_code == other_route.status_code == as_json.status_code == 422
    assert "该幂等键已用于另一项不同的请求" in other_amount.get_data(as_text=True)
    assert as_json.get_json()["detail"].startswith("该幂等键已用于另一项不同的请求")
    assert (len(routes.calls), _need_count(), audit_count()) == (1, 1, before)


def test_another_person_cannot_replay_someone_elses_key(setting, routes, client):
    first = client.post(PATH, data=setting.fields(idempotency_key=KEY))
    create_user("resident2", "resident")
    login_as(client, "resident2")
    response = client.post(PATH, data=setting.fields(idempotency_key=KEY))
    assert first.status_code == 303 and response.status_code == 422
    assert (len(routes.calls), _need_count()) == (1, 1)


@pytest.mark.parametrize("key", [None, "", "short", "has spaces in it!!", "é" * 20, "k" * 101])
def test_a_missing_or_invalid_key_is_refused_400_and_nothing_is_done(setting, routes, client,
                                                                     key):
    data = setting.fields() if key is None else setting.fields(idempotency_key=key)
    before = audit_count()
    response = client.post(PATH, data=data)
    assert response.status_code == 400
    assert "缺少或无效的幂等键" in response.get_data(as_text=True)
    assert (len(routes.calls), _need_count(), _key_count(), audit_count()) == (0, 0, 0, before)


def test_a_copy_of_a_running_request_waits_then_is_refused_409(setting, routes, app, client):
    app.config["IDEMPOTENCY_WAIT_SECONDS"] = 0.3
    fields = {name: [value] for name, value in setting.fields().items()}
    key_service.begin(KEY, fingerprint("POST", PATH, fields, setting.user_id), setting.user_id)
    started = time.monotonic()
    response = client.post(PATH, data=setting.fields(idempotency_key=KEY))
    assert response.status_code == 409 and time.monotonic() - started >= 0.3
    assert "同一请求正在处理中" in response.get_data(as_text=True)
    assert (len(routes.calls), _need_count()) == (0, 0)


def test_a_server_error_gives_the_key_up_so_a_retry_runs(setting, routes, client):
    routes.fail = True
    with pytest.raises(RuntimeError):
        client.post(PATH, data=setting.fields(idempotency_key=KEY))
    assert (_key_count(), _need_count()) == (0, 0)
    routes.fail = False
    retry = client.post(PATH, data=setting.fields(idempotency_key=KEY))
    assert retry.status_code == 303 and (len(routes.calls), _need_count()) == (2, 1)


def test_a_refusal_is_the_stored_answer_and_its_replay_is_refused_alike(setting, routes, client):
    data = setting.fields(idempotency_key=KEY, title=" ")
    first = client.post(PATH, data=data)
    replay = client.post(PATH, data=data)
    assert first.status_code == 400 and "请填写需求标题" in first.get_data(as_text=True)
    assert _answer(replay) == _answer(first)
    assert (len(routes.calls), _need_count(), _key_count()) == (1, 0, 1)


# --- PostgreSQL, real threads ----------------------------------------------------------------

CONCURRENT = 50


@pytest.fixture
def pg_setting(pg_app):
    """The test route on the PostgreSQL app, a resident, and a logged-in session cookie."""
    work = _install(pg_app)
    found = _setting()
    pg_app.test_client_class = IsolatedClient
    client = pg_app.test_client()
    assert login_as(client, "resident1").status_code == 302
    db.session.remove()
    return work, found, client.get_cookie("session").value


def _concurrently(app, cookie: str, data: dict, count: int) -> list:
    """``count`` POSTs of ``data`` released together, each by its own client in its own thread
    (so its own app context and database session), signed in with the same session."""
    barrier = threading.Barrier(count)
    answers: list = [None] * count

    def post(i):
        client = FlaskClient(app, app.response_class)
        client.set_cookie("session", cookie)
        barrier.wait()
        try:
            answers[i] = _answer(client.post(PATH, data=data))
        except Exception as error:  # noqa: BLE001 - a server error is what the test looks for
            answers[i] = error

    threads = [threading.Thread(target=post, args=(i,)) for i in range(CONCURRENT)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    return answers


def _replay(app, cookie: str, data: dict) -> tuple:
    client = FlaskClient(app, app.response_class)
    client.set_cookie("session", cookie)
    return _answer(client.post(PATH, data=data))


@pytest.mark.postgres
def test_fifty_concurrent_copies_of_one_key_post_once_and_get_fifty_identical_answers(
        pg_app, pg_setting, monkeypatch):
    work, found, cookie = pg_setting
    work.delay = 1.0
    waited: set[int] = set()
    pause = key_service._pause

    def counted_pause():
        waited.add(threading.get_ident())
        pause()

    monkeypatch.setattr(key_service, "_pause", counted_pause)
    data = found.fields(idempotency_key=KEY)
    before = audit_count()
    db.session.remove()

    answers = _concurrently(pg_app, cookie, data, CONCURRENT)

    need_id = db.session.scalar(select(Need.id))
    first = answers[0]
    assert first[:2] == (303, f"/needs/{need_id}"), first
    assert answers == [first] * CONCURRENT, answers
    assert len(waited) >= 10, f"only {len(waited)} copies arrived while the first was running"
    assert (len(work.calls), _need_count(), audit_count() - before) == (1, 1, 1)
    assert _replay(pg_app, cookie, data) == first
    refused = _replay(pg_app, cookie, found.fields(idempotency_key=KEY, amount_fen="200000"))
    assert refused[0] == 422
    assert (len(work.calls), _need_count()) == (1, 1)


@pytest.mark.postgres
def test_without_waiting_the_copies_of_a_running_request_get_409_and_the_rest_its_answer(
        pg_app, pg_setting):
    work, found, cookie = pg_setting
    work.delay = 1.0
    pg_app.config["IDEMPOTENCY_WAIT_SECONDS"] = 0
    data = found.fields(idempotency_key=KEY)
    db.session.remove()

    answers = _concurrently(pg_app, cookie, data, CONCURRENT)

    final = _replay(pg_app, cookie, data)
    need_id = db.session.scalar(select(Need.id))
    assert final[:2] == (303, f"/needs/{need_id}"), final
    conflicts = [answer for answer in answers if answer != final]
    assert len(conflicts) < CONCURRENT and conflicts, answers
    assert all(isinstance(a, tuple) and a[0] == 409 for a in conflicts), conflicts
    assert (len(work.calls), _need_count()) == (1, 1)

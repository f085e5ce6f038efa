"""Browser tests: Playwright for Python driving Debian's Chromium against a live server.

One server thread (werkzeug's ``make_server`` on a free port) serves a private copy of the
migrated SQLite database, seeded here through the services and the test factories with
rounds whose deadlines lie weeks from now, so no journey depends on the time of day. One
browser is launched per session (never downloaded: ``/usr/bin/chromium``); each test gets a
fresh context at phone (390×844) or desktop (1366×768) size, and a failed test leaves a
full-page screenshot in ``tests/e2e/artifacts/``.

Without Chromium or Playwright the tests are skipped with the reason (``make test`` installs
Chromium from Debian when it can); under ``CI=true`` that is a failure instead.
"""

from __future__ import annotations

import os
import shutil
import threading
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from grants import create_app
from grants.config import TestConfig
from grants.extensions import db

CHROMIUM = os.environ.get("E2E_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--no-first-run"]
ARTIFACTS = Path(__file__).parent / "artifacts"
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1366, "height": 768}
PASSWORD = "Correct-Horse-9"


def _unavailable(reason: str):
    """Skip (or, under CI, fail) when the browser cannot run here."""
    if os.environ.get("CI") == "true":
        pytest.fail(f"CI=true requires the browser tests to run: {reason}")
    pytest.skip(reason)


@dataclass(frozen=True)
class World:
    """What the seed made: the live server's address and the ids the journeys use."""

    url: str
    app: object
    open_round_id: int
    award_round_id: int
    award_id: int
    resident: str = "e2e_resident"
    applicant: str = "e2e_applicant"
    organizer: str = "e2e_organizer"
    auditor: str = "e2e_auditor"


def _far_round(name: str):
    """A round taking proposals from yesterday until a month from now."""
    from grants.models.base import utcnow
    from tests.factories import make_round

    now, day = utcnow(), timedelta(days=1)
    return make_round(
        "submission", name=name, needs_open=now - 10 * day, needs_close=now - 2 * day,
        submit_open=now - day, submit_close=now + 30 * day, return_deadline=now + 32 * day,
        screening_close=now + 33 * day, judging_open=now + 33 * day,
        judging_close=now + 40 * day, implementation_start=(now + 50 * day).date(),
        implementation_end=(now + 230 * day).date())


def _seed() -> dict:
    """People, an open round with a few submitted proposals, and a round with a proposed
    award for the applicant — through the services and the test factories."""
    from grants.domain.awards import Candidate
    from grants.services import awards
    from tests.factories import make_community, make_proposal, make_round
    from tests.helpers import create_user

    make_community("东山社区")
    from grants.demo.security import DEMO_TOTP_SECRET
    from grants.services import second_factor

    organizer = create_user("e2e_organizer", "organizer", display_name="王敏")
    RECOVERY_CODES["e2e_organizer"] = second_factor.enrol_with_secret(organizer, DEMO_TOTP_SECRET)
    auditor = create_user("e2e_auditor", "auditor", display_name="孙华")
    RECOVERY_CODES["e2e_auditor"] = second_factor.enrol_with_secret(auditor, DEMO_TOTP_SECRET)
    create_user("e2e_resident", "resident", display_name="张桂兰")
    applicant = create_user("e2e_applicant", "resident", display_name="陈秀英")
    others = create_user("e2e_others", "resident", display_name="刘建国")
    open_round = _far_round("E2E 第七届公益创投")
    for index in range(3):
        make_proposal(open_round, others, status="submitted", title=f"已提交的项目{index + 1}")
    make_proposal(open_round, others, status="draft", title="别人的草稿")
    award_round = make_round("notice", name="E2E 立项赛事", pool_fen=5_000_000)
    scored = make_proposal(award_round, applicant, status="scored", title="楼道微花园",
                           amount_fen=841_000)
    (award,) = awards.propose_awards(
        award_round.id, [Candidate(scored.id, 1, scored.title, Decimal("88.5"), 841_000)],
        organizer)
    return {"open_round_id": open_round.id, "award_round_id": award_round.id,
            "award_id": award.id}


@pytest.fixture(scope="session")
def world(sqlite_template, tmp_path_factory):
    """The live server on a seeded private database, for the whole session."""
    try:
        from werkzeug.serving import make_server
    except ImportError as error:  # pragma: no cover - werkzeug comes with Flask
        _unavailable(str(error))
    folder = tmp_path_factory.mktemp("e2e")
    path = folder / "grants.db"
    shutil.copyfile(sqlite_template, path)
    app = create_app(TestConfig(f"sqlite:///{path}", INSTANCE_PATH=str(folder)))
    with app.app_context():
        ids = _seed()
        db.session.remove()
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield World(url=f"http://127.0.0.1:{server.server_port}", app=app, **ids)
    server.shutdown()
    thread.join(5)
    with app.app_context():
        db.engine.dispose()


@pytest.fixture(scope="session")
def browser():
    """One Chromium for the whole session."""
    if not os.path.exists(CHROMIUM):
        _unavailable(f"{CHROMIUM} not found (sudo apt-get install -y chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _unavailable("playwright is not installed (pip install '.[test]')")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """Remember each phase's report on the test, so its page can tell it failed."""
    outcome = yield
    report = outcome.get_result()
    setattr(item, f"report_{report.when}", report)


def _context(browser, world, request, viewport):
    """A fresh browser context at ``viewport``; a full-page screenshot if the test failed."""
    context = browser.new_context(viewport=viewport, base_url=world.url, locale="zh-CN")
    context.set_default_timeout(10_000)
    page = context.new_page()
    page.on("dialog", lambda dialog: dialog.accept())
    yield page
    report = getattr(request.node, "report_call", None)
    if report is not None and report.failed:
        ARTIFACTS.mkdir(exist_ok=True)
        for number, shown in enumerate(context.pages):
            name = f"{request.node.name}-{number}.png".replace("/", "_")
            shown.screenshot(path=str(ARTIFACTS / name), full_page=True)
    context.close()


@pytest.fixture
def phone(browser, world, request):
    """A page at phone size (390×844)."""
    yield from _context(browser, world, request, PHONE)


@pytest.fixture
def desktop(browser, world, request):
    """A page at desktop size (1366×768)."""
    yield from _context(browser, world, request, DESKTOP)


@pytest.fixture(params=["phone", "desktop"])
def any_size(request):
    """A page at each size in turn."""
    return request.getfixturevalue(request.param)


RECOVERY_CODES: dict[str, list[str]] = {}
"""One-time recovery codes of the staff accounts the seed enrolled, used one per sign-in: a
code from the authenticator is accepted once per 30-second step, and the journeys must not
depend on the time of day."""


def login(page, username: str, then: str, *, asked: bool = True) -> None:
    """Log in through the form (and, for staff, the second-factor step) and land on ``then``:
    asked for with ``?next=``, or (``asked=False``) where the login itself sends the person."""
    page.goto(f"/auth/login?next={then}" if asked else "/auth/login")
    page.fill("#username", username)
    page.fill("#password", PASSWORD)
    page.press("#password", "Enter")
    page.wait_for_load_state()
    if "/account/two-factor" in page.url:
        page.fill("#code", RECOVERY_CODES[username].pop())
        page.press("#code", "Enter")
    page.wait_for_url(f"**{then}")

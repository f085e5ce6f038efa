"""The security findings of the seeded-instance test, each closed: open redirects, throttling
that cannot lock the owner out, the trusted proxy, objection floods, private files and Secure
cookies, attachment windows, and what a judge's downloads and pages give away."""

from __future__ import annotations

import os
import stat
from datetime import timedelta
from io import BytesIO

import pytest
from sqlalchemy import func, select

from grants import config as config_module
from grants.extensions import db
from grants.models import LoginAttempt
from grants.models.awards import Objection
from grants.web.hardening import private_files, trust_proxies
from grants.web.redirects import is_safe_path
from tests.factories import make_round
from tests.helpers import PASSWORD, create_user, keyed

HOSTILE_NEXT = {
    "tab, decoded": "/\t/evil.example",
    "tab, encoded": "/%09/evil.example",
    "newline inside": "/\n/evil.example",
    "backslash": "/\\evil.example",
    "backslash, encoded": "/%5Cevil.example",
    "two slashes": "//evil.example/",
    "two slashes, encoded": "/%2F/evil.example",
    "scheme": "https://evil.example/",
    "CR/LF header split": "/\r\nSet-Cookie: stolen=1",
    "CR/LF, encoded": "/%0d%0aSet-Cookie:%20stolen=1",
    "leading tab": "\t//evil.example",
    "javascript": "javascript:alert(1)",
}


def _browser_reading(location: str) -> str:
    """What a browser makes of a Location: tabs and line breaks dropped, ``\\`` read as ``/``."""
    return "".join(ch for ch in location if ch not in "\t\r\n").replace("\\", "/")


def _off_site(response) -> str | None:
    """Why the answer would leave the site (or broke), else None."""
    if response.status_code >= 500:
        return f"answered {response.status_code}"
    location = _browser_reading(response.headers.get("Location", ""))
    if not location.startswith("/") or location.startswith("//"):
        return f"Location {response.headers.get('Location')!r}"
    return None


def _wrong(answers: dict[str, object]) -> list[str]:
    return [f"{case}: {why}" for case, response in answers.items()
            if (why := _off_site(response))]


def test_login_next_stays_on_the_site(client):
    create_user("zhang", "resident")
    answers = {}
    for case, target in HOSTILE_NEXT.items():
        answers[case] = client.post("/auth/login", query_string={"next": target},
                                    data={"username": "zhang", "password": PASSWORD})
        client.post("/auth/logout")
    assert not _wrong(answers)
    kept = client.post("/auth/login?next=/needs/%3Fsort%3Dnewest",
                       data={"username": "zhang", "password": PASSWORD})
    assert kept.headers["Location"] == "/needs/?sort=newest"


def test_the_language_switch_stays_on_the_site(client):
    answers = {case: client.post("/lang/en", data={"next": target})
               for case, target in HOSTILE_NEXT.items()}
    assert not _wrong(answers)
    assert all(r.headers["Location"] == "/" for r in answers.values())
    assert client.post("/lang/zh_CN", data={"next": "/rounds/"}).headers["Location"] == "/rounds/"


def test_need_support_next_stays_on_the_site(client, auth):
    from grants.services import needs
    from tests.factories import make_community

    funding_round, community = make_round("needs"), make_community()
    author = create_user("author", "resident")
    create_user("fan", "resident")
    auth.login("fan")
    answers = {}
    for i, (case, target) in enumerate(HOSTILE_NEXT.items()):
        need = needs.post_need(funding_round, author, needs.NeedData(
            title=f"需求{i}", community_id=community.id, category="邻里文化",
            description="楼道灯坏了", people_affected=5))
        answers[case] = client.post(f"/needs/{need.id}/support", data=keyed({"next": target}))
    assert not _wrong(answers)


@pytest.mark.parametrize("target", HOSTILE_NEXT.values(), ids=HOSTILE_NEXT.keys())
def test_the_check_refuses_each_variant(target):
    assert not is_safe_path(target)


@pytest.mark.parametrize("target", ["/", "/needs/?sort=newest", "/notices/3", "/needs/?q=东山"])
def test_the_check_keeps_local_paths(target):
    assert is_safe_path(target)


# --------------------------------------------------------------------------- throttling

ATTACKER, OWNER = "203.0.113.9", "198.51.100.7"


def _try(client, username: str, password: str, address: str, **headers):
    return client.post("/auth/login", data={"username": username, "password": password},
                       environ_base={"REMOTE_ADDR": address}, headers=headers)


def test_the_owner_still_signs_in_while_an_attackers_address_is_throttled(client):
    create_user("zhang", "resident")
    for _ in range(10):
        assert _try(client, "zhang", "wrong-pass", ATTACKER).status_code == 401
    assert _try(client, "zhang", PASSWORD, ATTACKER).status_code == 429
    assert _try(client, "zhang", PASSWORD, OWNER).status_code == 302


def test_a_forged_forwarded_for_is_ignored_without_a_trusted_proxy(client):
    create_user("zhang", "resident")
    for i in range(10):
        _try(client, "zhang", "wrong-pass", ATTACKER, **{"X-Forwarded-For": f"10.0.0.{i}"})
    response = _try(client, "zhang", PASSWORD, ATTACKER, **{"X-Forwarded-For": OWNER})
    assert response.status_code == 429
    assert set(db.session.scalars(select(LoginAttempt.address))) == {ATTACKER}


def test_behind_one_trusted_proxy_each_client_is_told_apart(app, client):
    app.config["TRUSTED_PROXIES"] = 1
    trust_proxies(app)
    create_user("zhang", "resident")
    proxy = "127.0.0.1"
    for _ in range(10):
        _try(client, "zhang", "wrong-pass", proxy, **{"X-Forwarded-For": ATTACKER})
    assert _try(client, "zhang", PASSWORD, proxy,
                **{"X-Forwarded-For": ATTACKER}).status_code == 429
    assert _try(client, "zhang", PASSWORD, proxy, **{"X-Forwarded-For": OWNER}).status_code == 302
    assert set(db.session.scalars(select(LoginAttempt.address))) == {ATTACKER, OWNER}


# --------------------------------------------------------------------------- objections


@pytest.fixture
def notice(app):
    from decimal import Decimal

    from grants.domain.awards import Candidate
    from grants.services import awards as award_svc
    from grants.services import notices
    from tests.factories import make_proposal

    organizer = create_user("wangmin", "organizer")
    applicant = create_user("zhangguilan", "resident")
    funding_round = make_round("notice", pool_fen=3_000_000)
    proposal = make_proposal(funding_round, applicant, status="scored", title="项目1")
    award_svc.propose_awards(funding_round.id,
                             [Candidate(proposal.id, 1, proposal.title, Decimal("85"), 1_000_000)],
                             organizer)
    return notices.publish_notice(funding_round.id, organizer)


def _object(client, notice, address: str, text: str = "申报材料与实际不符，请核实"):
    return client.post(f"/notices/awards/{notice.awards[0].id}/object",
                       data=keyed({"text": text, "name": "李四", "phone": "13912345678"}),
                       environ_base={"REMOTE_ADDR": address})


def _objections() -> int:
    return db.session.scalar(select(func.count(Objection.id)))


def test_anonymous_objections_are_limited_per_address_and_per_notice(app, client, notice):
    app.config.update(OBJECTION_LIMIT_PER_ADDRESS="2/hour", OBJECTION_LIMIT_PER_NOTICE="3/hour")
    assert _object(client, notice, "10.0.0.1", text="").status_code in (400, 422)
    assert [_object(client, notice, "10.0.0.1").status_code for _ in range(3)] == [302, 302, 429]
    assert _object(client, notice, "10.0.0.2").status_code == 302
    flood = _object(client, notice, "10.0.0.3")
    assert flood.status_code == 429 and "异议过多" in flood.get_data(as_text=True)
    assert _objections() == 3


def test_a_signed_in_objector_is_not_held_back_by_the_anonymous_limit(app, client, auth, notice):
    app.config.update(OBJECTION_LIMIT_PER_ADDRESS="1/hour", OBJECTION_LIMIT_PER_NOTICE="1/hour")
    assert _object(client, notice, "127.0.0.1").status_code == 302
    assert _object(client, notice, "127.0.0.1").status_code == 429
    create_user("lisi", "resident")
    auth.login("lisi")
    assert _object(client, notice, "127.0.0.1").status_code == 302


def test_production_counts_in_redis_and_the_demo_and_tests_in_memory():
    assert config_module.Config.RATELIMIT_STORAGE_URI.startswith("redis://")
    assert config_module.DevConfig.RATELIMIT_STORAGE_URI == config_module.TestConfig.RATELIMIT_STORAGE_URI == "memory://"


def test_objection_limits_hold_in_redis(sqlite_template, tmp_path):
    import shutil
    import uuid

    import redis

    url = "redis://127.0.0.1:6379/15"
    try:
        redis.Redis.from_url(url, socket_connect_timeout=1).ping()
    except redis.RedisError as error:
        pytest.skip(f"Redis not reachable at {url}: {error}")
    from grants import create_app

    shutil.copyfile(sqlite_template, tmp_path / "grants.db")
    app = create_app(config_module.TestConfig(f"sqlite:///{tmp_path / 'grants.db'}",
                                INSTANCE_PATH=str(tmp_path), RATELIMIT_STORAGE_URI=url,
                                RATELIMIT_KEY_PREFIX=f"test-{uuid.uuid4().hex}",
                                OBJECTION_LIMIT_PER_ADDRESS="1/hour", WTF_CSRF_ENABLED=False))
    with app.app_context():
        from grants.web.ratelimit import limiter

        assert type(limiter.storage).__name__ == "RedisStorage"
        client = app.test_client()
        assert client.post("/notices/awards/1/object", data=keyed()).status_code == 404
        db.session.remove()
        db.engine.dispose()


# --------------------------------------------------------------------------- files and cookies


def _mode(path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


def test_the_secret_key_and_instance_folder_are_created_private(tmp_path, monkeypatch):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    instance = tmp_path / "instance"
    key = config_module._secret_key(instance)
    assert len(key) == 64 and config_module._secret_key(instance) == key
    assert _mode(instance / "secret_key") == 0o600 and _mode(instance) == 0o700


def test_the_sqlite_database_is_created_private_and_an_open_one_tightened(app, tmp_path):
    fresh = tmp_path / "new" / "grants.db"
    app.config["SQLALCHEMY_DATABASE_URI"] = f"sqlite:///{fresh}"
    private_files(app)
    assert fresh.exists() and _mode(fresh) == 0o600
    os.chmod(fresh, 0o644)
    private_files(app)
    assert _mode(fresh) == 0o600 and _mode(app.instance_path) == 0o700


def test_cookies_are_secure_by_default_and_plain_only_for_http_development(monkeypatch):
    monkeypatch.delenv("SESSION_COOKIE_SECURE", raising=False)
    assert config_module._env_flag("SESSION_COOKIE_SECURE", default=True)
    configs = config_module
    assert configs.Config.SESSION_COOKIE_SECURE or os.environ.get("SESSION_COOKIE_SECURE")
    assert not configs.DevConfig.SESSION_COOKIE_SECURE
    assert not configs.TestConfig.SESSION_COOKIE_SECURE
    monkeypatch.setenv("GRANTS_ENV", "development")
    assert isinstance(configs.config_from_environment(), configs.DevConfig)
    monkeypatch.setenv("GRANTS_ENV", "production")
    assert type(configs.config_from_environment()) is configs.Config


def test_a_secure_cookie_says_so(app, client):
    app.config["SESSION_COOKIE_SECURE"] = True
    create_user("zhang", "resident")
    response = client.post("/auth/login", data={"username": "zhang", "password": PASSWORD})
    assert "Secure" in response.headers["Set-Cookie"]


# --------------------------------------------------------------------------- attachments


def _pdf_with_author() -> bytes:
    from pypdf import PdfWriter
    from pypdf.generic import DecodedStreamObject, NameObject

    writer = PdfWriter()
    writer.add_blank_page(200, 200)
    writer.add_metadata({"/Author": "申报人刘美玲 13912345678", "/Title": "阳光助老服务中心"})
    xmp = DecodedStreamObject()
    xmp.set_data(
        b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/'
        b'22-rdf-syntax-ns#"><rdf:Description xmlns:dc="http://purl.org/dc/elements/1.1/">'
        b"<dc:creator>Liu Meiling 13912345678</dc:creator></rdf:Description></rdf:RDF>"
        b"</x:xmpmeta>")
    xmp.update({NameObject("/Type"): NameObject("/Metadata"),
                NameObject("/Subtype"): NameObject("/XML")})
    writer._root_object[NameObject("/Metadata")] = writer._add_object(xmp)
    out = BytesIO()
    writer.write(out)
    return out.getvalue()


def _jpeg_with_exif() -> bytes:
    from PIL import Image

    exif = Image.Exif()
    exif[0x013B] = "Liu Meiling 13912345678"  # Artist
    exif[0x010F] = "Liu's phone"  # Make
    out = BytesIO()
    Image.new("RGB", (32, 24), "green").save(out, "JPEG", exif=exif.tobytes())
    return out.getvalue()


@pytest.fixture
def judged(app):
    """A blind round in judging: one proposal whose files were uploaded while it was a draft
    in the submission window, then screened eligible and assigned to one judge."""
    from grants.services import attachments, judging
    from tests.factories import make_proposal
    from tests.judging_support import build

    setup = build(judges=1, proposals=0, assign=False)
    applicant = create_user("liuml", "resident", display_name="申报人刘美玲")
    proposal = make_proposal(setup.round, applicant, status="draft", title="银龄助餐")
    during = setup.round.submit_open + timedelta(hours=1)
    files = [attachments.add(applicant, proposal.id, "刘美玲申报书.pdf", _pdf_with_author(),
                             now=during),
             attachments.add(applicant, proposal.id, "现场照片.jpg", _jpeg_with_exif(), now=during)]
    proposal.status = "eligible"
    db.session.commit()
    judging.generate_assignments(setup.round.id, setup.organizer)
    return setup, files


def test_the_judges_copy_has_no_author_and_no_exif(client, auth, judged):
    from PIL import Image
    from pypdf import PdfReader

    setup, (pdf, jpeg) = judged
    auth.login(setup.judges[0].username)
    pdf_copy = client.get(f"/judging/attachments/{pdf.id}")
    jpeg_copy = client.get(f"/judging/attachments/{jpeg.id}")
    assert pdf_copy.status_code == jpeg_copy.status_code == 200
    for body in (pdf_copy.data, jpeg_copy.data):
        assert b"13912345678" not in body and "刘美玲".encode() not in body
    reader = PdfReader(BytesIO(pdf_copy.data))
    assert len(reader.pages) == 1 and not (reader.metadata or {}).get("/Author")
    assert reader.xmp_metadata is None
    with Image.open(BytesIO(jpeg_copy.data)) as image:
        assert dict(image.getexif()) == {} and image.size == (32, 24)


def test_the_organizer_keeps_the_original_bytes(client, auth, judged):
    from grants.models import AttachmentBlob

    _setup, (pdf, _jpeg) = judged
    auth.login("organizer")
    response = client.get(f"/judging/attachments/{pdf.id}")
    assert response.data == db.session.get(AttachmentBlob, pdf.sha256).data


@pytest.mark.parametrize("phase", ["needs", "screening"])
def test_attachments_change_only_inside_the_editing_window(client, auth, phase):
    from grants.models import Attachment
    from grants.services import attachments
    from tests.factories import make_proposal

    owner = create_user("zhang", "resident")
    funding_round = make_round("submission")
    draft = make_proposal(funding_round, owner, status="draft")
    kept = attachments.add(owner, draft.id, "a.png", b"\x89PNG\r\n\x1a\n" + b"\x00" * 64)
    shift = {"needs": timedelta(days=-10), "screening": timedelta(days=10)}[phase]
    for name in ("needs_open", "needs_close", "submit_open", "submit_close", "screening_close",
                 "return_deadline", "judging_open", "judging_close"):
        setattr(funding_round, name, getattr(funding_round, name) - shift)
    db.session.commit()
    auth.login("zhang")
    upload = client.post(f"/proposals/{draft.id}/attachments",
                         data={"file": (BytesIO(b"%PDF-1.4\n%%EOF\n"), "b.pdf")},
                         content_type="multipart/form-data")
    delete = client.post(f"/proposals/attachments/{kept.id}/delete")
    assert upload.status_code == delete.status_code == 409
    assert "本轮申报" in upload.get_data(as_text=True)
    assert db.session.scalars(select(Attachment.id)).all() == [kept.id]


# --------------------------------------------------------------------------- judges' pages


def _main(response) -> str:
    """The page's own content (the header carries the address and a token)."""
    return response.get_data(as_text=True).split("<main")[1].split("</main>")[0]


def _alerts(response) -> str:
    """The refusal messages flashed on a page."""
    import re

    return " ".join(re.findall(r'alert-danger" role="alert">([^<]*)<', _main(response)))


@pytest.fixture
def panel(app):
    """A blind round with one judge assigned two proposals, one of them an organisation's."""
    from grants.services import judging
    from tests.factories import make_org, make_proposal
    from tests.judging_support import build

    setup = build(judges=1, proposals=1, assign=False)
    org = make_org(7, name="阳光助老服务中心")
    member = create_user("orgmember", "org_member", organisation_id=org.id)
    setup.proposals.append(make_proposal(setup.round, member, status="eligible",
                                         organisation=org, title="阳光银龄食堂"))
    outside = make_proposal(make_round("judging", round_no=8), member, status="eligible",
                            organisation=org, title="别的赛事的项目")
    judging.generate_assignments(setup.round.id, setup.organizer)
    return setup, org, outside


def test_a_judge_gets_the_same_404_for_a_proposal_not_theirs_and_one_that_does_not_exist(
        client, auth, panel):
    setup, _org, outside = panel
    auth.login(setup.judges[0].username)
    client.get("/judging/")
    answers = [client.get(f"/judging/proposals/{pid}/sheet") for pid in (outside.id, 987654)]
    assert [a.status_code for a in answers] == [404, 404]
    assert _main(answers[0]) == _main(answers[1])
    declared = [client.post(f"/judging/proposals/{pid}/conflict", data={"reason": "亲属"})
                for pid in (outside.id, 987654)]
    assert [d.status_code for d in declared] == [404, 404]


def test_an_organisation_conflict_marks_nothing_on_the_dashboard(client, auth, panel):
    setup, org, _outside = panel
    ours = setup.proposals[1]
    auth.login(setup.judges[0].username)
    response = client.post("/judging/conflicts",
                           data={"organisation_id": org.id, "reason": "我在该机构兼职"})
    assert response.status_code == 302
    dashboard = client.get("/judging/").get_data(as_text=True)
    assert "阳光银龄食堂" not in dashboard and ">回避<" not in dashboard
    assert setup.proposals[0].title in dashboard
    assert client.get(f"/judging/proposals/{ours.id}/sheet").status_code == 404


def test_after_a_submitted_sheet_every_organisation_declaration_gets_the_same_answer(
        client, auth, panel):
    from grants.models import Organisation
    from grants.models.base import utcnow
    from grants.models.judging import ScoreSheet
    from tests.factories import make_org

    setup, org, _outside = panel
    empty = make_org(8, name="与本轮无关的机构")
    judge = setup.judges[0]
    db.session.add(ScoreSheet(round_id=setup.round.id, judge_id=judge.id,
                              proposal_id=setup.proposals[0].id, status="submitted",
                              submitted_at=utcnow()))
    db.session.commit()
    auth.login(judge.username)
    answers = [client.post("/judging/conflicts", data={"organisation_id": o.id, "reason": "兼职"})
               for o in (org, empty)]
    assert [a.status_code for a in answers] == [409, 409]
    assert _alerts(answers[0]) == _alerts(answers[1]) and "联系主办方" in _alerts(answers[0])
    assert db.session.scalar(select(func.count(Organisation.id))) == 2

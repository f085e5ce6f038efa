"""Each party is told of each step that concerns them, in the step's own transaction, and by
e-mail too when a sender is configured (a real SMTP server from aiosmtpd on a free port)."""

from __future__ import annotations

import logging
import socket
from datetime import date
from decimal import Decimal

import pytest
from flask_babel import force_locale
from sqlalchemy import select

from grants.domain.awards import Candidate
from grants.domain.errors import Refusal
from grants.extensions import db
from grants.models import Notification
from grants.models.awards import Agreement, Award
from grants.services import agreements, contact, delivery, judging, step_notices
from grants.services import awards as award_svc
from grants.services import notices as notice_svc
from tests import judging_support
from tests.factories import make_proposal, make_round

MONDAY = date(2026, 7, 6)
NEXT_MONDAY = date(2026, 7, 13)


def _inbox(user) -> list[str]:
    query = select(Notification.message).where(Notification.user_id == user.id)
    return list(db.session.scalars(query.order_by(Notification.id)))


@pytest.fixture
def people(make_user):
    return {"organizer": make_user("wangmin", "organizer", display_name="王敏"),
            "applicant": make_user("zhanggl", "resident", display_name="张桂兰"),
            "objector": make_user("liujg", "resident", display_name="刘建国")}


@pytest.fixture
def proposed(app, people):
    """Two proposed awards of ¥10,000 in a round in its notice phase."""
    funding_round = make_round("notice", pool_fen=3_000_000)
    candidates = []
    for rank in (1, 2):
        proposal = make_proposal(funding_round, people["applicant"], status="scored",
                                 title=f"项目{rank}")
        candidates.append(Candidate(proposal.id, rank, proposal.title, Decimal(90 - rank),
                                    1_000_000))
    award_svc.propose_awards(funding_round.id, candidates, people["organizer"])
    return funding_round


def _award(round_id, rank) -> Award:
    return db.session.scalar(select(Award).where(Award.round_id == round_id, Award.rank == rank))


def test_an_amount_cut_tells_the_applicant_both_amounts_and_why(proposed, people):
    award = _award(proposed.id, 1)
    award_svc.adjust_award(award.id, 800_000, "宣传费偏高，核减", people["organizer"])
    (message,) = _inbox(people["applicant"])
    assert "“项目1”拟资助金额由 ¥10,000.00 调整为 ¥8,000.00" in message
    assert "宣传费偏高，核减" in message


def test_publishing_tells_each_applicant_their_own_line(proposed, people):
    notice = notice_svc.publish_notice(proposed.id, people["organizer"], today=MONDAY)
    messages = _inbox(people["applicant"])
    assert len(messages) == 2
    assert "“项目2”已进入公示（2026年7月6日至2026年7月10日）：排名第 2，拟资助 ¥10,000.00" in (
        messages[1])
    link = db.session.scalar(select(Notification.link).where(
        Notification.user_id == people["applicant"].id))
    assert link == f"/notices/{notice.id}"


def test_an_objection_and_its_ruling_reach_the_applicant(proposed, people):
    notice_svc.publish_notice(proposed.id, people["organizer"], today=MONDAY)
    award = _award(proposed.id, 2)
    objection = notice_svc.file_objection(award.id, "重复申报", user=people["objector"],
                                          today=MONDAY)
    assert "有人对您的项目“项目2”提出异议" in _inbox(people["applicant"])[-1]
    assert "刘建国" not in _inbox(people["applicant"])[-1], "the objector stays unnamed"
    notice_svc.uphold_objection(objection.id, people["organizer"], "经核实重复",
                                new_amount_fen=600_000)
    ruling, cut = _inbox(people["applicant"])[-2:]
    assert "对您的项目“项目2”的异议已处理：异议成立。理由：经核实重复" in ruling
    assert "由 ¥10,000.00 调整为 ¥6,000.00" in cut


def test_a_signed_agreement_asks_the_organizers_to_countersign(proposed, people):
    notice = notice_svc.publish_notice(proposed.id, people["organizer"], today=MONDAY)
    notice_svc.confirm_notice(notice.id, people["organizer"], today=NEXT_MONDAY)
    agreement = db.session.scalars(select(Agreement).order_by(Agreement.number)).first()
    agreements.sign_as_applicant(agreement.id, people["applicant"])
    assert f"资助协议书 {agreement.number}（“项目1”）已由申报方签署，请主办方会签" in (
        _inbox(people["organizer"])[-1])


def test_a_declared_conflict_reaches_the_organizer(app):
    setup = judging_support.build(judges=2, proposals=1)
    judging.declare_conflict(setup.judges[0], proposal_id=setup.proposals[0].id,
                             reason="申报人是我的亲属")
    assert "评审专家 评审专家1号 对项目“微项目1”申报回避，理由：申报人是我的亲属" in (
        _inbox(setup.organizer)[-1])


def test_a_refused_step_tells_no_one(proposed, people):
    with pytest.raises(Refusal):
        award_svc.adjust_award(_award(proposed.id, 1).id, 100, "低于下限", people["organizer"])
    assert _inbox(people["applicant"]) == []


def _read_in_english(app, user) -> list[str]:
    """The user's notifications as an English reader reads them."""
    query = select(Notification).where(Notification.user_id == user.id)
    with app.test_request_context(), force_locale("en"):
        return [note.text for note in db.session.scalars(query.order_by(Notification.id))]


def test_an_english_reader_reads_each_step_in_english(app, proposed, people):
    award_svc.adjust_award(_award(proposed.id, 1).id, 800_000, "核减", people["organizer"])
    notice_svc.publish_notice(proposed.id, people["organizer"], today=MONDAY)
    objection = notice_svc.file_objection(_award(proposed.id, 2).id, "重复申报",
                                          user=people["objector"], today=MONDAY)
    notice_svc.dismiss_objection(objection.id, people["organizer"], "不属实")
    cut, _first, published, filed, ruled = _read_in_english(app, people["applicant"])
    assert 'grant for your project "项目1" has changed from ¥10,000.00 to ¥8,000.00' in cut
    assert "核减" in cut, "the reason stays as the organizer typed it"
    assert 'Your project "项目2" is now on public notice (2026-7-6 to 2026-7-10)' in published
    assert filed.startswith('An objection to your project "项目2" was filed')
    assert "Objection dismissed" in ruled and "不属实" in ruled
    assert not any("您的项目" in text for text in (cut, published, filed, ruled))


def test_a_declared_conflict_reads_in_english(app):
    setup = judging_support.build(judges=2, proposals=1)
    judging.declare_conflict(setup.judges[0], proposal_id=setup.proposals[0].id,
                             reason="亲属")
    (text,) = _read_in_english(app, setup.organizer)[-1:]
    assert 'with the proposal "微项目1"' in text and "申报回避" not in text, text


def test_every_message_is_a_constant_with_named_parameters():
    for builder_key in (step_notices.NOTICE_PUBLISHED, step_notices.AMOUNT_CHANGED,
                        step_notices.OBJECTION_FILED, step_notices.OBJECTION_DECIDED,
                        step_notices.AGREEMENT_SIGNED, step_notices.CONFLICT_DECLARED,
                        step_notices.AWARD_REVOKED):
        assert "%(" in builder_key and "{" not in builder_key


# ------------------------------------------------------------------------------ e-mail


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Inbox:
    """An aiosmtpd handler keeping every message it receives."""

    def __init__(self) -> None:
        self.messages = []

    async def handle_DATA(self, _server, _session, envelope):  # noqa: N802 - aiosmtpd's name
        from email import message_from_bytes, policy

        self.messages.append((envelope.rcpt_tos, message_from_bytes(envelope.content,
                                                                      policy=policy.default)))
        return "250 OK"


@pytest.fixture
def smtp(app):
    """A local SMTP server, registered as the app's e-mail sender for this test."""
    from aiosmtpd.controller import Controller

    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=_free_port())
    controller.start()
    app.config["SITE_URL"] = "https://jindianzi.example.cn"
    senders = app.extensions[delivery.SENDERS_KEY]
    senders.append(delivery.SmtpSender("127.0.0.1", controller.port, sender="noreply@jn.gov.cn",
                                       timeout=5))
    yield inbox
    senders.clear()
    controller.stop()


def test_a_notification_is_also_e_mailed_after_the_commit(proposed, people, smtp):
    contact.set_email(people["applicant"], "ＺhangGL@Example.COM ")
    award_svc.adjust_award(_award(proposed.id, 1).id, 800_000, "宣传费偏高", people["organizer"])
    ((recipients, mail),) = smtp.messages
    assert recipients == ["ZhangGL@example.com"]
    assert mail["Subject"].startswith("【金点子公益创投】您的项目“项目1”拟资助金额")
    body = mail.get_content()
    assert "¥8,000.00" in body and "https://jindianzi.example.cn/awards/mine" in body


def test_no_address_or_a_rollback_sends_nothing(proposed, people, smtp):
    award_svc.adjust_award(_award(proposed.id, 1).id, 900_000, "核减", people["organizer"])
    contact.set_email(people["applicant"], "zhanggl@example.com")
    with pytest.raises(Refusal):
        award_svc.adjust_award(_award(proposed.id, 1).id, 100, "低于下限", people["organizer"])
    assert smtp.messages == []


def test_a_failing_sender_is_logged_and_the_step_stands(proposed, people, app, caplog):
    contact.set_email(people["applicant"], "zhanggl@example.com")
    app.extensions[delivery.SENDERS_KEY].append(
        delivery.SmtpSender("127.0.0.1", _free_port(), timeout=1))
    with caplog.at_level(logging.ERROR, logger="grants.services.delivery"):
        award_svc.adjust_award(_award(proposed.id, 1).id, 800_000, "核减", people["organizer"])
    app.extensions[delivery.SENDERS_KEY].clear()
    assert "could not deliver 1 notification" in caplog.text
    assert _award(proposed.id, 1).amount_fen == 800_000 and len(_inbox(people["applicant"])) == 1


def test_a_person_sets_a_leniently_read_address_or_is_told_why_not(people):
    assert contact.set_email(people["applicant"], "ａ＠ｂ．ｃｎ") == "a@b.cn"
    with pytest.raises(Refusal, match="邮箱格式不正确"):
        contact.set_email(people["applicant"], "zhang@")
    assert db.session.get(type(people["applicant"]), people["applicant"].id).email == "a@b.cn"

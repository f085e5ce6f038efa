"""Notifications and the award solver's sentences are stored as message keys with parameters
and read in the reader's language; older rows keep showing the text they were written with."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from flask_babel import force_locale

from grants.domain import i18n
from grants.domain.awards import Candidate, solve_awards
from grants.domain.i18n import N_
from grants.domain.messages import from_json, label, message, moment, render_stored
from grants.extensions import db
from grants.models import Notification
from grants.models.awards import Award
from grants.services import proposals
from tests.factories import make_proposal, make_round
from tests.helpers import create_user

ENGLISH = {
    "您的申报“{title}”已撤回": "Your proposal \"{title}\" was withdrawn",
    "已撤销": "Revoked",
    "{year}年{month}月{day}日 {time}": "{day}/{month}/{year} {time}",
    "“%(title)s”已调整": "\"%(title)s\" changed",
}


def test_a_message_is_rendered_when_read_in_the_reader_s_language(monkeypatch):
    stored = message(N_("您的申报“{title}”已撤回"), title="银龄食堂").as_json()
    assert render_stored(stored["key"], stored["params"]) == "您的申报“银龄食堂”已撤回"
    monkeypatch.setattr(i18n, "_translator", lambda text: ENGLISH.get(text, text))
    assert render_stored(stored["key"], stored["params"]) == 'Your proposal "银龄食堂" was withdrawn'
    when = moment(datetime(2026, 12, 2, 10, 0, tzinfo=UTC))
    nested = from_json(message("{state} {when}", state=label("已撤销"), when=when).as_json())
    assert nested.render() == "Revoked 2/12/2026 18:00"
    assert nested.source_text() == "已撤销 2026年12月2日 18:00"
    assert render_stored("“%(title)s”已调整", {"title": "花园"}) == '"花园" changed'
    assert render_stored("{missing}", {}) == "{missing}"


def test_an_english_reader_reads_their_notification_in_english(app, client, auth):
    resident = create_user("zhang", "resident")
    proposal = make_proposal(make_round("submission"), resident, status="draft", title="Garden")
    proposals.withdraw(resident, proposal.id)
    note = db.session.query(Notification).one()
    assert note.message == "您的申报“Garden”已撤回"  # the record as written
    auth.login("zhang")
    client.post("/lang/en", data={"next": "/"})
    page = client.get("/notifications/").get_data(as_text=True)
    assert "Your proposal &#34;Garden&#34; was withdrawn" in page or \
        'Your proposal "Garden" was withdrawn' in page


def test_older_notifications_show_their_stored_text(app):
    user = create_user("zhang", "resident")
    note = Notification(user_id=user.id, message="旧消息")
    db.session.add(note)
    db.session.commit()
    assert note.text == "旧消息"


def test_solver_sentences_are_read_in_the_reader_s_language(app):
    candidates = [Candidate(1, 1, "甲", Decimal(80), 500_000)]
    decision = solve_awards(candidates, 1_000_000, 500_000, 1_500_000, Decimal(60)).decisions[0]
    assert decision.sentence == "第1名 申请 ¥5,000.00，立项，剩余资金 ¥5,000.00"
    award = Award(sentence=decision.sentence, sentence_message=decision.message.as_json())
    with app.test_request_context(), force_locale("en"):
        assert award.sentence_text == "Rank 1 requests ¥5,000.00: funded, ¥5,000.00 left in the pool"
    assert Award(sentence="旧理由").sentence_text == "旧理由"

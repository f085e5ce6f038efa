"""Telling each party of each step that concerns them (被告知): a notice published with their
line in it, an amount changed with the reason, an objection filed and decided, an agreement
signed and waiting for the countersignature, a conflict of interest declared.

Every such step already writes its audit entry; :data:`STEPS` maps an entry's action to a
function that reads the entry (its object and payload) and says who is told what. The
messages are ``N_()`` constants with ``%(name)s`` parameters, filled only when written, so
they can be stored either as text or as a key with its parameters. The notices are written
through :func:`grants.services.notifications.notify` just before the transaction that wrote
the entries commits — a rolled-back request tells no one, and no service has to remember to
tell anyone. Each is stored as its key and parameters (labels, dates and the conflict's target
as nested messages), so every reader reads it in their own language.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from sqlalchemy import event, select
from sqlalchemy.orm import Session

from grants.domain.i18n import N_
from grants.domain.lifecycles import OBJECTION
from grants.domain.messages import Message, day, label, message
from grants.domain.money import format_fen
from grants.extensions import db
from grants.models import AuditEntry, Proposal, User, UserRole
from grants.services.notifications import notify

NOTICE_PUBLISHED = N_(
    "您的项目“%(title)s”已进入公示（%(period)s）：排名第 %(rank)s，拟资助 %(amount)s。"
    "公示期内如有异议，主办方会核实处理并告知您。"
)
AMOUNT_CHANGED = N_("您的项目“%(title)s”拟资助金额由 %(before)s 调整为 %(after)s。原因：%(reason)s")
AWARD_REVOKED = N_("您的项目“%(title)s”的拟立项已撤销。原因：%(reason)s")
OBJECTION_FILED = N_("公示期内有人对您的项目“%(title)s”提出异议，主办方将核实处理，结果会通知您。")
OBJECTION_DECIDED = N_("对您的项目“%(title)s”的异议已处理：%(outcome)s。理由：%(reason)s")
AGREEMENT_SIGNED = N_("资助协议书 %(number)s（“%(title)s”）已由申报方签署，请主办方会签。")
CONFLICT_DECLARED = N_("评审专家 %(judge)s 对%(target)s申报回避，理由：%(reason)s。请核对评审分配。")
CONFLICT_ORGANISATION = N_("机构“%(name)s”的全部项目")
CONFLICT_PROPOSAL = N_("项目“%(title)s”")

_PENDING = "step_notice_entries"


@dataclass(frozen=True)
class Tiding:
    """Who is told (account ids), which message (an ``N_()`` constant) with its parameters,
    and the page it links to."""

    user_ids: tuple[int, ...]
    key: str
    params: dict = field(default_factory=dict)
    link: str = ""


def organizer_ids() -> tuple[int, ...]:
    """Every active organizer account: they are told what waits for them."""
    query = (
        select(UserRole.user_id).join(User)
        .where(UserRole.role == "organizer", User.active.is_(True))
        .order_by(UserRole.user_id)
    )
    return tuple(db.session.scalars(query))


def _facts(entry: AuditEntry) -> dict:
    """The entry's payload as data."""
    return json.loads(entry.payload or "{}")


def _award(entry: AuditEntry):
    """The award an award entry is about."""
    from grants.models.awards import Award

    return db.session.get(Award, entry.object_id)


def _objection(entry: AuditEntry):
    """The objection an objection entry is about."""
    from grants.models.awards import Objection

    return db.session.get(Objection, entry.object_id)


def _published(entry: AuditEntry) -> list[Tiding]:
    """``award.publish_notice``: the applicant reads their own line of the notice."""
    award = _award(entry)
    notice = award.notice
    period = message(N_("{start}至{end}"), start=day(notice.starts_on), end=day(notice.ends_on))
    params = {"title": award.proposal.title, "period": period,
              "rank": award.rank, "amount": format_fen(award.amount_fen)}
    return [Tiding((award.proposal.applicant_id,), NOTICE_PUBLISHED, params,
                   f"/notices/{award.notice_id}")]


def _amount_changed(entry: AuditEntry) -> list[Tiding]:
    """``award.adjust`` / ``award.change_amount``: the applicant reads both amounts and why."""
    award, facts = _award(entry), _facts(entry)
    params = {"title": award.proposal.title, "before": format_fen(facts["from_fen"]),
              "after": format_fen(facts["to_fen"]), "reason": facts.get("reason", "")}
    return [Tiding((award.proposal.applicant_id,), AMOUNT_CHANGED, params, "/awards/mine")]


def _revoked(entry: AuditEntry) -> list[Tiding]:
    """``award.revoke``: the applicant reads why their award was withdrawn."""
    award = _award(entry)
    params = {"title": award.proposal.title, "reason": _facts(entry).get("reason", "")}
    return [Tiding((award.proposal.applicant_id,), AWARD_REVOKED, params, "/awards/mine")]


def _objection_filed(entry: AuditEntry) -> list[Tiding]:
    """``objection.file``: the applicant learns there is an objection (never who filed it)."""
    award = _objection(entry).award
    params = {"title": award.proposal.title}
    return [Tiding((award.proposal.applicant_id,), OBJECTION_FILED, params,
                   f"/notices/{award.notice_id}")]


def _objection_decided(entry: AuditEntry) -> list[Tiding]:
    """``objection.uphold`` / ``objection.dismiss``: the applicant reads the ruling and why
    (the objector is told by the notices service, through their receipt)."""
    objection = _objection(entry)
    award = objection.award
    params = {"title": award.proposal.title,
              "outcome": label(OBJECTION.state_label(objection.status)),
              "reason": _facts(entry).get("reason", "")}
    return [Tiding((award.proposal.applicant_id,), OBJECTION_DECIDED, params, "/awards/mine")]


def _agreement_signed(entry: AuditEntry) -> list[Tiding]:
    """``agreement.sign``: the organizers are asked to countersign."""
    from grants.models.awards import Agreement

    agreement = db.session.get(Agreement, entry.object_id)
    params = {"number": agreement.number, "title": agreement.award.proposal.title}
    return [Tiding(organizer_ids(), AGREEMENT_SIGNED, params,
                   f"/awards/agreements/{agreement.id}")]


def _conflict_declared(entry: AuditEntry) -> list[Tiding]:
    """``conflict.declare``: the organizers learn which judge stepped aside from what."""
    from grants.models import Organisation

    facts = _facts(entry)
    judge = db.session.get(User, facts["judge_id"])
    if facts.get("proposal_id"):
        proposal = db.session.get(Proposal, facts["proposal_id"])
        target = message(CONFLICT_PROPOSAL, title=proposal.title)
        link = f"/judging/rounds/{proposal.round_id}"
    else:
        organisation = db.session.get(Organisation, facts["organisation_id"])
        target = message(CONFLICT_ORGANISATION, name=organisation.name)
        link = "/judging/rounds"
    params = {"judge": judge.display_name, "target": target, "reason": facts.get("reason", "")}
    return [Tiding(organizer_ids(), CONFLICT_DECLARED, params, link)]


STEPS: dict[str, Callable[[AuditEntry], list[Tiding]]] = {
    "award.publish_notice": _published,
    "award.adjust": _amount_changed,
    "award.change_amount": _amount_changed,
    "award.revoke": _revoked,
    "objection.file": _objection_filed,
    "objection.uphold": _objection_decided,
    "objection.dismiss": _objection_decided,
    "agreement.sign": _agreement_signed,
    "conflict.declare": _conflict_declared,
}
"""The steps whose parties are told, by audit action (an action's own service may tell others
too: the objector of the ruling, the applicant of a drawn agreement)."""


def tidings_of(entries: Iterable[AuditEntry]) -> list[Tiding]:
    """What the given audit entries tell whom, in chain order."""
    told = []
    for entry in sorted(entries, key=lambda e: e.seq):
        if builder := STEPS.get(entry.action):
            told += builder(entry)
    return told


def tell(tidings: Iterable[Tiding]) -> int:
    """Write each tiding to each of its readers' inboxes, as its key and parameters; returns
    how many were written."""
    count = 0
    for tiding in tidings:
        note = Message(tiding.key, tiding.params)
        for user_id in dict.fromkeys(tiding.user_ids):
            notify(user_id, note, tiding.link)
            count += 1
    return count


def _collect(session: Session, _context) -> None:
    """After a flush: remember the audit entries it wrote, for the commit to come."""
    written = [row for row in session.new if isinstance(row, AuditEntry) and row.action in STEPS]
    if written:
        session.info.setdefault(_PENDING, []).extend(written)


def _tell_before_commit(session: Session) -> None:
    """Before the commit: tell the parties of the steps this transaction recorded."""
    entries = session.info.pop(_PENDING, [])
    if entries:
        tell(tidings_of(entries))


def _forget(session: Session, previous=None) -> None:
    """A rollback tells no one (a savepoint's rollback leaves the outer transaction's)."""
    if previous is None or not previous.nested:
        session.info.pop(_PENDING, None)


def listen() -> None:
    """Attach the hooks to every session, once per process."""
    if not event.contains(Session, "after_flush", _collect):
        event.listen(Session, "after_flush", _collect)
        event.listen(Session, "before_commit", _tell_before_commit)
        event.listen(Session, "after_soft_rollback", _forget)

"""Resident needs (点单): posting during needs collection, supporting once, merging duplicates.

``need.support_count`` always equals the number of ``need_support`` rows of the need: it is
changed in the same transaction as the rows, with an atomic ``UPDATE … + 1``.

Posting, merging and funding are transitions of the :data:`NEED` lifecycle, applied and audited
by :func:`grants.services.lifecycle.apply` (``need.post``, ``need.merge``, ``need.fund``, with
the row's authorising role). Supporting changes no state: it is the declared event
``need.support``, recorded with the ``resident`` role that allows it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload
from sqlalchemy.orm.attributes import set_committed_value

from grants.domain import messages
from grants.domain.clock import now_utc, stored
from grants.domain.i18n import N_, join_list, msg, tr
from grants.domain.lifecycles import NEED
from grants.domain.lifecycles.need import LISTED_STATES, OPEN, is_funded, is_merged, is_open
from grants.domain.permissions import RESIDENTS, role_used
from grants.domain.permissions.needs import can_merge_needs, can_post_need, can_support_need
from grants.extensions import db
from grants.models import Community, FundingRound, Need, NeedSupport, Proposal, proposal_need
from grants.services import Refusal, audit, notifications, rounds, unit_of_work
from grants.services.lifecycle import apply

TITLE_MAX_CHARS = 80
DESCRIPTION_MAX_CHARS = 2000
PEOPLE_MAX = 1_000_000
SORTS = ("support", "newest")


@dataclass(frozen=True)
class NeedData:
    """What a resident writes when posting a need."""

    title: str
    community_id: int
    category: str
    description: str
    people_affected: int = 0


@dataclass(frozen=True)
class NeedFilter:
    """How a needs list is narrowed and ordered."""

    round_id: int
    community_id: int | None = None
    category: str | None = None
    sort: str = "support"


def _data_problems(funding_round: FundingRound, data: NeedData) -> list[str]:
    """What is wrong with the resident's text, category, community or head count."""
    problems = []
    if not data.title.strip():
        problems.append(msg("请填写需求标题"))
    elif len(data.title.strip()) > TITLE_MAX_CHARS:
        problems.append(msg("需求标题最多 {max} 个字", max=TITLE_MAX_CHARS))
    if not data.description.strip():
        problems.append(msg("请描述需求"))
    elif len(data.description.strip()) > DESCRIPTION_MAX_CHARS:
        problems.append(msg("需求描述最多 {max} 个字", max=DESCRIPTION_MAX_CHARS))
    if data.category not in (funding_round.categories or ()):
        names = join_list(tr(name) for name in funding_round.categories or ())
        problems.append(msg("类别须为本轮类别之一：{categories}", categories=names))
    if db.session.get(Community, data.community_id) is None:
        problems.append(msg("请选择所在社区"))
    if not 0 <= data.people_affected <= PEOPLE_MAX:
        problems.append(msg("受益人数须为 0 至 {max} 之间的整数", max=f"{PEOPLE_MAX:,}"))
    return problems


def post_need(
    funding_round: FundingRound, author, data: NeedData, now: datetime | None = None
) -> Need:
    """A resident posts a need, only while the round collects needs (``need.post``)."""
    allowed, reason = can_post_need(author)
    if not allowed:
        raise Refusal(reason, status=403)
    moment = now_utc(now)
    if message := rounds.check_phase(funding_round, "post_need", moment):
        raise Refusal(message, status=409)
    if problems := _data_problems(funding_round, data):
        raise Refusal(msg("；").join(problems), status=400)
    with unit_of_work():
        need = Need(
            created_at=stored(moment),
            round_id=funding_round.id,
            author_id=author.id,
            community_id=data.community_id,
            category=data.category,
            title=data.title.strip(),
            description=data.description.strip(),
            people_affected=data.people_affected,
        )
        payload = {
            "round_id": funding_round.id,
            "title": need.title,
            "category": need.category,
            "community_id": need.community_id,
        }
        apply(NEED, need, "post", author, payload=payload)
    return need


def _already_supported(need_id: int, user_id: int) -> bool:
    """True when the resident has supported this need before."""
    query = select(NeedSupport.id).where(
        NeedSupport.need_id == need_id, NeedSupport.user_id == user_id
    )
    return db.session.scalar(query) is not None


def _add_support(need_id: int, user_id: int, moment: datetime) -> int:
    """Insert the support row and raise the count, refusing a need that stopped being open;
    returns the new count."""
    db.session.add(NeedSupport(need_id=need_id, user_id=user_id, created_at=stored(moment)))
    db.session.flush()
    count = db.session.scalar(
        update(Need)
        .where(Need.id == need_id, Need.status == OPEN)
        .values(support_count=Need.support_count + 1)
        .returning(Need.support_count)
        .execution_options(synchronize_session=False)
    )
    if count is None:
        raise Refusal(msg("该需求已合并或已立项，不再接受支持"), status=409)
    return count


def support_need(need: Need, user, now: datetime | None = None) -> Need:
    """A resident supports someone else's open need, once; a repeat is refused with 409.

    Audited as the event ``need.support`` in the ``resident`` role that allows it.
    """
    allowed, reason = can_support_need(user, need)
    if not allowed:
        raise Refusal(reason, status=403 if is_open(need.status) else 409)
    moment = now_utc(now)
    if message := rounds.check_phase(need.round, "support_need", moment):
        raise Refusal(message, status=409)
    if _already_supported(need.id, user.id):
        raise Refusal(msg("您已经支持过这条需求"), status=409)
    try:
        with unit_of_work():
            count = _add_support(need.id, user.id, moment)
            audit.record("need.support", "need", need.id, {"round_id": need.round_id},
                         actor=user, actor_role=role_used(user, RESIDENTS))
    except IntegrityError as error:
        raise Refusal(msg("您已经支持过这条需求"), status=409) from error
    set_committed_value(need, "support_count", count)
    return need


def _locked_pair(source_id: int, target_id: int) -> tuple[Need, Need]:
    """Both needs, locked for the merge (FOR UPDATE on PostgreSQL), re-read from the database."""
    query = (
        select(Need)
        .where(Need.id.in_((source_id, target_id)))
        .order_by(Need.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    found = {need.id: need for need in db.session.scalars(query)}
    return found[source_id], found[target_id]


def _merge_problem(source: Need, target: Need) -> str | None:
    """Why the two needs cannot be merged, or None."""
    if source.id == target.id:
        return msg("不能把需求合并到它自己")
    if source.round_id != target.round_id:
        return msg("只能合并同一轮赛事的需求")
    if not is_open(source.status):
        return msg("该需求已合并或已立项，不能再合并")
    if is_merged(target.status):
        return msg("目标需求本身已被合并，请选择它合并到的需求")
    return None


def _carry_supports(source: Need, target: Need) -> int:
    """Give the target a support from each of the source's supporters it does not have yet.

    The target's author never supports their own need; the count is then recounted from rows.
    """
    already = select(NeedSupport.user_id).where(NeedSupport.need_id == target.id)
    newcomers = list(
        db.session.scalars(
            select(NeedSupport.user_id).where(
                NeedSupport.need_id == source.id,
                NeedSupport.user_id.not_in(already),
                NeedSupport.user_id != target.author_id,
            )
        )
    )
    db.session.add_all(NeedSupport(need_id=target.id, user_id=uid) for uid in newcomers)
    db.session.flush()
    target.support_count = db.session.scalar(
        select(func.count(NeedSupport.id)).where(NeedSupport.need_id == target.id)
    )
    return len(newcomers)


def merge_need(source: Need, target: Need, actor) -> Need:
    """An organiser merges a duplicate need into another; supports carry over once each.

    The source moves by ``need.merge`` (one entry, on the source); the target's state does not
    change, so only its new support count is named in that entry.
    """
    allowed, reason = can_merge_needs(actor)
    if not allowed:
        raise Refusal(reason, status=403)
    if problem := _merge_problem(source, target):
        raise Refusal(problem, status=409)
    with unit_of_work():
        source, target = _locked_pair(source.id, target.id)
        if problem := _merge_problem(source, target):
            raise Refusal(problem, status=409)
        carried = _carry_supports(source, target)
        source.merged_into_id = target.id
        facts = {"into": target.id, "carried": carried,
                 "target_support_count": target.support_count}
        apply(NEED, source, "merge", actor, payload=facts)
        message = messages.message(
            N_("您提交的需求“{source}”已与“{target}”合并，支持数已一并计入"),
            source=source.title,
            target=target.title,
        )
        notifications.notify(source.author_id, message, f"/needs/{target.id}")
    return target


def fund_needs_answered_by(proposal_id: int, actor=None) -> list[Need]:
    """Mark the open needs an awarded proposal answers as funded, one ``need.fund`` entry each.

    Runs inside the caller's transaction (the award's confirmation) and commits nothing; needs
    already merged or funded are left as they are. ``actor`` None is scheduled work (the close
    of a notice period), recorded as ``system``.
    """
    query = (
        select(Need)
        .join(proposal_need, proposal_need.c.need_id == Need.id)
        .where(proposal_need.c.proposal_id == proposal_id, Need.status == OPEN)
        .order_by(Need.id)
        .with_for_update(of=Need)
        .execution_options(populate_existing=True)
    )
    funded = list(db.session.scalars(query))
    for need in funded:
        apply(NEED, need, "fund", actor, payload={"proposal_id": proposal_id})
    return funded


def get_need(need_id: int) -> Need | None:
    """One need with its round and community, or None."""
    query = (
        select(Need)
        .where(Need.id == need_id)
        .options(joinedload(Need.round), joinedload(Need.community))
    )
    return db.session.scalar(query)


def needs_query(criteria: NeedFilter):
    """The select for a needs list: not merged, filtered, ordered; communities loaded with it."""
    query = (
        select(Need)
        .where(Need.round_id == criteria.round_id, Need.status.in_(LISTED_STATES))
        .options(joinedload(Need.community))
    )
    if criteria.community_id:
        query = query.where(Need.community_id == criteria.community_id)
    if criteria.category:
        query = query.where(Need.category == criteria.category)
    if criteria.sort == "newest":
        return query.order_by(Need.created_at.desc(), Need.id.desc())
    return query.order_by(Need.support_count.desc(), Need.created_at.desc(), Need.id.desc())


def supported_ids(user, need_ids) -> set[int]:
    """Which of these needs the user has supported (one query for a whole page)."""
    if not getattr(user, "is_authenticated", False) or not need_ids:
        return set()
    query = select(NeedSupport.need_id).where(
        NeedSupport.user_id == user.id, NeedSupport.need_id.in_(list(need_ids))
    )
    return set(db.session.scalars(query))


def answering_proposals(need: Need) -> list[tuple[str, str]]:
    """Proposals (not drafts) that answer the need, as ``(title, proposal state)``."""
    query = (
        select(Proposal.title, Proposal.status)
        .join(proposal_need, proposal_need.c.proposal_id == Proposal.id)
        .where(proposal_need.c.need_id == need.id, Proposal.status != "draft")
        .order_by(Proposal.id)
    )
    return [(title, status) for title, status in db.session.execute(query)]


def need_is_funded(need: Need, proposals: list[tuple[str, str]]) -> bool:
    """A need is funded when marked so or when an answering proposal was awarded."""
    return is_funded(need.status) or any(status == "awarded" for _, status in proposals)


def funded_ids(shown: list[Need]) -> set[int]:
    """Which of these needs are marked funded (for the badges of a list page)."""
    return {need.id for need in shown if is_funded(need.status)}


def merge_targets(need: Need) -> list[Need]:
    """Other needs of the same round a duplicate could be merged into."""
    query = (
        select(Need)
        .where(Need.round_id == need.round_id, Need.id != need.id,
               Need.status.in_(LISTED_STATES))
        .order_by(Need.support_count.desc(), Need.id)
    )
    return list(db.session.scalars(query))


def round_communities(funding_round: FundingRound) -> list[Community]:
    """The communities of the round's street (all communities when the street has none)."""
    query = select(Community).order_by(Community.id)
    scoped = list(db.session.scalars(query.where(Community.street == funding_round.street)))
    return scoped or list(db.session.scalars(query))


def ensure_communities(district: str, street: str, names: tuple[str, ...]) -> int:
    """Add the street's communities that do not exist yet (needs and residents name one);
    returns how many were added. Reference data, not audited."""
    with unit_of_work():
        known = set(db.session.scalars(select(Community.name).where(Community.street == street)))
        missing = [name for name in names if name not in known]
        db.session.add_all(Community(district=district, street=street, name=name)
                           for name in missing)
    return len(missing)


def default_round() -> FundingRound | None:
    """The round a needs list opens on: the newest one collecting needs, else the newest."""
    candidates = rounds.list_rounds()
    for funding_round in candidates:
        if rounds.check_phase(funding_round, "post_need") is None:
            return funding_round
    return candidates[0] if candidates else None


def mask_name(name: str) -> str:
    """Show only a person's surname on public pages: ``张桂兰`` → ``张**``."""
    return f"{name[:1]}**" if name else ""

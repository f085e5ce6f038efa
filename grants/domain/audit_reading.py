"""Audit entries as people read them: yuan instead of fen, Beijing time instead of UTC, state
names instead of keys, people's names instead of account ids.

The stored payload stays the record (it is what the chain hashes, shown raw one click away);
this turns it into labelled lines for the audit pages. Plain Python: the service hands in the
names of the accounts an entry mentions.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from grants.domain.i18n import N_, join_list, msg, tr
from grants.domain.lifecycles import LIFECYCLES
from grants.domain.money import format_fen
from grants.domain.phases import format_local

_UTC_MOMENT = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d(:\d\d(\.\d+)?)?Z$")
PERSON_KEYS = frozenset({"judge_id", "old_judge_id", "new_judge_id", "user_id", "actor_id"})
"""Payload keys that name an account: shown as the person's name."""

OBJECT_LABELS: dict[str, str] = {
    "proposal": N_("申报"),
    "award": N_("立项"),
    "funding_round": N_("赛事"),
    "agreement": N_("协议书"),
    "notice": N_("公示"),
    "objection": N_("异议"),
    "need": N_("需求"),
    "score_sheet": N_("评分表"),
    "tranche": N_("拨付批次"),
    "payment": N_("付款"),
    "expense": N_("支出"),
    "budget_adjustment": N_("预算调整"),
    "clawback": N_("追回资金"),
    "refund": N_("结余退回"),
    "user": N_("账号"),
    "organisation": N_("社会组织"),
    "conflict": N_("回避"),
}

KEY_LABELS: dict[str, str] = {
    "round_id": N_("赛事编号"),
    "proposal_id": N_("申报编号"),
    "award_id": N_("立项编号"),
    "agreement_id": N_("协议编号"),
    "notice_id": N_("公示编号"),
    "tranche_id": N_("批次编号"),
    "payment_id": N_("付款编号"),
    "judge_id": N_("评审专家"),
    "old_judge_id": N_("原评审专家"),
    "new_judge_id": N_("新评审专家"),
    "user_id": N_("账号"),
    "amount_fen": N_("金额"),
    "requested_fen": N_("申请金额"),
    "paid_fen": N_("已拨付"),
    "pool_fen": N_("资金池"),
    "title": N_("标题"),
    "name": N_("名称"),
    "reason": N_("理由"),
    "number": N_("编号"),
    "rank": N_("名次"),
    "version": N_("版本"),
    "total": N_("总分"),
    "points": N_("各项得分"),
    "category": N_("类别"),
    "signed_at": N_("签署时间"),
    "starts_on": N_("开始日期"),
    "ends_on": N_("结束日期"),
    "bank_reference": N_("银行流水号"),
    "value_date": N_("到账日期"),
    "payee": N_("收款方"),
    "payee_name": N_("收款方"),
    "payee_account": N_("收款账号"),
    "paying_account": N_("付款账号"),
    "username": N_("用户名"),
    "roles": N_("角色"),
    "changes": N_("修改"),
    "decisions": N_("决定"),
    "gate": N_("拨付条件"),
    "sequence": N_("批次"),
    "accepted_fen": N_("已认可支出"),
    "clawback_fen": N_("追回金额"),
    "refunded_fen": N_("已退回"),
    "clawed_back_fen": N_("已追回"),
    "budget_total_fen": N_("预算合计"),
    "cause": N_("原因"),
    "community_id": N_("社区编号"),
    "organisation_id": N_("社会组织编号"),
    "description": N_("说明"),
}


@dataclass(frozen=True)
class ReadableLine:
    """One labelled line of an entry's payload, ready to show."""

    label: str
    value: str


def object_label(object_type: str) -> str:
    """What kind of record an entry is about, in the reader's language."""
    return tr(OBJECT_LABELS.get(object_type, object_type))


def readable_value(key: str, value: object, names: Mapping[int, str] | None = None) -> str:
    """One payload value as text: fen as ¥, UTC moments in Beijing time, accounts by name,
    booleans as 是/否, lists joined; anything else as compact JSON."""
    names = names or {}
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return msg("是") if value else msg("否")
    if isinstance(value, int) and key.endswith("_fen"):
        return format_fen(value)
    if isinstance(value, int) and key in PERSON_KEYS and value in names:
        return names[value]
    if isinstance(value, str) and _UTC_MOMENT.match(value):
        return format_local(datetime.fromisoformat(value.replace("Z", "+00:00")))
    if isinstance(value, list) and all(isinstance(item, str | int) for item in value):
        return join_list(str(item) for item in value) or "—"
    if isinstance(value, str | int):
        return str(value)
    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def _state(object_type: str, state: object) -> str:
    """A lifecycle state by its label (unknown states as stored)."""
    lifecycle = LIFECYCLES.get(object_type)
    if lifecycle is None or not isinstance(state, str):
        return "—" if state is None else str(state)
    return tr(lifecycle.state_label(state))


def _key_label(key: str) -> str:
    """A payload key by its label, or as stored when it has none."""
    return tr(KEY_LABELS[key]) if key in KEY_LABELS else key


def readable_payload(
    object_type: str, payload: Mapping[str, object], names: Mapping[int, str] | None = None
) -> list[ReadableLine]:
    """The payload as labelled lines: a state change first (``from`` → ``to`` by label), each
    changed field of ``changes`` on its own line, then every other key in stored order."""
    lines: list[ReadableLine] = []
    if "to" in payload:
        change = f"{_state(object_type, payload.get('from'))} → {_state(object_type, payload['to'])}"
        lines.append(ReadableLine(msg("状态"), change))
    for key, value in payload.items():
        if key in ("from", "to"):
            continue
        if key == "changes" and isinstance(value, Mapping):
            lines += _changes(value, names)
            continue
        lines.append(ReadableLine(_key_label(key), readable_value(key, value, names)))
    return lines


def _changes(changes: Mapping[str, object], names: Mapping[int, str] | None) -> list[ReadableLine]:
    """``{field: [before, after]}`` as one "before → after" line per field."""
    lines = []
    for field, pair in changes.items():
        if isinstance(pair, list) and len(pair) == 2:
            before, after = (readable_value(field, item, names) for item in pair)
            lines.append(ReadableLine(_key_label(field), f"{before} → {after}"))
        else:
            lines.append(ReadableLine(_key_label(field), readable_value(field, pair, names)))
    return lines


def person_ids(payload: Mapping[str, object]) -> set[int]:
    """The account ids a payload names (judges, users), to look their names up."""
    return {value for key, value in payload.items()
            if key in PERSON_KEYS and isinstance(value, int) and not isinstance(value, bool)}

"""The grant agreement (资助协议): its number, its supervision clauses, and the digest that
seals what was approved.

The payment tranches it prints are the schedule of :mod:`grants.domain.tranches`. What the
agreement rests on — the approved budget lines, the stored tranches — is frozen when it is
made, and the audit entry of that moment carries :func:`frozen_digest` of those rows, so anyone
can later check that the rows still say what was approved.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Mapping
from typing import Any

from grants.domain.audit import canonical_json
from grants.domain.i18n import N_, msg
from grants.domain.lifecycles import AWARD

_DISTRICT = re.compile(r"^[A-Z][A-Z0-9]{1,7}$")

SIGNABLE_AWARDS = AWARD.sources("sign_agreement")
"""Awards whose agreement may be signed (confirmed ones): the countersignature signs the award."""

SUPERVISION_CLAUSES: tuple[str, ...] = (
    N_(
        "专款专用：资助资金须全部用于本协议所列公益项目，不得挪作他用，"
        "不得用于发放机构工作人员奖金福利、偿还债务或对外投资。"
    ),
    N_(
        "分期拨付：资助资金按本协议约定的批次拨付，首笔款项于协议签订后拨付，"
        "后续款项在对应评估通过后拨付；评估未通过的，暂停拨付后续款项。"
    ),
    N_(
        "支出凭证：乙方应设立项目专账，每笔支出须取得合法有效的发票或收据等凭证，"
        "按要求报送支出明细，并保存原始凭证备查，保存期限不少于五年。"
    ),
    N_(
        "中期与结项评估：乙方应按时提交中期报告和结项报告，"
        "接受甲方或其委托的第三方评估机构开展的中期评估和结项评估，并如实提供相关材料。"
    ),
    N_(
        "资金监管：甲方有权通过实地走访、查阅账目、服务对象回访等方式对项目执行和资金使用情况"
        "进行监督检查，乙方应予配合。"
    ),
    N_(
        "违约退回：乙方虚报冒领、挪用资金、擅自变更项目内容或无正当理由终止项目的，"
        "甲方有权停止拨付，并要求乙方退回已拨付的全部或部分资金。"
    ),
    N_(
        "信息公开：乙方应如实公开项目进展、资金使用情况和服务成效，"
        "同意甲方在平台上公示立项结果、评估结论及资金使用情况。"
    ),
    N_(
        "审计：甲方可委托第三方审计机构对项目资金进行专项审计，乙方应配合审计工作，"
        "对审计发现的问题应在规定期限内整改。"
    ),
)


def agreement_number(district_code: str, year: int, round_no: int, seq: int) -> str:
    """Build the agreement number printed on the contract, e.g. ``JN-2026-07-003``.

    District code is 2–8 Latin letters/digits starting with a letter (folded to upper case);
    round and sequence are zero-padded to 2 and 3 digits so numbers sort in issue order.
    """
    code = district_code.strip().upper()
    if not _DISTRICT.match(code):
        raise ValueError(
            msg("区划代码“{code}”无效，应为 2–8 位字母或数字且以字母开头", code=district_code)
        )
    if not 2000 <= year <= 9999:
        raise ValueError(msg("年份 {year} 无效", year=year))
    if round_no < 1 or seq < 1:
        raise ValueError(msg("轮次和序号必须从 1 开始"))
    return f"{code}-{year}-{round_no:02d}-{seq:03d}"


BUDGET_LINE_FIELDS: tuple[str, ...] = (
    "id", "position", "item", "cost_category", "unit_price_fen", "quantity", "subtotal_fen",
)
TRANCHE_FIELDS: tuple[str, ...] = ("id", "sequence", "share_bp", "amount_fen", "gate")


def row_facts(row: Any, fields: Iterable[str]) -> dict[str, Any]:
    """The named attributes of a frozen row as a plain dict (for digests and audit payloads)."""
    return {name: getattr(row, name) for name in fields}


def frozen_digest(rows: Iterable[Mapping[str, Any]]) -> str:
    """The hex sha256 of frozen rows: ``sha256(canonical_json({"rows": [...]}))`` in the given
    order, the same canonical JSON the audit chain hashes (sorted keys, no floats, UTF-8)."""
    text = canonical_json({"rows": [dict(row) for row in rows]})
    return hashlib.sha256(text.encode("utf-8")).hexdigest()

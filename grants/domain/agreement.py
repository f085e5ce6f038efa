"""The grant agreement (资助协议): its number, its supervision clauses and its payment tranches.

Money is paid in tranches, each released by a gate in the award lifecycle (signing, the midterm
evaluation, the final evaluation). Tranche amounts are integer fen and always add up to the
award exactly: any fen left over by the percentage split goes on the first tranche.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from grants.domain.i18n import N_, msg

_DISTRICT = re.compile(r"^[A-Z][A-Z0-9]{1,7}$")

TRANCHE_GATES: dict[int, tuple[str, ...]] = {
    1: (N_("协议签订后"),),
    2: (N_("协议签订后"), N_("结项评估通过后")),
    3: (N_("协议签订后"), N_("中期评估通过后"), N_("结项评估通过后")),
}

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


@dataclass(frozen=True)
class Tranche:
    """One payment instalment: its number, its share of the award, its amount and its gate."""

    no: int
    share_pct: int
    amount_fen: int
    gate: str


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


def _check_shares(shares: tuple[int, ...]) -> None:
    """Refuse tranche shares that are not 1–3 positive whole percentages adding up to 100."""
    if len(shares) not in TRANCHE_GATES:
        raise ValueError(msg("拨付批次应为 1 至 3 批"))
    if any(isinstance(s, bool) or not isinstance(s, int) or s <= 0 for s in shares):
        raise ValueError(msg("每批拨付比例必须是正整数百分比"))
    if sum(shares) != 100:
        raise ValueError(msg("各批拨付比例之和应为 100%，当前为 {total}%", total=sum(shares)))


def tranche_schedule(amount_fen: int, shares: tuple[int, ...] = (50, 40, 10)) -> list[Tranche]:
    """Split an award into payment tranches whose amounts add up to the award to the fen.

    Each tranche gets ``amount × share ÷ 100`` rounded down; the fen left over go on the first
    tranche, which is paid soonest. Gates follow the number of tranches (see ``TRANCHE_GATES``).
    """
    if isinstance(amount_fen, bool) or not isinstance(amount_fen, int):
        raise TypeError(f"money must be integer fen, got {type(amount_fen).__name__}")
    if amount_fen < 0:
        raise ValueError(msg("金额不能为负数"))
    shares = tuple(shares)
    _check_shares(shares)
    amounts = [amount_fen * share // 100 for share in shares]
    amounts[0] += amount_fen - sum(amounts)
    gates = TRANCHE_GATES[len(shares)]
    return [
        Tranche(no, share, amount, gate)
        for no, (share, amount, gate) in enumerate(zip(shares, amounts, gates, strict=True), 1)
    ]

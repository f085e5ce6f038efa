"""The payment schedule of an award (拨付安排): which share is paid once which gate is met.

A plan is a short sequence of :class:`Term` — a gate and a share in basis points (5000 = 50 %).
The default plan pays 50 % once the agreement is signed, 40 % once the mid-term evaluation
passes and 10 % once the final evaluation passes. :func:`schedule` turns a plan and an award
into tranches of integer fen that add up to the award exactly: each tranche gets
``amount × share ÷ 10000`` rounded down, and the fen left over go on the first tranche, which
is paid soonest.

The schedule is stored as ``tranche`` rows when the agreement is countersigned; payments hang
on those rows, so the agreement prints what was stored rather than recomputing it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from grants.domain.errors import Refusal
from grants.domain.i18n import N_, msg

FULL_BP = 10_000
"""The whole award, in basis points."""

GATE_LABELS: dict[str, str] = {
    "agreement_signed": N_("协议签订后"),
    "midterm_passed": N_("中期评估通过后"),
    "final_passed": N_("结项评估通过后"),
}
"""Every gate a tranche can wait for, in the order an award reaches them."""
GATES: tuple[str, ...] = tuple(GATE_LABELS)


@dataclass(frozen=True)
class Term:
    """One line of a plan: the gate that releases it and its share of the award."""

    gate: str
    share_bp: int


DEFAULT_PLAN: tuple[Term, ...] = (
    Term("agreement_signed", 5000),
    Term("midterm_passed", 4000),
    Term("final_passed", 1000),
)


@dataclass(frozen=True)
class PlannedTranche:
    """One instalment: its place, its share, its amount in fen and the gate that releases it."""

    sequence: int
    share_bp: int
    amount_fen: int
    gate: str

    @property
    def percent(self) -> str:
        """The share as printed before a per-cent sign: ``50``, ``33.33``."""
        return percent_text(self.share_bp)

    @property
    def gate_label(self) -> str:
        """The (untranslated) words of the gate: ``协议签订后``."""
        return GATE_LABELS.get(self.gate, self.gate)


def percent_text(share_bp: int) -> str:
    """A share in basis points as a percentage without trailing zeros (5000 → ``50``)."""
    whole, rest = divmod(share_bp, 100)
    return str(whole) if rest == 0 else f"{whole}.{rest:02d}".rstrip("0")


def check_plan(plan: Sequence[Term]) -> None:
    """Refuse a plan that is not one tranche per gate (at most), in gate order, with positive
    whole shares that add up to the whole award."""
    if not 1 <= len(plan) <= len(GATES):
        raise Refusal(msg("拨付批次应为 1 至 {n} 批", n=len(GATES)))
    if any(term.gate not in GATE_LABELS for term in plan):
        raise Refusal(msg("拨付条件只能是协议签订、中期评估通过或结项评估通过"))
    order = [GATES.index(term.gate) for term in plan]
    if order != sorted(set(order)):
        raise Refusal(msg("各批拨付条件应按协议签订、中期评估、结项评估的顺序排列且不重复"))
    shares = [term.share_bp for term in plan]
    if any(isinstance(s, bool) or not isinstance(s, int) or s <= 0 for s in shares):
        raise Refusal(msg("每批拨付比例必须为正数"))
    if sum(shares) != FULL_BP:
        raise Refusal(
            msg("各批拨付比例之和应为 100%，当前为 {total}%", total=percent_text(sum(shares)))
        )


def schedule(amount_fen: int, plan: Sequence[Term] = DEFAULT_PLAN) -> list[PlannedTranche]:
    """Split an award into tranches whose amounts add up to the award to the fen.

    Each tranche gets ``amount × share ÷ 10000`` rounded down; the remainder goes on the first.
    """
    if isinstance(amount_fen, bool) or not isinstance(amount_fen, int):
        raise TypeError(f"money must be integer fen, got {type(amount_fen).__name__}")
    if amount_fen < 0:
        raise Refusal(msg("金额不能为负数"))
    plan = tuple(plan)
    check_plan(plan)
    amounts = [amount_fen * term.share_bp // FULL_BP for term in plan]
    amounts[0] += amount_fen - sum(amounts)
    return [
        PlannedTranche(sequence, term.share_bp, amount, term.gate)
        for sequence, (term, amount) in enumerate(zip(plan, amounts, strict=True), 1)
    ]

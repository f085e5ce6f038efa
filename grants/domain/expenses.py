"""Expenses against an award's frozen budget lines: what a grantee may report, and the flags.

Pure functions over plain values; the expenses service gathers the figures under a lock on the
award row, asks these, and applies the :data:`~grants.domain.lifecycles.expense.EXPENSE`
transitions.

- **Amounts.** An expense is a positive whole number of fen, at most ¥15,000.00 (the site band's
  maximum, more than any one award). What a person typed is length-checked *before* any digits
  are turned into an integer, so 100,000 digits get the same clear refusal as ¥15,000.01.
- **Flags** (:func:`flags_of`) are what a careful auditor looks for. A flag never stops the
  grantee from reporting; it makes accepting the expense need a written reason
  (:func:`check_acceptance`), and bulk acceptance skips nothing silently: it refuses.
  ``over_line`` is the strict rule behind the tolerance: accepting an expense that takes the
  line's accepted spending above its adjusted amount at all needs a reason, so accepted spending
  never exceeds a line without one; ``overrun`` is the auditor's alarm when accepted plus
  pending spending passes the line by more than the round's threshold.
- **Adjustments.** Moving money between lines changes their *adjusted* amounts; a move that takes
  a line more than the threshold away from its approved amount needs the organizer
  (:func:`needs_approval`), and no line goes below what was already accepted on it.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date

from grants.domain.band import SITE_BAND
from grants.domain.budget import Problem
from grants.domain.errors import Refusal
from grants.domain.i18n import N_, join_list, msg, tr
from grants.domain.inputs import is_digits
from grants.domain.money import MoneyError, format_fen, parse_money
from grants.domain.workflow import check_reason

MIN_EXPENSE_FEN = 1
MAX_EXPENSE_FEN = SITE_BAND.max_fen
"""One expense is at most the band's maximum (¥15,000.00): no award is larger."""
AMOUNT_TEXT_MAX = 24
"""Longer typed amounts are refused before any conversion (``¥15,000.00 元`` is 12 characters)."""
WHOLE_YUAN_DIGITS = 9
"""More whole-yuan digits than this is far above the limit: refused without converting."""
PAYEE_MAX_CHARS = 100
DESCRIPTION_MAX_CHARS = 500
DEFAULT_OVERRUN_PCT = 10
REPORTING_AWARD_STATES: frozenset[str] = frozenset(
    {"agreement_signed", "implementing", "midterm_passed", "final_passed", "suspended"}
)
"""Awards whose grantee may report expenses and adjust the budget (money may have been paid)."""
DECIDING_AWARD_STATES = REPORTING_AWARD_STATES
"""Awards whose expenses finance may decide: any reporting award, none once it is closed."""

FLAGS: tuple[str, ...] = (
    "above_paid", "overrun", "duplicate_receipt", "duplicate_invoice", "over_line",
    "outside_period", "missing_receipt",
)
"""Every flag, most serious first: the finance queue sorts by this order."""
FLAG_LABELS: dict[str, str] = {
    "above_paid": N_("认可支出将超过已拨付金额"),
    "overrun": N_("本科目支出超出调整后预算的容差"),
    "duplicate_receipt": N_("票据文件已在其他支出中使用"),
    "duplicate_invoice": N_("发票代码和号码已被使用"),
    "over_line": N_("认可后将超出本科目调整后预算"),
    "outside_period": N_("支出日期不在项目实施期内"),
    "missing_receipt": N_("未上传票据"),
}


# --- what the grantee types ------------------------------------------------------------------


@dataclass(frozen=True)
class ExpenseInput:
    """One expense as typed, read into typed values (amount in fen, invoice digits folded)."""

    budget_line_id: int
    spent_on: date
    amount_fen: int
    payee: str
    description: str
    invoice_code: str = ""
    invoice_number: str = ""


def _amount_limits() -> str:
    """The range every amount message names."""
    return msg("单笔支出须在 {low} 至 {high} 之间",
               low=format_fen(MIN_EXPENSE_FEN), high=format_fen(MAX_EXPENSE_FEN))


def amount_problem(amount_fen: int) -> str | None:
    """Why an amount in fen cannot be an expense (naming the limit), else None."""
    if isinstance(amount_fen, bool) or not isinstance(amount_fen, int):
        return msg("金额须为整数（分）：{limits}", limits=_amount_limits())
    if amount_fen < MIN_EXPENSE_FEN:
        return msg("支出金额必须大于 ¥0.00（{limits}）", limits=_amount_limits())
    if amount_fen > MAX_EXPENSE_FEN:
        return msg("支出金额 {amount} 超过上限 {limit}（{limits}）", amount=format_fen(amount_fen),
                   limit=format_fen(MAX_EXPENSE_FEN), limits=_amount_limits())
    return None


def amount_text_problem(text: object) -> tuple[int | None, str | None]:
    """Read a typed amount in yuan into fen: ``(fen, None)``, or ``(None, why not)``.

    The text's length is checked before any conversion, so an absurdly long number is refused
    in constant time with the same limit as any other amount that is too large.
    """
    raw = "" if text is None else str(text).strip()
    folded = unicodedata.normalize("NFKC", raw[:AMOUNT_TEXT_MAX])
    whole = folded.split(".")[0].replace(",", "").replace("，", "").strip("¥￥元 ").lstrip("0")
    if len(raw) > AMOUNT_TEXT_MAX or (is_digits(whole) and len(whole) > WHOLE_YUAN_DIGITS):
        return None, msg("支出金额超过上限 {limit}（{limits}）",
                         limit=format_fen(MAX_EXPENSE_FEN), limits=_amount_limits())
    if folded.startswith("-"):
        return None, msg("支出金额必须大于 ¥0.00（{limits}）", limits=_amount_limits())
    try:
        fen = parse_money(raw)
    except MoneyError as error:
        return None, msg("{problem}（{limits}）", problem=str(error), limits=_amount_limits())
    return (None, problem) if (problem := amount_problem(fen)) else (fen, None)


def parse_amount(text: object) -> int:
    """A typed amount in fen, or a :class:`Refusal` (422) naming the limits."""
    fen, problem = amount_text_problem(text)
    if problem:
        raise Refusal(problem, [Problem("amount", problem)])
    return fen


def _digits(text: object) -> str:
    """Digits as typed, full-width folded and spaces or hyphens removed."""
    folded = unicodedata.normalize("NFKC", "" if text is None else str(text))
    return "".join(ch for ch in folded if not ch.isspace() and ch != "-")


def invoice_problems(code: str, number: str) -> list[Problem]:
    """What is wrong with a 发票代码 / 发票号码 pair (both optional), else an empty list.

    A paper or older electronic invoice has a 10- or 12-digit code and an 8-digit number; a
    fully digital invoice (全电发票) has a 20-digit number and no code.
    """
    problems = []
    if code and not (is_digits(code) and len(code) in (10, 12)):
        problems.append(Problem("invoice_code", msg("发票代码应为 10 位或 12 位数字")))
    if number and not (is_digits(number) and len(number) in (8, 20)):
        problems.append(Problem("invoice_number",
                                msg("发票号码应为 8 位数字（全电发票为 20 位数字）")))
    elif code and not number:
        problems.append(Problem("invoice_number", msg("填写了发票代码时请同时填写发票号码")))
    elif len(number) == 8 and not code:
        problems.append(Problem("invoice_code", msg("8 位发票号码须同时填写发票代码")))
    elif len(number) == 20 and code:
        problems.append(Problem("invoice_code", msg("全电发票（20 位号码）没有发票代码，请留空")))
    return problems


def read_date(value: object) -> date | None:
    """A date from a ``date`` or ISO ``YYYY-MM-DD`` text, else None."""
    if isinstance(value, date):
        return value
    text = unicodedata.normalize("NFKC", "" if value is None else str(value)).strip()
    if len(text) != 10:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        return None


def _text(data: Mapping[str, object], key: str) -> str:
    """A stripped text field (NFC), empty when missing."""
    return unicodedata.normalize("NFC", str(data.get(key) or "")).strip()


def _line_id(value: object, line_ids: Iterable[int]) -> int | None:
    """The chosen budget line's id when it is one of the award's lines, else None."""
    text = str(value if value is not None else "").strip()
    if not is_digits(text) or len(text) > 10:
        return None
    chosen = int(text)
    return chosen if chosen in set(line_ids) else None


def parse_expense(data: Mapping[str, object], line_ids: Iterable[int], today: date) -> ExpenseInput:
    """Read one expense form (``budget_line_id``, ``spent_on``, ``amount`` in yuan or
    ``amount_fen``, ``payee``, ``description``, ``invoice_code``, ``invoice_number``).

    Every problem is collected, each naming its input, and refused together (422): nothing is
    stored from a form that has any. A date outside the project period is *not* a problem here
    (it is the ``outside_period`` flag); a date after today is.
    """
    problems: list[Problem] = []
    line_id = _line_id(data.get("budget_line_id"), line_ids)
    if line_id is None:
        problems.append(Problem("budget_line_id", msg("请选择本项目的一个预算科目")))
    spent_on = read_date(data.get("spent_on"))
    if spent_on is None:
        problems.append(Problem("spent_on", msg("请填写支出日期（如 2026-09-01）")))
    elif spent_on > today:
        problems.append(Problem("spent_on", msg("支出日期不能晚于今天（{today}）",
                                                today=today.isoformat())))
    if "amount_fen" in data:
        amount_fen = data.get("amount_fen")
        problem = amount_problem(amount_fen)  # type: ignore[arg-type]
    else:
        amount_fen, problem = amount_text_problem(data.get("amount"))
    if problem:
        problems.append(Problem("amount", problem))
    payee, description = _text(data, "payee"), _text(data, "description")
    if not payee or len(payee) > PAYEE_MAX_CHARS:
        problems.append(Problem("payee", msg("请填写收款方（不超过 {n} 个字）", n=PAYEE_MAX_CHARS)))
    if not description or len(description) > DESCRIPTION_MAX_CHARS:
        problems.append(Problem("description", msg("请填写支出说明（不超过 {n} 个字）",
                                                   n=DESCRIPTION_MAX_CHARS)))
    code = _digits(data.get("invoice_code"))[:40]
    number = _digits(data.get("invoice_number"))[:40]
    problems += invoice_problems(code, number)
    if problems:
        raise Refusal(refusal_message(problems), problems)
    return ExpenseInput(line_id, spent_on, amount_fen, payee, description, code, number)


def refusal_message(problems: list[Problem]) -> str:
    """One readable sentence for a form's problems: the problem itself when there is one."""
    if len(problems) == 1:
        return problems[0].message
    return msg("有 {count} 处填写有误：{problems}", count=len(problems),
               problems="；".join(problem.message for problem in problems))


# --- flags -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class ExpenseFacts:
    """Everything the flags of one undecided expense depend on, as plain values.

    ``line_accepted_fen`` is what is already accepted on its line, ``line_pending_fen`` what is
    reported and undecided there *including this expense*; ``award_accepted_fen`` is accepted
    on the whole award; ``spendable_fen`` is what the grantee holds to spend (paid, less
    refunds and clawbacks). ``receipt_reused`` / ``invoice_reused`` say whether an earlier,
    not rejected expense of any project or round has one of its files or its invoice.
    """

    amount_fen: int
    spent_on: date
    period_start: date
    period_end: date
    line_adjusted_fen: int
    line_accepted_fen: int
    line_pending_fen: int
    award_accepted_fen: int
    spendable_fen: int
    threshold_pct: int
    receipt_count: int
    receipt_reused: bool = False
    invoice_reused: bool = False


def beyond_tolerance(total_fen: int, adjusted_fen: int, threshold_pct: int) -> bool:
    """True when ``total_fen`` is above ``adjusted_fen`` by more than ``threshold_pct`` % of it
    (integers cross-multiplied, so no rounding)."""
    return total_fen * 100 > adjusted_fen * (100 + threshold_pct)


def is_outside_period(spent_on: date, start: date, end: date) -> bool:
    """True when the expense date lies outside the project's implementation period."""
    return not start <= spent_on <= end


def flags_of(facts: ExpenseFacts) -> tuple[str, ...]:
    """The flags of one undecided expense, in :data:`FLAGS` order (empty when clean)."""
    raised = {
        "above_paid": facts.award_accepted_fen + facts.amount_fen > facts.spendable_fen,
        "overrun": beyond_tolerance(facts.line_accepted_fen + facts.line_pending_fen,
                                    facts.line_adjusted_fen, facts.threshold_pct),
        "duplicate_receipt": facts.receipt_reused,
        "duplicate_invoice": facts.invoice_reused,
        "over_line": facts.line_accepted_fen + facts.amount_fen > facts.line_adjusted_fen,
        "outside_period": is_outside_period(facts.spent_on, facts.period_start,
                                            facts.period_end),
        "missing_receipt": facts.receipt_count == 0,
    }
    return tuple(flag for flag in FLAGS if raised[flag])


def flag_labels(flags: Iterable[str]) -> str:
    """The flags' labels joined for a sentence, in the reader's language."""
    return join_list(tr(FLAG_LABELS.get(flag, flag)) for flag in flags)


def flag_rank(flags: Iterable[str]) -> tuple[int, ...]:
    """A sort key putting the most serious and most flagged expenses first."""
    positions = sorted(FLAGS.index(flag) for flag in flags if flag in FLAGS)
    return (-len(positions), *positions) if positions else (1,)


def check_acceptance(flags: Iterable[str], reason: str | None) -> str:
    """The reason to record with an acceptance ("" for a clean expense), or a 422 refusal.

    A flagged expense is accepted only with a written reason that names why the finance
    officer accepts it anyway; the refusal lists the flags it must answer.
    """
    raised = tuple(flags)
    text = (reason or "").strip()
    if not raised:
        if problem := (check_reason(tr(N_("认可支出")), text) if text else None):
            raise Refusal(problem)
        return text
    if problem := check_reason(tr(N_("认可支出")), text):
        raise Refusal(msg("该支出有提示（{flags}），认可须填写理由：{problem}",
                          flags=flag_labels(raised), problem=problem))
    return text


# --- budget adjustments ----------------------------------------------------------------------


@dataclass(frozen=True)
class LineState:
    """One budget line's approved (frozen) amount, adjusted amount and accepted spending."""

    original_fen: int
    adjusted_fen: int
    accepted_fen: int


def adjusted_amounts(originals: Mapping[int, int],
                     moves: Iterable[tuple[int, int, int]]) -> dict[int, int]:
    """Each line's amount after the approved moves ``(from_line, to_line, amount_fen)``."""
    amounts = dict(originals)
    for source, target, amount in moves:
        amounts[source] = amounts.get(source, 0) - amount
        amounts[target] = amounts.get(target, 0) + amount
    return amounts


def needs_approval(original_fen: int, adjusted_fen: int, threshold_pct: int) -> bool:
    """True when a line's adjusted amount is further from its approved amount than the
    threshold allows (cumulative over every move, so small moves cannot add up unseen)."""
    return abs(adjusted_fen - original_fen) * 100 > original_fen * threshold_pct


def check_adjustment(lines: Mapping[int, LineState], from_line: int, to_line: int,
                     amount_fen: int) -> None:
    """Refuse a move that is not between two different lines of the award, not a positive
    amount, or would take the source line below zero or below what is accepted on it (422)."""
    if from_line not in lines or to_line not in lines:
        raise Refusal(msg("请选择本项目的预算科目"))
    if from_line == to_line:
        raise Refusal(msg("调出和调入的预算科目不能相同"))
    if problem := amount_problem(amount_fen):
        raise Refusal(problem)
    source = lines[from_line]
    floor = max(source.accepted_fen, 0)
    if source.adjusted_fen - amount_fen < floor:
        raise Refusal(msg("调出金额 {amount} 超过该科目可调出的 {room}（调整后预算 {adjusted}，"
                          "已认可支出 {accepted}）", amount=format_fen(amount_fen),
                          room=format_fen(max(source.adjusted_fen - floor, 0)),
                          adjusted=format_fen(source.adjusted_fen),
                          accepted=format_fen(source.accepted_fen)))


def adjustment_needs_approval(lines: Mapping[int, LineState], from_line: int, to_line: int,
                              amount_fen: int, threshold_pct: int) -> bool:
    """True when the move takes either line beyond the threshold of its approved amount."""
    source, target = lines[from_line], lines[to_line]
    return (needs_approval(source.original_fen, source.adjusted_fen - amount_fen, threshold_pct)
            or needs_approval(target.original_fen, target.adjusted_fen + amount_fen,
                              threshold_pct))


def threshold_problem(pct: object) -> str | None:
    """Why a round's overrun threshold is not a whole percentage from 0 to 100, else None."""
    if isinstance(pct, bool) or not isinstance(pct, int) or not 0 <= pct <= 100:
        return msg("超支提示比例须为 0 至 100 之间的整数（百分比）")
    return None

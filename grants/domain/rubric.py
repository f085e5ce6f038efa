"""The scoring rubric: criteria with whole-point maxima, scored by judges in half points.

A rubric is a sequence of :class:`Criterion` whose maxima add up to exactly 100, so a sheet total
reads as a percentage. Points are ``Decimal`` multiples of 0.5; ``float`` is refused outright
because a binary fraction must never reach a score that decides a grant.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal

from grants.domain.i18n import N_, msg, tr

RUBRIC_TOTAL = 100
POINT_STEP = Decimal("0.5")
_ZERO = Decimal(0)


@dataclass(frozen=True)
class Criterion:
    """One line of the score sheet: a stable ``key`` for storage, a Chinese ``name`` for people."""

    key: str
    name: str
    max_points: int
    guidance: str


DEFAULT_RUBRIC: tuple[Criterion, ...] = (
    Criterion(
        "need_fit",
        N_("需求契合度"),
        20,
        N_("项目是否回应社区真实、迫切的需求，服务对象是否清晰。"),
    ),
    Criterion(
        "feasibility",
        N_("方案可行性"),
        25,
        N_("目标、活动与进度安排是否具体可行，执行团队能否落实。"),
    ),
    Criterion(
        "innovation",
        N_("创新性"),
        15,
        N_("服务方式或参与机制是否有新意，能否为社区带来新的做法。"),
    ),
    Criterion(
        "budget",
        N_("预算合理性"),
        20,
        N_("预算是否与活动匹配、测算有据，有无明显虚高或遗漏。"),
    ),
    Criterion(
        "sustainability",
        N_("可持续性与居民参与"),
        20,
        N_("居民是否参与设计与实施，资助结束后能否持续运转。"),
    ),
)


def validate_rubric(criteria: Sequence[Criterion]) -> list[str]:
    """List every problem with a rubric (empty when usable), so an admin sees them all at once.

    Maxima must be whole numbers of at least 1 that add up to 100; keys and names must be unique,
    because sheets are stored by key and shown by name.
    """
    if not criteria:
        return [msg("评分表至少需要一个评分项")]
    errors: list[str] = []
    for criterion in criteria:
        points = criterion.max_points
        if isinstance(points, bool) or not isinstance(points, int) or points < 1:
            errors.append(msg("“{name}”的满分须为不小于 1 的整数", name=tr(criterion.name)))
    errors.extend(_duplicates([c.key for c in criteria], N_("评分项代码")))
    errors.extend(_duplicates([c.name for c in criteria], N_("评分项名称")))
    if not errors:
        total = sum(c.max_points for c in criteria)
        if total != RUBRIC_TOTAL:
            errors.append(
                msg(
                    "各评分项满分之和须为 {max} 分，当前为 {total} 分",
                    max=RUBRIC_TOTAL,
                    total=total,
                )
            )
    return errors


def _duplicates(values: Sequence[str], label: str) -> list[str]:
    """One message per value that occurs more than once, in order of first repetition."""
    seen: set[str] = set()
    reported: list[str] = []
    for value in values:
        if value in seen and value not in reported:
            reported.append(value)
        seen.add(value)
    return [msg("{label}“{value}”重复", label=tr(label), value=value) for value in reported]


def validate_points(criterion: Criterion, points: Decimal) -> str | None:
    """Check one judge's points for one criterion; a Chinese message naming the limit, or None.

    Valid points lie in ``[0, max_points]`` in steps of 0.5. A ``float`` (or anything but
    ``Decimal``/``int``) raises ``TypeError``: it is a programming error, not a judge's typo.
    """
    if isinstance(points, bool) or not isinstance(points, Decimal | int):
        raise TypeError(f"points must be Decimal, got {type(points).__name__}")
    value = Decimal(points)
    in_range = value.is_finite() and _ZERO <= value <= criterion.max_points
    if in_range and (value / POINT_STEP) % 1 == 0:
        return None
    return msg(
        "“{name}”得分须在 0–{max} 之间，以 0.5 分为单位",
        name=tr(criterion.name),
        max=criterion.max_points,
    )


def sheet_total(points_by_criterion: Mapping[str, Decimal]) -> Decimal:
    """Total of one judge's sheet (criterion key → points); exact, since points are Decimal."""
    return sum(points_by_criterion.values(), _ZERO)

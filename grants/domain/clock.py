"""The platform's one clock: aware UTC for logic, naive UTC for storage, Beijing for people.

Every service takes an optional ``now`` so tests and batch jobs can pin time; this module turns
whatever they are given into the three forms the code needs, so no module keeps its own copy.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

BEIJING = ZoneInfo("Asia/Shanghai")


def now_utc(now: datetime | None = None) -> datetime:
    """``now`` as an aware UTC datetime, or the current time when it is None.

    A naive ``now`` is read as UTC (that is how the database stores times).
    """
    if now is None:
        return datetime.now(UTC)
    return now.replace(tzinfo=UTC) if now.tzinfo is None else now.astimezone(UTC)


def stored(moment: datetime | None) -> datetime | None:
    """A datetime as the database keeps it: naive UTC (None stays None)."""
    if moment is None:
        return None
    return now_utc(moment).replace(tzinfo=None)


def aware(moment: datetime | None) -> datetime | None:
    """A stored (naive UTC) datetime as an aware UTC one, for comparisons (None stays None)."""
    if moment is None:
        return None
    return now_utc(moment)


def local_date(now: datetime | None = None) -> date:
    """Today's date in Beijing, the calendar notices and deadlines are counted in."""
    return now_utc(now).astimezone(BEIJING).date()


def utc_text(now: datetime | None = None) -> str:
    """UTC timestamp text as the audit chain hashes it: microseconds and a trailing Z."""
    return now_utc(now).strftime("%Y-%m-%dT%H:%M:%S.%fZ")

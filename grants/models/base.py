"""Helpers shared by the model modules."""

from __future__ import annotations

from datetime import UTC, datetime


def utcnow() -> datetime:
    """Current time in UTC as a naive datetime: every stored timestamp is UTC."""
    return datetime.now(UTC).replace(tzinfo=None)


def sql_in(column: str, values) -> str:
    """SQL text for a CHECK constraint that a column holds one of the given strings."""
    quoted = ", ".join(f"'{value}'" for value in values)
    return f"{column} IN ({quoted})"

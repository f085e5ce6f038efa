"""deploy/crontab names only commands the app has, each on a well-formed schedule."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest

CRONTAB = Path(__file__).resolve().parents[2] / "deploy" / "crontab"
SCHEDULE = re.compile(r"[0-9*/,-]+( [0-9*/,-]+){4}")


def _entries():
    """``(schedule, flask words)`` of each schedule line."""
    for line in CRONTAB.read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#") and "flask " in line:
            schedule = " ".join(line.split()[:5])
            yield schedule, shlex.split(line.split(".venv/bin/flask ", 1)[1])


ENTRIES = list(_entries())


def test_the_crontab_schedules_the_platform_commands():
    assert {" ".join(words) for _, words in ENTRIES} >= {
        "audit checkpoint", "notices close-due", "evaluations remind-overdue",
        "followup erase-numbers"}


@pytest.mark.parametrize(("schedule", "words"), ENTRIES, ids=[" ".join(w) for _, w in ENTRIES])
def test_each_scheduled_command_exists(app, schedule, words):
    assert SCHEDULE.fullmatch(schedule), schedule
    result = app.test_cli_runner().invoke(args=[*words, "--help"])
    assert result.exit_code == 0, result.output

"""``flask audit …``: verify the audit chain (in the database or an export) and export it."""

from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path

import click
from flask.cli import AppGroup

from grants.domain.audit import (
    GENESIS_HASH,
    TRUNCATED,
    Verification,
    malformed,
    verdict,
    verify_chain,
)
from grants.services.audit import ENTRY_FIELDS

audit_cli = AppGroup("audit", help="审计链 / the audit chain")


def _report(result) -> None:
    """Print a verification result; exit 1 on a break."""
    _say(result.ok, verdict(result))


def _say(ok: bool, line: str) -> None:
    """Print a verdict line: to stdout when the chain holds, else to stderr and exit 1."""
    if ok:
        click.echo(line)
        return
    click.echo(line, err=True)
    sys.exit(1)


def _quiet(done: int, total: int) -> None:
    """The command prints only its verdict, not the walk's progress."""


@audit_cli.command("verify")
@click.option("--file", "path", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="verify an export offline, without the database")
def verify(path: Path | None):
    """Walk the chain, print the count and head hash, or the first bad seq and exit 1 (the
    database check is the browser's job task, run here in-process)."""
    if path is not None:
        _report(verify_export(path))
        return
    from grants.jobs.tasks import audit_verify

    with tempfile.TemporaryDirectory() as folder:
        out = Path(folder) / "verdict.json"
        audit_verify(_quiet, out)
        facts = json.loads(out.read_text(encoding="utf-8"))
    _say(facts["ok"], facts["verdict"])


def verify_export(path: Path) -> Verification:
    """Check an export file: its entries chain together and end at the head line it carries.

    A line that is not one entry (not JSON, a field missing or of the wrong type, bytes that
    are not UTF-8) is a break of its own, named with its line number: the file is not the
    chain it claims to be. Read one line at a time, as the chain is hashed.
    """
    with path.open("rb") as handle:
        try:
            expected = _head_line(handle.readline().decode("utf-8"))
        except (_Malformed, UnicodeDecodeError) as problem:
            return malformed(0, 0, GENESIS_HASH, 1, _problem_text(problem))
        reader = _EntryLines(handle)
        result = verify_chain(reader, expected_head=expected)
    if reader.problem and (result.ok or result.kind == TRUNCATED):
        return malformed(result.count, result.head_seq, result.head_hash, *reader.problem)
    return result


class _Malformed(ValueError):
    """A line of an export that is not what its place needs."""


def _problem_text(problem: Exception) -> str:
    """How a line is malformed, in words."""
    if isinstance(problem, UnicodeDecodeError):
        return "is not UTF-8 text"
    return str(problem)


def _head_line(line: str) -> tuple[int, str]:
    """The ``(seq, hash)`` of an export's first line, or _Malformed."""
    try:
        head = json.loads(line).get("head")
    except (ValueError, AttributeError) as error:
        raise _Malformed("is not the head line {\"head\": {\"seq\": …, \"hash\": …}}") from error
    if not (isinstance(head, dict) and _is_int(head.get("seq"))
            and isinstance(head.get("hash"), str)):
        raise _Malformed("is not the head line {\"head\": {\"seq\": …, \"hash\": …}}")
    return head["seq"], head["hash"]


def _is_int(value: object) -> bool:
    """An integer that is not a bool."""
    return isinstance(value, int) and not isinstance(value, bool)


_OPTIONAL_INTS = frozenset({"actor_id", "object_id"})


def _entry(line: str) -> tuple:
    """One entry line as the verifier's tuple, or _Malformed naming what is wrong."""
    try:
        data = json.loads(line)
    except ValueError as error:
        raise _Malformed("is not JSON") from error
    if not isinstance(data, dict):
        raise _Malformed("is not a JSON object")
    row = []
    for name in ENTRY_FIELDS:
        if name not in data:
            raise _Malformed(f"has no field {name}")
        value = data[name]
        if name == "seq" or name in _OPTIONAL_INTS:
            fits = _is_int(value) or (value is None and name in _OPTIONAL_INTS)
        else:
            fits = isinstance(value, str)
        if not fits:
            raise _Malformed(f"has a field {name} of the wrong type")
        row.append(value)
    return tuple(row)


class _EntryLines:
    """The entry lines of an export open as bytes, as tuples (each line decoded by itself, so
    bad bytes are named by their line); at the first malformed line it stops and
    keeps ``problem`` = (line number, what is wrong) for :func:`verify_export` to report."""

    def __init__(self, handle) -> None:
        self.handle, self.number, self.problem = handle, 1, None

    def __iter__(self):
        return self

    def __next__(self) -> tuple:
        """The next entry (blank lines skipped)."""
        while self.problem is None:
            try:
                line = next(self.handle)
                self.number += 1
                if line.strip():
                    return _entry(line.decode("utf-8"))
            except StopIteration:
                break
            except (_Malformed, UnicodeDecodeError) as problem:
                self.problem = (self.number, _problem_text(problem))
        raise StopIteration


@audit_cli.command("export")
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
def export(path: Path):
    """Write the chain as JSON Lines: a head line first, then one entry per line (the
    browser's export job task, run here in-process)."""
    from grants.jobs.tasks import audit_export

    audit_export(_quiet, path)
    with path.open(encoding="utf-8") as handle:
        head_line = json.loads(handle.readline())["head"]
    click.echo(f"exported {head_line['seq']} entries to {path}; head {head_line['hash']}")

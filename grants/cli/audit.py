"""``flask audit …``: verify the audit chain (in the database or an export) and export it."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click
from flask.cli import AppGroup

from grants.domain.audit import verify_chain
from grants.services.audit import ENTRY_FIELDS

audit_cli = AppGroup("audit", help="审计链 / the audit chain")


def _report(result) -> None:
    """Print a verification result; exit 1 on a break."""
    if result.ok:
        click.echo(f"OK: {result.count} entries, head seq {result.head_seq} hash {result.head_hash}")
        return
    click.echo(f"BROKEN at seq {result.first_bad_seq}: {result.reason} "
               f"({result.count} entries verified before it)", err=True)
    sys.exit(1)


@audit_cli.command("verify")
@click.option("--file", "path", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="verify an export offline, without the database")
def verify(path: Path | None):
    """Walk the chain, print the count and head hash, or the first bad seq and exit 1."""
    if path is not None:
        _report(verify_export(path))
        return
    from grants.services import audit

    _report(audit.verify_database())


def verify_export(path: Path):
    """Check an export file: its entries chain together and end at the head line it carries."""
    with path.open(encoding="utf-8") as handle:
        first = json.loads(handle.readline() or "{}")
        head = first.get("head") or {}
        rows = (tuple(json.loads(line)[f] for f in ENTRY_FIELDS) for line in handle if line.strip())
        return verify_chain(rows, expected_head=(head.get("seq", 0), head.get("hash", "")))


@audit_cli.command("export")
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
def export(path: Path):
    """Write the chain as JSON Lines: a head line first, then one entry per line."""
    from grants.services import audit

    head_seq, head_hash = audit.head()
    with path.open("w", encoding="utf-8") as handle:
        handle.write(json.dumps({"head": {"seq": head_seq, "hash": head_hash}}) + "\n")
        for row in audit.iter_rows():
            if row[0] > head_seq:
                break
            handle.write(json.dumps(dict(zip(ENTRY_FIELDS, row, strict=True)),
                                    ensure_ascii=False) + "\n")
    click.echo(f"exported {head_seq} entries to {path}; head {head_hash}")

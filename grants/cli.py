"""Command-line tools: users, demo data and audit-chain verification and export."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click
from flask import Flask
from flask.cli import AppGroup

from grants.awards_cli import agreements_cli, notices_cli
from grants.domain.audit import verify_chain
from grants.domain.roles import ROLES
from grants.judging_cli import judging_cli
from grants.services.audit import ENTRY_FIELDS

users_cli = AppGroup("users", help="账号管理 / manage accounts")
audit_cli = AppGroup("audit", help="审计链 / the audit chain")


@users_cli.command("create")
@click.argument("username")
@click.option("--role", "roles", multiple=True, required=True, type=click.Choice(ROLES))
@click.option("--name", "display_name", default=None, help="显示名称")
@click.password_option(help="初始密码 (prompted when omitted)")
def create_user(username: str, roles: tuple[str, ...], display_name: str | None, password: str):
    """Create an account with one or more roles (staff accounts start here)."""
    from grants.services.accounts import AccountError, create_staff_user

    try:
        user = create_staff_user(username, display_name or username, password, roles)
    except AccountError as error:
        raise click.ClickException(str(error)) from error
    click.echo(f"created {user.username} (id {user.id}) roles={','.join(sorted(user.roles))}")


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


@click.command("seed-demo")
def seed_demo():
    """Load the 江宁区 东山街道 demo data (safe to run again: existing data is kept)."""
    from grants.seed import seed_all

    for line in seed_all():
        click.echo(line)


def register_cli(app: Flask) -> None:
    """Add the platform's commands to ``flask``."""
    app.cli.add_command(users_cli)
    app.cli.add_command(audit_cli)
    app.cli.add_command(seed_demo)
    app.cli.add_command(judging_cli)
    app.cli.add_command(notices_cli)
    app.cli.add_command(agreements_cli)

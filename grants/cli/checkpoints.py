"""``flask audit checkpoint``: sign a checkpoint of the audit log (run it from cron).

A command of the ``audit`` group, added to it by :func:`grants.cli.register_cli`.
"""

from __future__ import annotations

import sys

import click

from grants.domain.errors import Refusal


@click.command("checkpoint")
@click.option("--new-key", is_flag=True,
              help="generate a new signing key although checkpoints exist (lost or rotated key)")
def checkpoint(new_key: bool):
    """Verify the chain and sign a checkpoint of it; print the signed note and verifier key.

    Idempotent: with no new entries since the last checkpoint it prints that one again.
    """
    from grants.services import checkpoints

    try:
        signed = checkpoints.sign(new_key=new_key)
    except Refusal as refusal:
        click.echo(f"REFUSED: {refusal}", err=True)
        sys.exit(1)
    row = signed.checkpoint
    if signed.key_generated:
        click.echo(f"generated a new signing key in {checkpoints.key_path()}; publish its "
                   f"verifier key: {row.verifier_key}", err=True)
    state = "signed" if signed.created else "unchanged"
    click.echo(f"{state}: checkpoint #{row.id} of {row.tree_size} entries")
    click.echo(row.note, nl=False)
    click.echo(f"verifier key: {row.verifier_key}")

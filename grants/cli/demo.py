"""``flask seed-demo``: load the 江宁区 东山街道 demo (see :mod:`grants.demo`)."""

from __future__ import annotations

import click


@click.command("seed-demo")
def seed_demo():
    """Load the 江宁区 东山街道 demo data (safe to run again: existing data is kept)."""
    from grants.demo import seed_all

    for line in seed_all():
        click.echo(line)

"""The platform's ``flask`` commands, one module per command group."""

from __future__ import annotations

from flask import Flask

from grants.cli.agreements import agreements_cli
from grants.cli.audit import audit_cli
from grants.cli.checkpoints import checkpoint
from grants.cli.demo import seed_demo
from grants.cli.evaluations import evaluations_cli
from grants.cli.followup import followup_cli
from grants.cli.jobs import jobs_cli
from grants.cli.judging import judging_cli
from grants.cli.notices import notices_cli
from grants.cli.payments import payments_cli
from grants.cli.pdf import pdf_cli
from grants.cli.users import users_cli


def register_cli(app: Flask) -> None:
    """Add the platform's commands to ``flask``."""
    audit_cli.add_command(checkpoint)
    for command in (users_cli, audit_cli, seed_demo, judging_cli, notices_cli, agreements_cli,
                    payments_cli, jobs_cli, pdf_cli, followup_cli, evaluations_cli):
        app.cli.add_command(command)

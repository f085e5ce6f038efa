"""``flask users …``: accounts made from the command line (the first admin starts here)."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from grants.domain.errors import Refusal
from grants.domain.roles import ROLES

users_cli = AppGroup("users", help="账号管理 / manage accounts")


@users_cli.command("create")
@click.argument("username")
@click.option("--role", "roles", multiple=True, required=True, type=click.Choice(ROLES))
@click.option("--name", "display_name", default=None, help="显示名称")
@click.password_option(help="初始密码 (prompted when omitted)")
def create_user(username: str, roles: tuple[str, ...], display_name: str | None, password: str):
    """Create an account with one or more roles (staff accounts start here)."""
    from grants.services.accounts import create_staff_user

    try:
        user = create_staff_user(username, display_name or username, password, roles)
    except Refusal as error:
        raise click.ClickException(str(error)) from error
    click.echo(f"created {user.username} (id {user.id}) roles={','.join(sorted(user.roles))}")


@users_cli.command("reset-second-factor")
@click.argument("username")
def reset_second_factor(username: str):
    """Remove an account's authenticator and recovery codes (a lost phone): at the next sign-in
    the person sets up a new one. Audited as ``second_factor.reset``."""
    from sqlalchemy import func, select

    from grants.extensions import db
    from grants.models import User
    from grants.services import second_factor

    user = db.session.scalar(select(User).where(func.lower(User.username) == username.lower()))
    if user is None:
        raise click.ClickException(f"no account named {username}")
    if second_factor.reset(user):
        click.echo(f"{user.username}: second factor removed; set up again at the next sign-in")
    else:
        click.echo(f"{user.username}: no second factor was set up")

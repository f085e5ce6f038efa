"""The demo's staff accounts come with their authenticator already set up, on one published
secret, so ``make run`` can be tried without scanning a QR code for each account.

The secret is printed with the demo logins and in the README; add it once to any
authenticator app (FreeOTP, Google or Microsoft Authenticator), or print the current code
with ``.venv/bin/python -m grants.demo.security``. It is for the demo only: on a real
instance each person sets up their own authenticator at their first sign-in, and a seeded
demo database must never be put in production.
"""

from __future__ import annotations

from collections.abc import Iterator

from sqlalchemy import select

from grants.domain import second_factor as codes
from grants.extensions import db
from grants.models import User
from grants.services import second_factor, sessions

DEMO_TOTP_SECRET = "JINDIANZIDEMOTOTPJINDIANZIDEMO23"  # noqa: S105 — published demo secret
"""Published on purpose (README): the demo's one authenticator secret, base32."""


def seed() -> Iterator[str]:
    """Set up the demo secret for every staff account that must give a second factor."""
    made = 0
    for user in db.session.scalars(select(User).order_by(User.id)):
        if sessions.needs_second_factor(user) and not second_factor.is_enrolled(user):
            second_factor.enrol_with_secret(user, DEMO_TOTP_SECRET)
            made += 1
    yield f"second factor: +{made}"


def demo_code_lines() -> Iterator[str]:
    """How to sign in as demo staff: the secret, and the command printing the current code."""
    yield (f"staff second factor (demo only): authenticator secret "
           f"{codes.grouped_secret(DEMO_TOTP_SECRET)}")
    yield "  current code: .venv/bin/python -m grants.demo.security"


if __name__ == "__main__":
    print(codes.code_at(DEMO_TOTP_SECRET, codes.time_step()))

"""The second factor: time-based one-time codes (RFC 6238) and one-time recovery codes.

A code is six digits from the authenticator app for a 30-second time step. One step either side
is accepted (a phone clock a little off, a code typed as it turns over), and only a step newer
than the last one accepted, so a code seen over someone's shoulder cannot be used again.
Recovery codes are ten groups of random letters and digits, shown once; the platform keeps only
their hashes, like passwords.
"""

from __future__ import annotations

import hmac
import secrets
from datetime import datetime

import pyotp

from grants.domain.clock import now_utc
from grants.domain.inputs import is_digits

STEP_SECONDS = 30
DRIFT_STEPS = 1
DIGITS = 6
ISSUER = "金点子公益创投"
RECOVERY_CODE_COUNT = 10
RECOVERY_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"
"""Letters and digits without the look-alikes (i/l/1, o/0), in lower case."""
RECOVERY_GROUPS, RECOVERY_GROUP_LENGTH = 2, 5


def new_secret() -> str:
    """A fresh random base32 secret (160 bits, as RFC 4226 recommends)."""
    return pyotp.random_base32(32)


def time_step(now: datetime | None = None) -> int:
    """The 30-second step ``now`` falls in (the number the code is computed from)."""
    return int(now_utc(now).timestamp()) // STEP_SECONDS


def code_at(secret: str, step: int) -> str:
    """The six-digit code for ``step``."""
    return pyotp.TOTP(secret, digits=DIGITS, interval=STEP_SECONDS).generate_otp(step)


def clean_code(text: str) -> str:
    """What the person typed, without spaces or dashes (apps show ``123 456``)."""
    return "".join(ch for ch in (text or "") if ch not in " -\t")


def accepted_step(secret: str, code: str, last_step: int, now: datetime | None = None) -> int | None:
    """The time step ``code`` belongs to when it is right now and newer than ``last_step``,
    else None (wrong, too old, or already used)."""
    typed = clean_code(code)
    if len(typed) != DIGITS or not is_digits(typed):
        return None
    current = time_step(now)
    for step in range(current - DRIFT_STEPS, current + DRIFT_STEPS + 1):
        if step > last_step and hmac.compare_digest(typed, code_at(secret, step)):
            return step
    return None


def provisioning_uri(secret: str, account: str) -> str:
    """The ``otpauth://`` address an authenticator app reads from the QR code."""
    totp = pyotp.TOTP(secret, digits=DIGITS, interval=STEP_SECONDS)
    return totp.provisioning_uri(name=account, issuer_name=ISSUER)


def grouped_secret(secret: str) -> str:
    """The secret in groups of four, for typing it into an app by hand."""
    return " ".join(secret[i:i + 4] for i in range(0, len(secret), 4))


def new_recovery_codes(count: int = RECOVERY_CODE_COUNT) -> list[str]:
    """``count`` fresh recovery codes like ``k7m2p-x9q4r`` (about 49 bits each)."""
    def group() -> str:
        return "".join(secrets.choice(RECOVERY_ALPHABET) for _ in range(RECOVERY_GROUP_LENGTH))

    return ["-".join(group() for _ in range(RECOVERY_GROUPS)) for _ in range(count)]


def normalise_recovery_code(text: str) -> str:
    """A typed recovery code in its stored form: lower case, one dash between the groups."""
    letters = "".join(ch for ch in (text or "").lower() if ch.isalnum())
    size = RECOVERY_GROUP_LENGTH
    return "-".join(letters[i:i + size] for i in range(0, len(letters), size))


def looks_like_recovery_code(text: str) -> bool:
    """True when the typed text has the shape of a recovery code rather than a six-digit code."""
    letters = normalise_recovery_code(text).replace("-", "")
    return len(letters) == RECOVERY_GROUPS * RECOVERY_GROUP_LENGTH

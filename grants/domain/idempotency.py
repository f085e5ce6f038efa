"""Idempotency keys: a retried money-moving request is answered with the first answer.

Every money-moving POST carries a key, made when its form is drawn (a hidden field) or sent by a
scripted client as the ``Idempotency-Key`` header. The first request with a key stores a
fingerprint of the request and, once it finishes, its answer. Then:

- the same key with the same request is a **replay**: the stored answer is returned unchanged;
- the same key with a different request is refused (**422**): a key names one request only;
- the same key while the first request is still running is refused (**409**): try again.

Keys are kept at least :data:`RETENTION`, then pruned by a command.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import timedelta

from grants.domain.audit import canonical_json
from grants.domain.errors import Refusal
from grants.domain.i18n import msg

RETENTION = timedelta(hours=24)
KEY = re.compile(r"^[A-Za-z0-9_-]{16,100}$")
IGNORED_FIELDS = frozenset({"csrf_token", "idempotency_key"})
NEW, REPLAY = "new", "replay"


def check_key(text: str | None) -> str:
    """The key as given, when it is 16–100 letters, digits, ``-`` or ``_``; else 400."""
    if text is None or not KEY.match(text):
        raise Refusal(msg("缺少或无效的幂等键，请刷新页面后重新提交"), status=400)
    return text


def fingerprint(
    method: str, path: str, fields: Mapping[str, Iterable[str]], actor_id: int | None
) -> str:
    """sha256 of what the request asks: method, path, actor and its fields (less the CSRF token
    and the key itself), order of fields ignored, order of repeated values kept."""
    body = {
        name: list(values)
        for name, values in sorted(fields.items())
        if name not in IGNORED_FIELDS
    }
    text = canonical_json({"method": method, "path": path, "actor": actor_id, "fields": body})
    return hashlib.sha256(text.encode()).hexdigest()


@dataclass(frozen=True)
class StoredKey:
    """What is kept of a key: the request's fingerprint and, once finished, its answer."""

    fingerprint: str
    finished: bool


def decide(stored: StoredKey | None, request_fingerprint: str) -> str:
    """``NEW`` for an unseen key, ``REPLAY`` for a finished identical request; else a Refusal."""
    if stored is None:
        return NEW
    if stored.fingerprint != request_fingerprint:
        raise Refusal(msg("该幂等键已用于另一项不同的请求，不能重复使用"), status=422)
    if not stored.finished:
        raise Refusal(msg("同一请求正在处理中，请稍后刷新查看结果"), status=409)
    return REPLAY

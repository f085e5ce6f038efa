"""Public routes of the audit log (``/log/…``): anyone can fetch a signed checkpoint, the key
that checks it, an inclusion proof for any entry, a consistency proof between two tree sizes
and the entry hashes, and verify all of it offline with ``tools/verify_audit.py``.

Proofs and lists answer JSON, notes and keys plain text; bad input (not a number, past the
tree, past 2³¹−1) gets a 400 saying what is allowed, in the same format.
"""

from __future__ import annotations

import base64
import json
from functools import wraps

from flask import Blueprint, Response, current_app, render_template, request, url_for

from grants.domain.i18n import msg
from grants.domain.permissions import policies
from grants.services import DB_INT_MAX, Refusal, audit, checkpoints
from grants.services.audit import ENTRY_FIELDS
from grants.web.access import requires

bp = Blueprint("transparency_log", __name__, url_prefix="/log")
TEXT = "text/plain; charset=utf-8"
NDJSON = "application/x-ndjson; charset=utf-8"


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def _answers(kind: str):
    """Decorator: a refusal becomes a 4xx in the route's own format (JSON or plain text)."""

    def decorate(view):
        @wraps(view)
        def answered(*args, **kwargs):
            try:
                return view(*args, **kwargs)
            except Refusal as refusal:
                if kind == "json":
                    return {"error": str(refusal)}, refusal.status
                return Response(f"{refusal}\n", refusal.status, mimetype=TEXT)

        return answered

    return decorate


def _number(name: str, default: int | None = None) -> int:
    """A whole-number query argument that fits a database integer, else a 400 naming it."""
    text = request.args.get(name, "").strip()
    if not text and default is not None:
        return default
    if not (text.isascii() and text.isdigit()) or len(text) > 10 or int(text) > DB_INT_MAX:
        raise Refusal(msg("参数 {name} 必须是 0 到 {top} 之间的整数", name=name, top=DB_INT_MAX),
                      status=400)
    return int(text)


def _latest_size() -> int:
    """Default tree size: the latest checkpoint's, or the whole log before the first one."""
    row = checkpoints.latest()
    return row.tree_size if row else audit.head()[0]


def _note(row) -> Response:
    if row is None:
        raise Refusal(msg("还没有这个大小的检查点"), status=404)
    return Response(row.note, mimetype=TEXT)


def _checkpoint_url(size: int) -> str | None:
    if checkpoints.at_size(size) is None:
        return None
    return url_for("transparency_log.checkpoint_at", size=size, _external=True)


@bp.get("/")
@requires(policies.PUBLIC)
def index():
    """A page explaining the log, with the latest checkpoint and every public link."""
    return render_template("transparency_log/index.html", latest=checkpoints.latest(),
                           head_seq=audit.head()[0])


@bp.get("/checkpoint")
@requires(policies.PUBLIC)
@_answers("text")
def checkpoint():
    """The latest signed checkpoint (C2SP tlog-checkpoint signed note)."""
    return _note(checkpoints.latest())


@bp.get("/checkpoints/<int:size>")
@requires(policies.PUBLIC)
@_answers("text")
def checkpoint_at(size: int):
    """The checkpoint signed at tree size ``size``."""
    return _note(checkpoints.at_size(size))


@bp.get("/checkpoints")
@requires(policies.PUBLIC)
def checkpoint_list():
    """The newest checkpoints (up to 100): size, root, origin, key and where to fetch each."""
    rows = checkpoints.recent()
    return {"checkpoints": [{
        "id": row.id, "tree_size": row.tree_size, "origin": row.origin,
        "root_hash": _b64(bytes.fromhex(row.root_hash)), "signed_at": row.signed_at,
        "verifier_key": row.verifier_key,
        "url": url_for("transparency_log.checkpoint_at", size=row.tree_size, _external=True),
    } for row in rows]}


@bp.get("/key")
@requires(policies.PUBLIC)
@_answers("text")
def verifier_key():
    """The verifier key (``name+keyid+base64``) that checks the latest checkpoint."""
    row = checkpoints.latest()
    if row is None:
        raise Refusal(msg("还没有签发检查点"), status=404)
    return Response(row.verifier_key + "\n", mimetype=TEXT)


@bp.get("/proof/inclusion")
@requires(policies.PUBLIC)
@_answers("json")
def inclusion():
    """Inclusion proof of entry ``seq`` in the tree of ``size`` entries (default: the latest
    checkpoint's size); the entry is leaf ``seq - 1``, its leaf data the entry hash."""
    proof = checkpoints.inclusion(_number("seq"), _number("size", _latest_size()))
    return {"seq": proof.seq, "leaf_index": proof.seq - 1, "tree_size": proof.size,
            "entry_hash": proof.entry_hash, "leaf_hash": _b64(proof.leaf_hash),
            "root_hash": _b64(proof.root), "inclusion_path": [_b64(h) for h in proof.path],
            "checkpoint": _checkpoint_url(proof.size)}


@bp.get("/proof/consistency")
@requires(policies.PUBLIC)
@_answers("json")
def consistency():
    """Consistency proof from the tree of ``first`` entries to that of ``second`` (default:
    the latest checkpoint's size)."""
    proof = checkpoints.consistency(_number("first"), _number("second", _latest_size()))
    return {"first": proof.first, "second": proof.second,
            "first_root": _b64(proof.first_root), "second_root": _b64(proof.second_root),
            "consistency_path": [_b64(h) for h in proof.path],
            "first_checkpoint": _checkpoint_url(proof.first),
            "second_checkpoint": _checkpoint_url(proof.second)}


def _jsonl(size: int, fields: tuple[str, ...], page_of, name: str) -> Response:
    """Stream an export: a head line ``{"head": {"seq", "hash"}}``, then one entry a line.

    The size is checked before the answer starts; the entries are then read a page at a time,
    each page in a short application context of its own, so a long export holds neither the
    request nor a transaction open while it streams.
    """
    head_hash = checkpoints.entry_hash(size)
    app = current_app._get_current_object()

    def lines():
        """The head line, then the entries a page at a time."""
        yield json.dumps({"head": {"seq": size, "hash": head_hash}}) + "\n"
        after = 0
        while after < size:
            with app.app_context():
                page = page_of(size, after)
            if not page:
                return
            for row in page:
                yield json.dumps(dict(zip(fields, row, strict=True)), ensure_ascii=False) + "\n"
            after = page[-1][0]

    disposition = {"Content-Disposition": f'attachment; filename="{name}-{size}.jsonl"'}
    return Response(lines(), mimetype=NDJSON, headers=disposition)


@bp.get("/hashes.jsonl")
@requires(policies.PUBLIC)
@_answers("text")
def hashes():
    """Public export of entries 1 to ``size`` (default: the latest checkpoint's): ``seq``,
    ``prev_hash`` and ``hash`` only, enough to rebuild the tree and check the links."""
    size = _number("size", _latest_size())
    return _jsonl(size, ("seq", "prev_hash", "hash"), checkpoints.hash_page, "audit-hashes")


@bp.get("/entries.jsonl")
@requires(policies.READ_AUDIT)
@_answers("text")
def entries():
    """Auditors' export of every field of entries 1 to ``size``, so each entry hash can be
    recomputed (payloads may name people, so it is not public)."""
    size = _number("size", _latest_size())
    return _jsonl(size, ENTRY_FIELDS, checkpoints.entry_page, "audit-entries")

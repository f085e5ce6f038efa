"""Demo audit checkpoint: the log as the other demo steps left it, signed with a demo key.

It runs last, so it signs everything seeding wrote. The key is generated on the first run in
the instance folder (``<instance>/audit-log.key``, mode 0600, unless ``AUDIT_LOG_KEY_FILE``
says otherwise). Seeding again adds no entries, so it finds the checkpoint already there and
adds nothing either.
"""

from __future__ import annotations

from collections.abc import Iterator

from grants.services import Refusal, checkpoints


def seed() -> Iterator[str]:
    """Sign one checkpoint of the demo's audit log (none when the latest already covers it);
    a refusal (say, the demo key was removed) is reported rather than stopping the seed."""
    try:
        signed = checkpoints.sign()
    except Refusal as refusal:
        yield f"audit checkpoint: skipped ({refusal})"
        return
    row = signed.checkpoint
    yield f"audit checkpoint: +{int(signed.created)} (#{row.id}, {row.tree_size} entries)"
    if signed.key_generated:
        yield f"  demo signing key: {checkpoints.key_path()}"
    yield f"  verifier key: {row.verifier_key}"

"""The auditor's view of the audit chain: readable entries with filters, the timeline of one
object, verifying the chain in the browser, and the chain as a download."""

from __future__ import annotations

import json
import os
import tempfile

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    render_template,
    request,
    send_file,
    url_for,
)

from grants.domain.audit_reading import object_label
from grants.domain.inputs import is_digits
from grants.domain.lifecycles import audit_action_label
from grants.domain.permissions import policies
from grants.extensions import db
from grants.services import audit, audit_reading, is_row_id
from grants.services.audit import ENTRY_FIELDS
from grants.web.access import requires

bp = Blueprint("audit", __name__, url_prefix="/audit")
PAGE_SIZE = 50


def _labels() -> dict:
    """What every audit page uses to name actions and object types."""
    return {"action_label": audit_action_label, "object_label": object_label}


@bp.get("/")
@requires(policies.READ_AUDIT)
def entries():
    """Newest entries first, filtered by person (name or username), action prefix, object and
    date range; each readable (yuan, Beijing time, names, titles) with its raw payload."""
    query, shown = audit_reading.filtered(request.args)
    page = db.paginate(query, per_page=PAGE_SIZE, error_out=False)
    head_seq, head_hash = audit.head()
    return render_template(
        "audit/entries.html", page=page, rows=audit_reading.readable(page.items), shown=shown,
        head_seq=head_seq, head_hash=head_hash, **_labels(),
    )


@bp.get("/objects/<object_type>/<int:object_id>")
@requires(policies.READ_AUDIT)
def timeline(object_type: str, object_id: int):
    """Everything the chain records about one object, oldest first."""
    if not is_row_id(object_id):
        abort(404)
    rows = audit_reading.object_timeline(object_type, object_id)
    title = audit_reading.titles_of([(object_type, object_id)]).get((object_type, object_id), "")
    return render_template(
        "audit/timeline.html", rows=rows, object_type=object_type, object_id=object_id,
        title=title, **_labels(),
    ), 200 if rows else 404


@bp.get("/verify")
@requires(policies.READ_AUDIT)
def verify():
    """Verify the chain one slice per page load: the page shows a progress bar and asks the
    browser (``Refresh`` header, no script needed) for the next slice until the head."""
    start = request.args.get("from", "")
    if not is_digits(start):
        return render_template("audit/verify.html", step=None, head_seq=audit.head()[0])
    step = audit_reading.verify_slice(int(start[:9]))
    response = Response(render_template("audit/verify.html", step=step, head_seq=step.head_seq))
    if step.next_seq is not None:
        response.headers["Refresh"] = f"0; url={url_for('audit.verify', **{'from': step.next_seq})}"
    return response


@bp.get("/chain.jsonl")
@requires(policies.READ_AUDIT)
def export_chain():
    """The whole chain as JSON Lines (head line first), as ``flask audit export`` writes it,
    for anyone to verify offline with ``flask audit verify --file``; written to a temporary
    file as it is read, then served from disk."""
    head_seq, head_hash = audit.head()
    with tempfile.NamedTemporaryFile("w", encoding="utf-8", suffix=".jsonl", delete=False,
                                     dir=current_app.instance_path) as out:
        out.write(json.dumps({"head": {"seq": head_seq, "hash": head_hash}}) + "\n")
        for row in audit.iter_rows():
            if row[0] > head_seq:
                break
            out.write(json.dumps(dict(zip(ENTRY_FIELDS, row, strict=True)),
                                 ensure_ascii=False) + "\n")
    handle = open(out.name, "rb")  # noqa: SIM115 - closed by the response when sent
    os.unlink(out.name)
    return send_file(handle, mimetype="application/jsonl", as_attachment=True,
                     download_name=f"audit-chain-{head_seq}.jsonl", max_age=0)

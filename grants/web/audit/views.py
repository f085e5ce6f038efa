"""The auditor's view of the audit chain: readable entries with filters, the timeline of one
object, verifying the chain in the browser, and the chain as a download."""

from __future__ import annotations

from flask import Blueprint, abort, render_template, request

from grants.domain.audit_reading import object_label
from grants.domain.lifecycles import audit_action_label
from grants.domain.permissions import policies
from grants.extensions import db
from grants.services import audit, audit_reading, is_row_id
from grants.web.access import requires
from grants.web.jobs.starting import read_only_start, start_read_only

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


def _start_or_show(kind: str, template: str):
    """The page that explains the job (GET), or the job started from its button (POST): the job
    only reads the chain, so the auditor may start it."""
    if request.method == "POST":
        return start_read_only(kind)
    return render_template(template, head_seq=audit.head()[0])


@bp.route("/verify", methods=["GET", "POST"])
@requires(policies.READ_AUDIT)
@read_only_start
def verify():
    """What the check does, and the link that starts it as a job: the job page shows its
    progress, then the verdict in the words of ``flask audit verify``."""
    return _start_or_show("audit_verify", "audit/verify.html")


@bp.route("/export", methods=["GET", "POST"])
@requires(policies.READ_AUDIT)
@read_only_start
def export_chain():
    """The whole chain as JSON Lines (head line first), as ``flask audit export`` writes it,
    for anyone to verify offline with ``flask audit verify --file``: started as a job, whose
    page offers the file to download once it is written."""
    return _start_or_show("audit_export", "audit/export.html")

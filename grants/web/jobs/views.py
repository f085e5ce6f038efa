"""A job's page: its progress while it runs and its file once it is done, for the person who
started it only (anyone else gets a 404, as for any record they may not read)."""

from __future__ import annotations

import json

from flask import Blueprint, abort, jsonify, render_template, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user

from grants import jobs
from grants.domain.permissions import policies
from grants.web.access import requires

bp = Blueprint("jobs", __name__, url_prefix="/jobs")

KIND_LABELS = {
    "ping": "自检任务", "agreements_zip": "本轮协议书 ZIP", "audit_verify": "核验审计链",
    "audit_export": "导出审计链（JSONL）", "payments_xlsx": "导出付款台账（XLSX）",
}
ABANDONED_MESSAGE = "任务执行进程意外中止，没有生成文件；请重新开始"


def _own_job_or_404(job_id: str) -> jobs.JobStatus:
    """The job if the current user started it, else a 404."""
    job = jobs.status(job_id)
    if job is None or job.owner_id != current_user.id:
        abort(404)
    return job


def _state_text(job: jobs.JobStatus) -> str:
    """One line saying where the job is, in the reader's language."""
    if job.state == jobs.QUEUED:
        return _("排队中，马上开始……")
    if job.state == jobs.RUNNING:
        return _("处理中：%(done)s / %(total)s", done=job.done, total=job.total or "?")
    if job.state == jobs.FINISHED:
        return _("已完成。")
    return _("未完成：%(reason)s", reason=_error_text(job))


def _error_text(job: jobs.JobStatus) -> str | None:
    """The failure message in the reader's language."""
    if job.error is None:
        return None
    return _(ABANDONED_MESSAGE) if job.error == "abandoned" else _(job.error)


def _verdict(job: jobs.JobStatus) -> dict | None:
    """The finished chain check's verdict (``grants.jobs.tasks.audit_verify``), to show on
    its page; None for other jobs and for a check not finished."""
    path = jobs.result_path(job.id)
    if job.kind != "audit_verify" or not job.downloadable or not path.is_file():
        return None
    return json.loads(path.read_text(encoding="utf-8"))


@bp.get("/<job_id>")
@requires(policies.SIGNED_IN)
def show(job_id: str):
    """The job's progress bar (refreshed by static/js/jobs.js, or by the page itself without
    scripts) and, once finished, its download link."""
    job = _own_job_or_404(job_id)
    return render_template(
        "jobs/show.html", job=job, kind_label=_(KIND_LABELS.get(job.kind, job.kind)),
        error=_error_text(job), state_text=_state_text(job), verdict=_verdict(job),
    )


@bp.get("/<job_id>/status.json")
@requires(policies.SIGNED_IN)
def status(job_id: str):
    """The job's progress as JSON, for the page's progress bar."""
    job = _own_job_or_404(job_id)
    download = url_for("jobs.download", job_id=job.id) if job.downloadable else None
    return jsonify(state=job.state, done=job.done, total=job.total, percent=job.percent,
                   error=_error_text(job), download=download)


@bp.get("/<job_id>/download")
@requires(policies.SIGNED_IN)
def download(job_id: str):
    """The finished file; a job still running or failed has none (404)."""
    job = _own_job_or_404(job_id)
    path = jobs.result_path(job.id)
    if not job.downloadable or not path.is_file():
        abort(404)
    return send_file(path, as_attachment=True, download_name=job.filename)

"""The round's payment ledger as XLSX, made by a job: started by those who read awards, with
progress, the file for the person who started it only, a clear message for a missing round,
and the same task behind ``flask payments export --format xlsx``."""

from __future__ import annotations

import io

from openpyxl import load_workbook

from grants import jobs
from grants.extensions import db
from grants.web.finance.exports import HEADERS
from tests.helpers import login_as, wait_for_job
from tests.test_payments_cli import _pay_first, _run
from tests.web.test_finance_web import people, signed  # noqa: F401 - the fixtures


def _rows(data: bytes) -> list[tuple]:
    return list(load_workbook(io.BytesIO(data), read_only=True).active.iter_rows(values_only=True))


def _start(client, round_id: int) -> str:
    response = client.post(f"/finance/rounds/{round_id}/payments-export")
    assert response.status_code == 302, response.status_code
    return response.location.rstrip("/").rsplit("/", 1)[1]


def test_the_ledger_job_writes_what_the_cli_writes(app, signed, people, client,  # noqa: F811
                                                   tmp_path):
    payment = _pay_first(signed, people)
    db.session.commit()
    round_id = signed["round"].id
    login_as(client, "sunhua")
    page = client.get(f"/finance/rounds/{round_id}/payments-export").get_data(as_text=True)
    assert "开始导出" in page and 'method="post"' in page
    assert f"/finance/rounds/{round_id}/payments-export" in client.get(
        f"/finance/rounds/{round_id}").get_data(as_text=True)
    job = wait_for_job(_start(client, round_id))
    assert (job.state, job.done, job.total) == ("finished", 1, 1)
    assert job.filename == f"payments-round-{round_id}.xlsx"
    downloaded = client.get(f"/jobs/{job.id}/download")
    assert downloaded.status_code == 200
    values = _rows(downloaded.data)
    assert tuple(values[0]) == HEADERS and values[1][0] == payment.id
    out = tmp_path / "ledger.xlsx"
    result = _run(app, "export", "--round", str(round_id), "--format", "xlsx", str(out))
    assert result.exit_code == 0 and "1 笔付款已写入" in result.output
    assert _rows(out.read_bytes()) == values
    client.post("/auth/logout")
    login_as(client, "lijing")
    assert client.get(f"/jobs/{job.id}/download").status_code == 404


def test_who_may_start_it(signed, client):  # noqa: F811
    round_id = signed["round"].id
    for username in ("judge1", "orgmember", "zhangguilan"):
        login_as(client, username)
        assert client.post(f"/finance/rounds/{round_id}/payments-export").status_code \
            == 403, username
        client.post("/auth/logout")
    login_as(client, "lijing")
    assert client.post("/finance/rounds/987654/payments-export").status_code == 404


def test_a_round_gone_before_the_job_ran_is_a_failed_job_with_its_message(
        app, client, people, tmp_path):  # noqa: F811
    owner_id = people["finance1"].id
    db.session.commit()  # the job's thread needs the database free (SQLite locks it whole)
    job = wait_for_job(jobs.start("payments_xlsx", owner_id, round_id=987654))
    assert job.state == "failed" and job.error == "找不到这个赛事" and not job.downloadable
    login_as(client, "lijing")
    assert "找不到这个赛事" in client.get(f"/jobs/{job.id}").get_data(as_text=True)
    assert client.get(f"/jobs/{job.id}/download").status_code == 404
    result = _run(app, "export", "--round", "987654", "--format", "xlsx",
                  str(tmp_path / "x.xlsx"))
    assert result.exit_code != 0 and "找不到这个赛事" in result.output
    assert not (tmp_path / "x.xlsx").exists()

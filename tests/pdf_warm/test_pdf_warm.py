"""No cold start on a request: ``flask pdf warm`` builds the document fonts during set-up, and a
serving process loads the renderer in the background; no request ever builds a font."""

from __future__ import annotations

from pathlib import Path

import click
import pytest

from grants.extensions import db
from grants.models.awards import Notice
from grants.pdf import FontMissing, find_system_font
from grants.web import pdf_warmup


@pytest.fixture(autouse=True)
def _noto_installed():
    try:
        find_system_font()
    except FontMissing as error:
        pytest.skip(f"Noto Sans CJK SC is not installed ({error})")


def test_warm_builds_the_fonts_and_no_notice_request_builds_one(demo_app, monkeypatch):
    result = demo_app.test_cli_runner().invoke(args=["pdf", "warm"])
    assert result.exit_code == 0, result.output
    assert "document fonts" in result.output
    fonts = sorted(p.name for p in (Path(demo_app.config["PDF_CACHE_DIR"]) / "fonts").glob("*.ttf"))
    assert [name.split("-")[1] for name in fonts] == ["Bold", "Regular"]

    def refuse(*_args, **_kwargs):
        raise AssertionError("a request built the document font")

    monkeypatch.setattr("grants.pdf.fonts.build_core_font", refuse)
    notice_id = db.session.query(Notice.id).first()[0]
    response = demo_app.test_client().get(f"/notices/{notice_id}.pdf")
    assert response.status_code == 200 and response.data.startswith(b"%PDF")
    again = demo_app.test_cli_runner().invoke(args=["pdf", "warm"])
    assert "already built" in again.output


@pytest.mark.parametrize(("command", "serving"), [("run", True), ("seed-demo", False)])
def test_only_a_serving_process_warms_in_the_background(command, serving):
    with click.Context(click.Command(command), info_name=command):
        assert pdf_warmup._serving() is serving
    assert pdf_warmup._serving() is True  # imported by a WSGI server: no command line


def test_the_tests_never_start_a_warm_up(app, monkeypatch):
    started = []
    monkeypatch.setattr(pdf_warmup, "warm_once_in_background", lambda *a, **k: started.append(a))
    pdf_warmup.register_pdf_warmup(app)
    assert started == []

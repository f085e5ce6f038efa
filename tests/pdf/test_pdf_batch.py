"""Batches of documents: PDFs come back in the order given, laid out on worker processes (or
here, for one document or when told so), started safely in a threaded process."""

import io
import threading

import pytest
from pypdf import PdfReader

from grants.pdf import batch


def page(n: int) -> str:
    return (f'<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"></head><body>'
            f"<h1>资助协议书 第{n}号</h1><p>乙方项目执行方</p></body></html>")


def title_of(pdf: bytes) -> str:
    return PdfReader(io.BytesIO(pdf)).pages[0].extract_text().split("\n")[0]


@pytest.mark.parametrize("workers", [0, 2])
def test_pdfs_come_back_in_order(cache_dir, workers):
    out = list(batch.pdfs((page(n) for n in range(1, 5)), 4, cache_dir, workers))
    assert [title_of(pdf) for pdf in out] == [f"资助协议书 第{n}号" for n in range(1, 5)]


@pytest.mark.parametrize(("count", "workers", "expected"), [
    (1, None, 0), (1, 2, 0), (5, 0, 0), (5, 2, 2), (3, 8, 3), (100, None, 2)])
def test_how_many_workers(count, workers, expected, monkeypatch):
    monkeypatch.setattr("os.cpu_count", lambda: 2)
    assert batch.workers_for(count, workers) == expected


def test_a_threaded_process_starts_workers_by_forkserver():
    assert batch._context().get_start_method() in ("fork", "forkserver")
    stop = threading.Event()
    other = threading.Thread(target=stop.wait)
    other.start()
    try:
        assert batch._context().get_start_method() == "forkserver"
    finally:
        stop.set()
        other.join()


def test_workers_started_by_forkserver_lay_documents_out(cache_dir):
    stop = threading.Event()
    other = threading.Thread(target=stop.wait)
    other.start()
    try:
        out = list(batch.pdfs((page(n) for n in (1, 2)), 2, cache_dir, 2))
    finally:
        stop.set()
        other.join()
    assert [title_of(pdf) for pdf in out] == ["资助协议书 第1号", "资助协议书 第2号"]

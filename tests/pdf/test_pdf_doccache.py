"""The content-addressed document cache."""

import os

from grants.pdf import doccache


def test_key_depends_on_every_part_and_their_boundaries():
    assert doccache.doc_key("a", "bc") != doccache.doc_key("ab", "c")
    assert doccache.doc_key("a", "b") == doccache.doc_key("a", "b")
    assert len(doccache.doc_key("x")) == 64


def test_write_then_read(tmp_path):
    assert doccache.read_cached(tmp_path, "k") is None
    doccache.write_cached(tmp_path / "docs", "k", b"%PDF-1.7 x")
    assert doccache.read_cached(tmp_path / "docs", "k") == b"%PDF-1.7 x"
    assert not list((tmp_path / "docs").glob("*.tmp"))


def test_least_recently_used_documents_are_trimmed(tmp_path, monkeypatch):
    monkeypatch.setattr(doccache, "MAX_DOCUMENTS", 2)
    for n, key in enumerate("abc"):
        doccache.write_cached(tmp_path, key, b"pdf")
        path = tmp_path / f"{key}.pdf"
        stamp = 1_700_000_000 + n * 10
        os.utime(path, (stamp, stamp))
    doccache.write_cached(tmp_path, "d", b"pdf")
    assert sorted(p.stem for p in tmp_path.glob("*.pdf")) == ["c", "d"]

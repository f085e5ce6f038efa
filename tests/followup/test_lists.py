"""Beneficiary list uploads: a good XLSX or CSV is stored in canonical order with its hash and
audited once without a number; a bad file names every bad row (or the limit it passed) and
changes nothing; only the project's grantee uploads, once the agreement is signed."""

from __future__ import annotations

import io
import json

import pytest

from grants.domain.beneficiaries import MAX_FILE_BYTES, MAX_ROWS, Beneficiary, list_hash
from grants.domain.errors import Refusal
from grants.extensions import db
from grants.models.awards import Award
from grants.models.followup import Beneficiary as Stored
from grants.models.followup import BeneficiaryList
from grants.services import followup
from tests.followup.support import HEADER, count, csv_bytes, entries, phone, rows, xlsx_bytes
from tests.helpers import audit_count, create_user


def test_a_good_csv_is_stored_in_canonical_order_with_its_hash_and_audited_once(team):
    table = rows(1, 12)
    stored = followup.upload_list(team.grantees[0], team.award_ids[0], "名单.csv",
                                  csv_bytes(table))
    expected = [Beneficiary(*row) for row in table]
    assert stored.row_count == 12 and stored.list_hash == list_hash(expected)
    kept = db.session.query(Stored).filter_by(list_id=stored.id).order_by(Stored.position).all()
    assert [(r.name, r.phone) for r in kept] == sorted(
        ((r.name, r.phone) for r in expected),
        key=lambda pair: json.dumps({"community": "竹山社区", "name": pair[0], "phone": pair[1],
                                     "service": "送餐上门"}, sort_keys=True,
                                    separators=(",", ":"), ensure_ascii=False))
    [entry] = entries("beneficiary_list.upload")
    assert entry.actor_role == "applicant" and entry.object_id == stored.id
    assert json.loads(entry.payload)["list_hash"] == stored.list_hash
    assert not any(phone(1, i) in entry.payload for i in range(12))


def test_an_xlsx_with_numbers_as_numbers_and_full_width_digits_is_read(team):
    table = [("张桂兰", 13700010001, "竹山社区", "送餐"),
             ("刘建国", "１３７０００１０００２", "东山社区", "助浴"),
             ("陈秀英", "025-5200 1234", "东山社区", "助浴")]
    stored = followup.upload_list(team.grantees[0], team.award_ids[0], "名单.xlsx",
                                  xlsx_bytes(table))
    phones = {r.phone for r in db.session.query(Stored).filter_by(list_id=stored.id)}
    assert phones == {"13700010001", "13700010002", "02552001234"}


def test_a_gb18030_csv_from_excel_on_chinese_windows_is_read(team):
    stored = followup.upload_list(team.grantees[0], team.award_ids[0], "名单.csv",
                                  csv_bytes(rows(1, 3), encoding="gb18030"))
    assert stored.row_count == 3


def test_uploading_again_adds_a_new_current_list_and_keeps_the_old_one(team):
    first = followup.upload_list(team.grantees[0], team.award_ids[0], "a.csv",
                                 csv_bytes(rows(1, 5)))
    second = followup.upload_list(team.grantees[0], team.award_ids[0], "b.csv",
                                  csv_bytes(rows(1, 6)))
    page = followup.list_page(team.grantees[0], team.award_ids[0])
    assert page.current.id == second.id and [lst.id for lst in page.history] == [second.id,
                                                                                first.id]
    assert first.list_hash != second.list_hash
    assert json.loads(entries("beneficiary_list.upload")[-1].payload)["replaces"] == first.id


def _bad_rows():
    good = rows(1, 3)
    return [good[0], ("", phone(1, 7), "竹山社区", "送餐"), (good[1][0], "138001", "竹山社区", "送餐"),
            ("王五", good[0][1], "竹山社区", "送餐")]


BAD_FILES = {
    "bad rows": (lambda: csv_bytes(_bad_rows()),
                 ["第 3 行：缺少姓名", "第 4 行：电话应为 11 位手机号", "第 5 行：电话与第 2 行重复"]),
    "bad rows in xlsx": (lambda: xlsx_bytes(_bad_rows()), ["第 3 行：缺少姓名"]),
    "no phone column": (lambda: csv_bytes(rows(1, 2), header=("姓名", "社区", "服务内容", "备注")),
                        ["缺少：电话"]),
    "too many rows": (lambda: csv_bytes(rows(1, MAX_ROWS + 1)), [f"最多 {MAX_ROWS} 行"]),
    "too big": (lambda: b"x" * (MAX_FILE_BYTES + 1), ["不能超过 2.0 MB", "本文件 2.0 MB"]),
    "old xls": (lambda: b"\xd0\xcf\x11\xe0" + b"\0" * 100, [".xls"]),
    "empty": (lambda: b"", ["请选择名单文件"]),
    "header only": (lambda: csv_bytes([]), ["没有受益人"]),
    "broken xlsx": (lambda: b"PK\x03\x04" + b"\0" * 50, ["无法读取这个 XLSX 文件"]),
    "not text": (lambda: bytes(range(256)) * 4, ["编码"]),
}


@pytest.mark.parametrize("case", sorted(BAD_FILES))
def test_a_bad_upload_names_what_is_wrong_and_changes_nothing(team, case):
    build, messages = BAD_FILES[case]
    before = (audit_count(), count(BeneficiaryList), count(Stored))
    with pytest.raises(Refusal) as refused:
        followup.upload_list(team.grantees[0], team.award_ids[0], "名单", build())
    said = " ".join([str(refused.value), *map(str, refused.value.problems)])
    assert all(message in said for message in messages), said
    assert refused.value.status in (413, 422)
    assert (audit_count(), count(BeneficiaryList), count(Stored)) == before
    assert not any(phone(1, i) in said for i in range(8))


def test_a_list_with_more_bad_rows_than_are_shown_counts_the_rest(team):
    table = [(f"居民{i}", "12345", "竹山社区", "送餐") for i in range(60)]
    with pytest.raises(Refusal) as refused:
        followup.upload_list(team.grantees[0], team.award_ids[0], "x.csv", csv_bytes(table))
    assert "60 行需要修改" in str(refused.value)
    assert refused.value.problems[-1] == "……另有 10 行有问题，未逐一列出"


def test_another_grantee_meets_not_found_and_an_unsigned_award_is_refused(team):
    other = create_user("stranger", "resident")
    with pytest.raises(Refusal) as refused:
        followup.upload_list(other, team.award_ids[0], "x.csv", csv_bytes(rows(1, 2)))
    assert refused.value.status == 404
    award = db.session.get(Award, team.award_ids[0])
    award.status = "confirmed"
    db.session.commit()
    with pytest.raises(Refusal) as refused:
        followup.upload_list(team.grantees[0], award.id, "x.csv", csv_bytes(rows(1, 2)))
    assert refused.value.status == 409
    assert count(BeneficiaryList) == 0 and HEADER


def test_the_list_page_masks_every_number(listed):
    page = followup.list_page(listed.organizer, listed.award_ids[0])
    assert len(page.rows) == 30 and not page.owner
    assert all("****" in row.masked_phone for row in page.rows)
    shown = {row.masked_phone for row in page.rows}
    assert not any(phone(1, i) in shown for i in range(30))


def _with_entities(workbook: bytes) -> bytes:
    """The workbook with an entity-expanding DOCTYPE put into its first sheet."""
    import zipfile

    source, target = io.BytesIO(workbook), io.BytesIO()
    with zipfile.ZipFile(source) as old, zipfile.ZipFile(target, "w") as new:
        for item in old.infolist():
            data = old.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                bomb = (b'<!DOCTYPE x [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;'
                        b'&a;&a;&a;&a;&a;">]>')
                data = bomb + data
            new.writestr(item, data)
    return target.getvalue()


def test_a_workbook_with_xml_entities_is_refused_as_unreadable(team):
    data = _with_entities(xlsx_bytes(rows(1, 3)))
    with pytest.raises(Refusal, match="无法读取这个 XLSX 文件"):
        followup.upload_list(team.grantees[0], team.award_ids[0], "x.xlsx", data)
    assert count(BeneficiaryList) == 0

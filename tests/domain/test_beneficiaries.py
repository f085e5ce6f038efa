"""Beneficiary lists: headers found by name, every bad row named in Chinese with what is wrong,
phones normalised (full-width digits too) and never echoed, numbers masked, the list hash."""

from __future__ import annotations

import hashlib
import json

import pytest

from grants.domain import beneficiaries as b

HEADER = ("姓名", "电话", "社区", "服务内容")


def table(*rows):
    return [HEADER, *rows]


@pytest.mark.parametrize(("typed", "digits"), [
    ("13800001234", "13800001234"),
    ("１３８００００１２３４", "13800001234"),
    ("138 0000 1234", "13800001234"),
    ("138-0000-1234", "13800001234"),
    ("+86 138 0000 1234", "13800001234"),
    ("008613800001234", "13800001234"),
    ("025-52123456", "02552123456"),
    ("（０２５）５２１２３４５６", "02552123456"),
    ("0512－6521234", "05126521234"),
    (13800001234, "13800001234"),
])
def test_phones_are_normalised_and_accepted(typed, digits):
    assert b.phone_problem(typed) is None
    assert b.normalise_phone(typed) == digits


@pytest.mark.parametrize(("typed", "says"), [
    ("", "缺少电话"),
    ("1380000123", "11 位手机号"),
    ("23800001234", "11 位手机号"),
    ("52001234", "区号"),
    ("1.38E+10", "科学计数法"),
    ("电话没留", "11 位手机号"),
])
def test_bad_phones_are_refused_without_echoing_them(typed, says):
    problem = b.phone_problem(typed)
    assert problem and says in problem
    if typed:
        assert str(typed) not in problem


@pytest.mark.parametrize(("phone", "masked"), [
    ("13812345678", "138****5678"),
    ("02552123456", "025****3456"),
    ("", ""),
])
def test_numbers_are_masked_to_the_first_three_and_last_four_digits(phone, masked):
    assert b.mask_phone(phone) == masked


def test_numbers_typed_into_notes_are_masked_too():
    assert b.mask_numbers_in("改打女儿电话１３９００００８８８８，已接通") == "改打女儿电话139****8888，已接通"
    assert b.mask_numbers_in("送餐晚到 20 分钟") == "送餐晚到 20 分钟"


def test_a_good_table_gives_clean_rows_whatever_the_header_order_and_language():
    parsed = b.parse_table([("Service received", "Community", "Phone", "Name"),
                            ("送餐上门", " 竹山社区 ", "１３８００００１２３４", "张　桂兰"),
                            ("", "", "", ""),
                            ("助浴", "东山社区", "13800005678", "刘建国")])
    assert parsed.ok
    assert parsed.rows == (b.Beneficiary("张 桂兰", "13800001234", "竹山社区", "送餐上门"),
                           b.Beneficiary("刘建国", "13800005678", "东山社区", "助浴"))


@pytest.mark.parametrize(("header", "says"), [
    (("姓名", "社区", "服务内容"), "缺少：电话"),
    (("name", "phone", "community"), "缺少：服务内容"),
    (("姓名", "电话", "手机", "社区", "服务内容"), "“电话”列出现了 2 次"),
])
def test_a_wrong_header_is_a_problem_of_the_whole_file(header, says):
    parsed = b.parse_table([header, ("张桂兰", "13800001234", "竹山社区", "送餐")])
    assert not parsed.ok and parsed.rows == ()
    assert says in parsed.header_problem


def test_every_bad_row_is_named_with_its_spreadsheet_row_and_nothing_is_kept():
    parsed = b.parse_table(table(
        ("张桂兰", "13800001234", "竹山社区", "送餐上门"),
        ("", "13800001235", "竹山社区", "送餐上门"),
        ("刘建国", "1380000", "竹山社区", "送餐上门"),
        ("陈秀英", "13800001234", "竹山社区", "送餐上门"),
        ("杨志强", "13800001236", "竹" * 31, ""),
    ))
    assert parsed.rows == ()
    assert [(p.row, p.message) for p in parsed.problems] == [
        (3, "第 3 行：缺少姓名"),
        (4, "第 4 行：电话应为 11 位手机号（1 开头），或带区号的固定电话（如 025-52123456）"),
        (5, "第 5 行：电话与第 2 行重复（每个号码只登记一位受益人）"),
        (6, "第 6 行：社区不能超过 30 个字；缺少服务内容"),
    ]


def test_a_list_past_the_row_limit_names_the_limit_and_the_row():
    rows = [(f"居民{i}", f"138{i:08d}", "竹山社区", "送餐") for i in range(b.MAX_ROWS + 1)]
    parsed = b.parse_table(table(*rows))
    assert not parsed.ok
    assert f"最多 {b.MAX_ROWS} 行" in parsed.header_problem
    assert f"第 {b.MAX_ROWS + 2} 行" in parsed.header_problem


@pytest.mark.parametrize("rows", [[], [HEADER], [HEADER, ("", "", "", "")]])
def test_an_empty_file_or_a_header_alone_is_refused(rows):
    parsed = b.parse_table(rows)
    assert not parsed.ok and parsed.header_problem


def test_the_list_hash_is_sha256_of_the_canonical_sorted_rows_written_out_by_hand():
    rows = [b.Beneficiary("刘建国", "13800005678", "东山社区", "助浴"),
            b.Beneficiary("张桂兰", "13800001234", "竹山社区", "送餐上门")]
    by_hand = sorted(
        f'{{"community":"{r.community}","name":"{r.name}","phone":"{r.phone}",'
        f'"service":"{r.service}"}}' for r in rows)
    text = '{"rows":[' + ",".join(by_hand) + "]}"
    assert b.list_hash(rows) == hashlib.sha256(text.encode("utf-8")).hexdigest()
    assert b.list_hash(reversed(rows)) == b.list_hash(rows)
    assert json.loads(text)["rows"] == b.canonical_rows(rows)


def test_any_change_to_the_list_changes_its_hash():
    rows = [b.Beneficiary("刘建国", "13800005678", "东山社区", "助浴"),
            b.Beneficiary("张桂兰", "13800001234", "竹山社区", "送餐上门")]
    changed = [rows[0], b.Beneficiary("张桂兰", "13800001239", "竹山社区", "送餐上门")]
    assert b.list_hash(changed) != b.list_hash(rows)
    assert b.list_hash(rows[:1]) != b.list_hash(rows)

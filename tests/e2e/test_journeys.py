"""Every role's day in a real Chromium, at phone and desktop size: typed work is never lost,
a submission is taken back and resubmitted before the deadline, the organizer's counts are
right, the applicant is told of an amount change, and wide tables stay readable on a phone."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from grants.extensions import db
from grants.models import Attachment, Proposal, ProposalVersion
from tests.e2e.conftest import login

expect = pytest.importorskip("playwright.sync_api").expect

pytestmark = pytest.mark.e2e

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
FIRST_HALF = {
    "#title": "银龄助餐·邻里共享食堂",
    "#beneficiaries": "东山社区 70 岁以上独居老人",
    "#beneficiary_count": "60",
    "#background": "老人用餐不便，子女不在身边。",
}
SECOND_HALF = {
    "#objectives": "每周三次助餐",
    "#outcomes": "60 位老人按时吃上热饭",
    "#activities-0-activity": "助餐日",
    "#activities-0-dates": "每周一三五",
    "#activities-0-place": "社区食堂",
    "#budget-0-item": "食材",
    "#budget-0-unit_price": "６０００",
    "#budget-0-quantity": "1",
    "#team-0-name": "张桂兰",
    "#team-1-name": "刘建国",
    "#team-2-name": "陈秀英",
    "#contact_phone": "１３８ ００１３ ８０００",
}


def _stored(world, proposal_id: int) -> Proposal:
    """The proposal as the database holds it now."""
    with world.app.app_context():
        proposal = db.session.get(Proposal, proposal_id)
        db.session.expunge(proposal)
        return proposal


def _new_draft(page, world) -> int:
    """Start a draft in the open round as the logged-in applicant; its id."""
    page.goto("/proposals/new")
    page.select_option("#round_id", str(world.open_round_id))
    page.click("#create")
    page.wait_for_url(re.compile(r"/proposals/\d+/edit$"))
    return int(re.search(r"/proposals/(\d+)/edit", page.url)[1])


def _fill(page, values: dict) -> None:
    for selector, value in values.items():
        page.fill(selector, value)


def _complete(page) -> None:
    """Fill every input a submission needs."""
    _fill(page, FIRST_HALF)
    page.select_option("#community_id", label="东山街道 东山社区")
    page.select_option("#category", "助老")
    _fill(page, SECOND_HALF)
    page.select_option("#budget-0-cost_category", "materials")


def test_a_resident_uploads_half_way_and_loses_nothing(any_size, world, tmp_path):
    page = any_size
    login(page, world.resident, "/proposals/")
    proposal_id = _new_draft(page, world)
    _fill(page, FIRST_HALF)
    page.select_option("#community_id", label="东山街道 东山社区")
    page.evaluate("document.getElementById('file').dataset.maxBytes = '1024'")
    big = {"name": "扫描件.pdf", "mimeType": "application/pdf", "buffer": PDF + b"0" * 2048}
    page.set_input_files("#file", files=[big])
    page.click("#upload")
    expect(page.locator("#file-feedback")).to_contain_text("超过 10 MB")
    assert page.url.endswith("/edit"), "a file the server would refuse is never sent"
    pdf = tmp_path / "项目方案.pdf"
    pdf.write_bytes(PDF)
    page.set_input_files("#file", str(pdf))
    page.click("#upload")
    page.wait_for_url("**/edit#attachments")
    for selector, value in FIRST_HALF.items():
        assert page.input_value(selector) == value, selector
    assert page.locator("#attachments").get_by_text("项目方案.pdf").is_visible()
    assert _stored(world, proposal_id).title == FIRST_HALF["#title"]

    page.evaluate("document.getElementById('proposal-form').dataset.autosaveIdle = '150'")
    page.fill("#objectives", "每周三次助餐")
    expect(page.locator("#autosave-status")).to_contain_text("已自动保存")
    assert _stored(world, proposal_id).objectives == "每周三次助餐"

    page.fill("#outcomes", "还没保存的成效")
    with page.expect_event("dialog") as leaving:
        page.close(run_before_unload=True)
    assert leaving.value.type == "beforeunload"


def test_a_failed_save_keeps_every_valid_field(any_size, world):
    page = any_size
    login(page, world.resident, "/proposals/")
    proposal_id = _new_draft(page, world)
    _fill(page, {"#title": "四点半课堂", "#beneficiary_count": "40",
                    "#budget-0-item": "教材", "#budget-0-unit_price": "12.3.4",
                    "#contact_name": "张桂兰"})
    page.click("#save")
    summary = page.locator("#error-summary")
    assert summary.is_visible()
    link = summary.locator('a[href="#budget-0-unit_price"]')
    assert link.is_visible()
    assert page.input_value("#budget-0-unit_price") == "12.3.4", "what was typed stays"
    link.click()
    assert page.evaluate("document.activeElement.id") == "budget-0-unit_price"
    stored = _stored(world, proposal_id)
    assert (stored.title, stored.beneficiary_count, stored.contact_name) == (
        "四点半课堂", 40, "张桂兰")
    page.goto(f"/proposals/{proposal_id}/edit")
    assert page.input_value("#title") == "四点半课堂"
    assert page.input_value("#budget-0-item") == "教材"


def test_a_submission_is_taken_back_changed_and_resubmitted_before_the_deadline(any_size, world):
    page = any_size
    login(page, world.resident, "/proposals/")
    proposal_id = _new_draft(page, world)
    _complete(page)
    page.click("#submit")
    page.wait_for_url(f"**/proposals/{proposal_id}")
    assert page.get_by_text("申报已提交").is_visible()
    page.get_by_role("button", name="取回修改").click()
    page.wait_for_url(f"**/proposals/{proposal_id}/edit")
    assert page.input_value("#contact_phone") == "13800138000"
    page.fill("#budget-0-unit_price", "8000")
    page.click("#submit")
    page.wait_for_url(f"**/proposals/{proposal_id}")
    assert page.get_by_text("第 2 版", exact=True).is_visible()
    with world.app.app_context():
        versions = db.session.scalars(select(ProposalVersion.snapshot).where(
            ProposalVersion.proposal_id == proposal_id).order_by(ProposalVersion.version)).all()
        files = db.session.scalar(select(func.count(Attachment.id)).where(
            Attachment.proposal_id == proposal_id))
    assert [v["requested_fen"] for v in versions] == [600000, 800000] and files == 0
    assert _stored(world, proposal_id).status == "submitted"


def organizer_counts(page) -> dict[tuple[str, str], int]:
    """The counts the organizer's own page shows, by queue and round name."""
    counts = {}
    for row in page.locator("li[data-queue]").all():
        rounds = row.locator("a .text-muted")
        name = rounds.inner_text().strip(" ·") if rounds.count() else ""
        counts[(row.get_attribute("data-queue"), name)] = int(row.get_attribute("data-count"))
    return counts


def test_the_organizer_lands_on_the_right_counts(desktop, world):
    login(desktop, world.organizer, "/me/", asked=False)
    with world.app.app_context():
        expected = db.session.scalar(select(func.count(Proposal.id)).where(
            Proposal.round_id == world.open_round_id, Proposal.status == "submitted"))
    assert expected >= 3
    assert organizer_counts(desktop) == {
        ("to_screen", "E2E 第七届公益创投"): expected, ("conflicts", ""): 0,
        ("objections", ""): 0, ("notices_ending", ""): 0, ("to_countersign", ""): 0}
    desktop.locator('li[data-queue="to_screen"] a').click()
    desktop.wait_for_url(f"**/screening/?round_id={world.open_round_id}&status=submitted")
    assert f"({expected})" in desktop.locator("h1").first.inner_text()
    assert desktop.locator(".screen-item").count() == expected


def test_an_applicant_sees_the_notification_of_an_amount_change(desktop, phone, world):
    login(desktop, world.organizer, f"/awards/rounds/{world.award_round_id}")
    desktop.get_by_text("调整金额", exact=True).first.click()
    form = desktop.locator(f'form[action="/awards/{world.award_id}/adjust"]')
    form.locator('input[name="amount"]').fill("8000")
    form.locator('textarea[name="reason"]').fill("宣传费偏高，核减")
    form.get_by_role("button", name="保存").click()
    desktop.wait_for_load_state()
    login(phone, world.applicant, "/notifications/")
    message = phone.get_by_text(re.compile("拟资助金额由 ¥8,410.00 调整为 ¥8,000.00"))
    assert message.is_visible()
    assert "宣传费偏高，核减" in message.inner_text()
    assert phone.locator(".notification-unread").filter(has=message).count() == 1


def test_the_award_table_keeps_the_project_in_view_on_a_phone(phone, world):
    login(phone, world.organizer, f"/awards/rounds/{world.award_round_id}")
    table = phone.locator("table.table-phone").first
    cell = table.locator("tbody tr").first.locator("td").nth(1)
    before = cell.bounding_box()
    table.evaluate("t => t.parentElement.scrollLeft = 400")
    after = cell.bounding_box()
    assert table.evaluate("t => t.parentElement.scrollLeft") > 0, "the table scrolls"
    assert after["x"] == pytest.approx(before["x"], abs=1), "the project column stays"
    assert after["x"] >= 0 and after["x"] + after["width"] <= 390
    assert after["height"] < 4 * 24, "the title wraps by words, not a character a line"


def test_the_audit_table_keeps_its_first_column_and_names_readable_on_a_phone(phone, world):
    login(phone, world.auditor, "/audit/")
    table = phone.locator("table.table-phone").first
    row = table.locator("tbody tr").first
    first, person = row.locator("td").nth(0), row.locator("td").nth(2)
    before = first.bounding_box()
    table.evaluate("t => t.parentElement.scrollLeft = 400")
    assert table.evaluate("t => t.parentElement.scrollLeft") > 0, "the table scrolls"
    assert first.bounding_box()["x"] == pytest.approx(before["x"], abs=1), "seq stays in view"
    name_lines = person.evaluate(
        "td => { const r = document.createRange(); r.selectNodeContents(td.firstChild);"
        " return r.getClientRects().length; }")
    assert name_lines == 1, "a person's name never wraps a character a line"

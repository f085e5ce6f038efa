"""Proposal lifecycle table, submission checks and version differences."""

from __future__ import annotations

from dataclasses import replace

import pytest

from grants.domain.band import SITE_BAND, STANDARD_TIERS
from grants.domain.budget import BudgetLine, CategoryCap, Problem
from grants.domain.lifecycles.proposal import ACTION_LABELS, PROPOSAL, STATE_LABELS
from grants.domain.money import yuan
from grants.domain.proposals import (
    PHONE_MESSAGE,
    Change,
    ProposalDraft,
    RoundRules,
    awaits_resubmission,
    check_phone,
    check_reason,
    check_submission,
    diff_versions,
    is_editable,
    is_submitted,
    normalise_phone,
    requires_reason,
    shows_decision_reason,
    submission_action,
)
from grants.domain.workflow import TransitionError

ROLES = (
    "resident",
    "org_member",
    "applicant",
    "judge",
    "organizer",
    "finance",
    "auditor",
    "admin",
    "public",
    "system",
)
STATES = PROPOSAL.states

# (state, action) → (next state, roles that may do it): the lifecycle as specified. Screening is
# authorised by organizer or admin (each audited as itself); the applicant is the owner.
EXPECTED: dict[tuple[str | None, str], tuple[str, set[str]]] = {
    (None, "create"): ("draft", {"applicant"}),
    ("draft", "save_draft"): ("draft", {"applicant"}),
    ("returned", "save_draft"): ("returned", {"applicant"}),
    ("draft", "submit"): ("submitted", {"applicant"}),
    ("submitted", "mark_eligible"): ("eligible", {"organizer", "admin"}),
    ("submitted", "return"): ("returned", {"organizer", "admin"}),
    ("submitted", "mark_ineligible"): ("ineligible", {"organizer", "admin"}),
    ("returned", "resubmit"): ("submitted", {"applicant"}),
    ("eligible", "close_judging"): ("scored", {"organizer", "admin", "system"}),
    ("scored", "award"): ("awarded", {"organizer", "admin", "system"}),
    ("scored", "not_award"): ("not_awarded", {"organizer", "admin", "system"}),
    ("draft", "withdraw"): ("withdrawn", {"applicant"}),
    ("submitted", "recall"): ("draft", {"applicant"}),
    ("submitted", "withdraw"): ("withdrawn", {"applicant"}),
    ("returned", "withdraw"): ("withdrawn", {"applicant"}),
}

CASES = [(s, a, r) for s in (None, *STATES) for a in ACTION_LABELS for r in ROLES]
REASONS = {"return": "预算明细不清", "mark_ineligible": "不在本轮范围"}


def test_labels_cover_every_state_and_action() -> None:
    assert PROPOSAL.states == tuple(STATE_LABELS)
    assert list(STATE_LABELS.values()) == [
        "草稿",
        "已提交",
        "资格审查通过",
        "退回修改",
        "不符合条件",
        "已评审",
        "已立项",
        "未立项",
        "已撤回",
    ]
    assert set(PROPOSAL.actions) == set(ACTION_LABELS)
    assert set(PROPOSAL.table) == set(EXPECTED)


@pytest.mark.parametrize(("state", "action", "role"), CASES)
def test_every_state_action_role(state: str | None, action: str, role: str) -> None:
    expected = EXPECTED.get((state, action))
    reason = REASONS.get(action)
    if expected is not None and role in expected[1]:
        step = PROPOSAL.step(state, action, {role}, reason)
        assert (step.target, step.role) == (expected[0], role)
        assert PROPOSAL.can(state, action, {role})
        return
    with pytest.raises(TransitionError) as err:
        PROPOSAL.step(state, action, {role}, reason)
    assert err.value.kind == ("forbidden" if expected else "wrong_state")
    assert not PROPOSAL.can(state, action, {role})


def test_the_authorising_role_is_the_first_the_row_names() -> None:
    step = PROPOSAL.step("submitted", "mark_eligible", {"admin", "organizer", "auditor"})
    assert step.role == "organizer"
    assert PROPOSAL.step("submitted", "mark_eligible", {"admin", "public"}).role == "admin"
    assert PROPOSAL.audit_action("withdraw") == "proposal.withdraw"


def test_refusal_messages() -> None:
    with pytest.raises(TransitionError, match="^当前状态“已提交”不能执行“重新提交”"):
        PROPOSAL.step("submitted", "resubmit", {"applicant"})
    with pytest.raises(
        TransitionError, match="^您的角色无权执行“退回修改”（仅限主办方、系统管理员）$"
    ):
        PROPOSAL.step("submitted", "return", {"applicant", "judge"})


def test_available_actions_for_organizer_screening() -> None:
    assert PROPOSAL.available("submitted", {"organizer"}) == [
        "mark_eligible",
        "return",
        "mark_ineligible",
    ]
    assert PROPOSAL.available("submitted", {"applicant"}) == ["withdraw", "recall"]


def test_requires_reason_and_check_reason() -> None:
    assert [a for a in ACTION_LABELS if requires_reason(a)] == ["return", "mark_ineligible"]
    assert check_reason("return", "  ") == "“退回修改”须填写原因，申报人会看到该原因"
    assert check_reason("return", "预算人员费超标") is None
    assert check_reason("mark_eligible", "") is None
    assert check_reason("mark_ineligible", "长" * 501) == "原因最多 500 个字（当前 501 个字）"


def test_is_editable() -> None:
    assert [s for s in STATES if is_editable(s)] == ["draft", "returned"]
    assert not is_editable(None)


def test_state_questions_read_the_table() -> None:
    assert [s for s in STATES if awaits_resubmission(s)] == ["returned"]
    assert [s for s in STATES if shows_decision_reason(s)] == ["returned", "ineligible"]
    assert [s for s in STATES if is_submitted(s)] == ["submitted"]
    assert {s: submission_action(s) for s in ("draft", "returned", "withdrawn")} == {
        "draft": "submit", "returned": "resubmit", "withdrawn": "submit"}


# ---------------------------------------------------------------------------------------------

GOOD_BUDGET = (
    BudgetLine("活动物资", "materials", yuan(40), 100),
    BudgetLine("社工补贴", "personnel", yuan(200), 10),
    BudgetLine("宣传海报", "publicity", yuan(20), 100),
)

GOOD = ProposalDraft(
    title="楼道微花园",
    community="幸福里社区",
    category="社区环境",
    background="楼道堆物多，居民希望改善。",
    objectives="建设 5 个楼道微花园。",
    outcomes="居民参与维护，楼道整洁。",
    beneficiaries="幸福里社区 3 栋居民",
    beneficiary_count=120,
    activities=("招募志愿者", "布置花园", "养护培训"),
    budget=GOOD_BUDGET,
    team=("张三", "李四", "王五"),
    contact_name="张三",
    contact_phone="13800138000",
)
RULES = RoundRules(
    band=SITE_BAND,
    tiers=(),
    caps=(CategoryCap("personnel", 30),),
    categories=("社区环境", "为老服务"),
)


def test_good_draft_passes() -> None:
    assert GOOD.amount_fen == yuan(8000)
    assert check_submission(GOOD, RULES) == []


def test_team_of_two_refused_for_residents() -> None:
    draft = replace(GOOD, team=("张三", "李四", "  "))
    assert check_submission(draft, RULES) == [
        Problem("team", "居民团队至少需要 3 名成员（当前 2 名），请填写成员姓名")
    ]
    assert check_submission(replace(draft, is_org=True), RULES) == []


def test_duplicate_member_names_do_not_count_twice() -> None:
    problems = check_submission(replace(GOOD, team=("张三", "张三", "李四")), RULES)
    assert problems == [
        Problem("team", "团队成员“张三”重复填写"),
        Problem("team", "居民团队至少需要 3 名成员（当前 2 名），请填写成员姓名"),
    ]


def test_missing_title_and_bad_phone() -> None:
    draft = replace(GOOD, title="   ", contact_phone="1380013800")
    assert check_submission(draft, RULES) == [
        Problem("title", "请填写项目名称（必填）"),
        Problem("contact_phone", PHONE_MESSAGE),
    ]


def test_required_fields_follow_rules() -> None:
    draft = replace(GOOD, activities=(), beneficiary_count=None)
    assert [p.field for p in check_submission(draft, RULES)] == [
        "beneficiary_count",
        "activities",
    ]
    relaxed = replace(RULES, required=RULES.required - {"activities", "beneficiary_count"})
    assert check_submission(draft, relaxed) == []


def test_category_not_allowed_names_allowed_ones() -> None:
    draft = replace(GOOD, category="文体活动")
    assert check_submission(draft, RULES) == [
        Problem("category", "项目类别“文体活动”不在本轮允许的类别内（允许：社区环境、为老服务）")
    ]
    assert check_submission(draft, replace(RULES, categories=())) == []


def test_band_tier_and_caps_reported_on_budget() -> None:
    small = replace(GOOD, budget=(BudgetLine("物资", "materials", 499999, 1),))
    assert check_submission(small, RULES) == [
        Problem("budget", "申请金额 ¥4,999.99 低于本轮下限 ¥5,000.00")
    ]
    tiered = replace(RULES, tiers=STANDARD_TIERS)
    assert check_submission(GOOD, tiered) == [
        Problem("budget", "申请金额须为本轮档位之一：¥5,000.00 / ¥10,000.00 / ¥15,000.00")
    ]
    heavy = replace(GOOD, budget=(*GOOD_BUDGET, BudgetLine("讲师", "personnel", yuan(1000), 1)))
    assert check_submission(heavy, RULES) == [
        Problem("budget", "人员费 ¥3,000.00 占申请金额的 33.4%，超过本轮上限 30%")
    ]


def test_budget_line_problems_come_first_and_skip_totals() -> None:
    draft = replace(GOOD, budget=(BudgetLine("", "materials", 100, 1),))
    assert check_submission(draft, RULES) == [
        Problem("budget-0-item", "第 1 行：请填写预算项目名称")
    ]
    assert check_submission(replace(GOOD, budget=()), RULES) == [
        Problem("budget", "预算至少需要填写 1 行")
    ]


def test_problems_are_in_form_order() -> None:
    draft = replace(
        GOOD,
        title="长" * 51,
        contact_phone="12345",
        team=("张三",),
        beneficiary_count=0,
        budget=(BudgetLine("x", "materials", 0, 1),),
    )
    assert [p.field for p in check_submission(draft, RULES)] == [
        "title",
        "beneficiary_count",
        "budget-0-unit_price",
        "team",
        "contact_phone",
    ]
    assert check_submission(draft, RULES)[0].message == "项目名称最多 50 个字（当前 51 个字）"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("13800138000", "13800138000"),
        ("138 0013 8000", "13800138000"),
        ("+86 138-0013-8000", "13800138000"),
        ("１３８００１３８０００", "13800138000"),
        ("010-12345678", "010-12345678"),
        ("01012345678", "010-12345678"),
        ("(0755)8765432", "0755-8765432"),
        ("0571-87654321-123", "0571-87654321-123"),
        ("12800138000", None),
        ("1380013800", None),
        ("138001380001", None),
        ("12345678", None),
        ("010-01234567", None),
        ("", None),
        (None, None),
    ],
)
def test_normalise_phone(text: str | None, expected: str | None) -> None:
    assert normalise_phone(text) == expected
    assert (check_phone(text) is None) == (expected is not None)


# ---------------------------------------------------------------------------------------------


def test_diff_versions_fields_and_budget_rows() -> None:
    old = {
        "title": "楼道微花园",
        "summary_fen": yuan(8000),
        "team": ["张三", "李四", "王五"],
        "is_org": False,
        "budget": [
            {
                "item": "活动物资",
                "cost_category": "materials",
                "unit_price_fen": 4000,
                "quantity": 100,
            },
            {
                "item": "社工补贴",
                "cost_category": "personnel",
                "unit_price_fen": 20000,
                "quantity": 10,
            },
            {
                "item": "宣传海报",
                "cost_category": "publicity",
                "unit_price_fen": 2000,
                "quantity": 100,
            },
        ],
    }
    new = {
        "title": "楼道微花园（二期）",
        "summary_fen": yuan(9000),
        "team": ["张三", "李四", "王五"],
        "is_org": False,
        "budget": [
            BudgetLine("活动物资", "materials", 4000, 100),
            BudgetLine("场地租用", "venue", 50000, 2),
            BudgetLine("社工补贴", "personnel", 20000, 8),
            BudgetLine("宣传海报", "publicity", 2000, 100),
        ],
    }
    assert diff_versions(old, new) == [
        Change("title", "项目名称", "楼道微花园", "楼道微花园（二期）"),
        Change("budget", "预算第 2 行（新增）", None, "场地租用（场地费）¥500.00 × 2 = ¥1,000.00"),
        Change(
            "budget",
            "预算第 3 行",
            "社工补贴（人员费）¥200.00 × 10 = ¥2,000.00",
            "社工补贴（人员费）¥200.00 × 8 = ¥1,600.00",
        ),
        Change("budget_total", "预算合计", "¥8,000.00", "¥8,600.00"),
        Change("summary_fen", "summary_fen", "¥8,000.00", "¥9,000.00"),
    ]


def test_diff_versions_insert_and_delete_rows() -> None:
    a = BudgetLine("甲", "other", 100, 1)
    b = BudgetLine("乙", "other", 200, 1)
    c = BudgetLine("丙", "other", 300, 1)
    assert diff_versions({"budget": [a, c]}, {"budget": [a, b, c]}) == [
        Change("budget", "预算第 2 行（新增）", None, "乙（其他）¥2.00 × 1 = ¥2.00"),
        Change("budget_total", "预算合计", "¥4.00", "¥6.00"),
    ]
    assert diff_versions({"budget": [a, b, c]}, {"budget": [a, c]}) == [
        Change("budget", "预算原第 2 行（删除）", "乙（其他）¥2.00 × 1 = ¥2.00", None),
        Change("budget_total", "预算合计", "¥6.00", "¥4.00"),
    ]


def test_diff_versions_unchanged_and_blank() -> None:
    same = {"title": "花园", "budget": [BudgetLine("甲", "other", 100, 1)], "activities": []}
    assert diff_versions(same, dict(same)) == []
    assert diff_versions({"background": ""}, {"background": None}) == []
    assert diff_versions({"is_org": False}, {"is_org": True}) == [
        Change("is_org", "申报主体", "居民团队", "社会组织")
    ]
    assert diff_versions({"activities": ["甲", "乙"]}, {"activities": ["甲"]}) == [
        Change("activities", "活动安排", "甲；乙", "甲")
    ]


def test_diff_versions_renamed_row_is_a_change() -> None:
    old = {"budget": [BudgetLine("横幅", "publicity", 100, 1)]}
    new = {"budget": [BudgetLine("横幅制作", "publicity", 100, 1)]}
    assert diff_versions(old, new) == [
        Change(
            "budget",
            "预算第 1 行",
            "横幅（宣传费）¥1.00 × 1 = ¥1.00",
            "横幅制作（宣传费）¥1.00 × 1 = ¥1.00",
        )
    ]

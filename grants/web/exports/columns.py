"""The columns of each office spreadsheet: the row key, the Chinese header, the kind."""

from __future__ import annotations

from grants.domain.i18n import N_
from grants.services.office_exports import RankingSheet
from grants.web.sheets import Column

PEOPLE = (Column("applicant", N_("申报主体")), Column("community", N_("所在社区")))


def ranking_columns(sheet: RankingSheet) -> tuple[Column, ...]:
    """The ranking: rank, project, who and where, scores, one column per criterion mean."""
    return (
        Column("rank", N_("名次"), "int"),
        Column("proposal_id", N_("项目编号"), "int"),
        Column("title", N_("项目名称")),
        *PEOPLE,
        Column("final_score", N_("最终得分"), "score"),
        Column("expert_score", N_("专家评分"), "score"),
        Column("public_score", N_("居民投票得分"), "score"),
        Column("requested_fen", N_("申请金额（元）"), "money"),
        Column("method", N_("计分方法")),
        Column("judges", N_("评委人数"), "int"),
        *[Column(f"criterion_{key}", name, "score") for name, key in sheet.criteria],
        Column("note", N_("说明")),
        Column("tie_break", N_("同分排序依据")),
    )


PROPOSALS = (
    Column("id", N_("项目编号"), "int"),
    Column("title", N_("项目名称")),
    *PEOPLE,
    Column("category", N_("项目类别")),
    Column("status", N_("状态")),
    Column("requested_fen", N_("申请金额（元）"), "money"),
    Column("matching_funds_fen", N_("配套资金（元）"), "money"),
    Column("beneficiary_count", N_("受益人数"), "int"),
    Column("version", N_("版本"), "int"),
    Column("first_submitted_at", N_("首次提交时间"), "when"),
    Column("submitted_at", N_("最近提交时间"), "when"),
    Column("contact_name", N_("联系人")),
    Column("contact_phone", N_("联系电话")),
    Column("decision_reason", N_("审查意见")),
)

OBJECTIONS = (
    Column("receipt", N_("回执编号")),
    Column("title", N_("项目名称")),
    *PEOPLE,
    Column("objector", N_("异议人")),
    Column("by_account", N_("提交方式")),
    Column("phone", N_("联系电话")),
    Column("text", N_("异议内容")),
    Column("status", N_("处理状态")),
    Column("created_at", N_("提交时间"), "when"),
    Column("decided_at", N_("处理时间"), "when"),
    Column("decided_by", N_("处理人")),
    Column("outcome_reason", N_("处理理由")),
)

AUDIT = (
    Column("seq", N_("序号"), "int"),
    Column("ts_utc", N_("时间（北京时间）"), "when"),
    Column("actor", N_("操作人")),
    Column("username", N_("账号")),
    Column("role", N_("授权角色")),
    Column("action", N_("操作")),
    Column("action_key", N_("操作代码")),
    Column("object_type", N_("对象类型")),
    Column("object_id", N_("对象编号"), "int"),
    Column("payload", N_("记录内容（JSON）")),
    Column("hash", N_("哈希")),
)

"""Audit events that are not lifecycle transitions: sign-ins, settings, uploads, votes.

Each is ``<object>.<verb>``, like the lifecycle actions. Together with every lifecycle's actions
this is the closed set of audit action names (:data:`grants.domain.lifecycles.AUDIT_ACTIONS`):
the audit service refuses any other name, so names cannot drift.
"""

from __future__ import annotations

from grants.domain.i18n import N_

EVENT_LABELS: dict[str, str] = {
    "auth.login": N_("登录"),
    "auth.login_fail": N_("登录失败"),
    "auth.logout": N_("退出登录"),
    "account.register": N_("注册账号"),
    "account.create": N_("创建账号"),
    "account.change_roles": N_("修改角色"),
    "organisation.register": N_("登记社会组织"),
    "round.create": N_("创建赛事"),
    "round.update": N_("修改赛事"),
    "round.save_award_settings": N_("保存立项规则"),
    "round.solve_awards": N_("生成拟立项名单"),
    "round.close_judging": N_("结束评审"),
    "round.publish_results": N_("公布评审结果"),
    "round.generate_assignments": N_("分配评审任务"),
    "rubric.update": N_("修改评分标准"),
    "judging_settings.update": N_("修改评审设置"),
    "panel.add_judge": N_("加入评审专家"),
    "panel.remove_judge": N_("移出评审专家"),
    "conflict.declare": N_("申报回避"),
    "conflict.replace_judge": N_("更换回避专家"),
    "attachment.add": N_("上传附件"),
    "attachment.remove": N_("删除附件"),
    "need.support": N_("支持需求"),
    "vote.cast": N_("居民投票"),
    "exclusion.create": N_("排除出立项名单"),
    "refund.record": N_("登记结余退回"),
    "organisation.bar": N_("禁止申报"),
    "round.set_overrun_threshold": N_("设置超支提示比例"),
    "payment.change_payee": N_("修改收款信息"),
    "round.save_tranche_plan": N_("保存拨付方案"),
    "idempotency.prune": N_("清理过期的幂等键"),
    "announcement.edit": N_("修改公告"),
    "auth.second_factor_fail": N_("两步验证失败"),
    "second_factor.enrol": N_("启用两步验证"),
    "second_factor.reset": N_("重置两步验证"),
    "recovery_codes.renew": N_("重新生成恢复码"),
    "session.expire": N_("会话超时结束"),
    "session.rotate": N_("更换会话标识"),
    "account.change_password": N_("修改密码"),
    "beneficiary_list.upload": N_("上传受益人名单"),
    "beneficiary_list.erase_numbers": N_("删除受益人电话"),
    "follow_up_settings.update": N_("修改回访设置"),
    "follow_up_sample.assign_caller": N_("分配回访员"),
    "caller_list.download": N_("下载本人回访名单"),
    "account.set_email": N_("设置通知邮箱"),
    "evaluation_settings.update": N_("修改评估设置"),
    "evaluation_photo.add": N_("上传评估照片"),
    "evaluation_photo.remove": N_("删除评估照片"),
}
EVENTS: frozenset[str] = frozenset(EVENT_LABELS)

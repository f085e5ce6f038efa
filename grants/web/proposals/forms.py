"""The proposal form with its repeating rows (activities, budget lines, team members).

Inputs are plain text: money is parsed into fen by the service (never as a float), which
also reports every problem next to its input. The three "添加一行" buttons add a row on the
server, so the form works without JavaScript; static/js/proposals.js does the same in place.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import (
    FormField,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
    TextAreaField,
    widgets,
)
from wtforms.validators import DataRequired

from grants.domain.budget import COST_CATEGORIES, LINES_MAX
from grants.domain.inputs import db_int
from grants.domain.proposals import MAX_ACTIVITIES, MIN_RESIDENT_TEAM
from grants.services.proposals import TEAM_MAX
from grants.web.guard import BoundedFieldList
from grants.web.subforms import SubForm


class BudgetLineForm(SubForm):
    """One budget row: item, cost category, unit price (yuan text) and quantity."""

    item = StringField(_l("预算项目"))
    cost_category = SelectField(
        _l("费用类别"),
        default="",
        validate_choice=False,
        choices=[("", _l("（请选择）"))] + [(k, _l(v)) for k, v in COST_CATEGORIES.items()],
    )
    unit_price = StringField(_l("单价（元）"))
    quantity = StringField(_l("数量"))


class ActivityForm(SubForm):
    """One row of the activity plan."""

    activity = StringField(_l("活动内容"))
    dates = StringField(_l("时间"))
    place = StringField(_l("地点"))


class MemberForm(SubForm):
    """One named team member."""

    name = StringField(_l("成员姓名"))


class NeedsField(SelectMultipleField):
    """Linked needs as a list of check boxes."""

    widget = widgets.ListWidget(prefix_label=False)
    option_widget = widgets.CheckboxInput()


class ProposalForm(FlaskForm):
    """Everything an applicant fills in; a draft may be saved half-finished."""

    title = StringField(_l("项目名称"))
    community_id = SelectField(_l("所在社区"), coerce=db_int, default=0, validate_choice=False)
    category = SelectField(_l("项目类别"), default="", validate_choice=False)
    need_ids = NeedsField(_l("回应的社区需求（点单）"), coerce=db_int, validate_choice=False)
    beneficiaries = TextAreaField(_l("受益人群"))
    beneficiary_count = StringField(_l("受益人数"))
    background = TextAreaField(_l("项目背景"))
    objectives = TextAreaField(_l("项目目标"))
    outcomes = TextAreaField(_l("预期成效"))
    activities = BoundedFieldList(FormField(ActivityForm), min_entries=1,
                                  max_entries=MAX_ACTIVITIES)
    budget = BoundedFieldList(FormField(BudgetLineForm), min_entries=1, max_entries=LINES_MAX)
    matching_funds = StringField(_l("配套资金（元，可不填）"))
    team = BoundedFieldList(FormField(MemberForm), min_entries=MIN_RESIDENT_TEAM,
                            max_entries=TEAM_MAX)
    contact_name = StringField(_l("联系人"))
    contact_phone = StringField(_l("联系电话"))
    add_activity = SubmitField(_l("添加一行"))
    add_line = SubmitField(_l("添加一行"))
    add_member = SubmitField(_l("添加一行"))
    save = SubmitField(_l("保存草稿"))
    submit = SubmitField(_l("提交申报"))


class NewProposalForm(FlaskForm):
    """Pick the round to apply to; a draft is created in it."""

    round_id = SelectField(_l("申报赛事"), coerce=db_int, validators=[DataRequired(_l("请选择赛事"))])
    create = SubmitField(_l("开始填写"))


class UploadForm(FlaskForm):
    """One attachment: PDF, JPEG or PNG, at most 10 MB."""

    file = FileField(_l("选择文件（PDF、JPEG 或 PNG，每个不超过 10 MB）"))
    upload = SubmitField(_l("上传附件"))


class ActionForm(FlaskForm):
    """A bare form carrying the CSRF token for a one-button action (withdraw, delete)."""

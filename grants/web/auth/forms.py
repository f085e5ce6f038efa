"""Login and self-registration forms."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import PasswordField, SelectField, StringField, SubmitField
from wtforms.validators import DataRequired, EqualTo, Length, Optional, Regexp

from grants.domain.inputs import db_int
from grants.domain.proposals import normalise_phone

USERNAME = Regexp(r"^[A-Za-z0-9_.-]{3,40}$", message=_l("用户名为 3–40 位字母、数字、下划线、点或短横线"))
PHONE = Regexp(r"^(1[3-9]\d{9}|0\d{2,3}-?\d{7,8})$", message=_l("请输入有效的手机号或座机号"))


def phone_text(value):
    """A typed phone in its canonical form (full-width digits, spaces and +86 folded), so the
    check and the stored number agree with every other phone field; unreadable text stays as
    typed for the check to refuse."""
    if not isinstance(value, str):
        return value
    return normalise_phone(value) or value.strip()


class LoginForm(FlaskForm):
    """Username and password."""

    username = StringField(_l("用户名"), validators=[DataRequired(_l("请输入用户名")), Length(max=40)])
    password = PasswordField(_l("密码"), validators=[DataRequired(_l("请输入密码")), Length(max=128)])
    submit = SubmitField(_l("登录"))


class ResidentForm(FlaskForm):
    """A resident signs up with a name, phone and community."""

    username = StringField(_l("用户名"), validators=[DataRequired(_l("请输入用户名")), USERNAME])
    display_name = StringField(_l("姓名"), validators=[DataRequired(_l("请输入姓名")), Length(max=60)])
    phone = StringField(_l("手机号"), filters=[phone_text], validators=[Optional(), PHONE])
    community_id = SelectField(_l("所在社区"), coerce=db_int, validators=[Optional()])
    password = PasswordField(_l("密码"), validators=[DataRequired(_l("请输入密码")), Length(max=128)])
    confirm = PasswordField(_l("再次输入密码"),
                            validators=[EqualTo("password", message=_l("两次输入的密码不一致"))])
    submit = SubmitField(_l("注册"))


class OrganisationForm(FlaskForm):
    """An organisation signs up with its 统一社会信用代码, contact and bank account."""

    org_name = StringField(_l("组织名称"), validators=[DataRequired(_l("请输入组织名称")), Length(max=120)])
    uscc = StringField(_l("统一社会信用代码"),
                       validators=[DataRequired(_l("请输入统一社会信用代码")), Length(max=24)])
    contact_name = StringField(_l("联系人"), validators=[DataRequired(_l("请输入联系人")), Length(max=60)])
    contact_phone = StringField(_l("联系电话"), filters=[phone_text],
                                validators=[DataRequired(_l("请输入联系电话")), PHONE])
    address = StringField(_l("地址"), validators=[Optional(), Length(max=200)])
    bank_name = StringField(_l("开户银行"), validators=[Optional(), Length(max=120)])
    bank_account = StringField(_l("银行账号"), validators=[
        Optional(), Regexp(r"^[0-9 ]{8,40}$", message=_l("银行账号只能包含数字"))])
    username = StringField(_l("用户名"), validators=[DataRequired(_l("请输入用户名")), USERNAME])
    display_name = StringField(_l("您的姓名"), validators=[DataRequired(_l("请输入姓名")), Length(max=60)])
    password = PasswordField(_l("密码"), validators=[DataRequired(_l("请输入密码")), Length(max=128)])
    confirm = PasswordField(_l("再次输入密码"),
                            validators=[EqualTo("password", message=_l("两次输入的密码不一致"))])
    submit = SubmitField(_l("注册组织"))

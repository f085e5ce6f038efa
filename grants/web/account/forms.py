"""Forms of the second-factor steps and the security page."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import PasswordField, StringField, SubmitField
from wtforms.validators import DataRequired, EqualTo, Length


class CodeForm(FlaskForm):
    """A six-digit code from the authenticator app, or a recovery code."""

    code = StringField(_l("验证码"), validators=[DataRequired(_l("请输入验证码")), Length(max=40)])
    submit = SubmitField(_l("验证"))


class PasswordChangeForm(FlaskForm):
    """The current password, and the new one twice."""

    current = PasswordField(_l("当前密码"),
                            validators=[DataRequired(_l("请输入当前密码")), Length(max=128)])
    new = PasswordField(_l("新密码"), validators=[DataRequired(_l("请输入新密码")), Length(max=128)])
    confirm = PasswordField(_l("再次输入新密码"),
                            validators=[EqualTo("new", message=_l("两次输入的密码不一致"))])
    submit = SubmitField(_l("修改密码"))


class ConfirmForm(FlaskForm):
    """A button that only needs its CSRF token (new recovery codes)."""

    submit = SubmitField(_l("重新生成恢复码"))

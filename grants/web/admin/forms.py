"""Forms for the admin's account pages."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import PasswordField, SelectMultipleField, StringField, SubmitField, widgets
from wtforms.validators import DataRequired, Length

from grants.web.auth.forms import USERNAME


class RoleField(SelectMultipleField):
    """Roles as a list of check boxes."""

    widget = widgets.ListWidget(prefix_label=False)
    option_widget = widgets.CheckboxInput()


class StaffForm(FlaskForm):
    """Create a staff account with one or more roles."""

    username = StringField(_l("用户名"), validators=[DataRequired(_l("请输入用户名")), USERNAME])
    display_name = StringField(_l("姓名"), validators=[DataRequired(_l("请输入姓名")), Length(max=60)])
    password = PasswordField(_l("初始密码"), validators=[DataRequired(_l("请输入密码")), Length(max=128)])
    roles = RoleField(_l("角色"), validators=[DataRequired(_l("请至少选择一个角色"))])
    submit = SubmitField(_l("创建账号"))


class RolesForm(FlaskForm):
    """Change the roles an account holds."""

    roles = RoleField(_l("角色"))
    submit = SubmitField(_l("保存角色"))

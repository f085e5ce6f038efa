"""The objection form: logged-in visitors only write the text, others add a name and phone."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import StringField, SubmitField, TextAreaField

from grants.domain.permissions.awards import NAME_MAX_CHARS, OBJECTION_MAX_CHARS


class ObjectionForm(FlaskForm):
    """An objection against one award; the service checks every field and says what is wrong."""

    text = TextAreaField(
        _l("异议内容（请写明具体事实和理由）"), render_kw={"maxlength": OBJECTION_MAX_CHARS}
    )
    name = StringField(_l("姓名"), render_kw={"maxlength": NAME_MAX_CHARS})
    phone = StringField(
        _l("联系电话"), render_kw={"maxlength": 20, "inputmode": "tel", "autocomplete": "tel"}
    )
    submit = SubmitField(_l("提交异议"))


class ReceiptLookupForm(FlaskForm):
    """Find one's objection receipt again: its number and the phone left with it."""

    number = StringField(_l("回执编号"), render_kw={"maxlength": 20, "placeholder": "YY-000123",
                                                   "autocomplete": "off"})
    phone = StringField(_l("提交异议时填写的联系电话"),
                        render_kw={"maxlength": 20, "inputmode": "tel", "autocomplete": "tel"})
    find = SubmitField(_l("查询"))

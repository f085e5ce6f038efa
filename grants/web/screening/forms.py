"""The screening decision form, used for one proposal and for a batch of selected ones."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField, SubmitField, TextAreaField


class DecisionForm(FlaskForm):
    """One decision (eligible, return, ineligible) and the reason the applicant will read.

    The service checks the action and the reason, so its Chinese messages are what is shown.
    """

    action = SelectField(_l("审查决定"), validate_choice=False)
    reason = TextAreaField(_l("原因（退回修改或认定不符合条件时必填，申报人可见）"))
    decide = SubmitField(_l("确定"))

"""WTForms' own messages in the reader's language, in top-level forms and in nested rows."""

from __future__ import annotations

import pytest
from flask import session

from grants.web.judging.forms import RubricForm, SettingsForm
from grants.web.proposals.forms import BudgetLineForm


@pytest.mark.parametrize(("lang", "expected"), [
    ("zh_CN", "不是有效的整数。"), ("en", "Not a valid integer value."),
])
def test_nested_rows_speak_the_reader_s_language(app, lang, expected):
    data = {"criteria-0-max_points": "x", "judges_per_proposal": "x"}
    with app.test_request_context("/", method="POST", data=data):
        session["lang"] = lang
        rubric, settings = RubricForm(), SettingsForm()
        rubric.validate()
        settings.validate()
        assert rubric.errors["criteria"][0]["max_points"][0] == expected
        assert settings.errors["judges_per_proposal"][0] == expected


def test_proposal_rows_are_subforms_too(app):
    assert BudgetLineForm.Meta.get_translations is not None
    with app.test_request_context("/"):
        session["lang"] = "zh_CN"
        assert BudgetLineForm().meta.get_translations(None).gettext("Not a valid integer value.") \
            == "不是有效的整数。"

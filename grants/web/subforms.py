"""Forms nested in a page's form (a budget line, an activity, a rubric line) that speak the
reader's language.

``FlaskForm`` hands WTForms the translations of the visitor's locale, so a top-level form says
"不是有效的整数" to a Chinese reader. The rows of a ``FieldList(FormField(...))`` are plain
``wtforms.Form`` classes, whose meta has no translations: they said "Not a valid integer
value." to everyone. :class:`SubForm` gives them the same translations through the form meta.
"""

from __future__ import annotations

from flask import current_app, has_app_context
from flask_wtf.i18n import translations
from wtforms import Form


class SubForm(Form):
    """A nested form whose built-in messages (WTForms' own) follow the reader's locale."""

    class Meta:
        """Form meta: WTForms asks ``get_translations`` for its catalogue."""

        def get_translations(self, form):
            """Flask-WTF's translations for the request's locale (unless i18n is off)."""
            if has_app_context() and not current_app.config.get("WTF_I18N_ENABLED", True):
                return None
            return translations

"""The organizer's announcement form."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import StringField, TextAreaField

from grants.domain.announcements import BODY_MAX_CHARS, TITLE_MAX_CHARS


class AnnouncementForm(FlaskForm):
    """Title and rich-text body (HTML; cleaned by the service before it is stored)."""

    title = StringField(_l("标题"), render_kw={"maxlength": TITLE_MAX_CHARS})
    body = TextAreaField(_l("正文（可使用 <p> <strong> <a> <ul> 等格式标签）"),
                         render_kw={"maxlength": BODY_MAX_CHARS, "rows": 10})

"""The one guard for hostile input at the edge, before any view reads a request.

* **Path ids**: the app's ``int`` converter (:class:`RowIdConverter`) matches only ids a
  database integer column holds, so ``/rounds/2147483648`` is a 404 on every database instead
  of PostgreSQL's "integer out of range".
* **Query and form values** (:func:`screen_request`): a control character (NUL…) or a number of
  more than :data:`~grants.domain.inputs.MAX_NUMBER_DIGITS` digits is refused with a 400 that
  names what is wrong; invisible characters (zero-width spaces, BOM, bidi overrides) are
  stripped, so text made only of them arrives empty and fails a required check.
* **Query ints**: ``request.args.get(name, type=parse_row_id)`` (the one helper,
  :func:`grants.domain.inputs.parse_row_id`) reads an id filter, ignoring anything that names
  no row; select fields that pick a row coerce with :func:`~grants.domain.inputs.db_int`.
* **Repeating rows**: :class:`BoundedFieldList` refuses rows past ``max_entries`` with a message
  naming the limit, where WTForms would silently drop them.
* **Dates**: :class:`DateInRange` keeps dates between 2000-01-01 and 2100-12-31.

The rules themselves are plain Python in :mod:`grants.domain.inputs`.
"""

from __future__ import annotations

import re

from flask import Flask, abort, current_app, request
from flask_babel import gettext as _
from werkzeug.datastructures import ImmutableMultiDict, MultiDict
from werkzeug.routing import IntegerConverter, ValidationError
from wtforms import FieldList
from wtforms.utils import unset_value
from wtforms.validators import StopValidation

from grants.domain import inputs

_MAX_ID_DIGITS = len(str(inputs.DB_INT_MAX))


def at_most(limit: int) -> str:
    """A regular expression matching the decimal numbers 0 to ``limit`` (no sign), so a URL
    with a larger number matches no rule at all: a 404 for every method."""
    digits = str(limit)
    options = [f"[0-9]{{1,{len(digits) - 1}}}"] if len(digits) > 1 else []
    for place, digit in enumerate(digits):
        lowest = 1 if place == 0 and len(digits) > 1 else 0
        if int(digit) > lowest:
            rest = len(digits) - place - 1
            tail = f"[0-9]{{{rest}}}" if rest else ""
            options.append(f"{digits[:place]}[{lowest}-{int(digit) - 1}]{tail}")
    options.append(digits)
    return "(?:" + "|".join(options) + ")"


class RowIdConverter(IntegerConverter):
    """``<int:…>`` for row ids: ASCII digits, at most 2³¹−1; anything else is no match (404)."""

    regex = at_most(inputs.DB_INT_MAX)

    def __init__(self, map, fixed_digits=0, min=None, max=inputs.DB_INT_MAX, signed=False):
        super().__init__(map, fixed_digits, min, max, signed)

    def to_python(self, value: str) -> int:
        """The id, refusing more digits than any id has before converting."""
        if len(value) > _MAX_ID_DIGITS:
            raise ValidationError()
        return super().to_python(value)


def _refusal(text: str) -> str | None:
    """Why one submitted text (a key or a value) is refused, or None."""
    if code := inputs.control_character(text):
        return inputs.control_character_message(code)
    if inputs.too_many_digits(text):
        return inputs.too_many_digits_message()
    return None


def _screened(values: MultiDict) -> ImmutableMultiDict:
    """``values`` with invisible characters stripped, or a 400 naming the first bad one."""
    cleaned = []
    for key, value in values.items(multi=True):
        for text in (key, value):
            if reason := _refusal(text):
                abort(400, description=reason)
        cleaned.append((key, inputs.strip_invisible(value)))
    return ImmutableMultiDict(cleaned)


def checks_own_input(view):
    """Mark a view whose form refuses control characters and over-long numbers beside the
    input itself (keeping what was typed, answering 422): the guard then only strips invisible
    characters from its form. Its query string is screened as every other."""
    view.checks_own_input = True
    return view


def _checks_own_input() -> bool:
    """True when the matched view screens its own form (see :func:`checks_own_input`)."""
    view = current_app.view_functions.get(request.endpoint or "")
    return bool(getattr(view, "checks_own_input", False))


def _screened_form(values: MultiDict) -> ImmutableMultiDict:
    """A form for a view that refuses bad values itself: invisible characters stripped only."""
    return ImmutableMultiDict([(key, inputs.strip_invisible(value))
                               for key, value in values.items(multi=True)])


def screen_request() -> None:
    """Refuse or clean the query string and the form of the request (files are not text)."""
    if reason := _refusal(request.path):
        abort(400, description=reason)
    target = request._get_current_object()
    target.__dict__["args"] = _screened(request.args)
    if request.method in ("POST", "PUT", "PATCH", "DELETE") and request.mimetype in (
            "application/x-www-form-urlencoded", "multipart/form-data"):
        screen = _screened_form if _checks_own_input() else _screened
        target.__dict__["form"] = screen(request.form)


class BoundedFieldList(FieldList):
    """A ``FieldList`` that refuses rows past ``max_entries`` instead of dropping them, and
    reads only row numbers a form can hold (``budget-²-item`` is no row)."""

    def process(self, formdata, data=unset_value, extra_filters=None):
        """Process as WTForms does, remembering how many rows were sent."""
        self.sent_rows = len(set(self._extract_indices(self.name, formdata))) if formdata else 0
        super().process(formdata, data, extra_filters=extra_filters)

    def _extract_indices(self, prefix, formdata):
        """Row numbers in the submitted keys: ASCII digits, a handful of them."""
        pattern = re.compile(re.escape(prefix) + r"-([0-9]{1,4})-")
        for key in formdata:
            if match := pattern.match(key):
                yield int(match.group(1))

    def validate(self, form, extra_validators=()):
        """Validate the rows, then refuse more rows than the form holds."""
        valid = super().validate(form, extra_validators)
        if self.max_entries and self.sent_rows > self.max_entries:
            self.errors = list(self.errors) + [self.limit_message()]
            return False
        return valid

    def limit_message(self) -> str:
        """The refusal of too many rows, naming the limit."""
        return _("最多 %(limit)s 行（提交了 %(count)s 行）", limit=self.max_entries,
                 count=self.sent_rows)

    @property
    def too_many_rows(self) -> bool:
        """True when more rows were sent than the form holds."""
        return bool(self.max_entries) and self.sent_rows > self.max_entries


class DateInRange:
    """A WTForms validator: the date (or date and time) lies within the platform's range."""

    def __call__(self, form, field) -> None:
        """Stop with the range named when the value is outside it."""
        if not inputs.date_in_range(field.data):
            field.errors[:] = []
            raise StopValidation(inputs.date_range_message())


def register_guard(app: Flask) -> None:
    """Make ``<int:…>`` the row-id converter and screen every request (call before the
    blueprints are registered, so their rules use the converter)."""
    app.url_map.converters["int"] = RowIdConverter
    app.before_request(screen_request)

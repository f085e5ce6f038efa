"""The round form: amounts typed as money, dates in Beijing time, caps per cost category."""

from __future__ import annotations

import re
import unicodedata

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    DateTimeLocalField,
    IntegerField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, ValidationError

from grants.domain.budget import COST_CATEGORIES, CategoryCap
from grants.domain.money import MoneyError, fen_to_plain, parse_money
from grants.domain.phases import SHANGHAI, RoundPhases
from grants.models.rounds import DEFAULT_CATEGORIES
from grants.services.rounds import PHASE_FIELDS, RoundData, caps_of, phases_of
from grants.web.guard import DateInRange

# A comma separates tiers unless it is a thousands separator (followed by exactly 3 digits).
_TIER_SPLIT = re.compile(r"[\s/、;；|]+|[,，](?!\d{3}(?:\D|$))")
_CATEGORY_SPLIT = re.compile(r"[\s,，、;；/|]+")
DATETIME_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M:%S"]


class MoneyField(StringField):
    """An amount as people type it (``5000``, ``5,000.00``, ``￥5000``); ``fen`` holds it parsed."""

    fen: int | None = None

    def pre_validate(self, form) -> None:
        """Parse with :func:`parse_money`, whose Chinese reason becomes the field's error."""
        try:
            self.fen = parse_money(self.data)
        except MoneyError as error:
            self.fen = None
            raise ValidationError(str(error)) from error


class PercentField(StringField):
    """An optional whole percentage (``30`` or ``30%``); ``value`` holds it, or None if blank."""

    value: int | None = None

    def pre_validate(self, form) -> None:
        """Accept blank or a whole number from 1 to 100."""
        text = unicodedata.normalize("NFKC", self.data or "").strip().rstrip("%").strip()
        self.value = None
        if not text:
            return
        if not text.isascii() or not text.isdigit() or not 1 <= int(text) <= 100:
            raise ValidationError(_l("请填写 1 至 100 之间的整数（百分比）"))
        self.value = int(text)


def _moment(label: str) -> DateTimeLocalField:
    """A required datetime-local input read as Beijing time."""
    return DateTimeLocalField(
        label,
        validators=[InputRequired(_l("请填写时间")), DateInRange()],
        format=DATETIME_FORMATS,
        tz=SHANGHAI,
        invalid_value_message=_l("请输入有效的日期和时间"),
    )


def _day(label: str) -> DateField:
    """A required date input."""
    return DateField(
        label,
        validators=[InputRequired(_l("请填写日期")), DateInRange()],
        invalid_value_message=_l("请输入有效的日期"),
    )


class RoundForm(FlaskForm):
    """Create or edit a round; cost-category caps are added below as ``cap_<key>`` fields."""

    name = StringField(
        _l("赛事名称"),
        validators=[
            DataRequired(_l("请填写赛事名称")),
            Length(max=120, message=_l("最多 120 个字")),
        ],
    )
    round_no = IntegerField(
        _l("届次"),
        validators=[
            InputRequired(_l("请填写届次")),
            NumberRange(1, 999, message=_l("届次须为 1 至 999")),
        ],
        invalid_value_message=_l("请输入整数"),
    )
    district = StringField(
        _l("所在区"), validators=[DataRequired(_l("请填写所在区")), Length(max=40)]
    )
    street = StringField(_l("街道"), validators=[Length(max=40)])
    district_code = StringField(
        _l("区划简码"),
        validators=[DataRequired(_l("请填写区划简码")), Length(max=8, message=_l("最多 8 个字符"))],
    )
    description = TextAreaField(_l("赛事说明"), validators=[Length(max=5000)])
    pool = MoneyField(_l("资金池（元）"))
    band_min = MoneyField(_l("单个项目资助下限（元）"))
    band_max = MoneyField(_l("单个项目资助上限（元）"))
    tiers = StringField(_l("资助档位（可选，元）"), validators=[Length(max=200)])
    categories = TextAreaField(_l("项目类别"), validators=[Length(max=600)])
    needs_open = _moment(_l("需求征集开始"))
    needs_close = _moment(_l("需求征集截止"))
    submit_open = _moment(_l("申报开始"))
    submit_close = _moment(_l("申报截止"))
    return_deadline = _moment(_l("退回修改截止"))
    screening_close = _moment(_l("资格审查截止"))
    judging_open = _moment(_l("评审开始"))
    judging_close = _moment(_l("评审截止"))
    notice_days = IntegerField(
        _l("公示天数"),
        validators=[InputRequired(_l("请填写公示天数"))],
        invalid_value_message=_l("请输入整数"),
    )
    implementation_start = _day(_l("实施开始日期"))
    implementation_end = _day(_l("实施结束日期"))
    confirm_earlier = BooleanField(_l("我确认提前上述截止时间，并通知受影响的人"))
    submit = SubmitField(_l("保存"))

    def validate_tiers(self, field) -> None:
        """Each tier must be an amount of money."""
        try:
            self.tier_fen = tuple(parse_money(text) for text in split_tiers(field.data))
        except MoneyError as error:
            raise ValidationError(_l("档位金额有误：%(reason)s", reason=str(error))) from error

    def cap_fields(self) -> list:
        """The per-category cap inputs, in ``COST_CATEGORIES`` order."""
        return [self[f"cap_{key}"] for key in COST_CATEGORIES]


for _key, _label in COST_CATEGORIES.items():
    setattr(RoundForm, f"cap_{_key}", PercentField(_l("%(name)s上限（%%）", name=_l(_label))))


def split_tiers(text: str | None) -> list[str]:
    """Split ``5000 / 10,000 / 15000`` (or commas, 、, spaces) into the typed amounts."""
    return [part for part in _TIER_SPLIT.split(text or "") if part.strip()]


def split_categories(text: str | None) -> tuple[str, ...]:
    """Split category names typed one per line or separated by 、 or commas."""
    cleaned = unicodedata.normalize("NFKC", text or "")
    return tuple(part for part in _CATEGORY_SPLIT.split(cleaned) if part)


def round_data(form: RoundForm) -> RoundData:
    """The validated form as the service's input (call only after ``validate_on_submit``)."""
    phases = RoundPhases(**{name: form[name].data for name in PHASE_FIELDS})
    caps = tuple(
        CategoryCap(key, form[f"cap_{key}"].value)
        for key in COST_CATEGORIES
        if form[f"cap_{key}"].value is not None
    )
    return RoundData(
        name=form.name.data,
        district=form.district.data,
        street=form.street.data or "",
        description=form.description.data or "",
        pool_fen=form.pool.fen,
        band_min_fen=form.band_min.fen,
        band_max_fen=form.band_max.fen,
        phases=phases,
        round_no=form.round_no.data,
        district_code=form.district_code.data,
        tiers=getattr(form, "tier_fen", ()),
        categories=split_categories(form.categories.data),
        caps=caps,
    )


def form_values(funding_round) -> dict:
    """A stored round as form data (amounts as plain yuan, moments aware for Beijing display)."""
    values = {
        name: getattr(funding_round, name)
        for name in ("name", "round_no", "district", "street", "district_code", "description")
    }
    values.update(
        pool=fen_to_plain(funding_round.pool_fen),
        band_min=fen_to_plain(funding_round.band_min_fen),
        band_max=fen_to_plain(funding_round.band_max_fen),
        tiers=" / ".join(fen_to_plain(t) for t in funding_round.tiers or ()),
        categories="、".join(funding_round.categories or ()),
    )
    phases = phases_of(funding_round)
    values.update({name: getattr(phases, name) for name in PHASE_FIELDS})
    values.update({f"cap_{cap.cost_category}": str(cap.max_pct) for cap in caps_of(funding_round)})
    return values


def new_round_values(next_no: int) -> dict:
    """Defaults for a new round: the site band, the default categories, a 5-day notice."""
    return {
        "round_no": next_no,
        "district": "江宁区",
        "district_code": "JN",
        "band_min": "5000",
        "band_max": "15000",
        "notice_days": 5,
        "categories": "、".join(DEFAULT_CATEGORIES),
    }

"""Between the proposal form and the service: building, reading and annotating the form."""

from __future__ import annotations

from dataclasses import dataclass

from flask import request
from flask_babel import gettext as _
from sqlalchemy import select
from wtforms import FieldList

from grants.domain.budget import Problem
from grants.domain.inputs import is_digits
from grants.domain.money import fen_to_plain
from grants.domain.proposals import REQUIRED_FIELDS
from grants.extensions import db
from grants.models import Community, Proposal
from grants.services import proposals
from grants.services.proposals import ActivityInput, LineInput, ProposalInput
from grants.web.proposals.forms import ProposalForm

ROW_BUTTONS = {"add_activity": "activities", "add_line": "budget", "add_member": "team"}
SECTIONS = ("activities", "budget", "team", "general")
FIELD_NAMES = {"community": "community_id", "needs": "need_ids"}
DRAFT_MARKER = "draft_form"
"""A hidden input the proposal form carries, so a post holding the whole form (the upload
button's, autosave's) is told apart from a bare upload or confirmation form."""


def _choices(form: ProposalForm, proposal: Proposal) -> ProposalForm:
    """Fill the pickers: communities, the round's categories and needs."""
    communities = db.session.scalars(select(Community).order_by(Community.street, Community.name))
    form.community_id.choices = [(0, _("（请选择）"))] + [
        (c.id, f"{c.street} {c.name}") for c in communities
    ]
    form.category.choices = [("", _("（请选择）"))] + [
        (name, _(name)) for name in proposal.round.categories or ()
    ]
    form.need_ids.choices = [
        (
            need.id,
            _(
                "%(title)s（%(community)s，%(count)s 人支持）",
                title=need.title,
                community=need.community.name,
                count=need.support_count,
            ),
        )
        for need in proposals.round_needs(proposal.round_id)
    ]
    return form


def _money_text(fen: int) -> str:
    """Money for an input box; zero shows as empty so an untouched row stays blank."""
    return fen_to_plain(fen) if fen else ""


def model_data(proposal: Proposal) -> dict:
    """The stored proposal as form data."""
    return {
        "title": proposal.title,
        "community_id": proposal.community_id or 0,
        "category": proposal.category,
        "need_ids": [need.id for need in proposal.needs],
        "beneficiaries": proposal.beneficiaries,
        "beneficiary_count": str(proposal.beneficiary_count or ""),
        "background": proposal.background,
        "objectives": proposal.objectives,
        "outcomes": proposal.outcomes,
        "activities": list(proposal.activities),
        "budget": [
            {
                "item": line.item,
                "cost_category": line.cost_category,
                "unit_price": _money_text(line.unit_price_fen),
                "quantity": str(line.quantity),
            }
            for line in proposal.lines
        ],
        "matching_funds": _money_text(proposal.matching_funds_fen),
        "team": [{"name": name} for name in proposal.team],
        "contact_name": proposal.contact_name,
        "contact_phone": proposal.contact_phone,
    }


def input_data(data: ProposalInput) -> dict:
    """Typed input as form data (after blank rows were dropped), to show it again."""
    return {
        "title": data.title,
        "community_id": data.community_id or 0,
        "category": data.category,
        "need_ids": list(data.need_ids),
        "beneficiaries": data.beneficiaries,
        "beneficiary_count": data.beneficiary_count,
        "background": data.background,
        "objectives": data.objectives,
        "outcomes": data.outcomes,
        "activities": [vars(row) for row in data.activities],
        "budget": [vars(row) for row in data.budget],
        "matching_funds": data.matching_funds,
        "team": [{"name": name} for name in data.team],
        "contact_name": data.contact_name,
        "contact_phone": data.contact_phone,
    }


def _mark_required(form: ProposalForm) -> ProposalForm:
    """Flag the inputs a submission needs, so each label carries its "*" (drafts may still be
    saved half-finished: the form is ``novalidate``)."""
    for name in REQUIRED_FIELDS:
        field = form._fields.get(FIELD_NAMES.get(name, name))
        if field is not None and not isinstance(field, FieldList):
            field.flags.required = True
    return form


def build_form(proposal: Proposal, data: dict | None = None) -> ProposalForm:
    """The form from the request (POST), from ``data``, or from the stored proposal (GET)."""
    if data is not None:
        return _mark_required(_choices(ProposalForm(formdata=None, data=data), proposal))
    form = ProposalForm() if request.method == "POST" else ProposalForm(data=model_data(proposal))
    return _mark_required(_choices(form, proposal))


def carries_form() -> bool:
    """True when the current post holds the whole proposal form (not a bare confirmation or
    upload form)."""
    return request.form.get(DRAFT_MARKER) == "1" or "title" in request.form


def stored_input(proposal: Proposal) -> ProposalInput:
    """The stored proposal as typed input: what the confirmation step submits."""
    return to_input(build_form(proposal, model_data(proposal)))


def _text(value) -> str:
    """Form data as text (``None`` for an empty input)."""
    return value if isinstance(value, str) else ""


def to_input(form: ProposalForm) -> ProposalInput:
    """What the applicant typed, without blank rows."""
    return ProposalInput(
        title=_text(form.title.data),
        community_id=form.community_id.data or None,
        category=_text(form.category.data),
        need_ids=tuple(form.need_ids.data or ()),
        beneficiaries=_text(form.beneficiaries.data),
        beneficiary_count=_text(form.beneficiary_count.data),
        background=_text(form.background.data),
        objectives=_text(form.objectives.data),
        outcomes=_text(form.outcomes.data),
        activities=tuple(
            ActivityInput(**{k: _text(v) for k, v in row.data.items()}) for row in form.activities
        ),
        budget=tuple(
            LineInput(**{k: _text(v) for k, v in row.data.items()}) for row in form.budget
        ),
        matching_funds=_text(form.matching_funds.data),
        team=tuple(_text(row.data["name"]) for row in form.team),
        contact_name=_text(form.contact_name.data),
        contact_phone=_text(form.contact_phone.data),
    ).compacted()


def added_row(form: ProposalForm) -> bool:
    """If an "添加一行" button was pressed, add the empty row and say so (nothing is saved)."""
    for button, section in ROW_BUTTONS.items():
        if form[button].data:
            rows = form[section]
            if not rows.max_entries or len(rows) < rows.max_entries:
                rows.append_entry()
            return True
    return False


def row_limits(form: ProposalForm) -> dict[str, list[str]]:
    """The sections given more rows than they hold, each with the refusal naming its limit."""
    return {section: [form[section].limit_message()] for section in ROW_BUTTONS.values()
            if form[section].too_many_rows}


def _row_field(form: ProposalForm, name: str):
    """The input a problem such as ``budget-2-unit_price`` belongs to, or ``None``."""
    parts = name.split("-")
    if len(parts) != 3 or not is_digits(parts[1]):
        return None
    section, index, sub = parts[0], int(parts[1]), parts[2]
    rows = form._fields.get(section)
    if rows is None or index >= len(rows.entries):
        return None
    return rows.entries[index].form._fields.get(sub)


@dataclass(frozen=True)
class SummaryItem:
    """One line of the error summary: the problem, and the anchor of the input to fix."""

    message: str
    href: str


def summary(form: ProposalForm, problems: list[Problem]) -> list[SummaryItem]:
    """Every problem in form order, each linking to its input (or to its section)."""
    items = []
    for problem in problems:
        name = FIELD_NAMES.get(problem.field, problem.field)
        field = _row_field(form, name) if "-" in name else form._fields.get(name)
        section = name.split("-")[0]
        if field is not None and not isinstance(field, FieldList):
            anchor = field.id
        elif section in ROW_BUTTONS.values():
            anchor = f"section-{section}"
        else:
            anchor = "proposal-form"
        items.append(SummaryItem(problem.message, f"#{anchor}"))
    return items


def attach_problems(form: ProposalForm, problems: list[Problem]) -> dict[str, list[str]]:
    """Put each problem next to its input; return the ones that belong to a whole section."""
    sections: dict[str, list[str]] = {key: [] for key in SECTIONS}
    for problem in problems:
        name = FIELD_NAMES.get(problem.field, problem.field)
        field = _row_field(form, name) if "-" in name else form._fields.get(name)
        if name in sections:
            sections[name].append(problem.message)
        elif field is not None:
            field.errors = [*field.errors, problem.message]
        else:
            sections["general"].append(problem.message)
    return sections

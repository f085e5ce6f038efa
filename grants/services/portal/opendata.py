"""The awards as open data: a 360Giving Data Standard package (JSON) and a flat CSV.

One grant per funded award (:data:`~grants.services.portal.queries.FUNDED_STATES`):
``360G-<prefix>-<award id>``, the round as its ``grantProgramme``, ``fromOpenCall`` ``Yes``
(every round is an open competition), amounts in yuan (:func:`grants.domain.opendata.yuan`),
the implementation period as ``plannedDates`` and each bank payment as a
``disbursementTransaction``. Organisations are ``CN-USCI-<统一社会信用代码>``; a resident team is
an anonymous ``recipientIndividual`` — the package never names a person, a phone number or an
account. The whole package takes a fixed number of statements.

Configuration (all optional): ``OPEN_DATA_PREFIX`` (the 360Giving prefix, default
``jndsmz``), ``OPEN_DATA_FUNDER_NAME`` (default: the round's district with 民政局),
``OPEN_DATA_FUNDER_USCC`` (the funder's 统一社会信用代码; without it the funder is identified
under the prefix), ``OPEN_DATA_PUBLISHER`` and ``OPEN_DATA_URL`` (the public address of the
portal, used for links).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from flask import current_app
from sqlalchemy import func, select

from grants.domain import opendata as od
from grants.domain.clock import BEIJING, aware, now_utc
from grants.domain.lifecycles.payment import PAID
from grants.extensions import db
from grants.models import FundingRound, Organisation, Proposal
from grants.models.awards import Award, Notice
from grants.models.payments import Payment
from grants.services.portal.queries import FUNDED_STATES

DEFAULT_PREFIX = "jndsmz"
CSV_HEADER = (
    "Identifier", "Title", "Description", "Currency", "Amount Applied For", "Amount Awarded",
    "Amount Disbursed", "Award Date", "Planned Dates:Start Date", "Planned Dates:End Date",
    "Recipient Org:Identifier", "Recipient Org:Name", "Recipient Individual:Identifier",
    "Recipient Individual:Name", "Funding Org:Identifier", "Funding Org:Name",
    "Grant Programme:Code", "Grant Programme:Title", "From an open call?", "Category",
)
"""The 360Giving spreadsheet titles of the CSV's columns, in order."""


@dataclass(frozen=True)
class GrantFacts:
    """What one grant of the package is made of (plain values, nothing private)."""

    award_id: int
    round_id: int
    round_name: str
    district: str
    title: str
    objectives: str
    category: str
    org_name: str | None
    org_uscc: str | None
    requested_fen: int
    amount_fen: int
    paid_fen: int
    award_day: date
    start: date
    end: date
    payments: tuple[tuple[int, date, int], ...]


def _config(key: str, default: str | None = None) -> str | None:
    """A setting of the open data, or its default."""
    return current_app.config.get(key) or default


def prefix() -> str:
    """The 360Giving prefix of the grant identifiers."""
    return str(_config("OPEN_DATA_PREFIX", DEFAULT_PREFIX))


def grant_facts() -> list[GrantFacts]:
    """Every funded award with what its grant needs, oldest round first (three statements)."""
    rows = db.session.execute(
        select(Award.id, Award.round_id, FundingRound.name, FundingRound.district,
               Proposal.title, Proposal.objectives, Proposal.category, Organisation.name,
               Organisation.uscc, Award.requested_fen, Award.amount_fen, Notice.closed_at,
               Notice.ends_on, FundingRound.implementation_start,
               FundingRound.implementation_end)
        .join(Proposal, Proposal.id == Award.proposal_id)
        .join(FundingRound, FundingRound.id == Award.round_id)
        .outerjoin(Organisation, Organisation.id == Proposal.organisation_id)
        .outerjoin(Notice, Notice.id == Award.notice_id)
        .where(Award.status.in_(sorted(FUNDED_STATES)))
        .order_by(Award.round_id, Award.rank, Award.id)).all()
    ids = [row[0] for row in rows]
    payments: dict[int, list[tuple[int, date, int]]] = defaultdict(list)
    for award_id, payment_id, value_date, amount in db.session.execute(
        select(Payment.award_id, Payment.id, Payment.value_date, Payment.amount_fen)
        .where(Payment.award_id.in_(ids), Payment.status == PAID)
        .order_by(Payment.value_date, Payment.id)
    ):
        payments[award_id].append((payment_id, value_date, amount))
    return [_facts(row, tuple(payments.get(row[0], ()))) for row in rows]


def _facts(row, payments: tuple) -> GrantFacts:
    """One grant's facts from its selected row; the award date is the notice's confirmation
    (Beijing date), or the end of the notice period for awards confirmed without a stamp."""
    (award_id, round_id, round_name, district, title, objectives, category, org_name, uscc,
     requested, amount, closed_at, ends_on, start, end) = row
    award_day = aware(closed_at).astimezone(BEIJING).date() if closed_at else (ends_on or start)
    return GrantFacts(award_id, round_id, round_name, district, title, objectives or title,
                      category, org_name, uscc, requested, amount,
                      sum(p[2] for p in payments), award_day, start, end, payments)


def _funder(facts: GrantFacts) -> dict:
    """The funding organisation of a grant."""
    name = _config("OPEN_DATA_FUNDER_NAME", f"{facts.district}民政局")
    uscc = _config("OPEN_DATA_FUNDER_USCC")
    identifier = od.organisation_id(uscc) if uscc else f"360G-{prefix()}-FUNDER"
    return {"id": identifier, "name": name}


def _recipient(facts: GrantFacts) -> dict:
    """``recipientOrganization`` for an organisation, an anonymous ``recipientIndividual``
    for a resident team."""
    if facts.org_name:
        return {"recipientOrganization": [
            {"id": od.organisation_id(facts.org_uscc or ""), "name": facts.org_name}]}
    return {"recipientIndividual": {"id": od.individual_id(prefix(), facts.award_id),
                                    "name": od.ANONYMOUS_TEAM}}


def grant(facts: GrantFacts) -> dict:
    """One grant of the package, as the 360Giving Data Standard describes it."""
    grant_id = od.grant_id(prefix(), facts.award_id)
    funder = _funder(facts)
    item = {
        "id": grant_id,
        "title": facts.title,
        "description": facts.objectives,
        "currency": od.CURRENCY,
        "amountAppliedFor": od.yuan(facts.requested_fen),
        "amountAwarded": od.yuan(facts.amount_fen),
        "amountDisbursed": od.yuan(facts.paid_fen),
        "awardDate": od.date_time(facts.award_day),
        "plannedDates": [{"startDate": od.date_time(facts.start),
                          "endDate": od.date_time(facts.end)}],
        **_recipient(facts),
        "fundingOrganization": [funder],
        "grantProgramme": [{"code": od.programme_code(prefix(), facts.round_id),
                            "title": facts.round_name}],
        "fromOpenCall": "Yes",
        "classifications": [{"vocabulary": "jindianzi-category", "code": facts.category,
                             "title": facts.category}] if facts.category else [],
        "disbursementTransaction": [
            {"id": f"{grant_id}-P{payment_id}", "transactionDate": od.date_time(day),
             "currency": od.CURRENCY, "value": od.yuan(amount), "provider": funder["id"]}
            for payment_id, day, amount in facts.payments],
    }
    if url := _config("OPEN_DATA_URL"):
        item["url"] = f"{url.rstrip('/')}/open/projects/{facts.award_id}"
    return item


def package(facts: list[GrantFacts] | None = None, issued: datetime | None = None) -> dict:
    """The 360Giving package of every funded award (``grants`` may not be empty, so a platform
    with no funded award yet has no package: the caller answers 404)."""
    facts = grant_facts() if facts is None else facts
    moment = aware(issued or now_utc()).astimezone(BEIJING).replace(microsecond=0)
    publisher = _config("OPEN_DATA_PUBLISHER", "江宁区民政局")
    body = {
        "version": od.STANDARD_VERSION,
        "title": _config("OPEN_DATA_TITLE", "公益创投微项目资助数据"),
        "description": f"{publisher}公益创投微项目的立项、拨付数据（360Giving Data Standard）。"
                       "居民团队以匿名个人记录，不含任何个人信息。",
        "issued": moment.isoformat(),
        "publisher": {"name": publisher},
        "license": od.LICENSE,
        "grants": [grant(f) for f in facts],
    }
    return body


def package_json(issued: datetime | None = None) -> str | None:
    """The package as JSON text (money digit for digit), None when nothing is funded yet."""
    facts = grant_facts()
    return od.dumps(package(facts, issued)) if facts else None


def csv_rows() -> Iterator[tuple]:
    """The CSV's header and one row per grant (the same facts as the JSON package)."""
    yield CSV_HEADER
    for facts in grant_facts():
        item = grant(facts)
        org = item.get("recipientOrganization", [{}])[0]
        person = item.get("recipientIndividual", {})
        funder = item["fundingOrganization"][0]
        yield (item["id"], item["title"], item["description"], item["currency"],
               _plain(item["amountAppliedFor"]), _plain(item["amountAwarded"]),
               _plain(item["amountDisbursed"]), item["awardDate"],
               item["plannedDates"][0]["startDate"], item["plannedDates"][0]["endDate"],
               org.get("id", ""), org.get("name", ""), person.get("id", ""),
               person.get("name", ""), funder["id"], funder["name"],
               item["grantProgramme"][0]["code"], item["grantProgramme"][0]["title"],
               item["fromOpenCall"], facts.category)


def _plain(value: Decimal) -> str:
    """A yuan amount as the CSV writes it (``12345.67``)."""
    return format(value, "f")


def funded_count() -> int:
    """How many grants the package holds."""
    return db.session.scalar(select(func.count(Award.id))
                             .where(Award.status.in_(sorted(FUNDED_STATES)))) or 0

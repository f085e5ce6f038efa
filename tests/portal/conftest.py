"""Fixtures of the portal tests: the demo's private values, read from the demo database."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from grants.extensions import db
from grants.models import Organisation, Proposal, User, UserRole
from grants.models.awards import Objection
from grants.models.followup import Beneficiary
from grants.models.payments import Payment


def _variants(value: str) -> set[str]:
    """A private value as stored and with its spaces taken out (accounts are grouped)."""
    value = (value or "").strip()
    return {v for v in (value, value.replace(" ", "")) if len(v) >= 2}


def private_values() -> dict[str, set[str]]:
    """Every phone number, bank account, resident name, objector name and beneficiary (name or
    number, from the follow-up lists) in the database."""
    phones = set(db.session.scalars(select(User.phone)))
    phones |= set(db.session.scalars(select(Organisation.contact_phone)))
    phones |= set(db.session.scalars(select(Proposal.contact_phone)))
    phones |= set(db.session.scalars(select(Objection.phone)))
    phones |= set(db.session.scalars(select(Beneficiary.phone)))
    accounts = set(db.session.scalars(select(Organisation.bank_account)))
    accounts |= set(db.session.scalars(select(Payment.payee_account)))
    accounts |= set(db.session.scalars(select(Payment.paying_account)))
    residents = set(db.session.scalars(
        select(User.display_name).join(UserRole).where(UserRole.role == "resident")))
    teams = db.session.execute(select(Proposal.contact_name, Proposal.team)
                               .where(Proposal.organisation_id.is_(None))).all()
    for contact, team in teams:
        residents |= {contact, *(team or [])}
    residents |= set(db.session.scalars(select(Organisation.contact_name)))
    objectors = set(db.session.scalars(select(Objection.name)))
    objectors |= set(db.session.scalars(
        select(User.display_name).join(Objection, Objection.user_id == User.id)))
    beneficiaries = set(db.session.scalars(select(Beneficiary.name)))
    found = {"phone": phones, "bank account": accounts, "resident name": residents,
             "objector": objectors, "beneficiary": beneficiaries}
    return {kind: set().union(*(_variants(v) for v in values if v))
            for kind, values in found.items()}


@pytest.fixture
def secrets(demo_app):
    """The demo's private values by kind; the demo must have some of each."""
    values = private_values()
    for kind, found in values.items():
        assert found, f"the demo has no {kind}: the privacy test would prove nothing"
    return values

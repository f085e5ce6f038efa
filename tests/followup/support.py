"""Builders for the follow-up tests: a round in implementation with one project per grantee
(rows written directly, as tests/payments_support does), list files as CSV or XLSX bytes, and
the people who run, call, read and own the follow-up."""

from __future__ import annotations

import csv
import io
import itertools
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import func, select

from grants.domain.clock import local_date
from grants.domain.quarters import quarter_of
from grants.extensions import db
from grants.models import AuditEntry, User
from tests.factories import make_round
from tests.helpers import create_user
from tests.payments_support import signed_awards

HEADER = ("姓名", "电话", "社区", "服务内容")
_ROUND_NO = itertools.count(31)


def phone(project: int, index: int) -> str:
    """An obviously made-up but well-formed mobile number, unique per project and row."""
    return f"1370{project:03d}{index:04d}"


def rows(project: int, count: int) -> list[tuple[str, str, str, str]]:
    """``count`` beneficiaries of one project."""
    return [(f"受益人{project}-{i}", phone(project, i), "竹山社区", "送餐上门")
            for i in range(count)]


def csv_bytes(table, header=HEADER, encoding: str = "utf-8-sig") -> bytes:
    """A CSV file of the rows under the header."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    writer.writerows(table)
    return buffer.getvalue().encode(encoding)


def xlsx_bytes(table, header=HEADER) -> bytes:
    """An XLSX workbook of the rows under the header (cells as given: numbers stay numbers)."""
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    sheet.append(list(header))
    for row in table:
        sheet.append(list(row))
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


@dataclass
class Crew:
    """Everyone the follow-up tests need, and the round's awards (one per grantee)."""

    organizer: User
    caller: User
    caller2: User
    auditor: User
    grantees: list[User]
    round_id: int
    award_ids: list[int]

    @property
    def quarter(self) -> str:
        """The current quarter: the round is sampled for it."""
        return quarter_of(local_date())

    def ids(self) -> dict:
        """The crew as ids, to find it again in a copy of the database."""
        return {"organizer": self.organizer.id, "caller": self.caller.id,
                "caller2": self.caller2.id, "auditor": self.auditor.id,
                "grantees": [user.id for user in self.grantees], "round_id": self.round_id,
                "award_ids": list(self.award_ids)}


def crew_of(ids: dict) -> Crew:
    """The crew recorded by :meth:`Crew.ids`, loaded in the current session."""
    user = db.session.get
    return Crew(user(User, ids["organizer"]), user(User, ids["caller"]),
                user(User, ids["caller2"]), user(User, ids["auditor"]),
                [user(User, i) for i in ids["grantees"]], ids["round_id"], ids["award_ids"])


def upload_lists(team: Crew) -> Crew:
    """The team's projects get lists of 30, 20 and 10 beneficiaries."""
    from grants.services import followup

    for index, (grantee, award_id) in enumerate(zip(team.grantees, team.award_ids,
                                                    strict=True), start=1):
        followup.upload_list(grantee, award_id, "名单.csv", csv_bytes(rows(index, 40 - 10 * index)))
    return team


def crew(projects: int = 3) -> Crew:
    """A round whose implementation began 60 days ago, with ``projects`` signed awards, each
    held by its own resident grantee (so each is its own provider)."""
    today = local_date()
    funding_round = make_round("notice", pool_fen=2_000_000_000, round_no=next(_ROUND_NO),
                               implementation_start=today - timedelta(days=60),
                               implementation_end=today + timedelta(days=120))
    number = funding_round.round_no
    grantees = [create_user(f"grantee{number}_{i}", "resident") for i in range(1, projects + 1)]
    award_ids = [award_id for grantee in grantees
                 for award_id in signed_awards(1, funding_round=funding_round, applicant=grantee)]
    return Crew(create_user(f"org{number}", "organizer"), create_user(f"caller{number}", "evaluator"),
                create_user(f"caller{number}b", "organizer"), create_user(f"auditor{number}", "auditor"),
                grantees, funding_round.id, award_ids)


def entries(action: str | None = None, object_id: int | None = None) -> list[AuditEntry]:
    """Audit entries (of one action, of one object), in chain order."""
    query = select(AuditEntry).order_by(AuditEntry.seq)
    if action:
        query = query.where(AuditEntry.action == action)
    if object_id is not None:
        query = query.where(AuditEntry.object_id == object_id)
    return list(db.session.scalars(query))


def count(model) -> int:
    """Rows of a model."""
    return db.session.scalar(select(func.count()).select_from(model))

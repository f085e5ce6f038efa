"""Satisfaction follow-up (回访): each round's settings, the grantees' beneficiary lists, the
quarterly samples with their strata and numbers, and every call attempt.

A list is never edited: uploading again adds a new list, the latest being the project's
current one, so a drawn sample keeps pointing at the very rows (and hash) it was drawn from.
``beneficiary.phone`` is the only place a number is kept; the erasure command empties it (and
stamps the list) a set time after the round closes. States are CHECKed against the lifecycles;
the outcome and the on-time answer go together (only a reached beneficiary answers).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from grants.domain.beneficiaries import FIELD_LIMITS, MAX_ROWS
from grants.domain.followup_settings import (
    DEFAULT_ERASE_DAYS,
    DEFAULT_QUOTA,
    MAX_ERASE_DAYS,
    MAX_QUOTA,
)
from grants.domain.lifecycles import FOLLOW_UP_CALL, FOLLOW_UP_SAMPLE
from grants.domain.lifecycles.follow_up import PENDING
from grants.domain.satisfaction import MAX_ATTEMPTS, OUTCOMES, REACHED_OUTCOMES
from grants.extensions import db
from grants.models.base import sql_in, utcnow


class FollowUpSettings(db.Model):
    """A round's follow-up rules: numbers called per project, the league table's weights
    (points out of 100) and how many days after the round closes numbers are erased."""

    __tablename__ = "follow_up_settings"
    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("funding_round.id"), unique=True)
    quota: Mapped[int] = mapped_column(default=DEFAULT_QUOTA)
    weight_evaluation: Mapped[int] = mapped_column(default=40)
    weight_satisfaction: Mapped[int] = mapped_column(default=40)
    weight_timeliness: Mapped[int] = mapped_column(default=20)
    erase_after_days: Mapped[int] = mapped_column(default=DEFAULT_ERASE_DAYS)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    __table_args__ = (
        CheckConstraint(f"quota BETWEEN 1 AND {MAX_QUOTA}", name="quota_range"),
        CheckConstraint("weight_evaluation BETWEEN 0 AND 100 AND weight_satisfaction BETWEEN 0 "
                        "AND 100 AND weight_timeliness BETWEEN 0 AND 100",
                        name="weights_range"),
        CheckConstraint("weight_evaluation + weight_satisfaction + weight_timeliness = 100",
                        name="weights_total_100"),
        CheckConstraint(f"erase_after_days BETWEEN 1 AND {MAX_ERASE_DAYS}",
                        name="erase_days_range"),
    )


class BeneficiaryList(db.Model):
    """One upload of a project's beneficiaries; ``list_hash`` is the canonical fingerprint
    (:func:`grants.domain.beneficiaries.list_hash`) the sample draws from."""

    __tablename__ = "beneficiary_list"
    id: Mapped[int] = mapped_column(primary_key=True)
    award_id: Mapped[int] = mapped_column(ForeignKey("award.id"), index=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("funding_round.id"), index=True)
    uploaded_by_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    uploaded_at: Mapped[datetime] = mapped_column(default=utcnow)
    filename: Mapped[str] = mapped_column(String(200), default="")
    row_count: Mapped[int]
    list_hash: Mapped[str] = mapped_column(String(64))
    numbers_erased_at: Mapped[datetime | None]
    award = relationship("Award")
    uploaded_by = relationship("User")
    rows: Mapped[list[Beneficiary]] = relationship(
        back_populates="beneficiary_list", order_by="Beneficiary.position")
    __table_args__ = (
        CheckConstraint(f"row_count BETWEEN 1 AND {MAX_ROWS}", name="row_count_range"),
        CheckConstraint("length(list_hash) = 64", name="hash_length"),
    )


class Beneficiary(db.Model):
    """One person on a list, at ``position`` in the list's canonical order (the draw's row
    index). ``phone`` holds digits only, and is empty once erased."""

    __tablename__ = "beneficiary"
    id: Mapped[int] = mapped_column(primary_key=True)
    list_id: Mapped[int] = mapped_column(ForeignKey("beneficiary_list.id"))
    position: Mapped[int]
    name: Mapped[str] = mapped_column(String(FIELD_LIMITS["name"]))
    phone: Mapped[str] = mapped_column(String(16))
    community: Mapped[str] = mapped_column(String(FIELD_LIMITS["community"]))
    service: Mapped[str] = mapped_column(String(FIELD_LIMITS["service"]))
    beneficiary_list: Mapped[BeneficiaryList] = relationship(back_populates="rows")
    __table_args__ = (
        UniqueConstraint("list_id", "position", name="uq_beneficiary_position"),
        CheckConstraint("position >= 0", name="position_non_negative"),
    )


class FollowUpSample(db.Model):
    """A round's quarterly sample: the seed (also in the draw's audit entry), the algorithm,
    the quota per project and where it stands (:data:`~grants.domain.lifecycles.FOLLOW_UP_SAMPLE`)."""

    __tablename__ = "follow_up_sample"
    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("funding_round.id"))
    quarter: Mapped[str] = mapped_column(String(6))
    status: Mapped[str] = mapped_column(String(10))
    seed: Mapped[str] = mapped_column(String(64))
    algorithm: Mapped[str] = mapped_column(String(20))
    quota: Mapped[int]
    drawn_by_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    drawn_at: Mapped[datetime] = mapped_column(default=utcnow)
    closed_at: Mapped[datetime | None]
    round = relationship("FundingRound")
    strata: Mapped[list[FollowUpStratum]] = relationship(
        back_populates="sample", order_by="FollowUpStratum.award_id")
    __table_args__ = (
        UniqueConstraint("round_id", "quarter", name="uq_follow_up_sample_round_quarter"),
        CheckConstraint(sql_in("status", FOLLOW_UP_SAMPLE.states), name="known_status"),
        CheckConstraint("length(seed) = 64", name="seed_length"),
        CheckConstraint("length(quarter) = 6", name="quarter_length"),
        CheckConstraint(f"quota BETWEEN 1 AND {MAX_QUOTA}", name="quota_range"),
    )


class FollowUpStratum(db.Model):
    """One project of a sample: the list it was drawn from, that list's hash and size, and
    how many numbers were drawn (``min(quota, row_count)``)."""

    __tablename__ = "follow_up_stratum"
    id: Mapped[int] = mapped_column(primary_key=True)
    sample_id: Mapped[int] = mapped_column(ForeignKey("follow_up_sample.id"))
    award_id: Mapped[int] = mapped_column(ForeignKey("award.id"), index=True)
    list_id: Mapped[int] = mapped_column(ForeignKey("beneficiary_list.id"))
    list_hash: Mapped[str] = mapped_column(String(64))
    row_count: Mapped[int]
    drawn: Mapped[int]
    sample: Mapped[FollowUpSample] = relationship(back_populates="strata")
    award = relationship("Award")
    beneficiary_list = relationship("BeneficiaryList")
    __table_args__ = (
        UniqueConstraint("sample_id", "award_id", name="uq_follow_up_stratum_award"),
        CheckConstraint("drawn BETWEEN 0 AND row_count", name="drawn_within_list"),
    )


class FollowUpCall(db.Model):
    """One drawn number: its place in the calling order, its caller, its state
    (:data:`~grants.domain.lifecycles.FOLLOW_UP_CALL`, stored ``pending`` by the draw) and,
    once done, the final outcome."""

    __tablename__ = "follow_up_call"
    id: Mapped[int] = mapped_column(primary_key=True)
    sample_id: Mapped[int] = mapped_column(ForeignKey("follow_up_sample.id"))
    stratum_id: Mapped[int] = mapped_column(ForeignKey("follow_up_stratum.id"), index=True)
    beneficiary_id: Mapped[int] = mapped_column(ForeignKey("beneficiary.id"))
    draw_rank: Mapped[int]
    status: Mapped[str] = mapped_column(String(16), default=PENDING)
    caller_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    attempts: Mapped[int] = mapped_column(default=0)
    outcome: Mapped[str | None] = mapped_column(String(20))
    on_time: Mapped[bool | None]
    finished_at: Mapped[datetime | None]
    stratum: Mapped[FollowUpStratum] = relationship()
    beneficiary: Mapped[Beneficiary] = relationship()
    caller = relationship("User")
    history: Mapped[list[FollowUpAttempt]] = relationship(
        back_populates="call", order_by="FollowUpAttempt.number")
    __table_args__ = (
        UniqueConstraint("sample_id", "beneficiary_id", name="uq_follow_up_call_beneficiary"),
        CheckConstraint(sql_in("status", FOLLOW_UP_CALL.states), name="known_status"),
        CheckConstraint(f"attempts BETWEEN 0 AND {MAX_ATTEMPTS}", name="attempts_range"),
        CheckConstraint(f"outcome IS NULL OR {sql_in('outcome', OUTCOMES)}",
                        name="known_outcome"),
        Index("ix_follow_up_call_caller_sample", "caller_id", "sample_id"),
        Index("ix_follow_up_call_sample_status", "sample_id", "status"),
    )


class FollowUpAttempt(db.Model):
    """One attempt at a number (at most three): the outcome, the on-time answer when the
    beneficiary was reached, the caller's notes."""

    __tablename__ = "follow_up_attempt"
    id: Mapped[int] = mapped_column(primary_key=True)
    call_id: Mapped[int] = mapped_column(ForeignKey("follow_up_call.id"))
    number: Mapped[int]
    outcome: Mapped[str] = mapped_column(String(20))
    on_time: Mapped[bool | None]
    notes: Mapped[str] = mapped_column(Text, default="")
    caller_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    recorded_at: Mapped[datetime] = mapped_column(default=utcnow)
    call: Mapped[FollowUpCall] = relationship(back_populates="history")
    __table_args__ = (
        UniqueConstraint("call_id", "number", name="uq_follow_up_attempt_number"),
        CheckConstraint(f"number BETWEEN 1 AND {MAX_ATTEMPTS}", name="number_range"),
        CheckConstraint(sql_in("outcome", OUTCOMES), name="known_outcome"),
        CheckConstraint(f"({sql_in('outcome', REACHED_OUTCOMES)}) = (on_time IS NOT NULL)",
                        name="on_time_when_reached"),
    )

"""Gates (拨付条件): the one way a tranche becomes due.

A tranche waits (``pending``) until its gate is met — the agreement signed, the mid-term or the
final evaluation passed — and then becomes ``due`` through the tranche lifecycle's
``meet_gate``, with the evidence as its reason: one ``tranche.meet_gate`` entry, recording the
role that authorised it. Whoever knows a gate is met calls :func:`gate_met`:

- the countersignature (:func:`grants.services.agreements.countersign`) for
  ``agreement_signed``, in its own transaction, with the countersigning organizer as actor and
  the evidence “协议已签订”;
- the organizer's manual record (:func:`grants.services.payments.meet_gate`), until
  evaluations exist;
- **the evaluation issue**: when a mid-term (final) evaluation passes, inside the same
  ``unit_of_work`` that moves the award by ``pass_midterm`` (``pass_final``), call
  ``gate_met(award.id, "midterm_passed", evidence, actor)`` (``"final_passed"``) with evidence
  naming the evaluation (e.g. “中期评估 #12 通过”). The tranche table lets organizers, admins and
  ``system`` (actor None, for scheduled work) meet a gate; an evaluator role acting directly
  needs its row added to ``grants/domain/lifecycles/tranche.py``. A plan without that gate has
  no tranche for it, and the call does nothing.

:func:`gate_met` runs inside the caller's transaction (it never commits) and locks the award row
first, as every payment command does, so a gate and an approval never interleave.
"""

from __future__ import annotations

from sqlalchemy import select

from grants.domain.errors import Refusal
from grants.domain.i18n import N_, msg
from grants.domain.lifecycles.tranche import TRANCHE
from grants.domain.tranches import GATES
from grants.extensions import db
from grants.models.awards import Award, Tranche
from grants.services import locked
from grants.services.lifecycle import apply

AGREEMENT_SIGNED_EVIDENCE = N_("协议已签订")
"""The evidence recorded when the countersignature meets the first gate (stored untranslated)."""
AWARD_NOT_FOUND = N_("找不到这个立项项目")


def record_gate(tranche: Tranche, evidence: str, actor) -> Tranche:
    """Move a locked ``pending`` tranche to ``due`` with ``evidence`` as the reason (one entry).

    Refused by the lifecycle when the tranche is not pending (409) or the evidence is empty
    (422); the caller holds the award lock.
    """
    apply(TRANCHE, tranche, "meet_gate", actor, reason=evidence, payload={
        "award_id": tranche.award_id, "gate": tranche.gate, "sequence": tranche.sequence,
        "amount_fen": tranche.amount_fen,
    })
    return tranche


def gate_met(award_id: int, gate: str, evidence: str, actor) -> Tranche | None:
    """The award's tranche waiting for ``gate`` becomes due; returns it, or None when the
    award's plan has no tranche for that gate.

    Runs in the caller's transaction: locks the award (then the tranche), applies
    ``meet_gate`` with ``evidence`` as the reason, and leaves the commit to the caller.
    """
    if gate not in GATES:
        raise Refusal(msg("未知的拨付条件“{gate}”", gate=gate), status=400)
    locked(Award, award_id, msg(AWARD_NOT_FOUND))
    tranche_id = db.session.scalar(
        select(Tranche.id).where(Tranche.award_id == award_id, Tranche.gate == gate)
    )
    if tranche_id is None:
        return None
    return record_gate(locked(Tranche, tranche_id), evidence, actor)

"""Payment (付款) of one tranche: requested → approved (by a *different* finance officer) →
paid (bank reference, value date, paying account) | rejected (reason) | cancelled (reason).

An approval covers a digest of what was approved (see :meth:`grants.domain.payments.
PaymentContent.digest`); when any of it changes the approval lapses (``void``) and the payment
is requested again. The four-eyes rule (approver ≠ requester) is checked by
:func:`grants.domain.payments.check_approval` and by a database CHECK, not by this table: the
table says which *role* may act, the rule says which *person*.
"""

from __future__ import annotations

from grants.domain.i18n import N_
from grants.domain.workflow import Labels, Lifecycle

_FINANCE = ("finance",)

PAYMENT = Lifecycle(
    name="payment",
    table={
        (None, "request"): ("requested", _FINANCE),
        ("requested", "approve"): ("approved", _FINANCE),
        ("approved", "void"): ("requested", ("finance", "organizer", "admin", "system")),
        ("approved", "mark_paid"): ("paid", _FINANCE),
        ("requested", "reject"): ("rejected", _FINANCE),
        ("approved", "reject"): ("rejected", _FINANCE),
        ("requested", "cancel"): ("cancelled", _FINANCE),
        ("approved", "cancel"): ("cancelled", _FINANCE),
    },
    labels=Labels(
        {
            "requested": N_("待审批"),
            "approved": N_("已审批待付款"),
            "paid": N_("已付款"),
            "rejected": N_("已驳回"),
            "cancelled": N_("已取消"),
        },
        {
            "request": N_("申请付款"),
            "approve": N_("审批通过"),
            "void": N_("审批失效"),
            "mark_paid": N_("登记已付款"),
            "reject": N_("驳回"),
            "cancel": N_("取消"),
        },
    ),
    reason_actions=frozenset({"reject", "cancel", "void"}),
)
COMMITTING_STATES: frozenset[str] = frozenset({"approved", "paid"})
"""Payments that hold money of the award: approved ones are promised, paid ones are gone."""
OPEN_STATES: frozenset[str] = frozenset({"requested", "approved"})
"""Payments still in progress: a tranche has at most one of these at a time."""
REQUESTED = "requested"
"""A payment awaiting its approval (where a request starts and a void returns it)."""
APPROVED = "approved"
"""A payment approved by a second officer, bound to its content, awaiting the bank."""
PAID = "paid"
"""A payment the bank has made: its money has left."""
REJECTED = "rejected"
"""A payment an officer refused, with the reason; its tranche may be requested again."""

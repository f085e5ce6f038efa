"""Proposals (申报): drafting, saving, submitting, resubmitting and withdrawing, and reading them.

Split the way Indico splits a module: :mod:`.commands` changes proposals (one transaction and
one audit entry each), :mod:`.queries` only reads, :mod:`.inputs` is what the applicant typed
and how it is read into typed values. The public names are re-exported here, so callers keep
writing ``from grants.services import proposals; proposals.submit(...)``.
"""

from __future__ import annotations

from grants.services.proposals.commands import (
    create_draft,
    incomplete_message,
    keep_draft,
    lock_editable,
    lock_owned,
    lock_proposal,
    recall,
    save_draft,
    snapshot,
    submission_problems,
    submit,
    withdraw,
)
from grants.services.proposals.inputs import (
    TEAM_MAX,
    ActivityInput,
    LineInput,
    Parsed,
    ProposalInput,
    draft_of,
    parse_input,
)
from grants.services.proposals.queries import (
    deadline_of,
    get_owned,
    get_visible,
    link_to,
    mine,
    open_rounds,
    round_needs,
    timeline,
    version_changes,
)

__all__ = [
    "TEAM_MAX", "ActivityInput", "LineInput", "Parsed", "ProposalInput", "create_draft",
    "deadline_of", "draft_of", "get_owned", "get_visible", "incomplete_message", "keep_draft",
    "link_to", "lock_editable", "lock_owned", "lock_proposal", "mine", "open_rounds",
    "parse_input", "recall", "round_needs", "save_draft", "snapshot", "submission_problems",
    "submit", "timeline", "version_changes", "withdraw",
]

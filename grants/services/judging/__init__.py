"""Online judging use cases: rubric, settings, panel, assignments, conflicts, sheets, votes.

Split the way Indico splits an area into ``operations.py`` and ``util.py``:

- :mod:`.commands` changes things: each command loads, checks with the domain, changes the
  rows, writes its audit entry (state changes through ``lifecycle.apply``) and commits;
- :mod:`.queries` reads: pages, the ranking, the CLI and the commands look things up there.

The names below are re-exported so callers keep writing ``judging.save_sheet(...)`` and
``judging.settings_for(...)`` without knowing which half a function lives in.
"""

from __future__ import annotations

from grants.services.judging.commands import (
    add_judge,
    cast_vote,
    close_judging,
    declare_conflict,
    generate_assignments,
    publish_results,
    remove_judge,
    reopen_sheet,
    replace_judge,
    save_sheet,
    update_rubric,
    update_settings,
)
from grants.services.judging.queries import (
    RANKABLE_STATES,
    SETTINGS_DEFAULTS,
    SETTINGS_FIELDS,
    DashboardRound,
    DashboardRow,
    OverviewRow,
    ProposalView,
    ScoringPage,
    all_rounds,
    as_domain,
    assignments_of,
    attachment_blob,
    attachment_for,
    attachment_name,
    available_judges,
    conflict_map,
    conflict_of,
    conflicts_in_round,
    conflicts_of_judge,
    criteria_rows,
    get_proposal,
    get_round,
    get_sheet,
    get_user,
    judge_dashboard,
    judging_closed,
    new_criterion_key,
    on_panel,
    open_sheet,
    organisations,
    panel_of,
    proposal_view,
    rankable_proposals,
    replacement_options,
    round_overview,
    rubric_lock,
    rubric_of,
    settings_for,
    sheet_access,
    sheet_actions,
    sheet_points,
    vote_counts,
    vote_listing,
    vote_turnout,
    votes_of,
)

__all__ = [
    # commands
    "add_judge", "cast_vote", "close_judging", "declare_conflict", "generate_assignments",
    "publish_results", "remove_judge", "reopen_sheet", "replace_judge", "save_sheet",
    "update_rubric", "update_settings",
    # queries
    "RANKABLE_STATES", "SETTINGS_DEFAULTS", "SETTINGS_FIELDS", "DashboardRound", "DashboardRow",
    "OverviewRow", "ProposalView", "ScoringPage", "all_rounds", "as_domain", "assignments_of",
    "attachment_blob", "attachment_for", "attachment_name", "available_judges", "conflict_map",
    "conflict_of", "conflicts_in_round", "conflicts_of_judge", "criteria_rows", "get_proposal",
    "get_round", "get_sheet", "get_user", "judge_dashboard", "judging_closed",
    "new_criterion_key", "on_panel", "open_sheet", "organisations", "panel_of", "proposal_view",
    "rankable_proposals", "replacement_options", "round_overview", "rubric_lock", "rubric_of",
    "settings_for", "sheet_access", "sheet_actions", "sheet_points", "vote_counts",
    "vote_listing", "vote_turnout", "votes_of",
]

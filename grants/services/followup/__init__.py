"""Satisfaction follow-up (回访) and the quarterly provider league table.

:mod:`.lists` (the grantee's beneficiary lists), :mod:`.samples` (rules, the draw, callers,
opening and closing), :mod:`.calls` (the caller's own numbers and attempts), :mod:`.queries`
(pages, tallies, the check of a draw), :mod:`.league` (the table and its evaluation input) and
:mod:`.erasure` (numbers erased after the round). Names are re-exported here.

The API as shipped (every refusal is a ``Refusal`` with its HTTP status)::

    upload_list(user, award_id, filename, data: bytes, now=None) -> BeneficiaryList
    list_page(user, award_id) -> ListPage          # rows masked; 404 for other grantees
    my_awards(user) -> list[OwnedAward]
    rules_of(round_id) -> Rules;  save_rules(actor, round_id, data) -> Rules
    draw_sample(actor, round_id, quarter, now=None) -> FollowUpSample
    assign_caller(actor, sample_id, award_id, caller_id) -> int
    start_calling(actor, sample_id);  close_sample(actor, sample_id, now=None)
    record_attempt(user, call_id, outcome, on_time=None, notes="", now=None) -> FollowUpCall
    my_calls(user) -> list[MyCall]                 # the only full numbers: the caller's own
    my_list_rows(user) -> list[dict]               # the caller's export, audited
    rounds_overview(), round_view(round_id), sample_view(user, sample_id), export_rows(sample_id)
    tallies(sample_id) -> {award_id: Tally};  verify(sample) -> Verification
    evaluation_scores(round_id, quarter) -> {award_id: decided evaluation score 0-100}
    league_view(user, sample_id) -> LeagueView;  closed_league(sample_id);  league_list(user)
    erase_due_numbers(now=None) -> [(DueList, erased count)]
"""

from __future__ import annotations

from grants.services.followup.calls import (
    MY_LIST_COLUMNS,
    MyCall,
    my_calls,
    my_list_rows,
    parse_answer,
    record_attempt,
)
from grants.services.followup.erasure import DueList, due_lists, erase_due_numbers
from grants.services.followup.league import (
    LeagueView,
    closed_league,
    evaluation_scores,
    league_list,
    league_view,
    provider_inputs,
)
from grants.services.followup.lists import (
    ListPage,
    OwnedAward,
    list_page,
    my_awards,
    upload_list,
    visible_award,
)
from grants.services.followup.queries import (
    SampleView,
    caller_candidates,
    export_rows,
    round_or_404,
    round_view,
    rounds_overview,
    sample_or_404,
    sample_view,
    tallies,
    verify,
)
from grants.services.followup.samples import (
    assign_caller,
    close_sample,
    draw_sample,
    open_quarters,
    rules_of,
    save_rules,
    start_calling,
)

__all__ = [
    "MY_LIST_COLUMNS", "DueList", "LeagueView", "ListPage", "MyCall", "OwnedAward", "SampleView",
    "assign_caller", "caller_candidates", "close_sample", "closed_league", "draw_sample",
    "due_lists", "erase_due_numbers", "evaluation_scores", "export_rows", "league_list",
    "league_view", "list_page", "my_awards", "my_calls", "my_list_rows", "open_quarters",
    "parse_answer", "provider_inputs", "record_attempt", "round_or_404", "round_view",
    "rounds_overview", "rules_of", "sample_or_404", "sample_view", "save_rules",
    "start_calling", "tallies", "upload_list", "verify", "visible_award",
]

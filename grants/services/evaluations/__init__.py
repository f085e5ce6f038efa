"""Mid-term and final evaluations (中期/结项评估): the grantee's report, the evaluators'
scores, the public results notice, and what a pass or a fail does to the award's money.

:mod:`.commands` changes evaluations before their results, :mod:`.results` publishes,
decides, takes objections and checks deadlines, :mod:`.queries` reads; :mod:`.common` holds
the locks (the award row first, as every payment command takes it). Names are re-exported here.

The API (``data`` is a mapping of form fields, ``files`` an iterable of ``(filename, bytes)``;
every refusal is a ``Refusal`` with its HTTP status and problems naming the inputs)::

    # organizer
    save_settings(actor, round_id, data)        # rubric, pass_mark, notice_days, grace_days,
                                                 # bar_years
    open_evaluations(actor, round_id, kind, due_on, now=None) -> list[Evaluation]
    assign_evaluator(actor, evaluation_id, evaluator_id) -> EvaluationSheet
    withdraw_sheet(actor, sheet_id) -> EvaluationSheet
    return_report(actor, evaluation_id, reason) / cancel_evaluation(actor, evaluation_id, reason)
    publish_results(actor, round_id, kind, today=None) -> Notice
    confirm_results(notice_id, actor=None, today=None) -> int  # via notices.confirm_notice
    # grantee
    save_report(user, evaluation_id, data, files=(), submit=False, now=None) -> Evaluation
        data: activity_<i>_status (done | partly | not_done), activity_<i>_note,
              other_activities, beneficiaries, summary
    remove_photo(user, photo_id) -> evaluation_id
    # evaluator
    submit_sheet(user, sheet_id, data, now=None) -> EvaluationSheet  # points_<key>, comment
    # anyone, during the results notice
    file_objection(evaluation_id, text, user=None, name="", phone="", today=None)
    # cron (system)
    remind_overdue(today=None, now=None) -> list[str]
"""

from __future__ import annotations

from grants.services.evaluations.commands import (
    assign_evaluator,
    cancel_evaluation,
    open_evaluations,
    remove_photo,
    return_report,
    save_report,
    save_settings,
    spending_summary,
    submit_sheet,
    withdraw_sheet,
)
from grants.services.evaluations.common import settings_of
from grants.services.evaluations.queries import (
    award_evaluations,
    evaluation_page,
    evaluator_queue,
    evaluators,
    my_evaluations,
    photo_file,
    results_notice,
    round_overview,
    rounds_index,
    sheet_page,
)
from grants.services.evaluations.results import (
    accepts_objections,
    confirm_results,
    file_objection,
    publish_results,
    remind_overdue,
)

__all__ = [
    "accepts_objections", "assign_evaluator", "award_evaluations", "cancel_evaluation",
    "confirm_results", "evaluation_page", "evaluator_queue", "evaluators", "file_objection",
    "my_evaluations", "open_evaluations", "photo_file", "publish_results", "remind_overdue",
    "remove_photo", "results_notice", "return_report", "round_overview", "rounds_index",
    "save_report", "save_settings", "settings_of", "sheet_page", "spending_summary",
    "submit_sheet", "withdraw_sheet",
]

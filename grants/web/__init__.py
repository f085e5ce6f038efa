"""Thin blueprints, one package per area of the site."""

from __future__ import annotations

from flask import Flask


def register_blueprints(app: Flask) -> None:
    """Mount every area's blueprint."""
    from grants.web.account.views import bp as account
    from grants.web.admin.views import bp as admin
    from grants.web.audit.views import bp as audit
    from grants.web.auth.views import bp as auth
    from grants.web.awards.views import bp as awards
    from grants.web.evaluations.views import bp as evaluations
    from grants.web.expenses.views import bp as expenses
    from grants.web.exports.views import bp as exports
    from grants.web.finance.views import bp as finance
    from grants.web.followup.views import bp as followup
    from grants.web.home.views import bp as home
    from grants.web.jobs.views import bp as jobs
    from grants.web.judging.views import bp as judging
    from grants.web.main.views import bp as main
    from grants.web.needs.views import bp as needs
    from grants.web.notices.views import bp as notices
    from grants.web.notifications.views import bp as notifications
    from grants.web.portal.api import bp as api
    from grants.web.portal.views import bp as portal
    from grants.web.proposals.views import bp as proposals
    from grants.web.rounds.views import bp as rounds
    from grants.web.screening.views import bp as screening
    from grants.web.transparency_log.views import bp as transparency_log

    for blueprint in (main, auth, admin, audit, rounds, needs, proposals, screening,
                      notifications, judging, awards, notices, finance, expenses, jobs, portal,
                      api, account, followup, exports, evaluations, home):
        app.register_blueprint(blueprint)
    app.register_blueprint(transparency_log)

"""Rate limits on what anyone may post without an account (Flask-Limiter).

Anonymous objections are limited twice: per address (``OBJECTION_LIMIT_PER_ADDRESS``) so one
sender cannot flood a notice, and per notice (``OBJECTION_LIMIT_PER_NOTICE``) so many senders
together cannot bury the organizers in rulings. Only objections actually filed count; a signed-in
visitor is not limited here (their objections carry their account). The counts live in Redis in
production (``RATELIMIT_STORAGE_URI``), so every worker shares them, and in memory for
``make run`` and the tests.
"""

from __future__ import annotations

from flask import current_app, request
from flask_babel import gettext as _
from flask_limiter import Limiter
from flask_login import current_user

from grants.extensions import db
from grants.models.awards import Award
from grants.services import is_row_id


def client_address() -> str:
    """The client's address as the app sees it (the proxy's report only through ProxyFix)."""
    return request.remote_addr or "unknown"


limiter = Limiter(key_func=client_address)


def _signed_in() -> bool:
    return bool(current_user.is_authenticated)


def _filed(response) -> bool:
    """Count a request only when it filed something (it redirects to the receipt)."""
    return response.status_code in (302, 303)


def _notice_key() -> str:
    """The notice an objection is filed against, as the key of its shared limit."""
    award_id = (request.view_args or {}).get("award_id")
    award = db.session.get(Award, award_id) if is_row_id(award_id) else None
    return f"notice:{award.notice_id if award is not None else 'none'}"


def _too_many() -> str:
    return _("提交的异议过多，请稍后再试；如确有急事，可登录后提交或直接联系主办方。")


def anonymous_objection_limits(view):
    """Decorate the objection view with the per-address and per-notice limits."""
    per_address = limiter.limit(
        lambda: current_app.config["OBJECTION_LIMIT_PER_ADDRESS"], key_func=client_address,
        methods=["POST"], exempt_when=_signed_in, deduct_when=_filed,
        error_message=_too_many, scope="objection-address")
    per_notice = limiter.limit(
        lambda: current_app.config["OBJECTION_LIMIT_PER_NOTICE"], key_func=_notice_key,
        methods=["POST"], exempt_when=_signed_in, deduct_when=_filed,
        error_message=_too_many, scope="objection-notice")
    return per_notice(per_address(view))

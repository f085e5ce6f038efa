"""The second factor at sign-in (set up an authenticator, type a code) and the security page.

A staff account whose password was right reaches these two steps *waiting*: not yet signed in
to any page. Setting up shows the secret as a QR code drawn on the server (inline SVG, no
script, nothing fetched), and after one right code the ten recovery codes, once. The security
page changes the password (every other session ends) and makes new recovery codes.
"""

from __future__ import annotations

import segno
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from markupsafe import Markup

from grants.domain import second_factor as codes
from grants.domain.errors import Refusal
from grants.domain.permissions import policies
from grants.services import auth, passwords, second_factor, sessions
from grants.web import sessions as web_sessions
from grants.web.access import requires
from grants.web.account.forms import CodeForm, ConfirmForm, PasswordChangeForm
from grants.web.redirects import safe_next

bp = Blueprint("account", __name__, url_prefix="/account")


def _next() -> str:
    """Where to continue once signed in: the page asked for, if it is on this site."""
    return safe_next(request.args.get("next"), url_for("main.index"))


def _signed_in_now(live, method: str) -> None:
    """The second factor was right: a new session id, signed in."""
    token, row = auth.finish(live.row, live.user, method)
    web_sessions.sign_in(token, row, live.user)


def qr_svg(text: str) -> Markup:
    """``text`` as a QR code in inline SVG (server-drawn: no script, no outside request)."""
    code = segno.make(text, error="m")
    return Markup(code.svg_inline(scale=5, border=2, title=_("两步验证二维码"),  # noqa: S704 — segno's own SVG of an otpauth URI, no user HTML
                                  svgclass="totp-qr"))


@bp.route("/two-factor", methods=["GET", "POST"])
@requires(policies.SIGNED_IN, second_factor_step=True)
def second_factor_step():
    """The code step after a right password: a code from the app, or a recovery code."""
    live = web_sessions.waiting()
    if live is None:
        return redirect(_next())
    if not second_factor.is_enrolled(live.user):
        return redirect(url_for(".setup", next=request.args.get("next")))
    form = CodeForm()
    if not form.validate_on_submit():
        return render_template("account/code.html", form=form), 400 if form.errors else 200
    try:
        method = second_factor.verify(live.user, form.code.data, request.remote_addr or "")
    except second_factor.Throttled as throttled:
        abort(429, retry_after=throttled.retry_after)
    if method is None:
        flash(_("验证码不正确或已经用过，请输入验证器应用当前显示的 6 位数字"), "danger")
        return render_template("account/code.html", form=form), 401
    _signed_in_now(live, method)
    if method == "recovery":
        left = second_factor.unused_recovery_codes(live.user)
        flash(_("已使用一个恢复码登录，还剩 %(n)s 个；用完前请在“账号安全”中重新生成", n=left),
              "warning")
    return redirect(_next())


@bp.route("/two-factor/setup", methods=["GET", "POST"])
@requires(policies.SIGNED_IN, second_factor_step=True)
def setup():
    """Set up an authenticator app: scan the QR code (or type the secret), type one code."""
    live = web_sessions.waiting()
    if live is None:
        return redirect(url_for(".security"))
    if second_factor.is_enrolled(live.user):
        return redirect(url_for(".second_factor_step", next=request.args.get("next")))
    secret = second_factor.begin(live.user).secret
    form = CodeForm()
    status = 400 if form.errors else 200
    if form.validate_on_submit():
        try:
            recovery = second_factor.confirm(live.user, form.code.data)
        except Refusal as error:
            flash(str(error), "danger")
            status = error.status
        else:
            _signed_in_now(live, "totp")
            return render_template("account/recovery_codes.html", codes=recovery,
                                   next=_next(), first=True)
    uri = codes.provisioning_uri(secret, live.user.username)
    return render_template("account/setup.html", form=form, qr=qr_svg(uri),
                           secret=codes.grouped_secret(secret)), status


def _security_page(password_form=None, status: int = 200):
    """The security page: second factor state, recovery codes left, password change."""
    enrolled = second_factor.is_enrolled(current_user)
    return render_template(
        "account/security.html",
        enrolled=enrolled,
        required=sessions.needs_second_factor(current_user),
        codes_left=second_factor.unused_recovery_codes(current_user) if enrolled else 0,
        password_form=password_form or PasswordChangeForm(),
        renew_form=ConfirmForm(),
    ), status


@bp.get("/security")
@requires(policies.SIGNED_IN)
def security():
    """The signed-in person's own security settings."""
    return _security_page()


@bp.post("/password")
@requires(policies.SIGNED_IN)
def change_password():
    """Change one's password; every other signed-in session of the account ends."""
    form = PasswordChangeForm()
    if not form.validate_on_submit():
        return _security_page(form, 400)
    live = web_sessions.current()
    try:
        ended = passwords.change_password(current_user, form.current.data, form.new.data,
                                          live.row if live else None)
    except Refusal as error:
        flash(str(error), "danger")
        return _security_page(form, error.status)
    flash(_("密码已修改；其他设备上的 %(n)s 个登录已退出", n=ended), "success")
    return redirect(url_for(".security"))


@bp.post("/recovery-codes")
@requires(policies.SIGNED_IN)
def renew_recovery_codes():
    """Replace the recovery codes by ten new ones, shown once."""
    if not ConfirmForm().validate_on_submit():
        abort(400)
    recovery = second_factor.regenerate_recovery_codes(current_user)
    return render_template("account/recovery_codes.html", codes=recovery,
                           next=url_for(".security"), first=False)

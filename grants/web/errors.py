"""Error pages: every failure answers with a clear page in the visitor's language.

This is the one place that turns a :class:`~grants.domain.errors.Refusal` into a response: a view
that has no form to show again simply lets the refusal propagate, and the visitor gets its
status with the reason on the error page (or as JSON). Views that re-render a form catch the
refusal themselves to show it beside what was typed.
"""

from __future__ import annotations

from flask import Flask, render_template, request
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, InternalServerError

from grants.domain.errors import Refusal
from grants.extensions import db


def _messages() -> dict[int, str]:
    """Plain-language explanations of the statuses people meet."""
    return {
        400: _("请求有误，请检查填写的内容后重试。"),
        401: _("请先登录。"),
        403: _("您没有权限访问这个页面。"),
        404: _("找不到这个页面，可能已被删除或地址有误。"),
        405: _("不支持这种访问方式。"),
        413: _("上传的文件太大：每个附件不能超过 10 MB。"),
        429: _("尝试次数过多，请稍后再试。"),
        500: _("系统出错了，我们已经记录下来，请稍后再试。"),
    }


def _render(status: int, detail: str = "", headers=None, problems=()):
    """Render the error page for a status, keeping headers such as Retry-After."""
    message = _messages().get(status, _("请求无法完成。"))
    wants_json = request.accept_mimetypes.best == "application/json"
    if wants_json:
        body = {"error": message, "detail": detail}
        if problems:
            body["problems"] = [_problem_json(problem) for problem in problems]
        return body, status, headers or []
    listed = [str(getattr(problem, "message", problem)) for problem in problems]
    page = render_template("errors/error.html", status=status, message=message, detail=detail,
                           problems=[text for text in listed if text != detail])
    return page, status, headers or []


def _http_error(error: HTTPException):
    """Any HTTP error raised by a view or by Werkzeug."""
    headers = [(k, v) for k, v in error.get_headers() if k.lower() != "content-type"]
    detail = error.description if error.code in (400, 413, 429) and _custom(error) else ""
    return _render(error.code or 500, detail, headers)


def _custom(error: HTTPException) -> bool:
    """True when a view gave its own description (not Werkzeug's English default)."""
    return error.description != type(error).description


def _problem_json(problem) -> dict:
    """One problem of a refusal as JSON: the input it names (if any) and its message."""
    return {"field": getattr(problem, "field", None),
            "message": str(getattr(problem, "message", problem))}


def _refusal(error: Refusal):
    """A refused request: its status and reason; anything the request had started is undone."""
    db.session.rollback()
    return _render(error.status, str(error), problems=error.problems)


def _csrf_error(error: CSRFError):
    """A form posted without a valid CSRF token: nothing was changed."""
    return _render(400, _("表单已过期或缺少安全令牌，请刷新页面后重新提交。"))


def _server_error(error: InternalServerError):
    """Unexpected failure: roll back so nothing half-done is kept, then apologise."""
    db.session.rollback()
    return _render(500)


def register_errors(app: Flask) -> None:
    """Attach the error handlers."""
    app.register_error_handler(Refusal, _refusal)
    app.register_error_handler(CSRFError, _csrf_error)
    app.register_error_handler(InternalServerError, _server_error)
    app.register_error_handler(HTTPException, _http_error)

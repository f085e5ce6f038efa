"""``@idempotent``: a POST view whose retry (a double click, a resent form, a script's retry)
gets the first answer instead of doing the work again.

Put it under the route's policy, so an anonymous or unauthorised visitor never uses a key::

    @bp.post("/payments/<int:payment_id>/approve")
    @requires(policies.FINANCE)
    @idempotent
    def approve(payment_id): ...

and draw the key into the form with ``{{ idempotency_field() }}`` (``_macros/forms.html``);
scripted clients send an ``Idempotency-Key`` header instead. Then:

- a missing or malformed key is refused (400) and the view does not run (a GET of the same
  view, drawing its form, needs no key);
- the first request with a key runs the view; its answer — status, ``Location``, content type,
  body and the messages it flashed — is stored (a refusal, 4xx, included: the replay is refused
  alike). A server error (5xx, or an exception) stores nothing and gives the key up, so a retry
  runs the work — unless the work had committed before the error: the key stays held (its
  retries are refused, 409), as running it again would do it twice;
- the same request again is answered with the stored answer, unchanged, and its flashes are
  flashed again; the view does not run;
- a different request (method, path and query, actor, form fields, uploaded files or raw body)
  with the key is refused (422);
- a copy arriving while the first is still running waits for it (up to the app setting
  ``IDEMPOTENCY_WAIT_SECONDS``, default :data:`WAIT_SECONDS`) and then gets its answer, or 409
  if it is still running: see :func:`grants.services.idempotency.begin`.

The refusals go through the app's Refusal handler (``grants/web/errors.py``): an error page, or
JSON for clients that ask for it. Nothing here knows what the view does.
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
from collections.abc import Callable
from functools import wraps

from flask import current_app, flash, make_response, request, session
from flask_login import current_user
from werkzeug.exceptions import HTTPException
from werkzeug.wrappers import Response

from grants.domain.errors import Refusal
from grants.domain.idempotency import REPLAY, check_key, fingerprint
from grants.services import idempotency

FIELD = "idempotency_key"
HEADER = "Idempotency-Key"
WAIT_SECONDS = 10.0
"""How long a copy of a running request waits for its answer before it is refused with 409."""
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
"""Methods that change nothing: a view serving its form by GET and taking it by POST needs a
key only for the POST."""
_FLASHES = "_flashes"


def new_idempotency_key() -> str:
    """A fresh key for one drawn form (the Jinja global behind ``idempotency_field()``)."""
    return secrets.token_urlsafe(24)


def _request_fields() -> dict[str, list[str]]:
    """What the request sends, as the fingerprint reads it: every form field's values, a digest
    of each uploaded file, and a digest of any other body (a JSON client's)."""
    fields = {name: request.form.getlist(name) for name in request.form}
    for name in request.files:
        fields[f"@file:{name}"] = [_file_digest(upload) for upload in request.files.getlist(name)]
    if not request.form and not request.files and (data := request.get_data()):
        fields["@body"] = [hashlib.sha256(data).hexdigest()]
    return fields


def _file_digest(upload) -> str:
    """sha256 of an uploaded file's name and content; the stream is rewound for the view."""
    digest = hashlib.sha256((upload.filename or "").encode() + b"\0")
    digest.update(upload.stream.read())
    upload.stream.seek(0)
    return digest.hexdigest()


def _actor_id() -> int | None:
    """The signed-in person's id, or None for a visitor."""
    return current_user.id if current_user.is_authenticated else None


def _request_fingerprint() -> str:
    """The fingerprint of this request (method, path with query, actor, fields)."""
    path = request.full_path.removesuffix("?")
    return fingerprint(request.method, path, _request_fields(), _actor_id())


def _flashed() -> list:
    """The messages waiting in the session to be shown, in order."""
    return list(session.get(_FLASHES, ()))


def _answer_of(view: Callable, args, kwargs) -> Response:
    """Run the view; a refusal (a Refusal or a 4xx HTTP error) becomes the page the app's
    error handler draws for it, any other exception propagates."""
    try:
        return make_response(view(*args, **kwargs))
    except (Refusal, HTTPException) as error:
        status = error.status if isinstance(error, Refusal) else error.code or 500
        if status >= 500:
            raise
        return make_response(current_app.handle_user_exception(error))


def _stored_body(response: Response, flashes: list) -> str:
    """The response as kept with its key: content type, body (text, or base64 for bytes) and
    the messages the view flashed, as JSON."""
    data = response.get_data()
    kept = {"content_type": response.content_type, "flashes": [list(f) for f in flashes]}
    try:
        kept["text"] = data.decode(response.mimetype_params.get("charset", "utf-8"))
    except (UnicodeDecodeError, LookupError):
        kept["base64"] = base64.b64encode(data).decode("ascii")
    return json.dumps(kept, ensure_ascii=False)


def _replayed(answer: idempotency.Answer) -> Response:
    """The stored answer as a response again, its flashes flashed again."""
    kept = json.loads(answer.body or "{}")
    for category, message in kept.get("flashes", ()):
        flash(message, category)
    data = base64.b64decode(kept["base64"]) if "base64" in kept else kept.get("text", "")
    response = current_app.response_class(data, status=answer.status_code,
                                          content_type=kept.get("content_type"))
    if answer.location:
        response.headers["Location"] = answer.location
    return response


def _first_run(key: str, view: Callable, args, kwargs) -> Response:
    """Run the view holding ``key``: store its answer, or give the key up on a server error."""
    waiting = _flashed()
    try:
        with idempotency.holding(key):
            response = _answer_of(view, args, kwargs)
    except BaseException:
        idempotency.abandon(key)
        raise
    if response.status_code >= 500:
        idempotency.abandon(key)
        return response
    now_waiting = _flashed()
    added = now_waiting[len(waiting):] if now_waiting[:len(waiting)] == waiting else now_waiting
    idempotency.finish(key, response.status_code, response.headers.get("Location"),
                       _stored_body(response, added))
    return response


def idempotent(view: Callable) -> Callable:
    """Decorator for a POST view: one key, one run of the view, the same answer every time.

    It goes below ``@requires``: a view that already carries a policy is refused (TypeError),
    as its key would be used before the visitor's right to the route is checked.
    """
    if getattr(view, "policy", None) is not None:
        raise TypeError(f"{view.__name__}: put @idempotent below @requires(...), so the "
                        "policy is checked before a key is used")

    @wraps(view)
    def guarded(*args, **kwargs):
        if request.method in SAFE_METHODS:
            return view(*args, **kwargs)
        key = check_key(request.form.get(FIELD) or request.headers.get(HEADER))
        wait = float(current_app.config.get("IDEMPOTENCY_WAIT_SECONDS", WAIT_SECONDS))
        begun = idempotency.begin(key, _request_fingerprint(), _actor_id(), wait_seconds=wait)
        if begun.decision == REPLAY:
            return _replayed(begun.answer)
        return _first_run(key, view, args, kwargs)

    guarded.idempotent = True
    return guarded

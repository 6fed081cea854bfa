"""Public API for blog frontends: submit a comment, follow its status, read an article's comments."""

from __future__ import annotations

import json
import logging
from typing import Any

from flask import Blueprint, Response, g, jsonify, redirect, request, url_for
from flask.typing import ResponseReturnValue
from marshmallow import ValidationError

from service.core import store
from service.core.db import get_session
from service.core.errors import InvalidInput
from service.core.logs import comment_id_var, incoming_request_id, request_id_var
from service.core.queue import enqueue_comment
from service.core.settings import current_settings
from service.core.store import find_article, find_comment, status_view
from service.core.vocabulary import PublicStatus
from service.web.errors import ApiError, flatten
from service.web.forms import form_field_errors, form_return_url, invalid_utf8_fields
from service.web.guards import check_payload
from service.web.metrics import get_metrics
from service.web.schemas import (
    ArticleOut,
    CommentIn,
    CommentPageOut,
    CommentStatusOut,
    PageArgs,
    form_to_comment,
)
from service.web.security import client_ip

bp = Blueprint("public", __name__, url_prefix="/api/v1")
log = logging.getLogger("commentq.api")

FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")
MAX_JSON_DEPTH = 20
# Integers longer than this are refused by name (Python's own limit, 4,300 digits, would answer
# with a message about sys.set_int_max_str_digits()); no field of the API needs more.
MAX_JSON_INT_DIGITS = 30


class _HugeNumber:
    """Stands in for a JSON integer longer than MAX_JSON_INT_DIGITS until its field is known."""


_HUGE = _HugeNumber()


def _parse_int(digits: str) -> int | _HugeNumber:
    return int(digits) if len(digits.lstrip("-")) <= MAX_JSON_INT_DIGITS else _HUGE


def _holds_huge(value: Any) -> bool:
    stack = [value]
    while stack:
        item = stack.pop()
        if item is _HUGE:
            return True
        if isinstance(item, dict):
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return False


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise ApiError(400, f"Duplicate key {key!r} in JSON body.", {key: ["Given more than once."]})
        out[key] = value
    return out


def _depth(value: Any, limit: int = MAX_JSON_DEPTH) -> int:
    stack = [(value, 1)]
    deepest = 0
    while stack:
        item, d = stack.pop()
        deepest = max(deepest, d)
        if deepest > limit:
            return deepest
        if isinstance(item, dict):
            stack.extend((v, d + 1) for v in item.values())
        elif isinstance(item, list):
            stack.extend((v, d + 1) for v in item)
    return deepest


def parse_json_body() -> Any:
    raw = request.get_data(cache=True)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ApiError(400, "Request body is not valid UTF-8.") from exc
    try:
        data = json.loads(text, object_pairs_hook=_no_duplicates, parse_int=_parse_int)
    except RecursionError as exc:
        raise ApiError(400, "JSON body is nested too deeply.") from exc
    except ValueError as exc:
        raise ApiError(400, f"Malformed JSON: {exc}.") from exc
    if _depth(data) > MAX_JSON_DEPTH:
        raise ApiError(400, "JSON body is nested too deeply.")
    if _holds_huge(data):
        too_long = f"Number too large (more than {MAX_JSON_INT_DIGITS} digits)."
        fields = [k for k, v in data.items() if _holds_huge(v)] if isinstance(data, dict) else ["_schema"]
        raise ApiError(422, "The request has invalid fields.", {field: [too_long] for field in fields})
    if not isinstance(data, dict):
        raise ApiError(400, "JSON body must be an object.", {"_schema": ["Expected a JSON object."]})
    return data


@bp.post("/articles/<slug>/comments")
def submit_comment(slug: str) -> ResponseReturnValue:
    """Validate, store (committed), then queue; answer at once with 202 (JSON) or 303 (form)."""
    metrics = get_metrics()
    mimetype = request.mimetype
    is_form = mimetype in FORM_TYPES
    if mimetype != "application/json" and not is_form:
        metrics.submissions.labels("unsupported").inc()
        raise ApiError(
            415,
            "Send application/json or an HTML form (application/x-www-form-urlencoded).",
            {"Content-Type": [f"Unsupported: {mimetype or 'none'}."]},
        )
    if is_form:
        # The raw body first (cached: werkzeug parses the form from it), to see bytes the form
        # parser would turn into U+FFFD.
        raw = request.get_data(cache=True)
        form = request.form.to_dict()
        bad = invalid_utf8_fields(raw, mimetype, form)
        if bad:
            metrics.submissions.labels("invalid").inc()
            raise ApiError(
                400, "The form was not sent as UTF-8 text.", {name: ["Not valid UTF-8 text."] for name in bad}
            )
        payload = form_to_comment(form)
    else:
        payload = parse_json_body()
    try:
        check_payload(payload)
    except ApiError as exc:
        if is_form:  # the reader's form calls them comment and comment_parent
            exc.errors = form_field_errors(exc.errors)
        raise
    article = find_article(get_session(), slug)
    if article.closed:
        metrics.submissions.labels("closed").inc()
        raise ApiError(403, "Comments are closed on this article.")
    try:
        data = CommentIn(max_body_chars=current_settings().max_body_chars).load(payload)
    except ValidationError as exc:
        metrics.submissions.labels("invalid").inc()
        if is_form:
            raise ApiError(422, "The comment has invalid fields.", form_field_errors(flatten(exc.messages))) from exc
        raise
    # Where a form post goes back to is settled before anything is stored: a bad ``redirect_to``
    # is ignored (back to the article), never an error after the comment was kept.
    back_to = form_return_url(article) if is_form else None
    request_id = g.get("request_id") or incoming_request_id(request.headers.get("X-Request-Id"))
    request_id_var.set(request_id)
    session = get_session()
    try:
        comment = store.create_comment(
            session, article, data, ip=client_ip(), user_agent=request.headers.get("User-Agent"), request_id=request_id
        )
    except InvalidInput as exc:
        session.rollback()
        metrics.submissions.labels("invalid").inc()
        if is_form:  # the reader's form calls them comment and comment_parent
            exc.errors = form_field_errors(exc.errors)
        raise
    g.submission_stored = True  # counts against the rate limit, whatever the answer (security.py)
    comment_id_var.set(comment.id)
    log.info("comment received", extra={"article": article.slug})
    enqueue_comment(comment.id, request_id)
    metrics.submissions.labels("accepted").inc()
    g.comment_id = comment.id
    location = url_for("public.comment_status", comment_id=comment.id)
    if is_form:
        target = back_to or location
        sep = "&" if "?" in target else "?"
        resp = redirect(f"{target.split('#')[0]}{sep}comment={comment.id}#comment-status", code=303)
        resp.headers["X-Comment-Location"] = location
        return resp
    body = {
        "id": comment.id,
        "status": PublicStatus.PENDING,
        "article": article.slug,
        "links": {"self": location, "article_comments": url_for("public.list_comments", slug=article.slug)},
    }
    resp = jsonify(body)
    resp.status_code = 202
    resp.headers["Location"] = location
    return resp


@bp.get("/comments/<comment_id>")
def comment_status(comment_id: str) -> Response:
    comment = find_comment(get_session(), comment_id)
    return jsonify(CommentStatusOut().dump(status_view(comment)))


@bp.get("/articles/<slug>/comments")
def list_comments(slug: str) -> Response:
    args = PageArgs().load(request.args.to_dict())
    session = get_session()
    article = find_article(session, slug)
    depth = current_settings().thread_depth
    page = store.published_threads(session, article, args["page"], args["per_page"], depth)
    return jsonify(
        CommentPageOut().dump(
            {
                "article": article.slug,
                "items": page.items,
                "page": page.page,
                "per_page": page.per_page,
                "total": page.total,
                "pages": page.pages,
                "comment_count": article.comment_count,
            }
        )
    )


@bp.get("/articles/<slug>")
def get_article(slug: str) -> Response:
    return jsonify(ArticleOut().dump(find_article(get_session(), slug)))

"""Moderation API: the held queue with every check's verdict, and decisions (all audited)."""

from __future__ import annotations

import logging
from typing import Any

from flask import Blueprint, Response, g, jsonify, request

from service.core import store
from service.core.db import get_session
from service.core.logs import comment_id_var
from service.core.models import Comment
from service.core.queue import enqueue_retrain_if_due
from service.core.render import render_body
from service.core.vocabulary import Action
from service.web.auth import require_moderator
from service.web.errors import ApiError
from service.web.metrics import get_metrics
from service.web.schemas import DecisionIn, ModerationItemOut, QueueArgs, QueueOut

bp = Blueprint("moderation", __name__, url_prefix="/api/v1/moderation")
log = logging.getLogger("commentq.moderation")


def moderation_item(comment: Comment, with_audit: bool = False) -> dict[str, Any]:
    item: dict[str, Any] = {
        "id": comment.id,
        "article": comment.article.slug,
        "status": comment.status,
        "author": comment.author,
        "email": comment.email,
        "url": comment.url,
        "ip": comment.ip,
        "user_agent": comment.user_agent,
        "body": comment.body,
        "body_preview_html": comment.body_html or render_body(comment.body),
        "created_at": comment.created_at,
        "parent_id": comment.parent_id,
        "attempts": comment.attempts,
        "checks": comment.checks,
    }
    if with_audit:
        item["audit"] = comment.events
    return item


@bp.get("/queue")
@require_moderator
def queue() -> Response:
    args = QueueArgs().load(request.args.to_dict())
    session = get_session()
    page = store.moderation_queue(session, args["status"], args["article"], args["page"], args["per_page"])
    return jsonify(
        QueueOut().dump(
            {
                "items": [moderation_item(c) for c in page.items],
                "page": page.page,
                "per_page": page.per_page,
                "total": page.total,
                "oldest_age_seconds": store.oldest_held_age(session),
            }
        )
    )


def _comment_or_404(comment_id: str) -> Comment:
    comment = get_session().get(Comment, comment_id) if len(comment_id) <= 36 else None
    if comment is None:
        raise ApiError(404, "No such comment.")
    return comment


@bp.get("/comments/<comment_id>")
@require_moderator
def comment_detail(comment_id: str) -> Response:
    return jsonify(ModerationItemOut().dump(moderation_item(_comment_or_404(comment_id), with_audit=True)))


def apply_decision(comment: Comment, action: Action, note: str | None, moderator: str) -> dict[str, Any]:
    """Shared by the API and the desk: decide, commit, then hand learning to the workers."""
    session = get_session()
    comment_id_var.set(comment.id)  # this request's log lines are about this comment
    previous = comment.status
    if not store.decide(session, comment, action, moderator, note):
        session.rollback()
        raise ApiError(
            409,
            f"Cannot {action} a comment that is {previous}.",
            {"action": [f"Not allowed from status {previous!r}."]},
        )
    session.commit()
    get_metrics().decisions.labels(action).inc()
    log.info("moderator decision", extra={"action": action, "moderator": moderator, "comment": comment.id})
    if action in store.LEARNING_ACTIONS:
        enqueue_retrain_if_due()
    session.refresh(comment)
    return {"id": comment.id, "action": action, "previous_status": previous, "status": comment.status}


@bp.post("/comments/<comment_id>/decision")
@require_moderator
def decision(comment_id: str) -> Response:
    if request.mimetype != "application/json":
        raise ApiError(415, "Send the decision as application/json.")
    data = DecisionIn().load(request.get_json(silent=False) or {})
    comment = _comment_or_404(comment_id)
    return jsonify(apply_decision(comment, data["action"], data.get("note"), g.moderator))

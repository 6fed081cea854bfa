"""Moderation API: the held queue with every check's verdict, and decisions (all audited; the
decision itself is ``service.core.decisions.apply_decision``, shared with the desk)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, g, jsonify, request

from service.core import store
from service.core.db import get_session
from service.core.decisions import apply_decision
from service.core.models import Comment
from service.core.render import render_body
from service.core.store import find_comment
from service.web.auth import require_moderator
from service.web.errors import ApiError
from service.web.schemas import DecisionIn, ModerationItemOut, QueueArgs, QueueOut

bp = Blueprint("moderation", __name__, url_prefix="/api/v1/moderation")


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


@bp.get("/comments/<comment_id>")
@require_moderator
def comment_detail(comment_id: str) -> Response:
    comment = find_comment(get_session(), comment_id)
    return jsonify(ModerationItemOut().dump(moderation_item(comment, with_audit=True)))


@bp.post("/comments/<comment_id>/decision")
@require_moderator
def decision(comment_id: str) -> Response:
    if request.mimetype != "application/json":
        raise ApiError(415, "Send the decision as application/json.")
    data = DecisionIn().load(request.get_json(silent=False) or {})
    session = get_session()
    comment = find_comment(session, comment_id)
    return jsonify(apply_decision(session, comment, data["action"], data.get("note"), g.moderator))

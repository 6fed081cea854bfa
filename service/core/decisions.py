"""A moderator's decision on one comment (approve, reject, spam, remove, not-spam): the one path
the moderation API and the desk share.

The status change is conditional (``store.decide``) and audited; the decision is committed before
learning is handed to the workers (``enqueue_retrain_if_due``), so a broker failure never undoes it.
"""

from __future__ import annotations

import logging
from typing import TypedDict

from blinker import Namespace
from sqlalchemy.orm import Session

from service.core import store
from service.core.errors import NotAllowed
from service.core.logs import comment_id_var
from service.core.models import Comment
from service.core.queue import enqueue_retrain_if_due
from service.core.vocabulary import Action

# The moderation API's logger name, kept: operators filter on it.
log = logging.getLogger("commentq.moderation")

# Sent (sender: the comment id; keyword ``action``) after a decision is committed; the web side's
# metrics count it (``service.web.metrics``).
decided = Namespace().signal("commentq.decided")


class DecisionResult(TypedDict):
    """What a decision did: the comment's id, the action, its status before and after."""

    id: str
    action: Action
    previous_status: str
    status: str


def apply_decision(
    session: Session, comment: Comment, action: Action, note: str | None, moderator: str
) -> DecisionResult:
    """Apply ``action`` (a key of ``store.MODERATOR_MOVES``) to ``comment`` as ``moderator`` (a
    name), with an optional ``note`` for the audit trail; commit, then queue a retrain if due.

    Raises ``NotAllowed`` (field ``action``) when the comment's status does not allow the action,
    after rolling ``session`` back.
    """
    comment_id_var.set(comment.id)  # the log lines from here on are about this comment
    previous = comment.status
    if not store.decide(session, comment, action, moderator, note):
        session.rollback()
        raise NotAllowed(
            f"Cannot {action} a comment that is {previous}.",
            {"action": [f"Not allowed from status {previous!r}."]},
        )
    session.commit()
    decided.send(comment.id, action=action)
    log.info("moderator decision", extra={"action": action, "moderator": moderator, "comment": comment.id})
    if action in store.LEARNING_ACTIONS:
        enqueue_retrain_if_due()
    session.refresh(comment)
    return {"id": comment.id, "action": action, "previous_status": previous, "status": comment.status}

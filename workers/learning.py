"""Learning from moderators: retrain the classifier on the corpus plus every ``spam``/``approve``.

The moderation API calls ``app.extensions["on_labelled"]`` after each such decision; that hook
only counts the new labelled examples and, once ``retrain_every`` have piled up, queues the
``workers.tasks.retrain_classifier`` task by name — training never runs in a web request. Beat
also queues the task periodically, so fewer decisions are learned from too. The task stores the
new model in ``spam_models``; every worker picks it up within seconds (see checks/classifier.py).
"""

from __future__ import annotations

import logging

from flask import Flask, current_app
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from service.models import LabelledExample, SpamModel
from workers.classifier import MODERATOR_WEIGHT, SHIPPED_CORPUS, read_corpus, train

log = logging.getLogger("commentq.learning")
RETRAIN_TASK = "workers.tasks.retrain_classifier"


def latest_model(session: Session) -> SpamModel | None:
    """The model that learned from the most decisions (see DbHistory.latest_model_id)."""
    return session.scalar(select(SpamModel).order_by(SpamModel.last_example_id.desc(), SpamModel.id.desc())
                          .limit(1))


def new_examples(session: Session) -> int:
    """Labelled examples not yet in the newest stored model."""
    latest = latest_model(session)
    since = latest.last_example_id if latest else 0
    return session.scalar(select(func.count()).select_from(LabelledExample)
                          .where(LabelledExample.id > since)) or 0


def labelled(session: Session) -> tuple[list[str], list[int], int]:
    """Moderators' examples, the latest decision per comment winning; and the highest example id."""
    latest: dict[str, tuple[str, int]] = {}
    last_id = 0
    for row in session.scalars(select(LabelledExample).order_by(LabelledExample.id)):
        latest[row.comment_id or f"example-{row.id}"] = (row.text, int(row.label))
        last_id = row.id
    return [t for t, _ in latest.values()], [y for _, y in latest.values()], last_id


def retrain(session: Session, *, min_new: int = 1) -> SpamModel | None:
    """Train on the shipped corpus plus moderators' decisions; store and return the new model, or
    None when there is nothing new (or another worker stored the same model first)."""
    if new_examples(session) < min_new:
        return None
    texts, labels, last_id = labelled(session)
    base = read_corpus([SHIPPED_CORPUS])
    model = train([t for _, t, _ in base] + texts, [y for _, _, y in base] + labels,
                  [1.0] * len(base) + [MODERATOR_WEIGHT] * len(texts),
                  examples=len(texts), last_example_id=last_id)
    newest = latest_model(session)
    if newest is not None and newest.last_example_id >= last_id:
        return None  # a concurrent retrain already stored a model at least this recent
    row = SpamModel(version=model.version, blob=model.to_bytes(), examples=len(texts), last_example_id=last_id)
    session.add(row)
    try:
        session.commit()
    except IntegrityError:
        session.rollback()
        existing = session.scalar(select(SpamModel).where(SpamModel.version == model.version))
        if existing is not None and existing.last_example_id < last_id:
            existing.last_example_id = last_id
            session.commit()
        return None
    log.info("stored retrained spam model", extra={"version": model.version, "examples": len(texts)})
    return row


def queue_retrain_if_due() -> bool:
    """The ``on_labelled`` hook: queue a retrain once ``retrain_every`` new examples exist.
    Never raises: the decision is already committed, and beat retrains later anyway."""
    try:
        from service.db import get_session

        settings = current_app.extensions["settings"]
        if new_examples(get_session()) < max(1, settings.retrain_every):
            return False
        current_app.extensions["celery"].send_task(RETRAIN_TASK, retry=True,
                                                   retry_policy={"max_retries": 1, "interval_start": 0})
        return True
    except Exception as exc:  # noqa: BLE001 - learning must never fail a moderator's request
        log.warning("could not queue the classifier retrain", extra={"error": type(exc).__name__})
        return False


def init_app(app: Flask) -> None:
    app.extensions.setdefault("on_labelled", queue_retrain_if_due)

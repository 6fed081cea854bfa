"""Learning from moderators: retrain the classifier on the corpus plus every ``spam``/``approve``
(``workers.spam.training.retrain_with``: the shipped corpus, source-balanced, plus each decision as a
``moderator`` example, with the shipped model's calibration; ``commentq spam evaluate --learn``
replays the same code path offline).

A moderator's decision (``service.core.decisions.apply_decision``) then calls
``service.core.queue.enqueue_retrain_if_due``, which only counts the new labelled examples and, once
``retrain_every`` have piled up, queues ``TaskName.RETRAIN_CLASSIFIER`` by name — training never
runs in a web request. Beat also queues the task periodically, so fewer decisions are learned from
too. The task stores the
new model in ``spam_models``; every worker picks it up within seconds (see checks/classifier.py).
"""

from __future__ import annotations

import logging

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from service.core.models import LabelledExample, SpamModel
from service.core.store import latest_spam_model, unlearned_examples
from workers.spam.training import retrain_with

log = logging.getLogger("commentq.learning")


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
    if unlearned_examples(session) < min_new:
        return None
    texts, labels, last_id = labelled(session)
    model = retrain_with(texts, labels, last_example_id=last_id)
    newest = latest_spam_model(session)
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

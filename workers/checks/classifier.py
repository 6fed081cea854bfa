"""Classifier: a text model trained on labelled comment spam and on moderators' decisions.

P(spam) >= ``classifier_spam`` is a ``spam`` verdict, >= ``classifier_hold`` a ``hold``; past
``classifier_reject`` the verdict is tagged ``certain`` (the policy lets it reject alone), below
``classifier_ham`` the pass is tagged ``clear-ham`` (it contradicts heuristic rules); the
score is the probability and the verdict carries the model's version. Each worker process keeps
the model in memory and asks the database for a newer retrained one (``spam_models``) at most
every ``REFRESH`` seconds, so every host uses the same model soon after a retrain.
"""

from __future__ import annotations

import logging
import time
from typing import Any

from service.core.vocabulary import CheckName
from workers.checks.base import CERTAIN, CLEAR_HAM, HOLD, PASS, SPAM, CheckContext, Submission, Verdict
from workers.checks.history import History
from workers.checks.links import without_neutral_links
from workers.spam.model import Model, explain, shipped_model

log = logging.getLogger("commentq.classifier")
REFRESH = 5.0


class ModelCache:
    """The newest model this process knows of: the shipped one until a retrained one appears."""

    def __init__(self, refresh: float = REFRESH) -> None:
        self.refresh = refresh
        self.model: Model | None = None
        self.model_id: int | None = None
        self.checked = float("-inf")

    def get(self, history: History) -> Model:
        now = time.monotonic()
        if now - self.checked >= self.refresh:
            self.checked = now
            latest = history.latest_model_id()
            if latest is not None and latest != self.model_id:
                blob = history.load_model(latest)
                if blob is not None:
                    try:
                        self.model = Model.from_bytes(blob)
                        self.model_id = latest
                        log.info("loaded spam model", extra={"version": self.model.version, "model_id": latest})
                    except (ValueError, OSError, KeyError) as exc:
                        log.error("unusable spam model %s: %s", latest, exc)
                        self.model_id = latest  # do not retry a broken blob every time
        return self.model or shipped_model()


class Classifier:
    name = CheckName.CLASSIFIER

    def __init__(self, cache: ModelCache | None = None) -> None:
        self.cache = cache or ModelCache()

    def run(self, sub: Submission, ctx: CheckContext) -> Verdict:
        model = self.cache.get(ctx.history)
        # Links to neutral hosts are the links check's to judge (see there), not the model's.
        text = without_neutral_links(sub.body or "", sub.article_url)
        kept: dict[str, Any] = {}
        p = model.probability(text, kept)
        cfg = ctx.config
        if p >= cfg.classifier_hold:
            words = explain(model, text, kept=kept)
            why = f"; strongest signals: {', '.join(repr(w) for w in words)}" if words else ""
            verdict = SPAM if p >= cfg.classifier_spam or p >= cfg.classifier_reject else HOLD
            return Verdict(
                self.name,
                verdict,
                round(p, 4),
                f"spam probability {p:.2f}{why}",
                model.version,
                tags=_CERTAIN if p >= cfg.classifier_reject else frozenset(),
            )
        return Verdict(
            self.name,
            PASS,
            round(p, 4),
            f"spam probability {p:.2f}",
            model.version,
            tags=_CLEAR_HAM if p < cfg.classifier_ham else frozenset(),
        )


_CERTAIN = frozenset({CERTAIN})
_CLEAR_HAM = frozenset({CLEAR_HAM})

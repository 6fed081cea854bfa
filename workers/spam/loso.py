"""Leave-one-source-out evaluation of the spam classifier (``commentq spam loso``).

A new blog is a source the model has never seen, so features, model and thresholds are chosen on
what a model trained on every source but one does on the one left out: each YouTube video,
Wikipedia talk, Stack Exchange comments, Stack Exchange spam posts, SMS spam. Templated
(``synthetic*``) rows are always trained on and never tested. Never a random split: rows of one
source share a style, and a random split rewards learning it.

Most sources hold one class only, so a held-out source's AUC is computed against the other class's
*out-of-source* scores from every other fold (each row scored by the model that did not see its
source); the YouTube videos, which hold both classes, also get their own within-video AUC.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from workers.spam.training import (
    CorpusRow,
    held_out_sources,
    out_of_source,
    platt,
    require_training,
    source_weights,
)


def _sigmoid(x: float) -> float:
    return 1.0 / (1.0 + math.exp(-x)) if x >= 0 else math.exp(x) / (1.0 + math.exp(x))


def _pct(n: int, d: int) -> float | None:
    return round(100.0 * n / d, 2) if d else None


def report(
    rows: Sequence[CorpusRow],
    *,
    spam: float,
    hold: float,
    z: Sequence[float] | None = None,
    tested: Sequence[int] | None = None,
) -> dict[str, Any]:
    """The per-source table: with each fold's probabilities calibrated by Platt fitted on the *other*
    folds' out-of-source values (no fold calibrates itself). Rates are percentages; ``spam`` and
    ``hold`` are the classifier's reject and hold thresholds on calibrated probabilities. Raises
    ``TrainingUnavailable`` without the ``train`` extra."""
    require_training()
    from sklearn.metrics import brier_score_loss, log_loss, roc_auc_score

    if z is None or tested is None:
        z, tested = out_of_source(rows)
    labels = [r.label for r in rows]
    weights = source_weights([r.source for r in rows], labels, synthetic_weight=0.0)
    p = [0.0] * len(rows)
    for held in held_out_sources(rows):
        others = [i for i in tested if rows[i].source != held]
        a, b = platt([z[i] for i in others], [labels[i] for i in others], [weights[i] for i in others])
        for i, r in enumerate(rows):
            if r.source == held:
                p[i] = _sigmoid(a * z[i] + b)
    table: dict[str, dict[str, Any]] = {}
    aucs = []
    for held in held_out_sources(rows):
        idx = [i for i, r in enumerate(rows) if r.source == held]
        ham = [p[i] for i in idx if labels[i] == 0]
        spam_p = [p[i] for i in idx if labels[i] == 1]
        entry: dict[str, Any] = {"rows": len(idx), "ham": len(ham), "spam": len(spam_p)}
        if ham:
            entry["ham_rejected"] = _pct(sum(x >= spam for x in ham), len(ham))
            entry["ham_held_or_rejected"] = _pct(sum(x >= hold for x in ham), len(ham))
        if spam_p:
            entry["spam_not_published"] = _pct(sum(x >= hold for x in spam_p), len(spam_p))
            entry["spam_rejected"] = _pct(sum(x >= spam for x in spam_p), len(spam_p))
        if ham and spam_p:  # a video: both classes, its own AUC
            entry["auc"] = round(float(roc_auc_score([labels[i] for i in idx], [z[i] for i in idx])), 4)
        else:  # one class: against the other class's out-of-source scores from every other fold
            other = [i for i in tested if rows[i].source != held and labels[i] != labels[idx[0]]]
            both = idx + other
            entry["auc"] = round(float(roc_auc_score([labels[i] for i in both], [z[i] for i in both])), 4)
        aucs.append(entry["auc"])
        table[held] = entry
    pt = [p[i] for i in tested]
    yt = [labels[i] for i in tested]
    wt = [weights[i] for i in tested]
    return {
        "thresholds": {"spam": spam, "hold": hold},
        "sources": table,
        "mean_auc": round(sum(aucs) / len(aucs), 4) if aucs else None,
        "pooled_auc": round(float(roc_auc_score(yt, [z[i] for i in tested])), 4),
        "brier": round(float(brier_score_loss(yt, pt, sample_weight=wt)), 4),
        "log_loss": round(float(log_loss(yt, pt, sample_weight=wt)), 4),
        "max_ham_rejected": max((e.get("ham_rejected") or 0.0) for e in table.values()),
    }

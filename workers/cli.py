"""``commentq spam train|evaluate|retrain``: the classifier's and the checks' command line.

``evaluate`` runs the workers' real check pipeline (every check, the policy, the shipped or given
model) on each CSV row offline: no rate or flood checks, since rows carry no sender. Each row gets
a placeholder email (``row-N@example.org``) so validation passes, its AUTHOR column as the name,
and the rows of one file are comments on one article, in file order.
"""

from __future__ import annotations

import json
import sys
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

import click

from workers.checks.base import CheckContext, Submission
from workers.checks.text import content_hash


def _settings():  # noqa: ANN202
    try:
        from flask import current_app

        return current_app.extensions["settings"]
    except (RuntimeError, KeyError):
        from service.settings import load

        return load()


@click.group("spam")
def spam() -> None:
    """The spam classifier: train it, evaluate the checks on a labelled corpus."""


@spam.command("train")
@click.argument("paths", nargs=-1, type=click.Path(exists=True))
@click.option("--out", type=click.Path(dir_okay=False), default=None,
              help="Where to write the model (default: the shipped workers/models/spam-model.json.gz).")
def train_cmd(paths: tuple[str, ...], out: str | None) -> None:
    """Train the shipped model from corpus CSVs or folders (default: the shipped training corpus, a
    copy of ../shared/data/spam/train/). Deterministic: the same data gives the same file."""
    from workers.classifier import SHIPPED_CORPUS, SHIPPED_MODEL, describe, train_corpus

    t0 = time.perf_counter()
    model = train_corpus(paths or [SHIPPED_CORPUS])
    target = Path(out) if out else SHIPPED_MODEL
    blob = model.to_bytes()
    target.write_bytes(blob)
    click.echo(json.dumps({**describe(model), "file": str(target), "bytes": len(blob),
                           "seconds": round(time.perf_counter() - t0, 2)}))


@spam.command("retrain")
def retrain_cmd() -> None:
    """Retrain now on the corpus plus moderators' decisions, and store it for every worker."""
    from service.db import Database
    from workers.learning import retrain

    db = Database(_settings())
    try:
        with db.session() as session:
            row = retrain(session, min_new=1)
            click.echo(json.dumps({"stored": row.version if row else None}))
    finally:
        db.dispose()


def _ratio(a: int, b: int) -> float:
    return round(a / b, 4) if b else 0.0


def evaluate_rows(rows: list[tuple[str, str, int]], *, config=None, model_path: str | None = None,  # noqa: ANN001
                  article_id: int = 1) -> dict:
    """Run the pipeline on (author, text, label) rows; the figures ``spam evaluate`` prints."""
    from workers.checks import default_checks
    from workers.checks.classifier import Classifier, ModelCache
    from workers.classifier import Model
    from workers.history import MemoryHistory
    from workers.pipeline import Pipeline
    from workers.policy import PolicyConfig

    checks = default_checks()
    if model_path:
        cache = ModelCache()
        cache.model = Model.from_bytes(Path(model_path).read_bytes())
        cache.refresh = float("inf")
        checks = [Classifier(cache) if c.name == "classifier" else c for c in checks]
    pipeline = Pipeline(checks)
    config = config or PolicyConfig()
    history = MemoryHistory()
    start = datetime(2015, 1, 1, tzinfo=UTC)
    tally: Counter[str] = Counter()
    by_check: dict[str, Counter[str]] = {}
    version = None
    t0 = time.perf_counter()
    for i, (author, text, label) in enumerate(rows):
        kind = "spam" if label == 1 else "ham"
        sub = Submission(id=f"row-{i}", article_id=article_id, author=(author or "").strip() or "anonymous",
                         email=f"row-{i}@example.org", body=text, created_at=start + timedelta(seconds=i))
        outcome = pipeline.run(sub, CheckContext(config=config, history=history, offline=True))
        status = outcome.decision.status
        tally[kind] += 1
        tally[f"{kind}_{status}"] += 1
        if status != "published":
            for name in outcome.decision.decided_by.split(","):
                by_check.setdefault(name, Counter())[f"{kind}_{status}"] += 1
        version = version or next((v.version for v in outcome.verdicts if v.version), None)
        history.remember(article_id, content_hash(text), sub.id, body=text, author=sub.author, email=sub.email,
                         created_at=sub.created_at, status=status)
    seconds = time.perf_counter() - t0
    spam_n, ham_n = tally["spam"], tally["ham"]
    tp, fp = tally["spam_rejected"], tally["ham_rejected"]
    precision = _ratio(tp, tp + fp)
    recall = _ratio(tp, spam_n)
    f1 = round(2 * precision * recall / (precision + recall), 4) if precision + recall else 0.0
    return {
        "rows": len(rows), "spam": spam_n, "ham": ham_n,
        "spam_published": tally["spam_published"], "spam_held": tally["spam_held"],
        "spam_rejected": tally["spam_rejected"], "ham_published": tally["ham_published"],
        "ham_held": tally["ham_held"], "ham_rejected": tally["ham_rejected"],
        "precision": precision, "recall": recall, "f1": f1,
        "false_positive_rate": _ratio(fp, ham_n),
        "spam_not_published": _ratio(tally["spam_held"] + tally["spam_rejected"], spam_n),
        "ham_published_rate": _ratio(tally["ham_published"], ham_n),
        "decided_by": {k: dict(sorted(v.items())) for k, v in sorted(by_check.items())},
        "model_version": version,
        "comments_per_second": round(len(rows) / seconds, 1) if seconds else None,
    }


@spam.command("evaluate")
@click.argument("csv_file", type=click.Path(exists=True, dir_okay=False))
@click.option("--model", "model_path", type=click.Path(exists=True, dir_okay=False), default=None,
              help="Evaluate this model file instead of the shipped one.")
def evaluate_cmd(csv_file: str, model_path: str | None) -> None:
    """Run the real check pipeline on a labelled CSV (CONTENT, CLASS, optional AUTHOR) and print one
    JSON object with the counts, precision, recall, F1 and false-positive rate."""
    from workers.classifier import read_corpus
    from workers.policy import PolicyConfig

    try:
        rows = read_corpus([csv_file])
    except (UnicodeDecodeError, OSError, ValueError) as exc:
        raise click.ClickException(f"cannot read {csv_file}: {exc}") from exc
    if not rows:
        raise click.ClickException(f"{csv_file}: no rows with CONTENT and CLASS (0 or 1)")
    result = evaluate_rows(rows, config=PolicyConfig.from_settings(_settings()), model_path=model_path)
    sys.stdout.write(json.dumps(result) + "\n")

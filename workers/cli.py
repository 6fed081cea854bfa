"""``commentq spam train|loso|evaluate|retrain``: the classifier's and the checks' command line.

``evaluate`` runs the workers' real check pipeline (every check, the policy, the shipped or given
model) on each CSV row offline (``workers/spam/evaluate.py`` describes the columns, ``--rows`` and
``--learn``); ``loso`` is the classifier's leave-one-source-out evaluation (``workers/spam/loso.py``).
"""

from __future__ import annotations

import csv
import json
import sys
import time
from pathlib import Path

import click


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
@click.option(
    "--out",
    type=click.Path(dir_okay=False),
    default=None,
    help="Where to write the model (default: the shipped workers/spam/data/spam-model.json.gz).",
)
@click.option(
    "--loso-out",
    type=click.Path(dir_okay=False),
    default=None,
    help="Also write the leave-one-source-out decision values (JSON) for `spam loso --scores`.",
)
def train_cmd(paths: tuple[str, ...], out: str | None, loso_out: str | None) -> None:
    """Train the shipped model from corpus CSVs or folders (default: the shipped corpus,
    workers/spam/data/corpus/): leave-one-source-out runs give the calibration, then one fit on all
    rows. Deterministic on one machine; other machines agree to rounding (BLAS, CPU)."""
    from workers.spam.loso import out_of_source
    from workers.spam.model import SHIPPED_MODEL, describe
    from workers.spam.training import SHIPPED_CORPUS, read_sources, train_sources

    t0 = time.perf_counter()
    rows = read_sources(paths or [SHIPPED_CORPUS])
    z, tested = out_of_source(rows)
    if loso_out:
        Path(loso_out).write_text(json.dumps({"z": z, "tested": tested, "rows": len(rows)}))
    model = train_sources(rows, z=z, tested=tested)
    target = Path(out) if out else SHIPPED_MODEL
    blob = model.to_bytes()
    target.write_bytes(blob)
    click.echo(
        json.dumps(
            {
                **describe(model),
                "calibration": model.calibration,
                "file": str(target),
                "bytes": len(blob),
                "seconds": round(time.perf_counter() - t0, 2),
            }
        )
    )


@spam.command("loso")
@click.argument("paths", nargs=-1, type=click.Path(exists=True))
@click.option(
    "--scores",
    type=click.Path(exists=True, dir_okay=False),
    default=None,
    help="Decision values written by `spam train --loso-out` (else the folds are trained now).",
)
@click.option("--spam-threshold", "spam_t", type=float, default=None, help="Reject threshold (default: settings).")
@click.option("--hold-threshold", "hold_t", type=float, default=None, help="Hold threshold (default: settings).")
def loso_cmd(paths: tuple[str, ...], scores: str | None, spam_t: float | None, hold_t: float | None) -> None:
    """Leave-one-source-out evaluation of the classifier alone: per held-out source, ham rejected,
    spam not published and AUC at the given thresholds on calibrated probabilities (JSON)."""
    from workers.spam.loso import report
    from workers.spam.training import SHIPPED_CORPUS, read_sources

    rows = read_sources(paths or [SHIPPED_CORPUS])
    z = tested = None
    if scores:
        doc = json.loads(Path(scores).read_text())
        if doc.get("rows") != len(rows):
            raise click.ClickException(f"{scores} was computed on {doc.get('rows')} rows, not these {len(rows)}")
        z, tested = doc["z"], doc["tested"]
    settings = _settings()
    result = report(
        rows,
        spam=settings.classifier_spam if spam_t is None else spam_t,
        hold=settings.classifier_hold if hold_t is None else hold_t,
        z=z,
        tested=tested,
    )
    click.echo(json.dumps(result, indent=1))


@spam.command("retrain")
def retrain_cmd() -> None:
    """Retrain now on the corpus plus moderators' decisions, and store it for every worker."""
    from service.db import Database
    from workers.spam.learning import retrain

    db = Database(_settings())
    try:
        with db.session() as session:
            row = retrain(session, min_new=1)
            click.echo(json.dumps({"stored": row.version if row else None}))
    finally:
        db.dispose()


@spam.command("evaluate")
@click.argument("csv_file", type=click.Path(exists=True, dir_okay=False))
@click.option(
    "--model",
    "model_path",
    type=click.Path(exists=True, dir_okay=False),
    default=None,
    help="Evaluate this model file instead of the shipped one.",
)
@click.option(
    "--rows",
    "rows_out",
    type=click.Path(dir_okay=False, writable=True),
    default=None,
    help="Write each row's outcome and every check's verdict, score and reason to this CSV.",
)
@click.option(
    "--learn",
    is_flag=True,
    default=False,
    help="Replay moderators: held and rejected rows are labelled as they arrive and the model "
    "retrains as in production; adds the figures per slice of the file (learning curve).",
)
@click.option(
    "--retrain-every",
    type=click.IntRange(min=1),
    default=None,
    help="With --learn: retrain after this many new labels (default: COMMENTQ_RETRAIN_EVERY).",
)
@click.option(
    "--slices",
    type=click.IntRange(min=1),
    default=10,
    show_default=True,
    help="With --learn: how many consecutive slices the learning curve has.",
)
@click.option(
    "--corpus",
    "corpus",
    multiple=True,
    type=click.Path(exists=True),
    help="With --learn: retrain on this corpus (CSV or folder) instead of the shipped one.",
)
def evaluate_cmd(
    csv_file: str,
    model_path: str | None,
    rows_out: str | None,
    learn: bool,
    retrain_every: int | None,
    slices: int,
    corpus: tuple[str, ...],
) -> None:
    """Run the real check pipeline on a labelled CSV (CONTENT, CLASS; optional AUTHOR, URL, EMAIL,
    DATE, ARTICLE, ARTICLE_TEXT) and print one JSON object with the counts, precision, recall, F1 and
    false-positive rate (CONTRACT.md "Spam corpus format")."""
    from workers.policy import PolicyConfig
    from workers.spam.evaluate import CorpusError, evaluate, read_rows

    try:
        rows = read_rows(csv_file)
    except (UnicodeDecodeError, OSError, CorpusError, csv.Error) as exc:
        raise click.ClickException(f"cannot read {csv_file}: {exc}") from exc
    if not rows:
        raise click.ClickException(f"{csv_file}: no rows with CONTENT and CLASS (0 or 1)")
    settings = _settings()
    try:
        result = evaluate(
            rows,
            config=PolicyConfig.from_settings(settings),
            model_path=model_path,
            rows_out=rows_out,
            learn=learn,
            slices=slices,
            corpus=corpus or None,
            retrain_every=retrain_every or getattr(settings, "retrain_every", 5),
        )
    except OSError as exc:
        raise click.ClickException(str(exc)) from exc
    sys.stdout.write(json.dumps(result) + "\n")

"""``commentq spam evaluate``: the workers' real check pipeline replayed on a labelled CSV, offline.

Columns (CONTRACT.md "Spam corpus format"): ``CONTENT`` and ``CLASS`` (1 spam, 0 ham) are required;
``AUTHOR`` (name), ``URL`` (website), ``EMAIL``, ``DATE`` (ISO 8601), ``ARTICLE`` (title or slug:
rows with the same value are comments on one article) and ``ARTICLE_TEXT`` are used when present.

* Without ``DATE`` the rows are comments one second apart, in file order; with it they are replayed
  in time order with their own timestamps, so windows (near-duplicates, reputation) behave as in
  production. Rows without an ``EMAIL`` get a placeholder (``row-N@example.org``) so validation
  passes; the flood check never runs offline (rows carry no IP).
* ``rows_out`` receives one CSV row per input row: its outcome and every check's verdict, score
  and reason.
* ``learn`` replays moderators: each held or rejected row gets its true label as a moderator's
  decision when it arrives (``spam`` marks it, "not spam" approves it), and once ``retrain_every``
  new labels have piled up the model is retrained by ``workers.spam.training.retrain_with`` — the code
  path of ``workers/spam/learning.py`` — and handed to the classifier check through the history, as the
  database hands it to every worker. The result adds the figures per consecutive slice of the
  file (the learning curve).
"""

from __future__ import annotations

import csv
import time
from collections import Counter
from collections.abc import Sequence
from contextlib import ExitStack
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from service.core.settings import DEFAULTS, PolicyConfig
from service.core.vocabulary import CheckName, Status
from workers.checks.base import CheckContext, Submission
from workers.checks.text import content_hash

OPTIONAL = ("AUTHOR", "URL", "EMAIL", "DATE", "ARTICLE", "ARTICLE_TEXT")
START = datetime(2015, 1, 1, tzinfo=UTC)  # the clock of a file without DATE


class CorpusError(ValueError):
    """A labelled CSV that cannot be evaluated; the message names the file, row and column."""


@dataclass(frozen=True)
class Row:
    """One labelled comment of an evaluation file; ``line`` is its line number in the file."""

    line: int
    text: str
    label: int
    author: str = ""
    url: str | None = None
    email: str | None = None
    date: datetime | None = None
    article: str | None = None
    article_text: str | None = None


def parse_date(value: str) -> datetime:
    """An ISO 8601 date or date-time (``Z`` allowed); naive values are UTC. ValueError if not one."""
    value = value.strip()
    if value.endswith(("Z", "z")):
        value = value[:-1] + "+00:00"
    when = datetime.fromisoformat(value)
    return when.replace(tzinfo=UTC) if when.tzinfo is None else when.astimezone(UTC)


def read_rows(path: str | Path) -> list[Row]:
    """The labelled rows of one CSV (rows whose CLASS is not 0 or 1 are skipped). Dates are all or
    nothing: a row without one when others have one, or a DATE that is not ISO 8601, is a
    CorpusError naming the line."""
    rows: list[Row] = []
    with Path(path).open(encoding="utf-8-sig", newline="") as fh:  # tolerate a byte-order mark
        reader = csv.DictReader(fh)
        has_date = "DATE" in (reader.fieldnames or ())
        for rec in reader:
            label = str(rec.get("CLASS") or "").strip()
            if label not in ("0", "1"):
                continue
            line = reader.line_num
            date = None
            raw = (rec.get("DATE") or "").strip() if has_date else ""
            if raw:
                try:
                    date = parse_date(raw)
                except ValueError:
                    raise CorpusError(f"{path}, line {line}: DATE {raw!r} is not an ISO 8601 date") from None

            def opt(name: str, rec: dict[str, str | None] = rec) -> str | None:
                value = (rec.get(name) or "").strip()
                return value or None

            rows.append(
                Row(
                    line,
                    rec.get("CONTENT") or "",
                    int(label),
                    (rec.get("AUTHOR") or "").strip(),
                    opt("URL"),
                    opt("EMAIL"),
                    date,
                    opt("ARTICLE"),
                    rec.get("ARTICLE_TEXT") or None,
                )
            )
    undated = next((r for r in rows if r.date is None), None)
    if undated is not None and any(r.date for r in rows):
        raise CorpusError(f"{path}, line {undated.line}: no DATE, but other rows have one (replay needs every date)")
    return rows


def _ratio(a: int, b: int) -> float:
    return round(a / b, 4) if b else 0.0


def figures(tally: Counter[str]) -> dict[str, Any]:
    """The contract's figures from a tally of ``spam``/``ham`` and ``<kind>_<status>`` counts."""
    spam_n, ham_n = tally["spam"], tally["ham"]
    tp, fp = tally["spam_rejected"], tally["ham_rejected"]
    precision = _ratio(tp, tp + fp)
    recall = _ratio(tp, spam_n)
    f1 = round(2 * precision * recall / (precision + recall), 4) if precision + recall else 0.0
    return {
        "rows": spam_n + ham_n,
        "spam": spam_n,
        "ham": ham_n,
        "spam_published": tally["spam_published"],
        "spam_held": tally["spam_held"],
        "spam_rejected": tally["spam_rejected"],
        "ham_published": tally["ham_published"],
        "ham_held": tally["ham_held"],
        "ham_rejected": tally["ham_rejected"],
        "precision": precision,
        "recall": recall,
        "f1": f1,
        "false_positive_rate": _ratio(fp, ham_n),
        "spam_not_published": _ratio(tally["spam_held"] + tally["spam_rejected"], spam_n),
        "ham_published_rate": _ratio(tally["ham_published"], ham_n),
    }


def evaluate(
    rows: Sequence[Row],
    *,
    config: PolicyConfig | None = None,
    model_path: str | None = None,
    rows_out: str | Path | None = None,
    learn: bool = False,
    retrain_every: int = DEFAULTS["retrain_every"],
    slices: int = 10,
    corpus: Sequence[str | Path] | None = None,
    checks: Sequence[Any] | None = None,
) -> dict[str, Any]:
    """Run the pipeline on ``rows``; the JSON object ``spam evaluate`` prints (see the module doc).
    ``corpus`` replaces the shipped training corpus for ``learn``'s retrains; ``checks`` the default
    checks (the classifier among them gets the run's model)."""
    from workers.checks import default_checks
    from workers.checks.classifier import Classifier, ModelCache
    from workers.checks.history import MemoryHistory
    from workers.pipeline import Pipeline
    from workers.spam.model import Model
    from workers.spam.training import read_sources, retrain_with

    config = config or PolicyConfig.defaults()
    history = MemoryHistory()
    cache = ModelCache(refresh=0.0 if learn else float("inf"))
    if model_path:
        cache.model = Model.from_bytes(Path(model_path).read_bytes())
    checks = [Classifier(cache) if c.name == CheckName.CLASSIFIER else c for c in (checks or default_checks())]
    pipeline = Pipeline(checks)
    base = read_sources(corpus) if corpus else None
    calibration = cache.get(history).calibration

    # Time order when dated (stable: equal dates keep file order); else one second apart.
    dated = bool(rows) and all(r.date for r in rows)
    # (``or START`` never applies when dated: it only tells the type checker a date is there.)
    order = sorted(range(len(rows)), key=lambda i: rows[i].date or START) if dated else range(len(rows))
    articles: dict[str, int] = {}
    tally: Counter[str] = Counter()
    by_check: dict[str, Counter[str]] = {}
    n_slices = max(1, min(slices, len(rows))) if learn else 1
    curve: list[dict[str, Any]] = []
    part: Counter[str] = Counter()
    texts: list[str] = []
    labels: list[int] = []
    learned_at = 0
    retrains = 0
    version = None
    stack = ExitStack()
    out = None
    if rows_out is not None:
        handle = stack.enter_context(Path(rows_out).open("w", encoding="utf-8", newline=""))  # noqa: SIM115
        out = csv.writer(handle)
        out.writerow(
            [
                "LINE",
                "CLASS",
                "AUTHOR",
                "STATUS",
                "DECIDED_BY",
                "REASON",
                "MODEL",
                *[f"{c.name}_{k}" for c in checks for k in ("verdict", "score", "reason")],
            ]
        )
    t0 = time.perf_counter()
    with stack:
        for position, i in enumerate(order):
            row = rows[i]
            article_id = articles.setdefault(row.article or "", len(articles) + 1)
            cid = f"row-{row.line}"
            sub = Submission(
                id=cid,
                article_id=article_id,
                author=row.author or "anonymous",
                email=row.email or f"row-{row.line}@example.org",
                body=row.text,
                url=row.url,
                created_at=row.date or START + timedelta(seconds=position),
                article_title=row.article,
                article_text=row.article_text,
            )
            outcome = pipeline.run(sub, CheckContext(config=config, history=history, offline=True))
            status = outcome.decision.status
            kind = "spam" if row.label == 1 else "ham"
            for t in (tally, part):
                t[kind] += 1
                t[f"{kind}_{status}"] += 1
            if status != Status.PUBLISHED:
                for name in outcome.decision.decided_by.split(","):
                    by_check.setdefault(name, Counter())[f"{kind}_{status}"] += 1
            model_version = next((v.version for v in outcome.verdicts if v.version), None)
            version = version or model_version
            history.remember(
                article_id,
                content_hash(row.text),
                cid,
                body=row.text,
                author=sub.author,
                email=sub.email,
                url=row.url,
                created_at=sub.created_at,
                status=status,
            )
            if out is not None:
                cells = [x for v in outcome.verdicts for x in (v.verdict, v.score, v.reason)]
                out.writerow(
                    [
                        row.line,
                        row.label,
                        row.author,
                        status,
                        outcome.decision.decided_by,
                        outcome.decision.reason,
                        model_version,
                        *cells,
                    ]
                )
            if learn and status in (Status.HELD, Status.REJECTED):
                # The moderator's decision: "spam" (rejects and labels) or "not spam" (publishes).
                history.mark(cid, spam=row.label == 1)
                texts.append(row.text)
                labels.append(row.label)
                if len(texts) - learned_at >= retrain_every:
                    model = retrain_with(texts, labels, last_example_id=len(texts), base=base, calibration=calibration)
                    history.models.append(model.to_bytes())  # as the database hands it to workers
                    learned_at = len(texts)
                    retrains += 1
            if learn and (position + 1) * n_slices // len(rows) > len(curve):
                curve.append(
                    {
                        "slice": len(curve) + 1,
                        "last_row": position + 1,
                        **figures(part),
                        "labels": len(texts),
                        "retrains": retrains,
                        "model_version": model_version,
                    }
                )
                part = Counter()
    seconds = time.perf_counter() - t0
    result = {
        **figures(tally),
        "decided_by": {k: dict(sorted(v.items())) for k, v in sorted(by_check.items())},
        "model_version": version,
        "comments_per_second": round(len(rows) / seconds, 1) if seconds else None,
    }
    if learn:
        result["learning"] = {
            "labels": len(texts),
            "retrains": retrains,
            "retrain_every": retrain_every,
            "final_model_version": cache.get(history).version,
            "curve": curve,
        }
    return result

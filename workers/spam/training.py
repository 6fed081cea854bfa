"""Training the spam model: corpus, source-balanced weights, fit, calibration, export, retrain.

Training uses numpy, scipy and scikit-learn, imported only when a model is fitted: they are the
``train`` extra (``pip install 'commentq[train]'``), and without it every function that fits raises
:class:`TrainingUnavailable`. Scoring needs none of them (``workers.spam.model``).

The shipped model (``workers/spam/data/spam-model.json.gz``) is trained on ``workers/spam/data/corpus/``:
the YouTube Spam Collection (three videos) and the open-licence rows of ``../shared/data/spam/open/``
(Wikipedia talk and Stack Exchange comments as ham, Stack Exchange spam posts and SMS spam, templated
blog comments); attribution in ``LICENSES/``. Each source has its own style and length, so:

* the text the model reads has no links, e-mail addresses or digits (links are judged by the links
  check, by destination; a citation must not read as spam), see ``workers.spam.model.preprocess``;
* every (source, class) group weighs the same in training (:func:`source_weights`), so the largest
  source's style is not what "spam" means;
* probabilities are calibrated (Platt) on *leave-one-source-out* decision values: the score a model
  gives a comment from a source it has never seen, which is what a new blog is
  (:func:`train_sources`, ``workers/spam/loso.py``). The calibration is folded into the exported weights.
"""

from __future__ import annotations

import csv
import hashlib
import importlib
import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from workers.spam.model import ANALYZERS, DATA_DIR, FEATURES, FORMAT, Model, preprocess, shipped_model

SHIPPED_CORPUS = DATA_DIR / "corpus"
# The three YouTube videos of the corpus: the benchmark's and the older tests' rows.
YOUTUBE_CORPUS = SHIPPED_CORPUS / "youtube"
MODERATOR_WEIGHT = 3.0  # a moderator's decision counts as much as this many (average) corpus rows
SYNTHETIC_WEIGHT = 0.5  # templated rows: coverage, not evidence; half a source's weight
C = 10.0
NORM = "l2"
TRAIN_MODULES = ("numpy", "scipy.sparse", "sklearn.linear_model")


class TrainingUnavailable(RuntimeError):
    """Training was asked for where the ``train`` extra (numpy, scipy, scikit-learn) is not installed."""


def require_training() -> None:
    """Raise :class:`TrainingUnavailable` unless numpy, scipy and scikit-learn import. Cheap once
    they have been imported; called before any work, so a missing extra fails in milliseconds."""
    for name in TRAIN_MODULES:
        try:
            importlib.import_module(name)
        except ImportError as exc:
            raise TrainingUnavailable(
                f"training the spam model needs numpy, scipy and scikit-learn ({exc}): pip install 'commentq[train]'"
            ) from exc


def _files(paths: Iterable[str | Path]) -> list[Path]:
    files: list[Path] = []
    for p in map(Path, paths):
        files.extend(sorted(p.rglob("*.csv")) if p.is_dir() else [p])
    return files


def read_corpus(paths: Iterable[str | Path]) -> list[tuple[str, str, int]]:
    """(author, text, label) rows from corpus CSVs (CONTRACT.md "Spam corpus format"); directories
    are read file by file in path order, sub-folders included."""
    return [(r.author, r.text, r.label) for r in read_sources(paths, body_only=False)]


@dataclass(frozen=True)
class CorpusRow:
    """A labelled training row and its source (the file it came from: one video, one site...)."""

    author: str
    text: str
    label: int
    source: str


SYNTHETIC = "synthetic"  # sources whose name starts with this are templated: trained on, never a test


def read_sources(paths: Iterable[str | Path], *, body_only: bool = True) -> list[CorpusRow]:
    """Labelled rows with their source (the file's stem). ``body_only`` leaves out the rows whose
    spam payload is only in the name or website field (``SOURCE`` marked ``flattery-website-only``):
    their text is innocent on purpose, and a model of the text must not learn it as spam."""
    rows: list[CorpusRow] = []
    for f in _files(paths):
        with f.open(encoding="utf-8-sig", newline="") as fh:  # tolerate a byte-order mark
            for row in csv.DictReader(fh):
                label = str(row.get("CLASS", "")).strip()
                if label not in ("0", "1"):
                    continue
                if body_only and "flattery-website-only" in (row.get("SOURCE") or ""):
                    continue
                rows.append(CorpusRow(row.get("AUTHOR") or "", row.get("CONTENT") or "", int(label), f.stem))
    return rows


def source_weights(
    sources: Sequence[str], labels: Sequence[int], synthetic_weight: float = SYNTHETIC_WEIGHT
) -> list[float]:
    """One weight per row such that every (source, class) group weighs the same (synthetic groups
    ``synthetic_weight`` times that), both classes weigh the same, and the mean weight is 1: the
    largest source (2,995 Stack Exchange spam posts) does not get to define "spam" by its style."""
    groups: dict[tuple[str, int], int] = {}
    for s, y in zip(sources, labels, strict=True):
        groups[(s, y)] = groups.get((s, y), 0) + 1
    raw = [
        (synthetic_weight if s.startswith(SYNTHETIC) else 1.0) / groups[(s, y)]
        for s, y in zip(sources, labels, strict=True)
    ]
    per_class = [sum(w for w, y in zip(raw, labels, strict=True) if y == c) for c in (0, 1)]
    present = sum(1 for t in per_class if t > 0) or 1
    scale = [len(raw) / (present * t) if t else 0.0 for t in per_class]
    return [w * scale[y] for w, y in zip(raw, labels, strict=True)]


MIN_DF = 2
MODERATOR = "moderator"  # the source name of moderators' decisions in a retrain
MIN_SOURCES = 3  # an n-gram is a feature only if it occurs (twice) in this many sources


@dataclass
class Vocabulary:
    """One analyzer's features: sorted terms, their column and their idf (scikit-learn's smooth idf,
    ``ln((1 + n) / (1 + df)) + 1``)."""

    kind: str
    terms: list[str]
    index: dict[str, int]
    idf: Any

    def matrix(self, pre: Sequence[str]) -> Any:
        """Binary TF-IDF rows, l2-normalised over the features kept: the norm the pure-Python scorer
        computes (``Model.probability``), so exported weights score exactly as they were fitted."""
        require_training()
        import numpy as np
        from scipy.sparse import csr_matrix

        analyzer = ANALYZERS[self.kind]
        index = self.index
        indptr = [0]
        indices: list[int] = []
        for text in pre:
            # sorted: the same sums every run
            indices.extend(sorted(map(index.__getitem__, analyzer(text) & index.keys())))
            indptr.append(len(indices))
        cols = np.asarray(indices, dtype=np.int64)
        data = self.idf[cols] if len(cols) else np.zeros(0)
        X = csr_matrix((data, cols, np.asarray(indptr)), shape=(len(pre), len(self.terms)))
        if NORM == "l1":
            norms = np.asarray(X.sum(axis=1)).ravel()
        else:
            norms = np.sqrt(np.asarray(X.multiply(X).sum(axis=1)).ravel())
        norms[norms == 0] = 1.0
        return csr_matrix(X.multiply(1.0 / norms[:, None]))


def vocabularies(pre: Sequence[str], sources: Sequence[str] | None = None) -> list[Vocabulary]:
    """Each analyzer's features in ``pre`` (preprocessed texts): those in at least ``MIN_DF`` texts
    and, with ``sources``, in at least ``MIN_SOURCES`` sources (``MIN_DF`` texts of each) or in any
    moderator's example (see :func:`fit`)."""
    from collections import Counter

    require_training()
    import numpy as np

    n = len(pre)
    by_source = sources is not None and len(set(sources)) >= MIN_SOURCES
    groups: dict[str, list[int]] = {}
    for i, s in enumerate(sources if sources is not None and by_source else ["all"] * n):
        groups.setdefault(s, []).append(i)
    out = []
    for kind, analyzer in ANALYZERS.items():
        # One source at a time, features not kept (bounded memory): document frequencies overall,
        # and in how many sources each n-gram is common.
        df: Counter[str] = Counter()
        wide: Counter[str] = Counter()
        mine: set[str] = set()
        for name, rows in groups.items():
            here: Counter[str] = Counter()
            for i in rows:
                here.update(analyzer(pre[i]))
            df.update(here)
            if name == MODERATOR:
                mine = set(here)
            elif by_source:
                wide.update(f for f, k in here.items() if k >= MIN_DF)
            del here
        terms = [f for f, k in df.items() if k >= MIN_DF and (not by_source or wide[f] >= MIN_SOURCES or f in mine)]
        terms.sort()
        idf = np.log((1 + n) / (1 + np.asarray([df[f] for f in terms], dtype=np.float64))) + 1.0
        out.append(Vocabulary(kind, terms, {f: j for j, f in enumerate(terms)}, idf))
    return out


@dataclass
class Fitted:
    """A fit before export: the vocabularies and the scikit-learn classifier."""

    vocabs: list[Vocabulary]
    clf: Any

    def decision(self, texts: Sequence[str], pre: Sequence[str] | None = None) -> Any:
        """Uncalibrated decision values (log-odds) for raw texts (or their preprocessed ``pre``)."""
        require_training()
        from scipy.sparse import hstack

        pre = [preprocess(t) for t in texts] if pre is None else pre
        return self.clf.decision_function(hstack([v.matrix(pre) for v in self.vocabs]).tocsr())


def fit(
    texts: Sequence[str],
    labels: Sequence[int],
    weights: Sequence[float] | None = None,
    sources: Sequence[str] | None = None,
    *,
    pre: Sequence[str] | None = None,
) -> Fitted:
    """Fit TF-IDF (word 1-3 + char 2-5, binary tf, l2 per analyzer) and a logistic regression;
    deterministic. With ``sources``, an n-gram is kept only if it occurs in at least ``MIN_SOURCES``
    of them (twice in each): a word only one site uses ("qubit", "WP:NPOV") is that site's style,
    not evidence about spam; the words of moderators' examples (source ``moderator``) are this
    blog's own and always kept. ``pre``: the texts already preprocessed (the leave-one-source-out
    folds preprocess the corpus once; no process-wide cache, which would grow with every comment).
    Raises :class:`TrainingUnavailable` without the ``train`` extra."""
    require_training()
    import numpy as np
    from scipy.sparse import hstack
    from sklearn.linear_model import LogisticRegression

    pre = [preprocess(t) for t in texts] if pre is None else pre
    vocabs = vocabularies(pre, sources)
    X = hstack([v.matrix(pre) for v in vocabs]).tocsr()
    clf = LogisticRegression(C=C, max_iter=5000, solver="lbfgs")
    clf.fit(X, np.asarray(labels), sample_weight=None if weights is None else np.asarray(weights, float))
    return Fitted(vocabs, clf)


def export(
    fitted: Fitted,
    pre_labels: Iterable[tuple[str, int]],
    calibration: tuple[float, float] = (1.0, 0.0),
    *,
    examples: int = 0,
    last_example_id: int = 0,
) -> Model:
    """The pure-Python model of a fit, with Platt's ``(a, b)`` folded in: P = sigmoid(a * z + b)."""
    a, b = calibration
    coef = fitted.clf.coef_[0]
    tables: dict[str, dict[str, tuple[float, float]]] = {}
    offset = 0
    for vocab in fitted.vocabs:
        tables[vocab.kind] = {f: (float(vocab.idf[j]), a * float(coef[offset + j])) for j, f in enumerate(vocab.terms)}
        offset += len(vocab.terms)
    digest = hashlib.sha256(f"{FORMAT}|{FEATURES}|{NORM}|C={C}|{a:.6f},{b:.6f}".encode())
    for t, y in pre_labels:
        digest.update(f"{y}\x1f{t}\x1e".encode("utf-8", "surrogatepass"))
    model = Model("", a * float(fitted.clf.intercept_[0]) + b, tables, examples, last_example_id, (a, b), NORM)
    model.version = f"lr-{digest.hexdigest()[:12]}"
    return model


def train(
    texts: Sequence[str],
    labels: Sequence[int],
    weights: Sequence[float] | None = None,
    *,
    sources: Sequence[str] | None = None,
    calibration: tuple[float, float] = (1.0, 0.0),
    examples: int = 0,
    last_example_id: int = 0,
    pre: Sequence[str] | None = None,
) -> Model:
    """Fit (see :func:`fit`) and export with the given calibration; deterministic."""
    pre = [preprocess(t) for t in texts] if pre is None else pre
    fitted = fit(texts, labels, weights, sources, pre=pre)
    return export(
        fitted, zip(pre, labels, strict=True), calibration, examples=examples, last_example_id=last_example_id
    )


def platt(z: Sequence[float], labels: Sequence[int], weights: Sequence[float] | None = None) -> tuple[float, float]:
    """Platt scaling: ``(a, b)`` of P(spam) = sigmoid(a * z + b), fitted by (weighted) maximum
    likelihood on held-out decision values ``z`` (a one-feature, unregularised logistic regression)."""
    require_training()
    import numpy as np
    from sklearn.linear_model import LogisticRegression

    lr = LogisticRegression(C=1e6, max_iter=1000)
    lr.fit(
        np.asarray(z, float).reshape(-1, 1),
        np.asarray(labels),
        sample_weight=None if weights is None else np.asarray(weights, float),
    )
    return float(lr.coef_[0, 0]), float(lr.intercept_[0])


def train_sources(
    rows: Sequence[CorpusRow], *, z: Sequence[float] | None = None, tested: Sequence[int] | None = None
) -> Model:
    """The shipped model: leave-one-source-out decision values (``z`` for the ``tested`` rows,
    computed by ``out_of_source`` unless given) give Platt's calibration, then one fit
    on every row (source-balanced weights) with that calibration folded in. Raises
    :class:`TrainingUnavailable` without the ``train`` extra."""
    require_training()
    texts = [r.text for r in rows]
    labels = [r.label for r in rows]
    sources = [r.source for r in rows]
    pre = [preprocess(t) for t in texts]
    if z is None or tested is None:
        z, tested = out_of_source(rows, pre=pre)
    w = source_weights(sources, labels, synthetic_weight=0.0)
    calibration = (1.0, 0.0)  # one source, or one class held out: nothing to calibrate on
    if len({labels[i] for i in tested}) == 2:
        calibration = platt([z[i] for i in tested], [labels[i] for i in tested], [w[i] for i in tested])
    return train(texts, labels, source_weights(sources, labels), sources=sources, calibration=calibration, pre=pre)


def train_corpus(paths: Iterable[str | Path]) -> Model:
    """:func:`train_sources` on the corpus CSVs (files or folders) at ``paths``."""
    return train_sources(read_sources(paths))


_rows: list[CorpusRow] | None = None
_rows_pre: list[str] | None = None


def shipped_rows() -> list[CorpusRow]:
    """The shipped training corpus (``workers/spam/data/corpus/``), read once per process."""
    global _rows
    if _rows is None:
        _rows = read_sources([SHIPPED_CORPUS])
    return _rows


def _shipped_pre() -> list[str]:
    """The shipped corpus preprocessed, once per process (a fixed size: the corpus, not comments)."""
    global _rows_pre
    if _rows_pre is None:
        _rows_pre = [preprocess(r.text) for r in shipped_rows()]
    return _rows_pre


def retrain_with(
    texts: Sequence[str],
    labels: Sequence[int],
    *,
    last_example_id: int = 0,
    base: Sequence[CorpusRow] | None = None,
    calibration: tuple[float, float] | None = None,
) -> Model:
    """The model a retrain stores: the shipped corpus (source-balanced) plus moderators' examples
    (``MODERATOR_WEIGHT`` each, source ``moderator``), with the shipped model's calibration. The one
    code path of ``workers/spam/learning.py`` and of ``commentq spam evaluate --learn``. Raises
    :class:`TrainingUnavailable` without the ``train`` extra, before reading the corpus."""
    require_training()
    base_pre = _shipped_pre() if base is None else [preprocess(r.text) for r in base]
    base = shipped_rows() if base is None else base
    calibration = shipped_model().calibration if calibration is None else calibration
    sources = [r.source for r in base]
    weights = source_weights(sources, [r.label for r in base]) + [MODERATOR_WEIGHT] * len(texts)
    return train(
        [r.text for r in base] + list(texts),
        [r.label for r in base] + list(labels),
        weights,
        sources=sources + [MODERATOR] * len(texts),
        calibration=calibration,
        examples=len(texts),
        last_example_id=last_example_id,
        pre=base_pre + [preprocess(t) for t in texts],
    )


def corpus_csv(rows: Iterable[tuple[str, str, int]]) -> str:
    """(author, text, label) rows as a corpus CSV (``AUTHOR,CONTENT,CLASS`` header, ``\\n`` line ends)."""
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\n")
    w.writerow(["AUTHOR", "CONTENT", "CLASS"])
    w.writerows(rows)
    return out.getvalue()


# --- leave-one-source-out: the calibration's decision values (and `commentq spam loso`'s) ------
def held_out_sources(rows: Sequence[CorpusRow]) -> list[str]:
    """The held-out sources, in corpus order (every source but the synthetic ones)."""
    return [s for s in dict.fromkeys(r.source for r in rows) if not s.startswith(SYNTHETIC)]


def out_of_source(rows: Sequence[CorpusRow], *, pre: Sequence[str] | None = None) -> tuple[list[float], list[int]]:
    """Each tested row's decision value (uncalibrated log-odds) from the model trained without its
    source; and the indices of the tested rows (synthetic rows get 0.0 and are not listed). With
    fewer than two sources there is nothing to hold out: no row is tested. ``pre``: the rows' texts
    already preprocessed (done once here otherwise, not once per fold)."""
    z = [0.0] * len(rows)
    tested: list[int] = []
    if len(held_out_sources(rows)) < 2:
        return z, tested
    pre = [preprocess(r.text) for r in rows] if pre is None else pre
    for held in held_out_sources(rows):
        train_idx = [i for i, r in enumerate(rows) if r.source != held]
        test_idx = [i for i, r in enumerate(rows) if r.source == held]
        part = [rows[i] for i in train_idx]
        fitted = fit(
            [r.text for r in part],
            [r.label for r in part],
            source_weights([r.source for r in part], [r.label for r in part]),
            [r.source for r in part],
            pre=[pre[i] for i in train_idx],
        )
        held_pre = [pre[i] for i in test_idx]
        for i, v in zip(test_idx, fitted.decision(held_pre, pre=held_pre), strict=True):
            z[i] = float(v)
        tested.extend(test_idx)
    return z, sorted(tested)

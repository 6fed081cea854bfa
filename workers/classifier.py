"""The spam classifier: a linear model over word and character n-grams (TF-IDF, logistic regression).

Training uses scikit-learn; the trained model is exported as plain JSON (gzip) — each n-gram's idf
and weight — so it loads in milliseconds in every worker process, can be stored in the database
(``spam_models``) without unpickling anything, and scores one comment in pure Python far faster
than a scikit-learn ``predict_proba`` call on a single row (see ``bench/bench_checks.py``).

The shipped model (``workers/models/spam-model.json.gz``) is trained on ``workers/models/corpus/``:
the YouTube Spam Collection (three videos) and the open-licence rows of ``../shared/data/spam/open/``
(Wikipedia talk and Stack Exchange comments as ham, Stack Exchange spam posts and SMS spam, templated
blog comments); attribution in ``LICENSES/``. Each source has its own style and length, so:

* the text the model reads has no links, e-mail addresses or digits (links are judged by the links
  check, by destination; a citation must not read as spam), see :func:`preprocess`;
* every (source, class) group weighs the same in training (:func:`source_weights`), so the largest
  source's style is not what "spam" means;
* probabilities are calibrated (Platt) on *leave-one-source-out* decision values: the score a model
  gives a comment from a source it has never seen, which is what a new blog is
  (:func:`train_sources`, ``workers/loso.py``). The calibration is folded into the exported weights.
"""

from __future__ import annotations

import csv
import gzip
import hashlib
import html
import io
import json
import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from itertools import repeat
from pathlib import Path
from typing import Any

from service.core.linkfinder import find_links
from workers.checks.text import clean

MODELS_DIR = Path(__file__).resolve().parent / "models"
SHIPPED_MODEL = MODELS_DIR / "spam-model.json.gz"
SHIPPED_CORPUS = MODELS_DIR / "corpus"
# The three YouTube videos of the corpus: the benchmark's and the older tests' rows.
YOUTUBE_CORPUS = SHIPPED_CORPUS / "youtube"
FORMAT = 1
MAX_CHARS = 1000  # longer comments are scored on their first 1,000 characters (bounded cost, and length
# is not evidence: the Stack Exchange spam posts are three times as long as the ham)
FEATURES = "word1-3,char2-5,binary-tfidf,l2,no-links,digits0,source-balanced,platt-loso"  # part of the version
MODERATOR_WEIGHT = 3.0  # a moderator's decision counts as much as this many (average) corpus rows
SYNTHETIC_WEIGHT = 0.5  # templated rows: coverage, not evidence; half a source's weight
C = 10.0
NORM = "l2"
ATTRIBUTION = (
    "Trained on the YouTube Spam Collection (Alberto, Lochter, Almeida, ICMLA 2015; UCI ML Repository, "
    "CC BY 4.0), Wikipedia talk-page and Stack Exchange contributions (CC BY-SA), the SMS Spam "
    "Collection v.1 (Almeida, Gomez Hidalgo) and moderators' decisions; see LICENSES/NOTICE.md."
)

# Bounded, linear-time: a tag never spans another "<".
_TAG = re.compile(r"<[^<>]{0,2000}>")
_DIGITS = re.compile(r"\d+")
_WORD = re.compile(r"(?u)\b\w+\b")


def _is_address(word: str) -> bool:
    """An e-mail address typed as a word (the link finder leaves addresses alone)."""
    at = word.find("@")
    return at > 0 and "." in word[at + 1 :].strip(".,;:!?)")


def preprocess(text: str) -> str:
    """What the model reads: NFKC, entities decoded, invisible characters dropped; tags dropped (their
    text kept); every link (``service.core.linkfinder``, the one the links check and the renderer use)
    and e-mail address dropped — the links check judges them by destination, and "has a link" must
    not be what the model learns spam is; every run of digits written ``0`` (phone numbers, prices
    and years alike); case folded, whitespace collapsed; at most ``MAX_CHARS`` characters. Linear."""
    text = html.unescape(clean(text[: MAX_CHARS * 2]))  # entities double-escaped in scraped text
    if "<" in text:
        text = _TAG.sub(" ", text)
    found = find_links(text)
    if found:
        parts, at = [], 0
        for link in found:
            parts.append(text[at : link.start])
            at = link.end
        parts.append(text[at:])
        text = " ".join(parts)
    words = [w for w in text.split() if "@" not in w or not _is_address(w)]
    return _DIGITS.sub("0", " ".join(words)).casefold()[:MAX_CHARS]


def word_features(text: str) -> set[str]:
    """Word 1- to 3-grams of preprocessed text."""
    tokens = _WORD.findall(text)
    feats = set(tokens)
    for n in (2, 3):
        feats.update(" ".join(tokens[i : i + n]) for i in range(len(tokens) - n + 1))
    return feats


def char_features(text: str) -> set[str]:
    """Character 2- to 5-grams of preprocessed text (robust to misspellings and obfuscation).
    A set: features are binary, and a set comprehension is the cheapest way to build them."""
    padded = f" {text} "
    n_chars = len(padded)
    return {padded[i : i + n] for n in (2, 3, 4, 5) for i in range(n_chars - n + 1)}


ANALYZERS = {"word": word_features, "char": char_features}


@dataclass
class Model:
    """A trained linear model: per analyzer, ``{feature: (idf, weight)}``; plus the intercept.

    Features are binary (present or not), so a comment's score is, per analyzer,
    ``sum(idf * w) / sqrt(sum(idf ** 2))`` over the n-grams it contains: one C-level ``sum(map(...))``
    over a precomputed dictionary, which is what makes scoring fast in pure Python.
    """

    version: str
    intercept: float
    tables: dict[str, dict[str, tuple[float, float]]]
    examples: int = 0
    last_example_id: int = 0
    # Platt's (a, b), already folded into ``intercept`` and the weights; kept so that a retrain
    # (workers/learning.py) applies the same calibration without re-running leave-one-source-out.
    calibration: tuple[float, float] = (1.0, 0.0)
    norm: str = "l2"  # each analyzer's row normalisation: "l2" (sum of squares) or "l1" (sum)

    def __post_init__(self) -> None:
        # One dict probe per n-gram: the value packs idf * weight (real) and idf ** 2 (imaginary),
        # and complex addition adds both parts in one C-level ``sum``.
        l1 = self.norm == "l1"
        self._fast = [
            (ANALYZERS[kind], {f: complex(i * w, i if l1 else i * i) for f, (i, w) in t.items()})
            for kind, t in self.tables.items()
        ]

    def probability(self, text: str, keep: dict[str, Any] | None = None) -> float:
        """P(spam) for a raw comment text; the same as scikit-learn's predict_proba. ``keep``, when
        given, receives each analyzer's feature set (so ``explain`` need not compute them again)."""
        pre = preprocess(text)
        z = self.intercept
        for kind, (analyzer, packed) in zip(self.tables, self._fast, strict=True):
            feats = analyzer(pre)
            if keep is not None:
                keep[kind] = feats
            total = sum(map(packed.get, feats, repeat(0j)))
            if total.imag > 0.0:
                z += total.real / (total.imag if self.norm == "l1" else math.sqrt(total.imag))
        if z >= 0:
            return 1.0 / (1.0 + math.exp(-z))
        e = math.exp(z)
        return e / (1.0 + e)

    def to_bytes(self) -> bytes:
        doc = {
            "format": FORMAT,
            "version": self.version,
            "intercept": self.intercept,
            "examples": self.examples,
            "last_example_id": self.last_example_id,
            "attribution": ATTRIBUTION,
            "features": FEATURES,
            "calibration": [round(self.calibration[0], 9), round(self.calibration[1], 9)],
            "norm": self.norm,
            "tables": {
                k: {f: [round(i, 6), round(w, 6)] for f, (i, w) in sorted(t.items())} for k, t in self.tables.items()
            },
        }
        raw = json.dumps(doc, ensure_ascii=False, separators=(",", ":"), sort_keys=True).encode()
        return gzip.compress(raw, compresslevel=9, mtime=0)

    @classmethod
    def from_bytes(cls, blob: bytes) -> Model:
        doc = json.loads(gzip.decompress(blob))
        if doc.get("format") != FORMAT:
            raise ValueError(f"unknown spam model format {doc.get('format')!r}")
        tables = {k: {f: (float(v[0]), float(v[1])) for f, v in t.items()} for k, t in doc["tables"].items()}
        unknown = set(tables) - set(ANALYZERS)
        if unknown:
            raise ValueError(f"unknown analyzers in spam model: {sorted(unknown)}")
        a, b = doc.get("calibration", (1.0, 0.0))
        return cls(
            doc["version"],
            float(doc["intercept"]),
            tables,
            int(doc.get("examples", 0)),
            int(doc.get("last_example_id", 0)),
            (float(a), float(b)),
            str(doc.get("norm", "l2")),
        )


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
        import numpy as np
        from scipy.sparse import csr_matrix

        analyzer = ANALYZERS[self.kind]
        index = self.index
        indptr = [0]
        indices: list[int] = []
        for text in pre:
            cols = sorted(map(index.__getitem__, analyzer(text) & index.keys()))  # sorted: same sums every run
            indices.extend(cols)
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

    import numpy as np

    n = len(pre)
    by_source = sources is not None and len(set(sources)) >= MIN_SOURCES
    groups: dict[str, list[int]] = {}
    for i, s in enumerate(sources if by_source else ["all"] * n):
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
    folds preprocess the corpus once; no process-wide cache, which would grow with every comment)."""
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
    computed by ``workers.loso.out_of_source`` unless given) give Platt's calibration, then one fit
    on every row (source-balanced weights) with that calibration folded in."""
    from workers.loso import out_of_source

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
    return train_sources(read_sources(paths))


_rows: list[CorpusRow] | None = None
_rows_pre: list[str] | None = None


def shipped_rows() -> list[CorpusRow]:
    """The shipped training corpus (``workers/models/corpus/``), read once per process."""
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
    code path of ``workers/learning.py`` and of ``commentq spam evaluate --learn``."""
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


_shipped: Model | None = None


def shipped_model() -> Model:
    """The model packaged with commentq, loaded once per process."""
    global _shipped
    if _shipped is None:
        _shipped = Model.from_bytes(SHIPPED_MODEL.read_bytes())
    return _shipped


def corpus_csv(rows: Iterable[tuple[str, str, int]]) -> str:
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\n")
    w.writerow(["AUTHOR", "CONTENT", "CLASS"])
    w.writerows(rows)
    return out.getvalue()


def describe(model: Model) -> dict[str, Any]:
    return {
        "version": model.version,
        "features": {k: len(t) for k, t in model.tables.items()},
        "examples": model.examples,
        "last_example_id": model.last_example_id,
    }


def explain(model: Model, text: str, k: int = 3, kept: dict[str, Any] | None = None) -> list[str]:
    """The words and phrases that pushed the verdict towards spam most (for the moderator)."""
    table = model.tables.get("word", {})
    feats = kept["word"] if kept and "word" in kept else word_features(preprocess(text))
    values = {f: table[f][0] for f in feats if f in table}
    norm = math.sqrt(sum(v * v for v in values.values())) or 1.0
    ranked = sorted(((values[f] * table[f][1] / norm, f) for f in values), reverse=True)
    return [f for c, f in ranked[:k] if c > 0]

"""The spam classifier: a linear model over word and character n-grams (TF-IDF, logistic regression).

Training uses scikit-learn; the trained model is exported as plain JSON (gzip) — each n-gram's idf
and weight — so it loads in milliseconds in every worker process, can be stored in the database
(``spam_models``) without unpickling anything, and scores one comment in pure Python far faster
than a scikit-learn ``predict_proba`` call on a single row (see ``bench/bench_checks.py``).

The shipped model (``workers/models/spam-model.json.gz``) is trained on the YouTube Spam Collection
(Alberto, Lochter, Almeida, "TubeSpam: Comment Spam Filtering on YouTube", ICMLA 2015; UCI Machine
Learning Repository, CC BY 4.0), copied to ``workers/models/spam-train.csv``.
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
from functools import partial
from itertools import repeat
from pathlib import Path
from typing import Any

from workers.checks.text import clean

MODELS_DIR = Path(__file__).resolve().parent / "models"
SHIPPED_MODEL = MODELS_DIR / "spam-model.json.gz"
SHIPPED_CORPUS = MODELS_DIR / "spam-train.csv"
FORMAT = 1
MAX_CHARS = 2000  # longer comments are scored on their first 2,000 characters (bounded cost)
FEATURES = "word1-3,char2-5,binary-tfidf,l2"  # part of the version: a changed recipe is a new model
MODERATOR_WEIGHT = 3.0  # a moderator's decision counts as much as this many corpus rows

_TAG = re.compile(r"<[^>]{0,2000}>")
_HREF = re.compile(r"""href\s*=\s*["']?([^"'\s>]+)""", re.I)
_URL = re.compile(
    r"(?i)\b(?:https?://|www\.)\S+"
    r"|\b[\w-]+\.(?:com|net|org|info|biz|ru|io|co|me|ly|tk|xyz|us|uk|de|tv|gl|gd|be|to|cc|in)\b\S*"
)
_SCHEME = re.compile(r"(?i)^(?:https?://)?(?:www\.)?")
_WS = re.compile(r"\s+")
_WORD = re.compile(r"(?u)\b\w+\b")


def preprocess(text: str) -> str:
    """What the model reads: NFKC, entities decoded, invisible characters and tags dropped, each
    link replaced by a ``urlx`` marker plus its host, case folded, whitespace collapsed."""
    text = clean(text[: MAX_CHARS * 2])
    text = html.unescape(text)  # entities double-escaped in scraped text
    hrefs = " ".join(_HREF.findall(text))
    text = _TAG.sub(" ", text) + (" " + hrefs if hrefs else "")

    def link(m: re.Match[str]) -> str:
        host = re.split(r"[/?#:]", _SCHEME.sub("", m.group(0)), maxsplit=1)[0]
        return f" urlx {host} "

    text = _URL.sub(link, text)
    return _WS.sub(" ", text).strip().casefold()[:MAX_CHARS]


def word_features(text: str) -> set[str]:
    """Word 1- to 3-grams of preprocessed text."""
    tokens = _WORD.findall(text)
    feats = set(tokens)
    for n in (2, 3):
        feats.update(" ".join(tokens[i:i + n]) for i in range(len(tokens) - n + 1))
    return feats


def char_features(text: str) -> set[str]:
    """Character 2- to 5-grams of preprocessed text (robust to misspellings and obfuscation).
    A set: features are binary, and a set comprehension is the cheapest way to build them."""
    padded = f" {text} "
    n_chars = len(padded)
    return {padded[i:i + n] for n in (2, 3, 4, 5) for i in range(n_chars - n + 1)}


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

    def __post_init__(self) -> None:
        # One dict probe per n-gram: the value packs idf * weight (real) and idf ** 2 (imaginary),
        # and complex addition adds both parts in one C-level ``sum``.
        self._fast = [(ANALYZERS[kind], {f: complex(i * w, i * i) for f, (i, w) in t.items()})
                      for kind, t in self.tables.items()]

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
                z += total.real / math.sqrt(total.imag)
        if z >= 0:
            return 1.0 / (1.0 + math.exp(-z))
        e = math.exp(z)
        return e / (1.0 + e)

    def to_bytes(self) -> bytes:
        doc = {"format": FORMAT, "version": self.version, "intercept": self.intercept,
               "examples": self.examples, "last_example_id": self.last_example_id,
               "attribution": "Trained on the YouTube Spam Collection (Alberto, Lochter, Almeida, ICMLA 2015; "
                              "UCI ML Repository, CC BY 4.0) and on moderators' decisions.",
               "tables": {k: {f: [round(i, 6), round(w, 6)] for f, (i, w) in sorted(t.items())}
                          for k, t in self.tables.items()}}
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
        return cls(doc["version"], float(doc["intercept"]), tables, int(doc.get("examples", 0)),
                   int(doc.get("last_example_id", 0)))


def read_corpus(paths: Iterable[str | Path]) -> list[tuple[str, str, int]]:
    """(author, text, label) rows from corpus CSVs (CONTRACT.md "Spam corpus format"); directories
    are read file by file in name order."""
    rows: list[tuple[str, str, int]] = []
    files: list[Path] = []
    for p in map(Path, paths):
        files.extend(sorted(p.glob("*.csv")) if p.is_dir() else [p])
    for f in files:
        with f.open(encoding="utf-8-sig", newline="") as fh:  # tolerate a byte-order mark
            for row in csv.DictReader(fh):
                label = str(row.get("CLASS", "")).strip()
                if label not in ("0", "1"):
                    continue
                rows.append((row.get("AUTHOR") or "", row.get("CONTENT") or "", int(label)))
    return rows


def _sorted(fn: Any, text: str) -> list[str]:
    return sorted(fn(text))


def train(texts: Sequence[str], labels: Sequence[int], weights: Sequence[float] | None = None, *,
          examples: int = 0, last_example_id: int = 0) -> Model:
    """Fit TF-IDF (word 1-3 + char 2-5, binary tf) and a logistic regression; deterministic."""
    import numpy as np
    from scipy.sparse import hstack
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression

    pre = [preprocess(t) for t in texts]
    # Sorted feature lists: a set's order changes with PYTHONHASHSEED, and with it the summation
    # order inside the solver; sorted input makes the exported file byte-identical on every run.
    vecs = {kind: TfidfVectorizer(analyzer=partial(_sorted, fn), binary=True, min_df=2, dtype=np.float64)
            for kind, fn in ANALYZERS.items()}
    matrices = [vec.fit_transform(pre) for vec in vecs.values()]
    clf = LogisticRegression(C=10.0, max_iter=5000, solver="lbfgs")
    clf.fit(hstack(matrices).tocsr(), np.asarray(labels),
            sample_weight=None if weights is None else np.asarray(weights, dtype=float))
    coef = clf.coef_[0]
    tables: dict[str, dict[str, tuple[float, float]]] = {}
    offset = 0
    for kind, vec in vecs.items():
        vocab = vec.vocabulary_
        idf = vec.idf_
        tables[kind] = {feat: (float(idf[j]), float(coef[offset + j])) for feat, j in vocab.items()}
        offset += len(vocab)
    digest = hashlib.sha256(f"{FORMAT}|{FEATURES}|C={clf.C}".encode())
    for t, y in zip(pre, labels, strict=True):
        digest.update(f"{y}\x1f{t}\x1e".encode("utf-8", "surrogatepass"))
    model = Model("", float(clf.intercept_[0]), tables, examples, last_example_id)
    model.version = f"lr-{digest.hexdigest()[:12]}"
    return model


def train_corpus(paths: Iterable[str | Path]) -> Model:
    rows = read_corpus(paths)
    return train([t for _, t, _ in rows], [y for _, _, y in rows])


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
    return {"version": model.version, "features": {k: len(t) for k, t in model.tables.items()},
            "examples": model.examples, "last_example_id": model.last_example_id}


def explain(model: Model, text: str, k: int = 3, kept: dict[str, Any] | None = None) -> list[str]:
    """The words and phrases that pushed the verdict towards spam most (for the moderator)."""
    table = model.tables.get("word", {})
    feats = kept["word"] if kept and "word" in kept else word_features(preprocess(text))
    values = {f: table[f][0] for f in feats if f in table}
    norm = math.sqrt(sum(v * v for v in values.values())) or 1.0
    ranked = sorted(((values[f] * table[f][1] / norm, f) for f in values), reverse=True)
    return [f for c, f in ranked[:k] if c > 0]

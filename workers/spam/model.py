"""The spam model at run time: what it reads of a comment, and P(spam) from the shipped model file.

The model is a linear model over word and character n-grams (binary TF-IDF, logistic regression),
exported as plain JSON (gzip): each n-gram's idf and weight. It loads in milliseconds in every
worker process, can be stored in the database (``spam_models``) without unpickling anything, and
scores one comment in pure Python far faster than a scikit-learn ``predict_proba`` call on a single
row (see ``bench/bench_checks.py``). Nothing here imports numpy, scipy or scikit-learn: the workers
need only this module; training (``workers.spam.training``) needs the ``train`` extra.

The shipped model (``workers/spam/data/spam-model.json.gz``) is trained on
``workers/spam/data/corpus/`` (see ``workers.spam.training`` and ``LICENSES/NOTICE.md``).
"""

from __future__ import annotations

import gzip
import html
import json
import math
import re
from collections.abc import Callable
from dataclasses import dataclass
from operator import mul
from pathlib import Path
from typing import Any

from service.core.linkfinder import find_links
from workers.checks.text import clean

DATA_DIR = Path(__file__).resolve().parent / "data"
SHIPPED_MODEL = DATA_DIR / "spam-model.json.gz"
FORMAT = 1
MAX_CHARS = 1000  # longer comments are scored on their first 1,000 characters (bounded cost, and length
# is not evidence: the Stack Exchange spam posts are three times as long as the ham)
FEATURES = "word1-3,char2-5,binary-tfidf,l2,no-links,digits0,source-balanced,platt-loso"  # part of the version
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


ANALYZERS: dict[str, Callable[[str], set[str]]] = {"word": word_features, "char": char_features}


@dataclass
class Model:
    """A trained linear model: per analyzer, ``{feature: (idf, weight)}``; plus the intercept.

    Features are binary (present or not), so a comment's row of an analyzer holds the idf of each
    n-gram it contains, normalised; its share of the log-odds is
    ``sum(idf * w) / sqrt(sum(idf ** 2))`` over those n-grams (l1: ``sum(idf * w) / sum(idf)``).
    """

    version: str
    intercept: float
    tables: dict[str, dict[str, tuple[float, float]]]
    examples: int = 0
    last_example_id: int = 0
    # Platt's (a, b), already folded into ``intercept`` and the weights; kept so that a retrain
    # (workers/spam/learning.py) applies the same calibration without re-running leave-one-source-out.
    calibration: tuple[float, float] = (1.0, 0.0)
    norm: str = "l2"  # each analyzer's row normalisation: "l2" (sum of squares) or "l1" (sum)

    def probability(self, text: str, keep: dict[str, set[str]] | None = None) -> float:
        """P(spam) in [0, 1] for a raw comment text; the same as scikit-learn's predict_proba.
        ``keep``, when given, receives each analyzer's feature set (so ``explain`` need not
        compute them again)."""
        pre = preprocess(text)
        z = self.intercept
        for kind, table in self.tables.items():
            feats = ANALYZERS[kind](pre)
            if keep is not None:
                keep[kind] = feats
            known = list(filter(None, map(table.get, feats)))  # the (idf, weight) of each n-gram it has
            if not known:  # the row is all zeros and adds nothing
                continue
            idfs, weights = zip(*known, strict=True)
            dot = sum(map(mul, idfs, weights))
            norm = sum(idfs) if self.norm == "l1" else math.sqrt(sum(map(mul, idfs, idfs)))
            if norm > 0.0:
                z += dot / norm
        if z >= 0:
            return 1.0 / (1.0 + math.exp(-z))
        e = math.exp(z)
        return e / (1.0 + e)

    def to_bytes(self) -> bytes:
        """The model file: gzip'd JSON (format ``FORMAT``), idf and weight rounded to 6 decimals,
        deterministic (sorted keys, no gzip timestamp)."""
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
        """A model from :meth:`to_bytes`' output. Raises ``ValueError`` for an unknown format or
        analyzer (``OSError``/``KeyError`` for a blob that is not gzip'd JSON of a model)."""
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


_shipped: Model | None = None


def shipped_model() -> Model:
    """The model packaged with commentq, loaded once per process."""
    global _shipped
    if _shipped is None:
        _shipped = Model.from_bytes(SHIPPED_MODEL.read_bytes())
    return _shipped


def describe(model: Model) -> dict[str, Any]:
    """A model's summary for the CLI: version, number of features per analyzer, examples learned."""
    return {
        "version": model.version,
        "features": {k: len(t) for k, t in model.tables.items()},
        "examples": model.examples,
        "last_example_id": model.last_example_id,
    }


def explain(model: Model, text: str, k: int = 3, kept: dict[str, set[str]] | None = None) -> list[str]:
    """The at most ``k`` words and phrases that pushed the verdict towards spam most (for the
    moderator); ``kept``: the feature sets :meth:`Model.probability` kept for this text."""
    table = model.tables.get("word", {})
    feats = kept["word"] if kept and "word" in kept else word_features(preprocess(text))
    values = {f: table[f][0] for f in feats if f in table}
    norm = math.sqrt(sum(v * v for v in values.values())) or 1.0
    ranked = sorted(((values[f] * table[f][1] / norm, f) for f in values), reverse=True)
    return [f for c, f in ranked[:k] if c > 0]

"""The classifier: pure-Python scoring equals scikit-learn; the shipped model is reproducible, small
and sane; the check picks up a newer model from the history; retraining learns from moderators."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
from scipy.sparse import hstack
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression

from tests.compare import first_difference
from tests.unit.checks_support import ctx, sub
from workers.checks.classifier import Classifier, ModelCache
from workers.checks.history import MemoryHistory
from workers.spam import model as spam_model
from workers.spam import training

TEXTS = [
    "check out my channel please subscribe",
    "I love this song so much",
    "subscribe to my channel for free",
    "great video, loved the chorus",
    "visit my site http://spam.example.com now",
    "this song is great",
    "free gift cards at my channel",
    "the chorus gives me chills",
] * 3
LABELS = [1, 0, 1, 0, 1, 0, 1, 0] * 3


def test_preprocess_normalises_what_the_readme_says():
    assert spam_model.preprocess("I&#39;m <b>HERE</b>\ufeff<br />") == "i'm here"


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        # Links, bare domains and addresses are dropped: the links check judges them by destination,
        # and "has a link" must not be what the model learns spam is (Stack Exchange ham cites links).
        ("see http://www.spam.example.com/x?y now", "see now"),
        ("as the docs say (https://docs.python.org/3/library/csv.html).", "as the docs say ( )."),
        ('<a href="https://t.example/">click</a> here', "click here"),
        ("visit www.example.net or mail me at ann@example.org", "visit or mail me at"),
        ("kidsmediausa.com is my site", "is my site"),
        # Digits are one token: phone numbers (pseudo-randomised in the corpus), prices and years alike.
        ("call 0800 123 4567 before 2024", "call 0 0 0 before 0"),
        # The one link finder's rules: words with dots are words.
        ("I use ASP.NET and VB.NET daily", "i use asp.net and vb.net daily"),
        ("the article.To be honest", "the article.to be honest"),
    ],
)
def test_preprocess_drops_links_and_folds_digits(raw: str, expected: str):
    assert spam_model.preprocess(raw) == expected


def test_preprocess_is_bounded_on_adversarial_input():
    for body in ("<" * 20_000, "a-" * 10_000, "1.2." * 2500, "x@" * 10_000, "http://" + "a" * 20_000):
        assert len(spam_model.preprocess(body)) <= spam_model.MAX_CHARS


def test_pure_python_probability_equals_scikit_learn():
    model = training.train(TEXTS, LABELS)
    pre = [spam_model.preprocess(t) for t in TEXTS]
    vecs = [TfidfVectorizer(analyzer=fn, binary=True, min_df=2) for fn in spam_model.ANALYZERS.values()]
    X = hstack([v.fit_transform(pre) for v in vecs]).tocsr()
    clf = LogisticRegression(C=10.0, max_iter=5000).fit(X, np.asarray(LABELS))
    probe = ["subscribe to my great channel", "I love the chorus", "zzz unseen words only", ""]
    Xp = hstack([v.transform([spam_model.preprocess(t) for t in probe]) for v in vecs]).tocsr()
    expected = clf.predict_proba(Xp)[:, 1]
    got = [model.probability(t) for t in probe]
    assert got == pytest.approx(list(expected), abs=1e-9)
    loaded = spam_model.Model.from_bytes(model.to_bytes())
    assert [loaded.probability(t) for t in probe] == pytest.approx(got, abs=1e-4)


def _summary(model: spam_model.Model) -> tuple[list[str], np.ndarray]:
    """A model as (sorted feature keys, [intercept, idf..., weight...]): compared with a tolerance."""
    keys = sorted(f"{k}\x1f{f}" for k, t in model.tables.items() for f in t)
    values = [model.intercept] + [
        model.tables[k.split("\x1f")[0]][k.split("\x1f", 1)[1]][j] for j in (0, 1) for k in keys
    ]
    return keys, np.asarray(values)


def _assert_same_model(a: spam_model.Model, b: spam_model.Model) -> None:
    """Same features, same numbers to rounding: floats' last bits differ between machines (BLAS,
    CPU), so never byte for byte; and a short message, never a diff of two large blobs."""
    keys_a, values_a = _summary(a)
    keys_b, values_b = _summary(b)
    diff = first_difference(keys_a, keys_b)
    assert diff is None, f"feature sets differ: {len(set(keys_a) ^ set(keys_b))} features in one only; {diff}"
    worst = float(np.max(np.abs(values_a - values_b))) if len(values_a) else 0.0
    assert np.allclose(values_a, values_b, rtol=1e-4, atol=1e-4), f"largest difference {worst:.3g}"


def test_training_is_deterministic_and_versioned_by_data():
    a, b = training.train(TEXTS, LABELS), training.train(TEXTS, LABELS)
    _assert_same_model(a, b)
    assert a.version == b.version
    assert training.train(TEXTS, [1 - y for y in LABELS]).version != a.version


def test_calibration_is_folded_into_the_exported_model():
    raw = training.train(TEXTS, LABELS)
    cal = training.train(TEXTS, LABELS, calibration=(0.5, -1.0))
    for text in ("subscribe to my great channel", "I love the chorus", ""):
        z = math.log(raw.probability(text) / (1 - raw.probability(text)))
        assert cal.probability(text) == pytest.approx(1 / (1 + math.exp(-(0.5 * z - 1.0))), abs=1e-9)
    assert spam_model.Model.from_bytes(cal.to_bytes()).calibration == (0.5, -1.0)


def test_source_weights_balance_every_source_and_class():
    sources = ["big"] * 8 + ["small"] * 2 + ["yt"] * 4 + ["synthetic_x"] * 2
    labels = [1] * 8 + [1] * 2 + [0, 0, 1, 1] + [0, 1]
    w = training.source_weights(sources, labels)
    groups: dict[tuple[str, int], float] = {}
    for s, y, x in zip(sources, labels, w, strict=True):
        groups[(s, y)] = groups.get((s, y), 0.0) + x
    assert groups[("big", 1)] == pytest.approx(groups[("small", 1)]) == pytest.approx(groups[("yt", 1)])
    assert groups[("synthetic_x", 1)] == pytest.approx(groups[("yt", 1)] * training.SYNTHETIC_WEIGHT)
    assert sum(x for x, y in zip(w, labels, strict=True) if y == 0) == pytest.approx(
        sum(x for x, y in zip(w, labels, strict=True) if y == 1)
    )
    assert sum(w) / len(w) == pytest.approx(1.0)


def test_shipped_model_is_small_loads_and_is_reproducible_from_the_shipped_corpus():
    """Refitting on the shipped corpus with the shipped calibration gives the shipped model, to
    rounding. (The calibration itself comes from the leave-one-source-out folds, seven more fits:
    ``commentq spam train`` recomputes it; this test does not.)"""
    assert spam_model.SHIPPED_MODEL.stat().st_size < 2_000_000
    model = spam_model.shipped_model()
    assert model.version.startswith("lr-")
    rows = training.shipped_rows()
    sources = [r.source for r in rows]
    labels = [r.label for r in rows]
    again = training.train(
        [r.text for r in rows],
        labels,
        training.source_weights(sources, labels),
        sources=sources,
        calibration=model.calibration,
    )
    _assert_same_model(again, model)
    assert model.probability("Check out my new channel and subscribe!! http://bit.ly/x") > 0.9
    assert model.probability("Thanks for the clear summary of where the talks will take place.") < 0.5


def test_model_file_rejects_unknown_formats():
    import gzip
    import json

    with pytest.raises(ValueError, match="format"):
        spam_model.Model.from_bytes(gzip.compress(json.dumps({"format": 99}).encode()))


def test_check_verdict_thresholds_version_and_explanation():
    v = Classifier().run(sub("Check out my new channel and subscribe!! http://bit.ly/x"), ctx())
    assert v.verdict == "spam" and v.version == spam_model.shipped_model().version
    assert "spam probability" in v.reason and "strongest signals" in v.reason
    assert (
        Classifier().run(sub("Check out my channel"), ctx(classifier_spam=1.01, classifier_hold=1.01)).verdict == "pass"
    )


def test_check_picks_up_a_newer_model_from_the_history():
    h = MemoryHistory()
    cache = ModelCache(refresh=0.0)
    check = Classifier(cache)
    assert check.run(sub("hello"), ctx(h)).version == spam_model.shipped_model().version
    newer = training.train(TEXTS, LABELS)
    h.models.append(newer.to_bytes())
    assert check.run(sub("hello"), ctx(h)).version == newer.version
    h.models.append(b"not a model")  # a broken blob is logged and skipped, the last good one stays
    assert check.run(sub("hello"), ctx(h)).version == newer.version


def test_moderator_examples_move_the_model():
    """The retrain's code path (workers/spam/learning.py): a moderator's word is learned even if no
    corpus source uses it (the source filter keeps the blog's own vocabulary)."""
    base = training.read_sources([training.YOUTUBE_CORPUS])
    text = "Discover quantum crystal healing sessions, book your aura reading with Madame Zora today"
    before = training.retrain_with([], [], base=base).probability(text + " now")
    after = training.retrain_with([text], [1], base=base).probability(text + " now")
    assert after > before + 0.1


BLOG_HAM = [
    line
    for line in (Path(__file__).parent / "data" / "blog_ham.txt").read_text("utf-8").splitlines()
    if line and not line.startswith("#")
]


SUBSCRIBE_QUESTION = "Is there a way to subscribe to new posts by email? I don't use any of the social networks."


def test_plain_blog_comments_are_never_rejected_by_the_shipped_model():
    """Readers' comments written for this test (questions, careful long comments, "my", "thanks",
    replies citing a news article or the docs): the classifier never says spam on its own account
    (below ``classifier_spam``, and 0.1 or more below rejecting alone), and the whole pipeline
    rejects none and holds few (tolerances, not exact values)."""
    from service.core.settings import PolicyConfig
    from tests.unit.checks_support import ctx, sub
    from workers.pipeline import Pipeline

    cfg = PolicyConfig.defaults()
    model = spam_model.shipped_model()
    scores = {text: model.probability(text) for text in BLOG_HAM}
    worst = max(scores, key=scores.get)
    assert scores[worst] < min(cfg.classifier_spam, cfg.classifier_reject - 0.1), f"{scores[worst]:.3f}: {worst!r}"
    pipeline = Pipeline()
    outcomes = {text: pipeline.run(sub(text), ctx()).decision for text in BLOG_HAM if text != SUBSCRIBE_QUESTION}
    rejected = [(t, d.reason) for t, d in outcomes.items() if d.status == "rejected"]
    assert not rejected, f"{len(rejected)} rejected, e.g. {rejected[0]!r}"
    held = [t for t, d in outcomes.items() if d.status == "held"]
    assert len(held) <= len(BLOG_HAM) // 10, f"{len(held)} held, e.g. {held[:2]!r}"


@pytest.mark.parametrize(
    "text",
    [
        SUBSCRIBE_QUESTION,
        "I subscribed to your newsletter after reading this; please keep writing these summaries.",
        "How do I subscribe to the RSS feed? The link in the footer gives me a 404.",
        "Would love to subscribe to updates on this series, is there a mailing list?",
    ],
)
def test_a_reader_asking_how_to_subscribe_is_not_rejected(text: str):
    """Subscribing to the *blog* is a reader's question, not self-promotion (QA: rejected before)."""
    from tests.unit.checks_support import ctx, sub
    from workers.pipeline import Pipeline

    result = Pipeline().run(sub(text), ctx())
    assert result.decision.status != "rejected", result.decision.reason
    assert all(v.verdict == "pass" for v in result.verdicts if v.check == "promotion"), text


@pytest.mark.parametrize(
    "text",
    [
        "subscribe to my channel for more",
        "Subscribe to me, I post covers daily",
        "subscribe to hear the rest of the song",
        "pls subscribe on youtube",
    ],
)
def test_asking_to_subscribe_to_the_commenter_is_still_promotion(text: str):
    from tests.unit.checks_support import ctx, sub
    from workers.checks.promotion import Promotion

    assert Promotion().run(sub(text), ctx()).verdict == "hold"

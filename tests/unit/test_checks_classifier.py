"""The classifier: pure-Python scoring equals scikit-learn; the shipped model is reproducible, small
and sane; the check picks up a newer model from the history; retraining learns from moderators."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.sparse import hstack
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression

from tests.unit.checks_support import ctx, sub
from workers import classifier as c
from workers.checks.classifier import Classifier, ModelCache
from workers.history import MemoryHistory

TEXTS = ["check out my channel please subscribe", "I love this song so much", "subscribe to my channel for free",
         "great video, loved the chorus", "visit my site http://spam.example.com now", "this song is great",
         "free gift cards at my channel", "the chorus gives me chills"] * 3
LABELS = [1, 0, 1, 0, 1, 0, 1, 0] * 3


def test_preprocess_normalises_what_the_readme_says():
    assert c.preprocess("I&#39;m <b>HERE</b>\ufeff<br />") == "i'm here"
    assert c.preprocess("see http://www.spam.example.com/x?y now") == "see urlx spam.example.com now"
    assert c.preprocess('<a href="https://t.example/">click</a>') == "click urlx t.example"


def test_pure_python_probability_equals_scikit_learn():
    model = c.train(TEXTS, LABELS)
    pre = [c.preprocess(t) for t in TEXTS]
    vecs = [TfidfVectorizer(analyzer=fn, binary=True, min_df=2) for fn in c.ANALYZERS.values()]
    X = hstack([v.fit_transform(pre) for v in vecs]).tocsr()
    clf = LogisticRegression(C=10.0, max_iter=5000).fit(X, np.asarray(LABELS))
    probe = ["subscribe to my great channel", "I love the chorus", "zzz unseen words only", ""]
    Xp = hstack([v.transform([c.preprocess(t) for t in probe]) for v in vecs]).tocsr()
    expected = clf.predict_proba(Xp)[:, 1]
    got = [model.probability(t) for t in probe]
    assert got == pytest.approx(list(expected), abs=1e-9)
    loaded = c.Model.from_bytes(model.to_bytes())
    assert [loaded.probability(t) for t in probe] == pytest.approx(got, abs=1e-4)


def test_training_is_deterministic_and_versioned_by_data():
    a, b = c.train(TEXTS, LABELS), c.train(TEXTS, LABELS)
    assert a.to_bytes() == b.to_bytes()
    assert c.train(TEXTS, [1 - y for y in LABELS]).version != a.version


def test_shipped_model_is_small_loads_and_is_reproducible_from_the_shipped_corpus():
    assert c.SHIPPED_MODEL.stat().st_size < 1_000_000
    model = c.shipped_model()
    assert model.version.startswith("lr-")
    assert c.train_corpus([c.SHIPPED_CORPUS]).to_bytes() == c.SHIPPED_MODEL.read_bytes()
    assert model.probability("Check out my new channel and subscribe!! http://bit.ly/x") > 0.9
    assert model.probability("Thanks for the clear summary of where the talks will take place.") < 0.6


def test_model_file_rejects_unknown_formats():
    import gzip
    import json

    with pytest.raises(ValueError, match="format"):
        c.Model.from_bytes(gzip.compress(json.dumps({"format": 99}).encode()))


def test_check_verdict_thresholds_version_and_explanation():
    v = Classifier().run(sub("Check out my new channel and subscribe!! http://bit.ly/x"), ctx())
    assert v.verdict == "spam" and v.version == c.shipped_model().version
    assert "spam probability" in v.reason and "strongest signals" in v.reason
    assert Classifier().run(sub("Check out my channel"), ctx(classifier_spam=1.01, classifier_hold=1.01)) \
        .verdict == "pass"


def test_check_picks_up_a_newer_model_from_the_history():
    h = MemoryHistory()
    cache = ModelCache(refresh=0.0)
    check = Classifier(cache)
    assert check.run(sub("hello"), ctx(h)).version == c.shipped_model().version
    newer = c.train(TEXTS, LABELS)
    h.models.append(newer.to_bytes())
    assert check.run(sub("hello"), ctx(h)).version == newer.version
    h.models.append(b"not a model")  # a broken blob is logged and skipped, the last good one stays
    assert check.run(sub("hello"), ctx(h)).version == newer.version


def test_moderator_examples_move_the_model():
    base = c.read_corpus([c.SHIPPED_CORPUS])
    text = "Discover quantum crystal healing sessions, book your aura reading with Madame Zora today"
    before = c.train([t for _, t, _ in base], [y for _, _, y in base]).probability(text)
    after = c.train([t for _, t, _ in base] + [text], [y for _, _, y in base] + [1],
                    [1.0] * len(base) + [c.MODERATOR_WEIGHT]).probability(text + " now")
    assert after > before + 0.1

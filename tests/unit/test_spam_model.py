"""The spam model at run time: scores as the plain formula says, needs no training library, and the
training side says what to install when its libraries are missing."""

from __future__ import annotations

import json
import logging
import math
import subprocess
import sys
from pathlib import Path

import pytest
from flask import Flask

from service.core.models import Article, Comment, LabelledExample
from service.core.vocabulary import Status
from workers.spam import model as spam_model
from workers.spam import training

ROOT = Path(__file__).resolve().parents[2]
TRAINING_LIBRARIES = ("numpy", "scipy", "sklearn")


def _reference_probability(m: spam_model.Model, text: str) -> float:
    """P(spam) written out as the model defines it: per analyzer, the binary TF-IDF row of the n-grams
    the model knows, l2-normalised, dotted with the weights; the sum plus the intercept through the
    logistic function."""
    pre = spam_model.preprocess(text)
    z = m.intercept
    for kind, table in m.tables.items():
        known = [table[f] for f in spam_model.ANALYZERS[kind](pre) if f in table]
        norm = math.sqrt(sum(idf * idf for idf, _ in known))
        if norm > 0:
            z += sum(idf * w for idf, w in known) / norm
    return 1.0 / (1.0 + math.exp(-z))


def test_the_shipped_model_scores_corpus_rows_as_the_plain_formula() -> None:
    m = spam_model.shipped_model()
    rows = training.read_sources([training.SHIPPED_CORPUS], body_only=False)
    sample = rows[:: max(1, len(rows) // 300)]  # every source, ham and spam, ~300 rows
    assert len(sample) >= 300 and {r.label for r in sample} == {0, 1}
    for r in sample:
        assert m.probability(r.text) == pytest.approx(_reference_probability(m, r.text), abs=1e-12, rel=0), r.text[:80]


def test_a_model_with_l1_rows_divides_by_the_sum_of_idfs() -> None:
    m = spam_model.Model("t", 0.5, {"word": {"cheap": (2.0, 1.5), "pills": (3.0, -0.5)}}, norm="l1")
    z = 0.5 + (2.0 * 1.5 + 3.0 * -0.5) / (2.0 + 3.0)
    assert m.probability("Cheap pills") == pytest.approx(1.0 / (1.0 + math.exp(-z)), abs=1e-15)
    assert m.probability("nothing known here") == pytest.approx(1.0 / (1.0 + math.exp(-0.5)), abs=1e-15)


SCORE_A_COMMENT = """
import json, sys
import workers.tasks
from workers.checks.base import CheckContext, Submission
from workers.checks.history import MemoryHistory
from workers.pipeline import Pipeline
from service.core.settings import PolicyConfig
from workers.spam.model import shipped_model

sub = Submission("c1", 1, "Ann", "ann@example.org", "Great post! Cheap pills at my site, best prices, buy now")
out = Pipeline().run(sub, CheckContext(PolicyConfig.defaults(), MemoryHistory(), offline=True))
classifier = next(v for v in out.verdicts if v.check == "classifier")
print(json.dumps({
    "version": classifier.version,
    "shipped": shipped_model().version,
    "score": classifier.score,
    "status": out.decision.status,
    "loaded": sorted(m for m in sys.modules if m.split(".")[0] in ("numpy", "scipy", "sklearn")),
}))
"""


def test_a_check_worker_scores_without_importing_numpy_scipy_or_sklearn() -> None:
    """The tasks module, every check and the shipped model, in a fresh interpreter: none of the
    ``train`` extra's libraries is imported (they are ~270 MB the check workers need not install)."""
    done = subprocess.run(
        [sys.executable, "-c", SCORE_A_COMMENT], cwd=ROOT, capture_output=True, text=True, timeout=120, check=False
    )
    assert done.returncode == 0, done.stderr[-2000:]
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result["version"] == result["shipped"] and result["score"] > 0.5, result
    assert result["loaded"] == [], result


@pytest.fixture
def without_training_libraries(monkeypatch: pytest.MonkeyPatch) -> None:
    """As if the ``train`` extra were not installed: importing its libraries fails."""
    for name in ("numpy", "scipy.sparse", "sklearn.linear_model", "sklearn.metrics"):
        monkeypatch.setitem(sys.modules, name, None)


@pytest.mark.usefixtures("without_training_libraries")
def test_training_without_the_train_extra_says_what_to_install() -> None:
    for call in (
        lambda: training.retrain_with(["buy cheap pills"], [1]),
        lambda: training.platt([0.0, 1.0], [0, 1]),
        lambda: training.train(["a b", "c d"], [0, 1]),
    ):
        with pytest.raises(training.TrainingUnavailable, match=r"pip install 'commentq\[train\]'"):
            call()
    # Scoring is unaffected.
    assert 0.0 < spam_model.shipped_model().probability("buy cheap pills") < 1.0


@pytest.mark.usefixtures("without_training_libraries")
def test_the_retrain_task_without_the_train_extra_logs_and_returns(
    unit_app: Flask, caplog: pytest.LogCaptureFixture
) -> None:
    """No exception (Celery would log a traceback per beat tick, and a retry cannot install a
    package): one clear error line, and nothing stored."""
    from workers.tasks import retrain_classifier

    with unit_app.app_context(), unit_app.extensions["db"].session() as session:
        art = Article(slug="a", title="A", comment_count=0)
        session.add(art)
        session.flush()
        c = Comment(article_id=art.id, author="Z", email="z@example.org", body="buy pills", status=Status.REJECTED)
        session.add(c)
        session.flush()
        session.add(LabelledExample(comment_id=c.id, author="Z", text="buy pills", label=1, source="moderator:m"))
        session.commit()
    with unit_app.app_context(), caplog.at_level(logging.ERROR, logger="commentq.worker"):
        assert retrain_classifier() is None
    errors = [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]
    assert len(errors) == 1 and "pip install 'commentq[train]'" in errors[0], errors

"""Learning and the command line: retraining from moderators' decisions into ``spam_models``, the
retrain queued after a labelling decision, the database history, and ``commentq spam train|evaluate``."""

from __future__ import annotations

import csv
import json
from datetime import timedelta
from pathlib import Path

from click.testing import CliRunner
from flask import Flask

from service.cli import spam
from service.core.models import Article, Comment, LabelledExample, SpamModel, utcnow
from service.core.queue import enqueue_retrain_if_due
from service.core.store import latest_spam_model, unlearned_examples
from service.core.vocabulary import CHECKS_QUEUE, TRAINING_QUEUE, Status, TaskName
from tests.unit.checks_support import CONTRACT_FIGURES, ctx, sub
from workers.checks.classifier import Classifier, ModelCache
from workers.checks.history import DbHistory
from workers.checks.text import shingles_of
from workers.spam import model as spam_model
from workers.spam.learning import retrain

PITCH = "Discover quantum crystal healing sessions, book your aura reading with Madame Zora today"


def _comment(session, article: Article, body: str, status: str, **kw) -> Comment:
    row = Comment(
        article_id=article.id,
        author=kw.pop("author", "Z"),
        email=kw.pop("email", "z@example.org"),
        body=body,
        status=status,
        created_at=utcnow() - timedelta(minutes=1),
        **kw,
    )
    session.add(row)
    session.flush()
    return row


def test_retrain_stores_a_model_the_classifier_check_loads(unit_app: Flask):
    with unit_app.app_context(), unit_app.extensions["db"].session() as session:
        art = Article(slug="a", title="A", comment_count=0)
        session.add(art)
        session.flush()
        bad = _comment(session, art, PITCH, Status.REJECTED, ip="203.0.113.4", url="https://zora.example/")
        session.add(LabelledExample(comment_id=bad.id, author="Z", text=PITCH, label=1, source="moderator:m"))
        session.commit()
        assert unlearned_examples(session) == 1
        row = retrain(session)
        assert row is not None and row.examples == 1 and row.last_example_id >= 1
        assert retrain(session) is None  # nothing new
        assert unlearned_examples(session) == 0

        history = DbHistory(session)
        assert history.latest_model_id() == row.id
        check = Classifier(ModelCache(refresh=0.0))
        v = check.run(sub(PITCH + " now"), ctx(history))
        assert v.version == row.version != spam_model.shipped_model().version
        assert v.score > spam_model.shipped_model().probability(PITCH + " now")

        # The database history answers the reputation and near-duplicate questions.
        s = history.standing(email="Z@example.org", ip="203.0.113.4", url="https://zora.example", exclude_id="x")
        assert (s.spam_email, s.spam_ip, s.spam_url) == (1, 1, 1)
        assert history.spam_texts() == [PITCH]
        assert history.near_spam(shingles_of(PITCH.replace("today", "tonight")), 0.7)
        assert not history.near_spam(shingles_of("An entirely different remark about the venue and its food"), 0.7)
        since = utcnow() - timedelta(hours=1)
        near = PITCH.replace("today", "tonight")
        assert history.near_copies(shingles_of(near), since, "x", 0.7, 200, len(near)) == 1
        assert history.near_copies(shingles_of(near), since, bad.id, 0.7, 200, len(near)) == 0
        assert history.near_copies(shingles_of(near * 3), since, "x", 0.7, 200, len(near * 3)) == 0


def _queued_tasks(app: Flask, queue: str = TRAINING_QUEUE) -> list[str]:
    """Drain one queue of the in-memory broker (the unit app has no Redis): the task names sent."""
    names = []
    with app.extensions["celery"].connection_for_write() as conn:
        channel = conn.default_channel
        while (msg := channel.basic_get(queue)) is not None:
            names.append(msg.headers.get("task"))
    return names


def test_retrains_have_a_queue_of_their_own_that_a_bare_worker_also_consumes(unit_app: Flask):
    """A retrain never waits in the checks queue in front of comments (nor a comment behind it)."""
    celery = unit_app.extensions["celery"]
    assert celery.amqp.router.route({}, TaskName.RETRAIN_CLASSIFIER)["queue"].name == TRAINING_QUEUE
    assert celery.amqp.router.route({}, "workers.tasks.process_comment")["queue"].name == CHECKS_QUEUE
    # `celery -A workers worker` without -Q consumes every declared queue, so it still learns.
    assert {q.name for q in celery.conf.task_queues} == {CHECKS_QUEUE, TRAINING_QUEUE}


def test_a_labelled_decision_queues_a_retrain_only_when_enough_examples_exist(unit_app: Flask):
    with unit_app.test_request_context(), unit_app.extensions["db"].session() as session:
        _queued_tasks(unit_app)
        for n in range(4):
            session.add(LabelledExample(text=f"t{n}", label=n % 2, source="moderator:m"))
        session.commit()
        assert enqueue_retrain_if_due() is False  # 4 < retrain_every (5)
        assert _queued_tasks(unit_app) == []
        session.add(LabelledExample(text="t5", label=1, source="moderator:m"))
        session.commit()
        assert enqueue_retrain_if_due() is True
        assert _queued_tasks(unit_app) == ["workers.tasks.retrain_classifier"]
        assert TaskName.RETRAIN_CLASSIFIER not in _queued_tasks(
            unit_app, CHECKS_QUEUE
        )  # (other tests' comments may wait there)
        assert session.query(SpamModel).count() == 0  # nothing trained in the request


def _csv(path: Path, rows: list[tuple[str, str, int]]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["AUTHOR", "CONTENT", "CLASS"])
        w.writerows(rows)
    return path


def test_spam_evaluate_prints_the_contract_figures(tmp_path: Path):
    rows = [
        ("a", "Check out my new channel and subscribe!! http://bit.ly/x", 1),
        ("b", "I love this song, it reminds me of summer", 0),
        ("c", "Thanks for the clear summary of where the talks will take place.", 0),
        ("d", "like this comment if you are watching in 2015", 1),
        ("e", "", 0),
    ]
    result = CliRunner().invoke(spam, ["evaluate", str(_csv(tmp_path / "x.csv", rows))])
    assert result.exit_code == 0, result.output
    out = json.loads(result.output)
    for key in CONTRACT_FIGURES:
        assert key in out
    assert (out["rows"], out["spam"], out["ham"]) == (5, 2, 3)
    assert out["spam_published"] + out["spam_held"] + out["spam_rejected"] == 2
    assert out["ham_published"] + out["ham_held"] + out["ham_rejected"] == 3
    assert out["spam_rejected"] == 2 and out["ham_published"] == 2 and out["ham_rejected"] == 1  # empty: invalid
    assert out["recall"] == 1.0 and out["false_positive_rate"] == round(1 / 3, 4)


def test_spam_evaluate_reads_a_file_with_a_byte_order_mark(tmp_path: Path):
    path = tmp_path / "bom.csv"
    path.write_text("\ufeffCONTENT,CLASS\nsubscribe to my channel please,1\nlovely tune,0\n", encoding="utf-8")
    result = CliRunner().invoke(spam, ["evaluate", str(path)])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["rows"] == 2


def test_spam_evaluate_refuses_a_file_without_labelled_rows(tmp_path: Path):
    bad = tmp_path / "bad.csv"
    bad.write_text("foo,bar\n1,2\n", encoding="utf-8")
    result = CliRunner().invoke(spam, ["evaluate", str(bad)])
    assert result.exit_code != 0 and "no rows with CONTENT and CLASS" in result.output


def test_spam_train_writes_a_loadable_model(tmp_path: Path):
    rows = [
        (f"u{n}", t, y)
        for n, (t, y) in enumerate(
            [("subscribe to my channel", 1), ("lovely song", 0), ("check my channel out", 1), ("great song", 0)] * 3
        )
    ]
    out = tmp_path / "m.json.gz"
    result = CliRunner().invoke(spam, ["train", str(_csv(tmp_path / "t.csv", rows)), "--out", str(out)])
    assert result.exit_code == 0, result.output
    info = json.loads(result.output)
    model = spam_model.Model.from_bytes(out.read_bytes())
    assert model.version == info["version"]
    assert model.probability("subscribe to my channel") > model.probability("lovely song")


def test_a_stale_retrain_committed_last_does_not_replace_a_newer_model(unit_app: Flask):
    """Two retrains can run at once; the one that learned from fewer decisions may commit second."""
    with unit_app.app_context(), unit_app.extensions["db"].session() as session:
        for label in (1, 0):
            session.add(
                LabelledExample(comment_id=None, author="Z", text=f"{PITCH} {label}", label=label, source="moderator:m")
            )
        session.commit()
        newer = SpamModel(version="newer", blob=b"x", examples=2, last_example_id=2)
        session.add(newer)
        session.commit()
        stale = SpamModel(version="stale", blob=b"y", examples=1, last_example_id=1)
        session.add(stale)
        session.commit()

        assert latest_spam_model(session).version == "newer"
        assert DbHistory(session).latest_model_id() == newer.id
        # Nothing newer than the newest model: a retrain stores nothing.
        assert retrain(session, min_new=0) is None
        assert session.query(SpamModel).count() == 2

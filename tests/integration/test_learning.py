"""Moderators teach the checks: a `spam` decision, through HTTP, makes the real worker treat the next
similar comment worse, and the classifier is retrained and picked up by the worker.

This module runs its own stack per backend (Redis, worker, gunicorn): its spam marks on
127.0.0.1 and its retrained model must not leak into the shared stack other tests use.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
from flask import Flask
from sqlalchemy import select

from service import create_app
from service.core import store
from service.core.models import LabelledExample, SpamModel
from service.core.store import latest_spam_model
from tests.conftest import BACKENDS, make_stack, wait_for
from tests.support import Stack
from workers.spam.model import shipped_model

pytestmark = pytest.mark.integration

FRIENDLY = "Thanks for the clear summary of where the talks will take place."
PITCH = (
    "Great deals on replica watches and designer handbags in our online store, "
    "visit us today for discount codes and free shipping worldwide"
)


@pytest.fixture(scope="module", params=BACKENDS)
def own(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Stack, Flask]]:
    tmp = tmp_path_factory.mktemp(f"learning-{request.param}")
    stack, drop = make_stack(request.param, tmp, {"COMMENTQ_RETRAIN_EVERY": "1"})
    app = None
    try:
        stack.start_worker()
        stack.start_web()
        app = create_app(stack.settings())
        yield stack, app
    finally:
        if app is not None:
            app.extensions["db"].dispose()
        stack.stop_all()
        drop()


@pytest.fixture(scope="module")
def token(own: tuple[Stack, Flask]) -> str:
    stack, _ = own
    return stack.cli("moderator", "create", f"mod-{uuid.uuid4().hex[:8]}").stdout.strip().splitlines()[-1]


def _detail(stack: Stack, token: str, cid: str) -> dict:
    resp = stack.http.get(f"/api/v1/moderation/comments/{cid}", headers={"Authorization": f"Bearer {token}"})
    assert resp.status == 200, resp.text
    return resp.json()


def _decided(stack: Stack, token: str, cid: str) -> dict:
    return wait_for(
        lambda: (d := _detail(stack, token, cid))["status"] in ("published", "held", "rejected") and d, timeout=15
    )  # type: ignore[return-value]


def _post(stack: Stack, slug: str, body: str, email: str, url: str | None = None) -> str:
    payload = {"author": "Visitor", "email": email, "body": body, **({"url": url} if url else {})}
    resp = stack.http.post(f"/api/v1/articles/{slug}/comments", json_body=payload)
    assert resp.status == 202, resp.text
    return resp.json()["id"]


def _check(item: dict, name: str) -> dict:
    return next(c for c in item["checks"] if c["check"] == name)


def test_a_spam_decision_makes_similar_comments_worse(own, token):
    stack, app = own
    slug = f"learn-{uuid.uuid4().hex[:8]}"
    with app.extensions["db"].session() as session:
        store.put_article(session, slug, "Learning", f"https://blog.example.org/{slug}/")
    uid = uuid.uuid4().hex[:8]
    # Two ordinary readers first: published, and they make 127.0.0.1 a shared address.
    for n, text in enumerate(("Looking forward to the conference next month.", "The schedule looks great.")):
        assert _decided(stack, token, _post(stack, slug, text, f"reader{n}-{uid}@example.org"))["status"] == "published"

    spammer, site = f"deals-{uid}@example.org", f"https://watches-{uid}.example.com"
    first = _post(stack, slug, PITCH, spammer, site)
    before = _decided(stack, token, first)
    resp = stack.http.post(
        f"/api/v1/moderation/comments/{first}/decision",
        json_body={"action": "spam"},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert resp.status == 200, resp.text
    assert resp.json()["status"] == "rejected"

    # Same email, harmless text: without the mark this text is published (see the control below).
    same_email = _decided(stack, token, _post(stack, slug, FRIENDLY + " Again.", spammer))
    assert same_email["status"] == "rejected"
    rep = _check(same_email, "reputation")
    assert rep["verdict"] == "spam" and "email marked spam" in rep["reason"]

    # Another email, the same website.
    same_site = _decided(
        stack, token, _post(stack, slug, "A different remark about the venue.", f"other-{uid}@example.org", site)
    )
    assert same_site["status"] == "rejected"
    assert "website marked spam" in _check(same_site, "reputation")["reason"]

    # Another email, nearly the same text (one word changed) on another article.
    other = f"learn-{uuid.uuid4().hex[:8]}"
    with app.extensions["db"].session() as session:
        store.put_article(session, other, "Other", None)
    near = _decided(stack, token, _post(stack, other, PITCH.replace("today", "now"), f"third-{uid}@example.org"))
    assert near["status"] == "rejected"
    dup = _check(near, "duplicates")
    assert dup["verdict"] == "spam" and "marked spam" in dup["reason"]
    assert near["status"] != "published" and before["id"] == first

    # Control: a new author with the friendly text is still published (the IP is shared, not blamed).
    control = _decided(stack, token, _post(stack, slug, FRIENDLY, f"fresh-{uid}@example.org"))
    assert control["status"] == "published", [(c["check"], c["verdict"], c["reason"]) for c in control["checks"]]
    assert "shared" in _check(control, "reputation")["reason"]

    # The rejected ones are visible with their reasons in the moderation queue (status filter).
    queue = stack.http.get(
        f"/api/v1/moderation/queue?status=rejected&article={slug}&per_page=100",
        headers={"Authorization": f"Bearer {token}"},
    )
    assert queue.status == 200, queue.text
    items = {i["id"]: i for i in queue.json()["items"]}
    assert same_email["id"] in items
    assert any(c["check"] == "reputation" and c["verdict"] == "spam" for c in items[same_email["id"]]["checks"])


def test_decisions_retrain_the_classifier_and_workers_use_it(own, token):
    stack, app = own
    slug = f"retrain-{uuid.uuid4().hex[:8]}"
    with app.extensions["db"].session() as session:
        store.put_article(session, slug, "Retrain", None)
    uid = uuid.uuid4().hex[:8]
    cid = _post(
        stack, slug, "Win a free cruise, text CRUISE to claim your prize before midnight", f"p-{uid}@example.org"
    )
    _decided(stack, token, cid)
    resp = stack.http.post(
        f"/api/v1/moderation/comments/{cid}/decision",
        json_body={"action": "spam"},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert resp.status == 200, resp.text

    with app.extensions["db"].session() as session:
        example = session.scalar(select(LabelledExample.id).where(LabelledExample.comment_id == cid))
    assert example is not None

    def latest() -> SpamModel | None:
        with app.extensions["db"].session() as session:
            return latest_spam_model(session)

    # The hook queued a retrain; the worker stores a model that includes this decision.
    model = wait_for(
        lambda: (m := latest()) is not None and m.last_example_id >= example and m, timeout=180, interval=0.5
    )
    assert model.version != shipped_model().version and model.examples >= 1

    # Workers look for a newer model every few seconds; new comments are scored by it.
    def scored_by_new_model() -> bool:
        item = _decided(
            stack,
            token,
            _post(stack, slug, "An ordinary remark on the schedule.", f"n-{uuid.uuid4().hex[:6]}@example.org"),
        )
        return _check(item, "classifier")["version"] == latest().version

    wait_for(scored_by_new_model, timeout=90, interval=1.0)

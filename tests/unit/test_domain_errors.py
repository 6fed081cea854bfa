"""Issue 12, item 2: the domain raises domain errors, and the web maps each to one HTTP status."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from flask import Flask

from service.core import store
from service.core.celery_app import current_celery
from service.core.db import get_db, get_session
from service.core.decisions import apply_decision
from service.core.errors import DomainError, InvalidInput, NotAllowed, NotFound, UnstorableValue
from service.core.models import Comment
from service.core.moderators import create_moderator
from service.core.store import find_article, find_comment
from service.web.errors import domain_status
from service.web.metrics import get_metrics

ROOT = Path(__file__).resolve().parents[2]


def _imports(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
        elif isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
    return names


@pytest.mark.parametrize("path", sorted((ROOT / "service" / "core").rglob("*.py")), ids=lambda p: p.name)
def test_the_domain_imports_no_web_adapter(path: Path) -> None:
    web = {name for name in _imports(path) if name == "service.web" or name.startswith("service.web.")}
    assert not web, f"{path.relative_to(ROOT)} imports {sorted(web)}"


@pytest.mark.parametrize(
    ("error", "status"),
    [
        (NotFound("No such comment."), 404),
        (NotAllowed("Cannot approve a comment that is removed."), 409),
        (InvalidInput.on("title", "A new article needs a title."), 422),
        (UnstorableValue(), 422),
        (DomainError("refused"), 422),
    ],
)
def test_each_domain_error_has_one_status(error: DomainError, status: int) -> None:
    assert domain_status(error) == status


def test_invalid_input_names_its_field() -> None:
    exc = InvalidInput.on("parent_id", "No published comment with this id on this article.")
    assert exc.message == str(exc) == "No published comment with this id on this article."
    assert exc.errors == {"parent_id": ["No published comment with this id on this article."]}
    assert isinstance(UnstorableValue(), ValueError)


def _held_comment(app: Flask, status: str = "held") -> str:
    with get_db(app).session() as s:
        article = store.put_article(s, "post", "A post", "https://blog.example.org/post/")
        comment = store.create_comment(
            s,
            article,
            {"author": "Ann", "email": "ann@example.org", "body": "Hello there."},
            ip=None,
            user_agent=None,
            request_id="r",
        )
        if status != "received":
            store.transition(s, comment.id, ("received",), status, action="hold", actor="test")
            s.commit()
        return comment.id


def test_find_raises_not_found(unit_app: Flask) -> None:
    with unit_app.app_context():
        with pytest.raises(NotFound, match="No such comment."):
            find_comment(get_session(), "missing")
        with pytest.raises(NotFound, match="No such comment."):
            find_comment(get_session(), "x" * 37)
        with pytest.raises(NotFound, match="No article 'nope'."):
            find_article(get_session(), "nope")


def test_a_decision_not_allowed_is_refused_in_domain_words(unit_app: Flask) -> None:
    comment_id = _held_comment(unit_app, "received")
    with unit_app.app_context():
        session = get_session()
        with pytest.raises(NotAllowed) as refused:
            apply_decision(session, session.get(Comment, comment_id), "remove", None, "ann")
    assert refused.value.message == "Cannot remove a comment that is received."
    assert refused.value.errors == {"action": ["Not allowed from status 'received'."]}


def test_the_api_answers_a_refused_decision_409_and_counts_a_decision(unit_app: Flask) -> None:
    comment_id = _held_comment(unit_app)
    with get_db(unit_app).session() as s:
        _, token = create_moderator(s, "ann")
        s.commit()
    client = unit_app.test_client()
    auth = {"Authorization": f"Bearer {token}"}
    url = f"/api/v1/moderation/comments/{comment_id}/decision"
    resp = client.post(url, json={"action": "remove"}, headers=auth)
    assert resp.status_code == 409
    assert resp.get_json() == {
        "error": "Cannot remove a comment that is held.",
        "errors": {"action": ["Not allowed from status 'held'."]},
    }
    resp = client.post(url, json={"action": "approve"}, headers=auth)
    assert resp.status_code == 200
    assert resp.get_json() == {"id": comment_id, "action": "approve", "previous_status": "held", "status": "published"}
    registry = get_metrics(unit_app).registry
    assert registry.get_sample_value("commentq_moderator_decisions_total", {"action": "approve"}) == 1.0
    assert registry.get_sample_value("commentq_moderator_decisions_total", {"action": "remove"}) is None
    missing = client.post("/api/v1/moderation/comments/nope/decision", json={"action": "approve"}, headers=auth)
    assert (missing.status_code, missing.get_json()) == (404, {"error": "No such comment."})


def test_a_comment_the_broker_did_not_take_is_counted(unit_app: Flask, monkeypatch: pytest.MonkeyPatch) -> None:
    def broker_down(*_args: object, **_kwargs: object) -> None:
        raise ConnectionError("broker down")

    monkeypatch.setattr(current_celery(unit_app), "send_task", broker_down)
    with get_db(unit_app).session() as s:
        store.put_article(s, "post", "A post", "https://blog.example.org/post/")
    resp = unit_app.test_client().post(
        "/api/v1/articles/post/comments", json={"author": "Ann", "email": "ann@example.org", "body": "Hello there."}
    )
    assert resp.status_code == 202  # stored; the sweeper queues it later
    registry = get_metrics(unit_app).registry
    assert registry.get_sample_value("commentq_enqueue_failures_total") == 1.0


def test_the_cli_reports_domain_refusals_as_usage_errors(runner) -> None:
    untitled = runner.invoke(args=["article", "put", "new-post"])
    assert untitled.exit_code == 2
    assert "A new article needs a title. (--title)" in untitled.output
    assert runner.invoke(args=["moderator", "create", "carol"]).exit_code == 0
    again = runner.invoke(args=["moderator", "create", "carol"])
    assert again.exit_code == 1
    assert "moderator 'carol' exists; revoke it first to issue a new token" in again.output

"""The whole pipeline through HTTP, with a real worker on real Redis, on SQLite and PostgreSQL."""

from __future__ import annotations

import json
import sys
import time

import pytest
from sqlalchemy import select

from service.core.models import AuditEvent, Comment
from service.core.vocabulary import Status
from service.embedded_redis import free_port
from tests.conftest import wait_for
from tests.support import Http

pytestmark = pytest.mark.integration

FOUR_LINKS = (
    "Background reading: https://en.wikipedia.org/wiki/Pripyat_River "
    "https://en.wikipedia.org/wiki/Gomel https://en.wikipedia.org/wiki/Belarus "
    "https://en.wikipedia.org/wiki/Chernobyl"
)


def held_ids(stack, token, **params) -> dict[str, dict]:
    q = "&".join(f"{k}={v}" for k, v in {"per_page": 200, **params}.items())
    resp = stack.http.get(f"/api/v1/moderation/queue?{q}", headers={"Authorization": f"Bearer {token}"})
    assert resp.status == 200, resp.text
    return {item["id"]: item for item in resp.json()["items"]}


def test_ham_is_published_within_a_second(stack, article, submit, final_status):
    t0 = time.monotonic()
    accepted = submit("Thanks for the clear summary of where the talks will take place.")
    assert accepted["status"] == "pending"
    assert final_status(accepted["id"], timeout=5) == "published"
    assert time.monotonic() - t0 < 1.5
    listing = stack.http.get(f"/api/v1/articles/{article}/comments").json()
    ids = [item["id"] for item in listing["items"]]
    assert accepted["id"] in ids
    item = listing["items"][ids.index(accepted["id"])]
    assert item["body_html"] == "<p>Thanks for the clear summary of where the talks will take place.</p>"
    assert set(item) >= {"id", "author", "url", "body_html", "created_at", "parent_id"}
    assert stack.http.get(f"/api/v1/articles/{article}").json()["comment_count"] == 1


def test_location_header_and_status_view(stack, article):
    resp = stack.http.post(
        f"/api/v1/articles/{article}/comments",
        json_body={"author": "Ann", "email": "ann@example.org", "body": "Hello there"},
    )
    assert resp.status == 202
    location = resp.header("Location")
    assert location and location.endswith(resp.json()["id"])
    view = stack.http.get(location).json()
    assert view["id"] == resp.json()["id"]
    assert "email" not in view and "ip" not in view


def test_held_then_approved_is_published(stack, article, submit, final_status, moderator_token):
    accepted = submit(FOUR_LINKS, email="researcher@example.org")
    cid = accepted["id"]
    item = wait_for(lambda: held_ids(stack, moderator_token).get(cid), timeout=5)
    assert item["email"] == "researcher@example.org"
    links = [c for c in item["checks"] if c["check"] == "links"]
    assert links and links[0]["verdict"] == "hold" and "4 links" in links[0]["reason"]
    # Held comments are pending to the submitter and absent from the article.
    assert stack.http.get(f"/api/v1/comments/{cid}").json()["status"] == "pending"
    assert cid not in stack.http.get(f"/api/v1/articles/{article}/comments").text
    resp = stack.http.post(
        f"/api/v1/moderation/comments/{cid}/decision",
        json_body={"action": "approve", "note": "sources are fine"},
        headers={"Authorization": f"Bearer {moderator_token}"},
    )
    assert resp.status == 200, resp.text
    assert resp.json()["status"] == "published"
    assert final_status(cid) == "published"
    assert cid in stack.http.get(f"/api/v1/articles/{article}/comments").text
    # A second approve is refused, and the count went up exactly once.
    again = stack.http.post(
        f"/api/v1/moderation/comments/{cid}/decision",
        json_body={"action": "approve"},
        headers={"Authorization": f"Bearer {moderator_token}"},
    )
    assert again.status == 409
    assert stack.http.get(f"/api/v1/articles/{article}").json()["comment_count"] == 1


def test_every_transition_is_audited(stack, stack_app, submit, final_status, moderator_token):
    cid = submit(FOUR_LINKS)["id"]
    wait_for(lambda: held_ids(stack, moderator_token).get(cid), timeout=5)
    stack.http.post(
        f"/api/v1/moderation/comments/{cid}/decision",
        json_body={"action": "approve", "note": "ok"},
        headers={"Authorization": f"Bearer {moderator_token}"},
    )
    stack.http.post(
        f"/api/v1/moderation/comments/{cid}/decision",
        json_body={"action": "remove", "note": "later"},
        headers={"Authorization": f"Bearer {moderator_token}"},
    )
    with stack_app.extensions["db"].session() as session:
        events = session.scalars(select(AuditEvent).where(AuditEvent.comment_id == cid).order_by(AuditEvent.id)).all()
        path = [(e.from_status, e.to_status) for e in events]
        assert path == [
            (None, "received"),
            ("received", "checking"),
            ("checking", "held"),
            ("held", "published"),
            ("published", "removed"),
        ]
        assert events[-1].actor.startswith("moderator:") and events[-1].note == "later"
        assert events[2].actor.startswith("policy:") and "links" in events[2].note
    assert stack.http.get(f"/api/v1/comments/{cid}").json()["status"] == "rejected"


def test_spam_like_is_not_published(stack, article, submit, final_status):
    cid = submit("Great article!", phone="555-0100")["id"]  # the honeypot filled in
    assert final_status(cid) == "rejected"
    assert cid not in stack.http.get(f"/api/v1/articles/{article}/comments").text


def test_exact_duplicate_is_rejected(stack, submit, final_status):
    first = submit("I said this once and I meant it.", email="same@example.org")["id"]
    assert final_status(first) == "published"
    second = submit("I said this once  and I MEANT it!", email="same@example.org")["id"]
    assert final_status(second) == "rejected"


def test_form_post_redirects_back_to_the_article(stack, article, final_status):
    resp = stack.http.post(
        f"/api/v1/articles/{article}/comments",
        form={
            "author": "Taras",
            "email": "taras@example.org",
            "url": "",
            "comment": "Posted from a plain form.",
            "comment_parent": "0",
            "comment_post_ID": "12",
            "submit": "Post Comment",
        },
    )
    assert resp.status == 303, resp.text
    location = resp.header("Location")
    assert location.startswith(f"https://blog.example.org/{article}/")
    cid = location.split("comment=")[1].split("#")[0]
    assert final_status(cid) == "published"


def test_form_post_never_redirects_elsewhere(stack, article):
    resp = stack.http.post(
        f"/api/v1/articles/{article}/comments",
        form={
            "author": "Taras",
            "email": "taras@example.org",
            "comment": "Open redirect attempt.",
            "redirect_to": "https://evil.example.net/phish",
        },
    )
    assert resp.status == 303
    assert "evil.example.net" not in resp.header("Location")


def test_threaded_replies(stack, article, submit, final_status):
    parent = submit("The parent comment.")["id"]
    assert final_status(parent) == "published"
    child = submit("A reply to the parent.", parent_id=parent)["id"]
    assert final_status(child) == "published"
    items = stack.http.get(f"/api/v1/articles/{article}/comments").json()["items"]
    assert [i["id"] for i in items] == [parent]
    assert items[0]["replies"][0]["id"] == child and items[0]["replies"][0]["parent_id"] == parent


def test_pagination(stack, article, submit, final_status):
    ids = [submit(f"Comment number {n} with its own words {n * 7}.")["id"] for n in range(5)]
    for cid in ids:
        assert final_status(cid) == "published"
    page1 = stack.http.get(f"/api/v1/articles/{article}/comments?per_page=2").json()
    page3 = stack.http.get(f"/api/v1/articles/{article}/comments?per_page=2&page=3").json()
    assert page1["total"] == 5 and page1["pages"] == 3
    assert [i["id"] for i in page1["items"]] == ids[:2]
    assert [i["id"] for i in page3["items"]] == ids[4:]


def test_email_and_ip_never_in_public_responses(stack, article, submit, final_status):
    marker = "secret-mail-7f3a@example.org"
    cid = submit("Public words only.", email=marker)["id"]
    assert final_status(cid) == "published"
    for path in (f"/api/v1/comments/{cid}", f"/api/v1/articles/{article}/comments", f"/api/v1/articles/{article}"):
        text = stack.http.get(path).text
        assert marker not in text
        assert "127.0.0.1" not in text


def test_store_records_ip_user_agent_and_checks(stack, stack_app, article):
    resp = stack.http.post(
        f"/api/v1/articles/{article}/comments",
        json_body={"author": "Ua", "email": "ua@example.org", "body": "Recorded."},
        headers={"User-Agent": "TestAgent/1.0"},
    )
    cid = resp.json()["id"]
    wait_for(lambda: stack.http.get(f"/api/v1/comments/{cid}").json()["status"] == "published")
    with stack_app.extensions["db"].session() as session:
        c = session.get(Comment, cid)
        assert c.ip == "127.0.0.1" and c.user_agent == "TestAgent/1.0"
        assert c.status == Status.PUBLISHED and c.body_html == "<p>Recorded.</p>"
        assert {r.check for r in c.checks} >= {"validation", "honeypot", "links", "duplicates"}


def test_readyz_and_metrics(stack):
    ready = stack.http.get("/readyz")
    assert ready.status == 200, ready.text
    assert ready.json()["checks"] == {"database": "ok", "broker": "ok"}
    metrics = stack.http.get("/metrics").text
    assert "# TYPE commentq_comments gauge" in metrics
    assert 'commentq_comments{status="published"}' in metrics
    assert "commentq_queue_depth" in metrics


def _healthz_requests(http) -> float:
    from prometheus_client.parser import text_string_to_metric_families

    for family in text_string_to_metric_families(http.get("/metrics").text):
        for sample in family.samples:
            if (
                sample.name == "commentq_http_requests_total"
                and sample.labels.get("endpoint") == "/healthz"
                and sample.labels.get("status") == "200"
            ):
                return sample.value
    return 0.0


def test_request_counters_add_up_across_gunicorn_workers(stack):
    # Two worker processes, each replaced after 5 requests (gunicorn's max_requests; a crash and
    # restart is the same): whichever process answers a scrape must report every request served,
    # including those of workers that have exited. The project's gunicorn.conf.py makes that so.
    port = free_port()
    cmd = [
        sys.executable,
        "-m",
        "gunicorn",
        "--bind",
        f"127.0.0.1:{port}",
        "--workers",
        "2",
        "--max-requests",
        "5",
        "--max-requests-jitter",
        "0",
        "service:create_app()",
    ]
    proc = stack._spawn("web-recycling", cmd)
    http = Http(f"http://127.0.0.1:{port}")
    try:
        wait_for(lambda: _up(http), timeout=60)
        start = _healthz_requests(http)
        for _ in range(40):
            assert http.get("/healthz").status == 200
        assert [_healthz_requests(http) for _ in range(4)] == [start + 40] * 4
    finally:
        stack.stop("web-recycling")
        assert proc.poll() is not None


def _up(http) -> bool:
    try:
        return http.get("/healthz", timeout=2).status == 200
    except OSError:
        return False


def test_openapi_lists_the_contract(stack):
    spec = stack.http.get("/openapi.json").json()
    assert spec["openapi"].startswith("3")
    for path in (
        "/api/v1/articles/{slug}/comments",
        "/api/v1/comments/{comment_id}",
        "/api/v1/moderation/queue",
        "/api/v1/moderation/comments/{comment_id}/decision",
    ):
        assert path in spec["paths"]
    assert "email" in spec["components"]["schemas"]["CommentIn"]["properties"]
    json.dumps(spec)


def test_logs_carry_the_comment_id_into_the_worker(stack, stack_app, submit):
    cid = submit("Log me, with my id.")["id"]

    def decided() -> bool:  # any decision (the retrained model holds this one): the logs are the point
        with stack_app.extensions["db"].session() as session:
            return session.get(Comment, cid).status in (Status.PUBLISHED, Status.HELD, Status.REJECTED)

    wait_for(decided)
    worker_log = wait_for(lambda: cid in stack.logs["worker"].read_text() and stack.logs["worker"].read_text())
    lines = [
        json.loads(line)
        for line in worker_log.splitlines()
        if line.startswith("{") and cid in line and '"commentq.worker"' in line
    ]
    assert lines and lines[0]["comment_id"] == cid and lines[0]["request_id"]
    assert any(line["msg"].startswith("checking comment, attempt 1 of") for line in lines), lines

"""Issue 11, kind 11: log lines carry their own request's ids (never the previous request's), the
web server's logs carry no client address, and /metrics adds up across gunicorn's workers even
when gunicorn starts outside the project root without commentq's config file."""

from __future__ import annotations

import io
import json
import logging
import re
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from flask import Flask

from service.core.logs import JsonFormatter
from service.embedded_redis import free_port
from tests.conftest import make_stack, wait_for
from tests.hostile.conftest import SLUG


def captured(app: Flask):
    """A JSON handler on the commentq loggers, formatting at emit time (when the context is live)."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    logger = logging.getLogger("commentq")
    logger.addHandler(handler)
    old = logger.level
    logger.setLevel(logging.INFO)
    return stream, lambda: (logger.removeHandler(handler), logger.setLevel(old))


def test_log_lines_never_carry_the_previous_requests_ids(hostile_app: Flask, seeded: dict) -> None:
    client = hostile_app.test_client()
    stream, done = captured(hostile_app)
    try:
        sub = client.post(
            f"/api/v1/articles/{SLUG}/comments",
            headers={"X-Request-Id": "first-request"},
            json={"author": "Ann", "email": "ann@example.org", "body": "Ids, please."},
        )
        assert sub.status_code == 202
        submitted = sub.get_json()["id"]
        from service.core import store
        from service.core.models import Comment

        with hostile_app.extensions["db"].session() as s:
            art = s.get(Comment, seeded["published"]).article
            other = store.create_comment(
                s,
                art,
                {"author": "B", "email": "b@example.org", "body": "other"},
                ip="192.0.2.3",
                user_agent="t",
                request_id="r",
            )
            store.transition(s, other.id, ("received",), "held", action="hold", actor="test")
            s.commit()
        resp = client.post(
            f"/api/v1/moderation/comments/{other.id}/decision",
            json={"action": "reject"},
            headers={"Authorization": f"Bearer {seeded['token']}"},
        )
        assert resp.status_code == 200
    finally:
        done()
    lines = [json.loads(line) for line in stream.getvalue().splitlines() if line.strip()]
    received = [e for e in lines if e["msg"] == "comment received"]
    decided = [e for e in lines if e["msg"] == "moderator decision"]
    assert received and decided, lines
    assert received[-1]["request_id"] == "first-request" and received[-1]["comment_id"] == submitted
    assert decided[-1].get("request_id") not in (None, "first-request")
    assert decided[-1].get("comment_id") == other.id != submitted


def test_request_ids_from_clients_are_plain_tokens(hostile_app: Flask) -> None:
    from service.core.logs import incoming_request_id

    assert incoming_request_id("abc-123_x.y:z") == "abc-123_x.y:z"
    for bad in ("a\nb", "x" * 65, "", None, "<script>", "a b"):
        rid = incoming_request_id(bad)
        assert re.fullmatch(r"[0-9a-f]{32}", rid), (bad, rid)


def test_gunicorn_outside_the_project_root_sums_metrics_and_logs_no_ips(tmp_path: Path) -> None:
    stack, drop = make_stack("sqlite", tmp_path, {"COMMENTQ_LOG_JSON": "0"})
    port = free_port()
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    log_path = tmp_path / "gunicorn.log"
    env = {k: v for k, v in stack.env.items() if k != "PROMETHEUS_MULTIPROC_DIR"}
    env["PYTHONPATH"] = str(Path(__file__).resolve().parents[2])
    with open(log_path, "wb") as log:
        proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "--bind",
                f"127.0.0.1:{port}",
                "--workers",
                "2",
                "--access-logfile",
                "-",
                "--log-level",
                "debug",
                "service:create_app()",
            ],
            cwd=str(elsewhere),
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        base = f"http://127.0.0.1:{port}"

        def up() -> bool:
            try:
                return urllib.request.urlopen(base + "/healthz", timeout=2).status == 200
            except OSError:
                return False

        wait_for(up, timeout=60, interval=0.2)
        for _ in range(20):
            urllib.request.urlopen(base + "/healthz", timeout=5).read()
        # A malformed request: gunicorn's debug line used to name the client ("Invalid request from ip=").
        with socket.create_connection(("127.0.0.1", port), timeout=5) as s:
            s.sendall(b"NONSENSE\r\n\r\n")
            s.recv(1024)
        counts = []
        for _ in range(8):
            text = urllib.request.urlopen(base + "/metrics", timeout=5).read().decode()
            found = re.search(
                r'commentq_http_requests_total\{endpoint="/healthz",method="GET",status="200"\} '
                r"([0-9.e+]+)",
                text,
            )
            counts.append(float(found.group(1)) if found else 0.0)
        # Every scrape, whichever worker answers it, sees all 21 health checks (20 + the start probe
        # ones may add a few): the same total every time, never one worker's share.
        assert len(set(counts)) == 1 and counts[0] >= 20, counts
        time.sleep(0.5)
    finally:
        proc.terminate()
        proc.wait(20)
        stack.stop_all()
        drop()
    text = log_path.read_text(errors="replace")
    assert "GET /healthz" in text or "/healthz" in text
    # The client here is 127.0.0.1; the only lines that may show it are the server's own settings
    # (gunicorn's debug dump of its configuration, indented, and where it listens).
    leaked = [
        line
        for line in text.splitlines()
        if "127.0.0.1" in line and "Listening at" not in line and not line.startswith("  ")
    ]
    assert not leaked, leaked[:5]

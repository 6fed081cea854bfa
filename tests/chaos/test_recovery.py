"""Issue 11, kind 7: a SQLite file that turns read-only for a while. /readyz must say so (a write
probe, not SELECT 1), and once the file is writable again the same gunicorn (no restart) must take
comments again: connections opened during the spell are read-only for life and must be thrown away.

The file is made read-only with ``chattr +i`` (the tests run as root, for whom chmod changes
nothing); the gunicorn worker is killed during the spell so its replacement opens its connections
while the file is read-only, as a recycled or newly started worker would.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.chaos.conftest import new_article
from tests.conftest import make_stack, wait_for

pytestmark = [pytest.mark.chaos, pytest.mark.timeout(180)]


def chattr(flag: str, path: Path) -> None:
    subprocess.run(["chattr", flag, str(path)], check=True)


def gunicorn_children(master: int) -> list[int]:
    out = subprocess.run(["pgrep", "-P", str(master)], capture_output=True, text=True).stdout.split()
    return [int(p) for p in out]


@pytest.mark.skipif(os.geteuid() != 0, reason="chattr +i needs root")
def test_sqlite_read_only_spell_is_reported_then_recovered_without_restart(tmp_path: Path) -> None:
    stack, drop = make_stack("sqlite", tmp_path, {"COMMENTQ_LOG_JSON": "0"})
    db_file = Path(stack.database_url.split("///", 1)[1])
    try:
        from service.embedded_redis import free_port

        stack.port = free_port()
        web = stack._spawn(
            "web",
            [
                sys.executable,
                "-m",
                "gunicorn",
                "--bind",
                f"127.0.0.1:{stack.port}",
                "--workers",
                "1",
                "--threads",
                "2",
                "--timeout",
                "30",
                "service:create_app()",
            ],
        )
        wait_for(lambda: _ok(stack, "/healthz"), timeout=60, interval=0.2)
        slug = new_article(stack)

        def post() -> int:
            return stack.http.post(
                f"/api/v1/articles/{slug}/comments",
                timeout=40,
                json_body={"author": "Ann", "email": "ann@example.org", "body": f"Comment {time.monotonic_ns()}"},
            ).status

        assert post() == 202
        assert stack.http.get("/readyz").status == 200
        chattr("+i", db_file)
        try:
            old = gunicorn_children(web.pid)
            for pid in old:
                os.kill(pid, signal.SIGKILL)

            def replaced() -> bool:
                new = gunicorn_children(web.pid)
                return bool(new) and set(new).isdisjoint(old) and _ok(stack, "/healthz")

            wait_for(replaced, timeout=60, interval=0.2)
            spell = [post() for _ in range(3)]
            ready = stack.http.get("/readyz")
            assert set(spell) == {503}, spell  # honest: the store cannot take comments now
            assert ready.status == 503, ready.text  # and /readyz says so (SELECT 1 said "ready")
            assert ready.json()["checks"]["database"] != "ok"
        finally:
            chattr("-i", db_file)
        # The same processes recover: at most one more 503 per pooled connection, then 202s.
        answers = [post() for _ in range(8)]
        assert answers[-4:] == [202] * 4, answers
        assert stack.http.get("/readyz").status == 200
    finally:
        subprocess.run(["chattr", "-i", str(db_file)], check=False)
        stack.stop_all()
        drop()


def _ok(stack, path: str) -> bool:
    try:
        return stack.http.get(path, timeout=2).status == 200
    except OSError:
        return False

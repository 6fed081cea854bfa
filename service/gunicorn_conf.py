"""gunicorn settings for commentq: Prometheus counters that add up across worker processes.

gunicorn forks several workers, and a scrape of ``/metrics`` reaches one of them. Without
prometheus-client's multiprocess mode each worker would report only its own requests, so two
scrapes in a row could disagree. The master sets ``PROMETHEUS_MULTIPROC_DIR`` (to a fresh
temporary directory unless the operator names one) before any worker imports prometheus-client,
empties it at start (stale files from an earlier run would be summed too), and tells the client
when a worker exits. ``service.web.metrics`` then exposes the sum over all workers.

Used as ``gunicorn -c python:service.gunicorn_conf 'service:create_app()'`` (``commentq run``,
the Dockerfile and docker-compose.yml do); ``gunicorn.conf.py`` at the project root loads it too.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path
from typing import Any

ENV = "PROMETHEUS_MULTIPROC_DIR"
# Set when gunicorn reads this file, before it loads the app (even with --preload): prometheus-client
# chooses between per-process and shared values when it is first imported. A fresh directory is empty.
_OPERATOR_DIR = bool(os.environ.get(ENV))
if not _OPERATOR_DIR:
    os.environ[ENV] = tempfile.mkdtemp(prefix="commentq-metrics-")


def on_starting(server: Any) -> None:  # gunicorn's hook signature
    directory = Path(os.environ[ENV])
    if _OPERATOR_DIR and directory.exists():  # counts of an earlier run would be added in
        for stale in directory.glob("*.db"):
            stale.unlink()
    directory.mkdir(parents=True, exist_ok=True)


def on_exit(server: Any) -> None:  # gunicorn's hook signature
    if not _OPERATOR_DIR:
        shutil.rmtree(os.environ[ENV], ignore_errors=True)


def child_exit(server: Any, worker: Any) -> None:  # gunicorn's hook signature
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)

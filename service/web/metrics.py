"""Prometheus metrics. Each app has its own registry (no process-global state to patch in tests).

Under gunicorn (``service/gunicorn_conf.py`` sets ``PROMETHEUS_MULTIPROC_DIR``) the counters and
histograms are written to that directory by every worker process and ``/metrics`` exposes their sum,
so any worker answers the same totals. Without it (tests, the Flask dev server) they describe this
process. The comment-status and queue-depth gauges are read from the database and the broker at
scrape time, so they describe the whole deployment, Celery workers included.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Iterator
from pathlib import Path

from flask import Flask, Response, current_app, g, has_app_context, request
from prometheus_client import CollectorRegistry, Counter, Histogram, multiprocess, values
from prometheus_client.core import GaugeMetricFamily, Metric

from service.core.db import get_db
from service.core.decisions import decided
from service.core.queue import enqueue_failed

log = logging.getLogger("commentq.metrics")


class Metrics:
    def __init__(self, app: Flask) -> None:
        # ``registry`` is what /metrics exposes; ``own`` holds this app's counters. They are the same
        # registry unless counters are shared between processes through PROMETHEUS_MULTIPROC_DIR:
        # then /metrics reads the directory instead (and must not expose this process's share twice).
        multiproc_dir = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
        if multiproc_dir and values.ValueClass is values.MutexValue:
            # prometheus-client was imported before the variable was set: values stay in this
            # process, and reading the directory would show none of them.
            log.warning(
                "PROMETHEUS_MULTIPROC_DIR was set after prometheus-client was imported; "
                "metrics describe this process only"
            )
            multiproc_dir = None
        self.registry = CollectorRegistry(auto_describe=True)
        own = self.registry
        if multiproc_dir:
            Path(multiproc_dir).mkdir(parents=True, exist_ok=True)
            multiprocess.MultiProcessCollector(self.registry, path=multiproc_dir)
            own = CollectorRegistry(auto_describe=True)
        self.requests = Counter(
            "commentq_http_requests_total", "HTTP requests", ["endpoint", "method", "status"], registry=own
        )
        self.latency = Histogram("commentq_http_request_seconds", "HTTP request latency", ["endpoint"], registry=own)
        self.submissions = Counter(
            "commentq_submissions_total", "Comment submissions by outcome", ["outcome"], registry=own
        )
        self.decisions = Counter("commentq_moderator_decisions_total", "Moderator decisions", ["action"], registry=own)
        self.enqueue_failures = Counter(
            "commentq_enqueue_failures_total",
            "Comments whose task could not be queued (the sweeper re-queues them)",
            registry=own,
        )
        self.registry.register(_StoreCollector(app))


class _StoreCollector:
    def __init__(self, app: Flask) -> None:
        self.app = app

    def describe(self) -> list[Metric]:
        return []

    def collect(self) -> Iterator[Metric]:
        from service.core import store
        from service.core.queue import queue_depth
        from service.core.vocabulary import Status

        with self.app.app_context():
            statuses = GaugeMetricFamily("commentq_comments", "Comments by status", labels=["status"])
            try:
                with get_db(self.app).session() as session:
                    counts = store.counts_by_status(session)
                    age = store.oldest_held_age(session)
                for status in Status:
                    statuses.add_metric([status], counts.get(status, 0))
                yield statuses
                oldest = GaugeMetricFamily("commentq_oldest_held_seconds", "Age of the oldest held comment")
                oldest.add_metric([], age or 0.0)
                yield oldest
            except Exception:  # noqa: S110 - metrics must not fail when the DB is down
                pass
            depth = queue_depth()
            if depth is not None:
                q = GaugeMetricFamily("commentq_queue_depth", "Messages waiting in the broker queue")
                q.add_metric([], depth)
                yield q


_EXTENSION = "metrics"


def init_app(app: Flask) -> Metrics:
    metrics = Metrics(app)
    app.extensions[_EXTENSION] = metrics
    # Module-level receivers (blinker keeps one entry per receiver, however many apps connect them);
    # each counts into the metrics of the app the signal was sent in.
    decided.connect(_count_decision)
    enqueue_failed.connect(_count_enqueue_failure)

    @app.before_request
    def _start() -> None:
        g._t0 = time.perf_counter()

    @app.after_request
    def _observe(response: Response) -> Response:
        endpoint = request.url_rule.rule if request.url_rule else "unmatched"
        metrics.requests.labels(endpoint, request.method, str(response.status_code)).inc()
        if hasattr(g, "_t0"):
            metrics.latency.labels(endpoint).observe(time.perf_counter() - g._t0)
        return response

    return metrics


def _current_metrics() -> Metrics | None:
    # Only apps built by create_app have metrics; the domain's signals may fire elsewhere too.
    if not has_app_context():
        return None
    metrics: Metrics | None = current_app.extensions.get(_EXTENSION)
    return metrics


def _count_decision(_comment_id: str, *, action: str, **_: object) -> None:
    metrics = _current_metrics()
    if metrics is not None:
        metrics.decisions.labels(action).inc()


def _count_enqueue_failure(_comment_id: str, **_: object) -> None:
    metrics = _current_metrics()
    if metrics is not None:
        metrics.enqueue_failures.inc()


def get_metrics(app: Flask | None = None) -> Metrics:
    """The metrics of ``app`` (default: the current app)."""
    metrics: Metrics = (app or current_app).extensions[_EXTENSION]
    return metrics

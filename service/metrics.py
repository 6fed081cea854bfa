"""Prometheus metrics. Each app has its own registry (no process-global state to patch in tests).

Counters describe this web process; the comment-status and queue-depth gauges are read from the
database and the broker at scrape time, so they describe the whole deployment, workers included.
"""

from __future__ import annotations

import time

from flask import Flask, current_app, g, request
from prometheus_client import CollectorRegistry, Counter, Histogram
from prometheus_client.core import GaugeMetricFamily


class Metrics:
    def __init__(self, app: Flask) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        self.requests = Counter("commentq_http_requests_total", "HTTP requests", ["endpoint", "method", "status"],
                                registry=self.registry)
        self.latency = Histogram("commentq_http_request_seconds", "HTTP request latency", ["endpoint"],
                                 registry=self.registry)
        self.submissions = Counter("commentq_submissions_total", "Comment submissions by outcome", ["outcome"],
                                   registry=self.registry)
        self.decisions = Counter("commentq_moderator_decisions_total", "Moderator decisions", ["action"],
                                 registry=self.registry)
        self.enqueue_failures = Counter("commentq_enqueue_failures_total",
                                        "Comments whose task could not be queued (the sweeper re-queues them)",
                                        registry=self.registry)
        self.registry.register(_StoreCollector(app))


class _StoreCollector:
    def __init__(self, app: Flask) -> None:
        self.app = app

    def describe(self):  # noqa: ANN201
        return []

    def collect(self):  # noqa: ANN201
        from service import store
        from service.models import Status
        from service.queue import queue_depth

        with self.app.app_context():
            statuses = GaugeMetricFamily("commentq_comments", "Comments by status", labels=["status"])
            try:
                with self.app.extensions["db"].session() as session:
                    counts = store.counts_by_status(session)
                    age = store.oldest_held_age(session)
                for status in Status.ALL:
                    statuses.add_metric([status], counts.get(status, 0))
                yield statuses
                oldest = GaugeMetricFamily("commentq_oldest_held_seconds", "Age of the oldest held comment")
                oldest.add_metric([], age or 0.0)
                yield oldest
            except Exception:  # noqa: BLE001, S110 - metrics must not fail when the DB is down
                pass
            depth = queue_depth()
            if depth is not None:
                q = GaugeMetricFamily("commentq_queue_depth", "Messages waiting in the broker queue")
                q.add_metric([], depth)
                yield q


def init_app(app: Flask) -> Metrics:
    metrics = Metrics(app)
    app.extensions["metrics"] = metrics

    @app.before_request
    def _start() -> None:
        g._t0 = time.perf_counter()

    @app.after_request
    def _observe(response):  # noqa: ANN001, ANN202
        endpoint = request.url_rule.rule if request.url_rule else "unmatched"
        metrics.requests.labels(endpoint, request.method, str(response.status_code)).inc()
        if hasattr(g, "_t0"):
            metrics.latency.labels(endpoint).observe(time.perf_counter() - g._t0)
        return response

    return metrics


def get_metrics() -> Metrics:
    return current_app.extensions["metrics"]

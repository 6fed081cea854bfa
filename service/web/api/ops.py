"""Operators' endpoints: liveness, readiness (database and broker), Prometheus metrics, OpenAPI."""

from __future__ import annotations

from flask import Blueprint, Response, current_app, jsonify
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from service.core.db import get_db, write_probe
from service.core.queue import broker_ok
from service.web.openapi import build_spec

bp = Blueprint("ops", __name__)


@bp.get("/healthz")
def healthz() -> Response:
    return jsonify({"status": "ok"})


@bp.get("/readyz")
def readyz() -> Response:
    checks = {}
    try:
        # A write, not SELECT 1: a database that can only be read is not ready to take comments.
        write_probe(get_db().engine)
        checks["database"] = "ok"
    except Exception as exc:
        checks["database"] = type(exc).__name__
    ok, detail = broker_ok()
    checks["broker"] = detail
    ready = checks["database"] == "ok" and ok
    resp = jsonify({"status": "ready" if ready else "unavailable", "checks": checks})
    resp.status_code = 200 if ready else 503
    if not ready:
        resp.headers["Retry-After"] = "5"
    return resp


@bp.get("/metrics")
def metrics() -> Response:
    registry = current_app.extensions["metrics"].registry
    return Response(
        generate_latest(registry),
        mimetype=CONTENT_TYPE_LATEST.split(";")[0],
        headers={"Content-Type": CONTENT_TYPE_LATEST},
    )


@bp.get("/openapi.json")
def openapi() -> Response:
    if "openapi" not in current_app.extensions:
        current_app.extensions["openapi"] = build_spec()
    return jsonify(current_app.extensions["openapi"])

"""commentq's web service: the Flask app factory.

``create_app()`` reads the settings from the environment (see ``service/core/settings.py``), wires the
article store, the Celery app, rate limiting, metrics and the blueprints. Nothing lives at module
level, so every test builds its own app.
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path
from typing import Any

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from service.core.settings import Settings, load

MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"


def _parent_is_gunicorn() -> bool:
    try:
        return b"gunicorn" in Path(f"/proc/{os.getppid()}/cmdline").read_bytes()
    except OSError:
        return False


def _share_metrics_between_gunicorn_workers() -> None:
    """Under gunicorn started without commentq's config (``service/gunicorn_conf.py``, which names
    the directory itself), pick the multiprocess directory here, before prometheus-client is first
    imported: one per gunicorn master (its pid), so every worker of one server adds into the same
    counters whatever the working directory (issue 11: scrapes alternated between workers' own
    counts). With ``--preload`` this runs in the master, and the workers inherit it."""
    if os.environ.get(MULTIPROC_ENV) or not os.environ.get("SERVER_SOFTWARE", "").startswith("gunicorn"):
        return
    if "gunicorn.arbiter" not in sys.modules or "prometheus_client" in sys.modules:
        return
    master = os.getppid() if _parent_is_gunicorn() else os.getpid()
    path = Path(tempfile.gettempdir()) / f"commentq-metrics-{os.getuid()}-{master}"
    path.mkdir(mode=0o700, exist_ok=True)
    os.environ[MULTIPROC_ENV] = str(path)


_share_metrics_between_gunicorn_workers()


def create_app(settings: Settings | None = None, **overrides: Any) -> Flask:
    settings = settings or load()
    if overrides:
        settings = settings.with_overrides(**overrides)

    from service.core import db, logs
    from service.core import settings as settings_module
    from service.core.celery_app import celery_init_app
    from service.web import desk, errors, guards, metrics, pages, security
    from service.web.api import moderation, ops, public

    app = Flask(__name__, instance_path=str(settings.instance_dir), instance_relative_config=False)
    app.config.update(
        SECRET_KEY=settings.secret_key,
        MAX_CONTENT_LENGTH=settings.max_content_length,
        MAX_FORM_MEMORY_SIZE=settings.max_content_length,
        JSON_SORT_KEYS=False,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Strict",
    )
    settings_module.init_app(app, settings)
    logs.configure(settings.log_level, settings.log_json)
    logs.init_app(app)
    logs.scrub_server_logs()
    if settings.trusted_proxies > 0:
        n = settings.trusted_proxies
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=n, x_proto=n, x_host=n)  # type: ignore[method-assign]

    db.init_app(app, settings)
    errors.init_app(app)
    guards.init_app(app)
    metrics.init_app(app)
    celery_init_app(app, settings)
    security.init_app(app, settings)

    app.register_blueprint(public.bp)
    app.register_blueprint(moderation.bp)
    app.register_blueprint(ops.bp)
    pages.init_app(app)
    desk.init_app(app)
    security.limit_submissions(app, settings)
    return app

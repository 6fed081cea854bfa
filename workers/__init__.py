"""commentq's workers: ``celery -A workers worker`` and ``celery -A workers beat``.

The Celery app is built lazily from the Flask app (so ``import workers.checks`` stays cheap and
side-effect free); Celery's ``-A workers`` finds it as ``workers.app``.
"""

from __future__ import annotations

from typing import Any

_app: Any = None


def __getattr__(name: str) -> Any:
    global _app
    if name in ("app", "celery"):
        if _app is None:
            from service import create_app
            from service.core.celery_app import current_celery

            _app = current_celery(create_app())
        return _app
    raise AttributeError(name)

"""Flask's "Background Tasks with Celery" pattern: one Celery app per Flask app, configured from
the same Settings, with a task class that runs every task inside the Flask app context."""

from __future__ import annotations

from celery import Celery, Task
from flask import Flask

from service.core.settings import Settings


def celery_init_app(app: Flask, settings: Settings) -> Celery:
    # celery ships no type information (no stubs, no py.typed), so its Task is Any to mypy.
    class FlaskTask(Task):  # type: ignore[misc]
        def __call__(self, *args: object, **kwargs: object) -> object:
            from flask import has_app_context

            if has_app_context():  # eager mode, or a task called from a request: reuse it
                return self.run(*args, **kwargs)
            with app.app_context():
                return self.run(*args, **kwargs)

    celery_app = Celery(app.name, task_cls=FlaskTask, include=["workers.tasks"])
    celery_app.config_from_object(settings.celery)
    celery_app.set_default()
    app.extensions["celery"] = celery_app
    return celery_app

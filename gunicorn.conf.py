# gunicorn reads this file when started from the project's root: commentq's settings
# (Prometheus multiprocess metrics) also for a plain `gunicorn 'service:create_app()'`.
from service.gunicorn_conf import child_exit, on_exit, on_starting  # noqa: F401

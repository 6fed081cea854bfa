"""Structured logs: one JSON object a line, carrying the request id and comment id from the web
request into the worker (the task's headers carry them across)."""

from __future__ import annotations

import contextvars
import json
import logging
import sys
from datetime import UTC, datetime

request_id_var: contextvars.ContextVar[str | None] = contextvars.ContextVar("request_id", default=None)
comment_id_var: contextvars.ContextVar[str | None] = contextvars.ContextVar("comment_id", default=None)

_RESERVED = set(vars(logging.makeLogRecord({}))) | {"message", "asctime"}
# Never written to a log line, whatever a caller passes in ``extra``.
_SECRET_KEYS = {"email", "ip", "token", "password", "secret", "authorization", "cookie"}


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "msg": record.getMessage(),
        }
        rid = request_id_var.get()
        cid = comment_id_var.get()
        if rid:
            entry["request_id"] = rid
        if cid:
            entry["comment_id"] = cid
        for key, value in vars(record).items():
            if key not in _RESERVED and not key.startswith("_") and key.lower() not in _SECRET_KEYS:
                entry[key] = value if isinstance(value, str | int | float | bool | None) else str(value)
        if record.exc_info:
            entry["exc"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False)


def configure(level: str = "INFO", as_json: bool = True) -> None:
    root = logging.getLogger()
    for handler in list(root.handlers):
        if getattr(handler, "_commentq", False):
            root.removeHandler(handler)
    handler = logging.StreamHandler(sys.stderr)
    handler._commentq = True  # type: ignore[attr-defined]
    handler.setFormatter(JsonFormatter() if as_json else logging.Formatter(
        "%(asctime)s %(levelname)s %(name)s %(message)s"))
    root.addHandler(handler)
    root.setLevel(level.upper())
    logging.getLogger("werkzeug").setLevel("WARNING")
    logging.getLogger("alembic").setLevel("WARNING")

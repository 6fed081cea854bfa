"""Structured logs: one JSON object a line, carrying the request id and comment id from the web
request into the worker (the task's headers carry them across)."""

from __future__ import annotations

import contextvars
import json
import logging
import re
import sys
import uuid
from datetime import UTC, datetime
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from flask import Flask

request_id_var: contextvars.ContextVar[str | None] = contextvars.ContextVar("request_id", default=None)
comment_id_var: contextvars.ContextVar[str | None] = contextvars.ContextVar("comment_id", default=None)

_RESERVED = set(vars(logging.makeLogRecord({}))) | {"message", "asctime"}
# Never written to a log line, whatever a caller passes in ``extra``.
_SECRET_KEYS = {"email", "ip", "token", "password", "secret", "authorization", "cookie"}


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, str | int | float | bool | None] = {
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
    handler.setFormatter(
        JsonFormatter() if as_json else logging.Formatter("%(asctime)s %(levelname)s %(name)s %(message)s")
    )
    root.addHandler(handler)
    root.setLevel(level.upper())
    logging.getLogger("werkzeug").setLevel("WARNING")
    logging.getLogger("alembic").setLevel("WARNING")


_REQUEST_ID = re.compile(r"[A-Za-z0-9._:-]{1,64}")


def incoming_request_id(header: str | None) -> str:
    """The caller's ``X-Request-Id`` when it is a plain token (letters, digits, ``._:-``, at most
    64), else a new random one."""
    return header if header and _REQUEST_ID.fullmatch(header) else uuid.uuid4().hex


def init_app(app: Flask) -> None:
    """Give every web request its own log context, and clear it when the request ends: gunicorn's
    threads serve one request after another, and a context left set would label the next
    request's log lines with the previous one's ids (issue 11)."""
    from flask import g, request

    @app.before_request
    def _start_context() -> None:
        rid = incoming_request_id(request.headers.get("X-Request-Id"))
        g.request_id = rid
        request_id_var.set(rid)
        comment_id_var.set(None)

    @app.teardown_request
    def _end_context(_exc: BaseException | None) -> None:
        request_id_var.set(None)
        comment_id_var.set(None)


# IPv4 and IPv6 addresses as gunicorn's and werkzeug's own log lines write them.
_ADDRESS = re.compile(r"\b(?:\d{1,3}\.){3}\d{1,3}\b|(?<![\w:])(?:[0-9a-fA-F]{0,4}:){2,7}[0-9a-fA-F]{0,4}(?![\w:])")
_CLIENT_ATOMS = ("h", "{x-forwarded-for}i", "{x-real-ip}i", "{forwarded}i")


class NoClientAddress(logging.Filter):
    """Keeps client addresses out of the web server's own logs (README: IPs are never logged).

    gunicorn's access log gets ``-`` for the client (``%(h)s``, forwarded-for headers) whatever its
    format; gunicorn's error log, werkzeug's request log and flask-limiter's get every address replaced by
    ``[address]`` (the line saying where gunicorn listens is kept: that is the server's own)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.name == "gunicorn.access" and isinstance(record.args, dict):
            for atom in _CLIENT_ATOMS:
                if atom in record.args:
                    record.args[atom] = "-"
            return True
        message = record.getMessage()
        if not message.startswith("Listening at") and _ADDRESS.search(message):
            record.msg, record.args = _ADDRESS.sub("[address]", message), ()
        return True


# flask-limiter names the client it refused ("ratelimit 5 per 1 minute (203.0.113.9) exceeded").
SERVER_LOGGERS = ("gunicorn.access", "gunicorn.error", "werkzeug", "flask-limiter")


def scrub_server_logs() -> None:
    """Install ``NoClientAddress`` on the web server's and its libraries' loggers (once per process)."""
    for name in SERVER_LOGGERS:
        logger = logging.getLogger(name)
        if not any(isinstance(f, NoClientAddress) for f in logger.filters):
            logger.addFilter(NoClientAddress())

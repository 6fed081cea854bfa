"""Engine and sessions for the article store, bound to one Flask app (no module-level state)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, cast

from flask import Flask, current_app, g
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import ExceptionContext
from sqlalchemy.engine.interfaces import DBAPIConnection
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import ConnectionPoolEntry

from service.core.settings import Settings


class Database:
    """Owns the engine; hands a session to each request or task via ``flask.g``."""

    def __init__(self, settings: Settings) -> None:
        self.url = settings.database_url
        kwargs: dict[str, Any] = {"pool_pre_ping": True, "future": True}
        if self.url.startswith("sqlite"):
            if ":memory:" not in self.url and "///" in self.url:
                Path(self.url.split("///", 1)[1]).parent.mkdir(parents=True, exist_ok=True)
            kwargs["connect_args"] = {"timeout": 30, "check_same_thread": False}
        else:
            kwargs.update(pool_size=5, max_overflow=5, pool_timeout=5, connect_args={"connect_timeout": 3})
        self.engine: Engine = create_engine(self.url, **kwargs)
        if self.url.startswith("sqlite"):
            event.listen(self.engine, "connect", _sqlite_pragmas)
        from service.core.guards import guard_engine

        guard_engine(self.engine)
        event.listen(self.engine, "handle_error", _invalidate_read_only)
        self.sessionmaker = sessionmaker(self.engine, expire_on_commit=False)

    @property
    def is_sqlite(self) -> bool:
        return self.url.startswith("sqlite")

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A session outside a request, for the CLI and background work."""
        with self.sessionmaker() as session:
            yield session

    def dispose(self) -> None:
        self.engine.dispose()


# What the database says when a connection can read but not write: SQLite opened the file while it
# was read-only (it then stays read-only for the connection's life, even once the file is writable
# again), or PostgreSQL reached a standby after a failover. Such a connection is thrown away.
_READ_ONLY_MARKERS = ("readonly database", "read-only transaction", "read only transaction")


def _invalidate_read_only(ctx: ExceptionContext) -> None:
    """Treat "cannot write" like a lost connection: SQLAlchemy then invalidates it (and the pool's
    other connections, opened at the same time), so the next request connects afresh. Without this
    the pool kept read-only connections until the process restarted (issue 11)."""
    message = str(ctx.original_exception).lower()
    if any(marker in message for marker in _READ_ONLY_MARKERS):
        ctx.is_disconnect = True


def write_probe(engine: Engine, timeout_ms: int = 2000) -> None:
    """Raise unless the database accepts a write now: an UPDATE that changes nothing (one row of
    ``alembic_version`` set to itself) in a transaction rolled back, waiting at most
    ``timeout_ms`` for locks. Used by /readyz: ``SELECT 1`` succeeds on a read-only database."""
    with engine.connect() as conn:
        if engine.dialect.name == "sqlite":
            conn.exec_driver_sql(f"PRAGMA busy_timeout={int(timeout_ms)}")
        else:
            conn.exec_driver_sql(f"SET LOCAL lock_timeout = {int(timeout_ms)}")
            conn.exec_driver_sql(f"SET LOCAL statement_timeout = {int(timeout_ms) * 2}")
        try:
            conn.exec_driver_sql("UPDATE alembic_version SET version_num = version_num")
        finally:
            conn.rollback()
            if engine.dialect.name == "sqlite" and not conn.invalidated:
                conn.exec_driver_sql("PRAGMA busy_timeout=30000")


def _sqlite_pragmas(dbapi_conn: DBAPIConnection, _record: ConnectionPoolEntry) -> None:
    # WAL lets the web process read while a worker writes; busy_timeout waits instead of failing.
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA busy_timeout=30000")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.close()


def init_app(app: Flask, settings: Settings) -> Database:
    db = Database(settings)
    app.extensions["db"] = db

    @app.teardown_appcontext
    def _close_session(_exc: BaseException | None) -> None:
        session = g.pop("db_session", None)
        if session is not None:
            session.close()

    return db


def get_db() -> Database:
    return cast(Database, current_app.extensions["db"])


def get_session() -> Session:
    """The session of the current request or task, opened on first use and closed at teardown."""
    if "db_session" not in g:
        g.db_session = get_db().sessionmaker()
    return cast(Session, g.db_session)

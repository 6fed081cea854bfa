"""Engine and sessions for the article store, bound to one Flask app (no module-level state)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from flask import Flask, current_app, g
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.orm import Session, sessionmaker

from service.settings import Settings


class Database:
    """Owns the engine; hands a session to each request or task via ``flask.g``."""

    def __init__(self, settings: Settings) -> None:
        self.url = settings.database_url
        kwargs: dict = {"pool_pre_ping": True, "future": True}
        if self.url.startswith("sqlite"):
            if ":memory:" not in self.url and "///" in self.url:
                Path(self.url.split("///", 1)[1]).parent.mkdir(parents=True, exist_ok=True)
            kwargs["connect_args"] = {"timeout": 30, "check_same_thread": False}
        else:
            kwargs.update(pool_size=5, max_overflow=5, pool_timeout=5,
                          connect_args={"connect_timeout": 3})
        self.engine: Engine = create_engine(self.url, **kwargs)
        if self.url.startswith("sqlite"):
            event.listen(self.engine, "connect", _sqlite_pragmas)
        from service.guards import guard_engine

        guard_engine(self.engine)
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


def _sqlite_pragmas(dbapi_conn, _record) -> None:  # noqa: ANN001
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
    return current_app.extensions["db"]


def get_session() -> Session:
    """The session of the current request or task, opened on first use and closed at teardown."""
    if "db_session" not in g:
        g.db_session = get_db().sessionmaker()
    return g.db_session

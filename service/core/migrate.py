"""Schema migrations (Alembic), run by ``commentq db upgrade`` and by the app's first start."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config

from service.core.db import Database

MIGRATIONS = Path(__file__).with_name("migrations")


def alembic_config(db: Database) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.set_main_option("sqlalchemy.url", db.url.replace("%", "%%"))
    return cfg


def upgrade(db: Database, revision: str = "head") -> None:
    """Bring the schema to ``revision``; safe to run from several processes at once on PostgreSQL."""
    cfg = alembic_config(db)
    with db.engine.begin() as connection:
        if not db.is_sqlite:
            # One migrator at a time when web, worker and beat start together.
            connection.exec_driver_sql("SELECT pg_advisory_xact_lock(727274)")
        cfg.attributes["connection"] = connection
        command.upgrade(cfg, revision)


def revision(db: Database, message: str) -> None:
    cfg = alembic_config(db)
    command.revision(cfg, message=message, autogenerate=True)

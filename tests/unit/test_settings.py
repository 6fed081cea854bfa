"""Settings come from the environment in one place, with documented defaults."""

from __future__ import annotations

import pytest

from service.core.settings import load


def test_defaults(tmp_path):
    s = load({"COMMENTQ_INSTANCE_DIR": str(tmp_path)})
    assert s.database_url == f"sqlite:///{tmp_path / 'commentq.db'}"
    assert s.redis_url is None and s.broker_url is None
    assert s.rate_limit == "5 per minute" and s.flood_limit == "10 per hour"
    assert s.trusted_proxies == 0 and s.allowed_origins == ()
    # A per-instance secret key is generated once and reused.
    assert s.secret_key == load({"COMMENTQ_INSTANCE_DIR": str(tmp_path)}).secret_key
    assert (tmp_path / "secret_key").stat().st_mode & 0o077 == 0


def test_environment_overrides(tmp_path):
    s = load(
        {
            "COMMENTQ_INSTANCE_DIR": str(tmp_path),
            "DATABASE_URL": "postgresql://u@h/db",
            "REDIS_URL": "redis://127.0.0.1:6379/1",
            "COMMENTQ_ALLOWED_ORIGINS": "https://a.org/, https://b.org",
            "COMMENTQ_TRUSTED_PROXIES": "1",
            "SECRET_KEY": "s3cr3t-value",
            "COMMENTQ_WEBHOOK_SECRET": "hook-s3cr3t",
        }
    )
    assert s.database_url == "postgresql+psycopg://u@h/db"
    assert s.broker_url == "redis://127.0.0.1:6379/1"
    assert s.allowed_origins == ("https://a.org", "https://b.org")
    assert s.trusted_proxies == 1
    assert "s3cr3t" not in repr(s)  # secrets and credentials stay out of reprs and logs
    assert "u@h" not in repr(s)


def test_celery_broker_url_wins(tmp_path):
    s = load(
        {
            "COMMENTQ_INSTANCE_DIR": str(tmp_path),
            "REDIS_URL": "redis://127.0.0.1/0",
            "CELERY_BROKER_URL": "amqp://guest@127.0.0.1//",
            "SECRET_KEY": "k",
        }
    )
    assert s.broker_url.startswith("amqp://")
    assert s.celery["broker_url"].startswith("amqp://")


def test_celery_delivery_settings(tmp_path):
    c = load({"COMMENTQ_INSTANCE_DIR": str(tmp_path), "SECRET_KEY": "k"}).celery
    assert c["task_acks_late"] and c["task_reject_on_worker_lost"]
    assert c["worker_prefetch_multiplier"] == 1
    assert c["broker_transport_options"]["visibility_timeout"] == 300


def test_bad_number_names_the_variable(tmp_path):
    with pytest.raises(ValueError, match="COMMENTQ_TRUSTED_PROXIES"):
        load({"COMMENTQ_INSTANCE_DIR": str(tmp_path), "COMMENTQ_TRUSTED_PROXIES": "two", "SECRET_KEY": "k"})

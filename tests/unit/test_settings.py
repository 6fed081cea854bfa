"""Settings come from the environment in one place, with documented defaults."""

from __future__ import annotations

import subprocess
import sys
from dataclasses import MISSING, fields
from pathlib import Path

import pytest

from service.core.settings import PolicyConfig, Settings, SettingsError, form_post_bytes, load


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


@pytest.mark.parametrize(
    ("raw", "value"),
    [
        *[(word, True) for word in ("1", "true", "TRUE", "True", "yes", "Yes", "on", "ON", " true ")],
        *[(word, False) for word in ("0", "false", "FALSE", "False", "no", "NO", "off", "Off")],
    ],
)
def test_booleans_read_the_usual_words_in_any_case(tmp_path, raw: str, value: bool):
    for name, field in (("COMMENTQ_LOG_JSON", "log_json"), ("COMMENTQ_DISALLOWED_LIST", "disallowed_list")):
        s = load({"COMMENTQ_INSTANCE_DIR": str(tmp_path), "SECRET_KEY": "k", name: raw})
        assert getattr(s, field) is value, (name, raw)


@pytest.mark.parametrize("raw", ["ture", "2", "yes please", "-1", "enabled", "t", "nope", " "])
@pytest.mark.parametrize("name", ["COMMENTQ_LOG_JSON", "COMMENTQ_DISALLOWED_LIST"])
def test_a_boolean_that_is_not_one_stops_the_start_naming_the_variable(tmp_path, name: str, raw: str):
    with pytest.raises(SettingsError, match=name) as err:
        load({"COMMENTQ_INSTANCE_DIR": str(tmp_path), "SECRET_KEY": "k", name: raw})
    assert repr(raw) in str(err.value)
    assert isinstance(err.value, ValueError)  # what callers caught before


def test_unset_or_empty_is_the_default(tmp_path):
    for env in ({}, {"COMMENTQ_LOG_JSON": "", "COMMENTQ_DISALLOWED_LIST": "", "COMMENTQ_LINKS_HOLD": ""}):
        s = load({"COMMENTQ_INSTANCE_DIR": str(tmp_path), "SECRET_KEY": "k", **env})
        assert s.log_json is True and s.disallowed_list is True and s.links_hold == 2


def test_each_setting_has_one_default_the_fields(tmp_path):
    """An empty environment gives every field's own default (load repeats none), and every
    variable is in the README's tables."""
    s = load({"COMMENTQ_INSTANCE_DIR": str(tmp_path), "SECRET_KEY": "k"})
    readme = (Path(__file__).parents[2] / "README.md").read_text()
    from_env = [f for f in fields(Settings) if "env" in f.metadata]
    assert len(from_env) >= 30
    for f in from_env:
        assert getattr(s, f.name) == f.default, f.name
        assert f"`{f.metadata['env']}`" in readme or f"{f.metadata['env']}`" in readme, f.metadata["env"]
    assert s.max_content_length == form_post_bytes(s.max_body_chars) == 256 * 1024


def test_the_request_limit_follows_the_comment_limit_unless_set(tmp_path):
    base = {"COMMENTQ_INSTANCE_DIR": str(tmp_path), "SECRET_KEY": "k"}
    assert load({**base, "COMMENTQ_MAX_BODY_CHARS": "40000"}).max_content_length == 12 * 40_000 + 64 * 1024
    assert load({**base, "COMMENTQ_MAX_CONTENT_LENGTH": "1000"}).max_content_length == 1000


@pytest.mark.parametrize(
    ("name", "raw", "message"),
    [
        ("COMMENTQ_NEAR_WINDOW", "a day", "COMMENTQ_NEAR_WINDOW must be a number"),
        ("COMMENTQ_MAX_ATTEMPTS", "5.5", "COMMENTQ_MAX_ATTEMPTS must be an integer"),
        ("COMMENTQ_THREAD_DEPTH", "1", "COMMENTQ_THREAD_DEPTH must be between 2 and 20"),
    ],
)
def test_other_bad_values_name_the_variable(tmp_path, name: str, raw: str, message: str):
    with pytest.raises(SettingsError, match=message):
        load({"COMMENTQ_INSTANCE_DIR": str(tmp_path), "SECRET_KEY": "k", name: raw})


def test_the_policy_config_has_no_defaults_of_its_own(tmp_path):
    """Its values come from Settings only (two defaults once disagreed: 0.96 and 0.97)."""
    settings_fields = {f.name: f for f in fields(Settings)}
    for f in fields(PolicyConfig):
        assert f.default is MISSING and f.default_factory is MISSING, f.name
        assert f.name in settings_fields, f.name
    defaults = PolicyConfig.defaults()
    loaded = PolicyConfig.from_settings(load({"COMMENTQ_INSTANCE_DIR": str(tmp_path), "SECRET_KEY": "k"}))
    assert defaults == loaded
    for f in fields(PolicyConfig):
        expected = settings_fields[f.name].default
        assert getattr(defaults, f.name) == (frozenset(expected) if f.name == "blocked_domains" else expected)
    changed = PolicyConfig.defaults(classifier_reject=0.5, blocked_domains=("WWW.Spam.example",))
    assert changed.classifier_reject == 0.5 and changed.blocked_domains == frozenset({"spam.example"})


def test_the_settings_import_no_worker_code():
    """CheckContext.config's type lives with the settings: the checks import it at run time, and
    the settings never import the checks or the policy (no cycle)."""
    code = (
        "import sys; import service.core.settings;"
        "assert not [m for m in sys.modules if m.startswith('workers')], sorted(sys.modules);"
        "import workers.checks.base as b, workers.policy as p;"
        "assert b.PolicyConfig is p.PolicyConfig is service.core.settings.PolicyConfig"
    )
    subprocess.run([sys.executable, "-c", code], check=True, timeout=60)


@pytest.mark.parametrize(
    ("name", "raw"),
    [
        # Each of these used to start: the rate limit switched itself off (flask-limiter only logged
        # that it could not parse it), the flood check then failed every comment, and a size limit
        # of 0 answered every post 413.
        ("COMMENTQ_RATE_LIMIT", "banana"),
        ("COMMENTQ_RATE_LIMIT", "5 per fortnight"),
        ("COMMENTQ_FLOOD_LIMIT", "banana"),
        ("COMMENTQ_FLOOD_LIMIT", "10 per hour; 50 per day"),  # the flood check counts one window
        ("COMMENTQ_CLASSIFIER_SPAM", "-0.5"),
        ("COMMENTQ_CLASSIFIER_SPAM", "nan"),
        ("COMMENTQ_CLASSIFIER_HAM", "-0.1"),
        ("COMMENTQ_CLASSIFIER_HOLD", "0.95"),  # above the spam threshold (0.9)
        ("COMMENTQ_CLASSIFIER_REJECT", "0.5"),  # below it
        ("COMMENTQ_SWEEP_AFTER", "nan"),
        ("COMMENTQ_CHECKS_TIME_LIMIT", "0"),
        ("COMMENTQ_NEAR_WINDOW", "inf"),
        ("COMMENTQ_MAX_ATTEMPTS", "0"),
        ("COMMENTQ_MAX_ATTEMPTS", "-1"),
        ("COMMENTQ_TRUSTED_PROXIES", "-1"),
        ("COMMENTQ_MAX_CONTENT_LENGTH", "0"),  # every post would answer 413
        ("COMMENTQ_MAX_BODY_CHARS", "0"),
        ("COMMENTQ_RETRAIN_EVERY", "0"),
        ("COMMENTQ_IP_RETENTION_DAYS", "-3"),
        ("COMMENTQ_LOG_LEVEL", "LOUD"),
    ],
)
def test_a_value_out_of_its_range_stops_the_start_naming_the_variable(tmp_path, name: str, raw: str):
    with pytest.raises(SettingsError, match=name):
        load({"COMMENTQ_INSTANCE_DIR": str(tmp_path), "SECRET_KEY": "k", name: raw})


@pytest.mark.parametrize(
    ("name", "raw", "field", "value"),
    [
        ("COMMENTQ_RATE_LIMIT", "5 per minute; 100 per day", "rate_limit", "5 per minute; 100 per day"),
        ("COMMENTQ_RATE_LIMIT", "10/hour", "rate_limit", "10/hour"),
        ("COMMENTQ_FLOOD_LIMIT", "3 per 10 minutes", "flood_limit", "3 per 10 minutes"),
        ("COMMENTQ_CLASSIFIER_HOLD", "0.9", "classifier_hold", 0.9),  # equal to spam: allowed
        ("COMMENTQ_CLASSIFIER_SPAM", "1.01", "classifier_spam", 1.01),  # above 1: spam switched off
        ("COMMENTQ_TRUSTED_PROXIES", "0", "trusted_proxies", 0),
        ("COMMENTQ_IP_RETENTION_DAYS", "0", "ip_retention_days", 0),
        ("COMMENTQ_LOG_LEVEL", "debug", "log_level", "DEBUG"),
    ],
)
def test_values_at_the_edge_of_their_range_are_taken(tmp_path, name: str, raw: str, field: str, value: object):
    s = load({"COMMENTQ_INSTANCE_DIR": str(tmp_path), "SECRET_KEY": "k", name: raw})
    assert getattr(s, field) == value


@pytest.mark.parametrize(
    ("name", "raw"),
    [
        # Accepted before and failing only when a held comment's notification was sent (8 retries).
        ("COMMENTQ_WEBHOOK_URL", "ftp://hooks.example.org/x"),
        ("COMMENTQ_WEBHOOK_URL", "hooks.example.org/x"),
        ("COMMENTQ_WEBHOOK_URL", "https://"),
        ("COMMENTQ_WEBHOOK_URL", "https://hooks.example.org:99999/x"),
        ("COMMENTQ_SMTP_URL", "https://mail.example.org"),
        ("COMMENTQ_SMTP_URL", "smtp://user:s3cret@:25"),
        ("COMMENTQ_PUBLIC_URL", "comments.example.org"),
        ("COMMENTQ_PUBLIC_URL", "javascript:alert(1)"),
        ("COMMENTQ_ALLOWED_ORIGINS", "blog.example.org"),  # never equal to a browser's Origin
        ("COMMENTQ_ALLOWED_ORIGINS", "https://blog.example.org/comments"),
        ("COMMENTQ_ALLOWED_ORIGINS", "https://a.org; script-src *"),  # would rewrite the CSP
    ],
)
def test_a_url_setting_that_cannot_work_stops_the_start(tmp_path, name: str, raw: str):
    with pytest.raises(SettingsError, match=name) as err:
        load({"COMMENTQ_INSTANCE_DIR": str(tmp_path), "SECRET_KEY": "k", name: raw})
    assert "s3cret" not in str(err.value)  # a URL may carry a password: never repeated


@pytest.mark.parametrize(
    ("name", "raw", "field", "value"),
    [
        ("COMMENTQ_WEBHOOK_URL", "http://127.0.0.1:8080/hook", "webhook_url", "http://127.0.0.1:8080/hook"),
        ("COMMENTQ_SMTP_URL", "smtp+starttls://u:p@mail.example.org?from=a@b.c", "smtp_url", None),
        ("COMMENTQ_SMTP_URL", "smtps://mail.example.org", "smtp_url", "smtps://mail.example.org"),
        ("COMMENTQ_PUBLIC_URL", "https://comments.example.org/", "public_url", "https://comments.example.org"),
        (
            "COMMENTQ_ALLOWED_ORIGINS",
            "https://a.org/, http://localhost:8080",
            "allowed_origins",
            ("https://a.org", "http://localhost:8080"),
        ),
    ],
)
def test_url_settings_that_work_are_taken(tmp_path, name: str, raw: str, field: str, value: object):
    s = load({"COMMENTQ_INSTANCE_DIR": str(tmp_path), "SECRET_KEY": "k", name: raw})
    assert getattr(s, field) == (raw if value is None else value)

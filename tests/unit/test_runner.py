"""`commentq run` refuses a port that is taken before it starts anything (it used to print "up" and
a new moderator token, then gunicorn failed to bind)."""

from __future__ import annotations

import socket
from pathlib import Path

import click
import pytest

from service.runner import _port_taken, run_all


@pytest.fixture
def listening() -> tuple[str, int]:
    server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    server.bind(("127.0.0.1", 0))
    server.listen(1)
    yield server.getsockname()
    server.close()


def test_a_taken_port_is_seen(listening: tuple[str, int]) -> None:
    host, port = listening
    assert _port_taken(host, port)


def test_a_free_port_is_not() -> None:
    probe = socket.socket()
    probe.bind(("127.0.0.1", 0))
    port = probe.getsockname()[1]
    probe.close()
    assert not _port_taken("127.0.0.1", port)


def test_run_stops_before_starting_anything(
    listening: tuple[str, int], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COMMENTQ_INSTANCE_DIR", str(tmp_path))
    monkeypatch.delenv("REDIS_URL", raising=False)
    monkeypatch.delenv("CELERY_BROKER_URL", raising=False)
    host, port = listening
    with pytest.raises(click.ClickException, match="already in use"):
        run_all(host, port, 1)
    assert not (tmp_path / "redis").exists()  # no embedded Redis was started
    assert not (tmp_path / "commentq.db").exists()  # nothing migrated, no token made

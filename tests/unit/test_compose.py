"""docker-compose.yml: the services operators run. `docker compose config` validates it where the compose
plugin exists (no Docker engine runs here); the structure is checked everywhere."""

from __future__ import annotations

import shutil
import subprocess

import yaml

from tests.support import ROOT


def compose() -> dict:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def test_services_and_scaling():
    services = compose()["services"]
    assert {"web", "worker", "beat", "redis", "postgres"} <= set(services)
    worker = services["worker"]
    assert "container_name" not in worker and "ports" not in worker  # --scale worker=N must work
    assert worker["command"][:4] == ["celery", "-A", "workers", "worker"]
    assert services["beat"]["command"][:4] == ["celery", "-A", "workers", "beat"]
    # checks and retraining run in separate workers: a retrain never delays a comment
    assert worker["command"][worker["command"].index("-Q") + 1] == "commentq"
    trainer = services["trainer"]["command"]
    assert trainer[trainer.index("-Q") + 1] == "commentq-training" and "celery" in trainer
    assert "service:create_app()" in services["web"]["command"]
    env = services["worker"]["environment"]
    assert env["DATABASE_URL"].startswith("postgresql://") and env["REDIS_URL"].startswith("redis://")
    assert env is services["web"]["environment"]  # one configuration for web, worker and beat


def compose_command() -> list[str] | None:
    docker = shutil.which("docker")
    if docker and subprocess.run([docker, "compose", "version"], capture_output=True).returncode == 0:
        return [docker, "compose"]
    legacy = shutil.which("docker-compose")
    return [legacy] if legacy else None


def test_docker_compose_config_when_available(tmp_path):
    cmd = compose_command()
    if cmd is None:
        assert shutil.which("docker") is None, "docker exists: tools/ensure-test-deps.sh installs docker-compose"
        return
    env = {"SECRET_KEY": "x", "PATH": "/usr/local/bin:/usr/bin:/bin", "HOME": str(tmp_path)}
    out = subprocess.run(
        [*cmd, "-f", str(ROOT / "docker-compose.yml"), "config", "--quiet"], capture_output=True, text=True, env=env
    )
    assert out.returncode == 0, out.stderr
    bad = subprocess.run(
        [*cmd, "-f", str(ROOT / "docker-compose.yml"), "config", "--quiet"],
        capture_output=True,
        text=True,
        env={**env, "SECRET_KEY": ""},
    )
    assert bad.returncode != 0  # SECRET_KEY is required

#!/usr/bin/env bash
# What the test suite needs beyond the Python extras (called by `./dev test` with the venv as $1):
# Debian's chromium for the browser tests (Playwright drives it; its own browser download cannot
# work here), Debian's nginx (the documented proxy, tested in front of gunicorn), and, where a docker client exists without its compose plugin, Debian's docker-compose
# so tests/unit/test_compose.py can validate docker-compose.yml (no engine is needed for `config`).
# Idempotent and quiet when everything is already installed.
set -euo pipefail
VENV="${1:-.venv}"

packages=()
[ -x /usr/bin/chromium ] || packages+=(chromium fonts-dejavu-core)
# nginx: tests/hostile/test_slow_clients.py runs deploy/nginx/commentq.conf in front of gunicorn.
command -v nginx >/dev/null || [ -x /usr/sbin/nginx ] || packages+=(nginx-light)
if command -v docker >/dev/null && ! docker compose version >/dev/null 2>&1 && ! command -v docker-compose >/dev/null; then
  packages+=(docker-compose)
fi
if [ "${#packages[@]}" -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "ensure-test-deps: missing ${packages[*]} and we are not root; install them with apt-get" >&2
    exit 1
  fi
  echo "ensure-test-deps: installing ${packages[*]} (Debian)" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${packages[@]}" >/dev/null
fi

# Playwright for Python comes with the `test` extra; make sure it imports (no browser download).
if ! "$VENV/bin/python" -c "import playwright.sync_api" 2>/dev/null; then
  "$VENV/bin/python" -m pip install --quiet "playwright>=1.45"
fi

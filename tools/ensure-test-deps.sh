#!/usr/bin/env bash
# What the test suite needs beyond the Python extras (called by `./dev test` with the venv as $1):
# Debian's chromium for the browser tests (Playwright drives it; its own browser download cannot
# work here). Idempotent and quiet when everything is already installed.
set -euo pipefail
VENV="${1:-.venv}"

if [ ! -x /usr/bin/chromium ]; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "ensure-test-deps: /usr/bin/chromium is missing and we are not root; install the 'chromium' package" >&2
    exit 1
  fi
  echo "ensure-test-deps: installing Debian's chromium" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends chromium fonts-dejavu-core >/dev/null
fi

# Playwright for Python comes with the `test` extra; make sure it imports (no browser download).
if ! "$VENV/bin/python" -c "import playwright.sync_api" 2>/dev/null; then
  "$VENV/bin/python" -m pip install --quiet "playwright>=1.45"
fi

"""Browser fixtures: Debian's chromium driven by Playwright for Python (no Playwright browser
download). `tools/ensure-test-deps.sh` installs chromium; in CI a missing browser fails the run."""

from __future__ import annotations

import json
import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask

from service.core import store
from tests.support import ROOT, SHARED, in_ci

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SEED = SHARED / "data" / "articles" / "seed-article.json"


def _unavailable(reason: str) -> None:
    if in_ci():
        pytest.fail(f"browser tests must run in CI: {reason} (tools/ensure-test-deps.sh installs it)")
    pytest.skip(reason)


@pytest.fixture(scope="session")
def chromium() -> Iterator[object]:
    """One headless chromium per test session; Playwright gives each launch a fresh user-data-dir."""
    if not os.access(CHROMIUM, os.X_OK):
        _unavailable(f"{CHROMIUM} is not installed")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _unavailable("playwright is not installed (pip install -e '.[test]')")
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield browser
        browser.close()


class PageErrors(list):
    """Console errors and page errors (a CSP violation shows up here)."""


@pytest.fixture
def new_page(chromium):
    """A factory of pages, each in its own browser context (own cookies); all closed afterwards."""
    contexts = []
    errors = PageErrors()

    def _new(javascript: bool = True):
        ctx = chromium.new_context(viewport={"width": 1100, "height": 900}, java_script_enabled=javascript)
        contexts.append(ctx)
        page = ctx.new_page()
        page.set_default_timeout(15_000)
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: errors.append(str(e)))
        return page

    _new.errors = errors  # type: ignore[attr-defined]
    yield _new
    for ctx in contexts:
        ctx.close()


@pytest.fixture
def seed_article(stack_app: Flask) -> dict:
    """The seed page's article (shared fixture data), under a fresh slug, with no url of its own."""
    data = json.loads(SEED.read_text(encoding="utf-8"))
    slug = f"{data['slug'][:40]}-{uuid.uuid4().hex[:8]}"
    with stack_app.extensions["db"].session() as session:
        store.put_article(session, slug, data["title"], None, False, data["body"])
    return {**data, "slug": slug}


@pytest.fixture
def screenshot_dir(tmp_path: Path) -> Path:
    """docs/ when COMMENTQ_SCREENSHOTS=1 (to refresh the README's pictures), else a temp dir."""
    if os.environ.get("COMMENTQ_SCREENSHOTS") == "1":
        return ROOT / "docs"
    return tmp_path

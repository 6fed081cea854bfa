"""A reader on the article page, in a real chromium, against the real stack (gunicorn + worker)."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

pytestmark = [pytest.mark.browser, pytest.mark.integration]


def test_reader_posts_and_sees_the_comment_published(stack, seed_article, new_page, screenshot_dir):
    page = new_page()
    page.goto(f"{stack.http.base}/articles/{seed_article['slug']}")
    expect(page.locator("h1.post-title")).to_have_text(seed_article["title"])
    expect(page.locator(".post-body p").first).to_contain_text("Ukraine and Russia have agreed to meet")
    # The seed page's form: fields, labels, the email notice, and a honeypot nobody sees.
    expect(page.locator("#respond h3")).to_contain_text("Leave a comment")
    expect(page.locator(".comment-notes")).to_contain_text("Your email address will not be published")
    for label in ("Comment", "Name", "Email", "Website"):
        expect(page.locator("label", has_text=label).first).to_be_visible()
    expect(page.locator("input[name=phone]")).to_be_hidden()
    expect(page.locator("#comment-count")).to_have_text("0 comments")

    page.fill("#comment", "Thanks for the clear summary of where the talks will take place.")
    page.fill("#author", "Olena")
    page.fill("#email", "olena@example.org")
    page.fill("#url", "https://olena.example.org/")
    page.click("#submit")
    first = page.locator("#comment-list > li.comment")
    expect(first).to_have_count(1, timeout=20_000)
    expect(first.locator(".comment-body")).to_have_text(
        "Thanks for the clear summary of where the talks will take place."
    )
    expect(first.locator(".comment-author")).to_have_text("Olena")
    expect(page.locator("#comment-status")).to_contain_text("your comment is published")
    expect(page.locator("#comment-count")).to_have_text("1 comment")
    assert page.input_value("#comment") == ""

    # A threaded reply: Reply sets comment_parent, the reply appears nested under its parent.
    first.locator(".reply-link").click()
    expect(page.locator("#replying-to")).to_have_text("(replying to Olena)")
    page.fill("#comment", "Agreed, and the map of the border helps too.")
    page.fill("#author", "Marek")
    page.fill("#email", "marek@example.org")
    page.fill("#url", "")
    page.click("#submit")
    expect(first.locator("ol.children > li.comment .comment-body")).to_have_text(
        "Agreed, and the map of the border helps too.", timeout=20_000
    )

    # Server-rendered after a reload, email never on the page.
    page.reload()
    expect(page.locator("#comment-count")).to_have_text("2 comments")
    expect(page.locator("#comment-list > li.comment ol.children li.comment")).to_have_count(1)
    assert "olena@example.org" not in page.content()
    page.screenshot(path=str(screenshot_dir / "article-page.png"), full_page=True)
    assert not new_page.errors, new_page.errors  # no CSP violations, no script errors


def test_form_post_without_javascript(stack, seed_article, new_page):
    page = new_page(javascript=False)
    page.goto(f"{stack.http.base}/articles/{seed_article['slug']}")
    page.fill("#comment", "Posting the old way, with a plain form.")
    page.fill("#author", "Ivan")
    page.fill("#email", "ivan@example.org")
    page.click("#submit")
    # 303 back to the article page with ?comment=<id>#comment-status, which shows its status.
    expect(page).to_have_url(re.compile(rf"/articles/{seed_article['slug']}\?comment=[0-9a-f-]{{36}}#comment-status"))
    expect(page.locator("#comment-status")).to_contain_text("Thanks, Ivan")
    page.wait_for_timeout(1500)  # the worker publishes within a second
    page.reload()
    expect(page.locator("#comment-status")).to_contain_text("your comment is published")
    expect(page.locator("#comment-list .comment-body")).to_have_text("Posting the old way, with a plain form.")


def test_unknown_article_is_a_404_page(stack, new_page):
    page = new_page()
    response = page.goto(f"{stack.http.base}/articles/no-such-article")
    assert response is not None and response.status == 404
    expect(page.locator("h1")).to_have_text("Not found")

"""A moderator at the desk, in a real chromium: sign in, approve with the keyboard, CSRF."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from service.core.models import Comment
from service.core.vocabulary import Status
from tests.conftest import wait_for

pytestmark = [pytest.mark.browser, pytest.mark.integration]

FOUR_LINKS = (
    "Background reading: https://en.wikipedia.org/wiki/Pripyat_River "
    "https://en.wikipedia.org/wiki/Gomel https://en.wikipedia.org/wiki/Belarus "
    "https://en.wikipedia.org/wiki/Chernobyl"
)


def _status(stack_app, comment_id: str) -> str:
    with stack_app.extensions["db"].session() as session:
        return session.get(Comment, comment_id).status


def _sign_in(page, base: str, token: str) -> None:
    page.goto(f"{base}/moderation/")
    expect(page).to_have_url(re.compile(r"/moderation/login"))
    page.fill("#token", token)
    page.click("button[type=submit]")
    expect(page.locator("#who")).to_be_visible()


def test_moderator_approves_a_held_comment_with_the_keyboard(
    stack, stack_app, seed_article, new_page, moderator_token, screenshot_dir
):
    base, slug = stack.http.base, seed_article["slug"]
    # A reader posts a comment with four links in the browser: it waits for a moderator.
    reader = new_page()
    reader.goto(f"{base}/articles/{slug}")
    reader.fill("#comment", FOUR_LINKS)
    reader.fill("#author", "Researcher")
    reader.fill("#email", "researcher@example.org")
    with reader.expect_response(re.compile(r"/api/v1/articles/.*/comments$")) as posted:
        reader.click("#submit")
    comment_id = posted.value.json()["id"]
    expect(reader.locator("#comment-status")).to_contain_text("awaiting moderation")
    wait_for(lambda: _status(stack_app, comment_id) == Status.HELD, timeout=10)
    # A second held comment for the same article, so the queue has more than one row.
    other = stack.http.post(
        f"/api/v1/articles/{slug}/comments",
        json_body={"author": "Link Collector", "email": "links@example.org", "body": FOUR_LINKS + " (again)"},
    ).json()["id"]
    wait_for(lambda: _status(stack_app, other) == Status.HELD, timeout=10)

    desk = new_page()
    _sign_in(desk, base, moderator_token)
    cookie = next(c for c in desk.context.cookies() if c["name"] == "session")
    assert cookie["httpOnly"] and cookie["sameSite"] == "Strict"
    desk.select_option("#f-article", slug)
    desk.click("#filters button[type=submit]")
    items = desk.locator("#queue > li.item")
    expect(items).to_have_count(2)
    first = items.first
    expect(first).to_have_attribute("data-id", comment_id)  # oldest first
    expect(first.locator(".email")).to_have_text("researcher@example.org")
    expect(first.locator(".ip")).to_have_text("127.0.0.1")
    expect(first.locator(".checks")).to_contain_text("links")
    expect(first.locator(".checks")).to_contain_text("4 links")
    expect(first.locator(".body a").first).to_have_attribute("href", "https://en.wikipedia.org/wiki/Pripyat_River")
    expect(desk.locator("#oldest-age")).not_to_have_text("–")
    expect(first).to_have_class(re.compile(r"\bselected\b"))
    desk.screenshot(path=str(screenshot_dir / "moderator-desk.png"), full_page=True)

    desk.keyboard.press("a")  # approve the selected (first) comment
    expect(desk.locator("#flash")).to_contain_text("approved")
    expect(desk.locator("#queue > li.item")).to_have_count(1)
    assert _status(stack_app, comment_id) == Status.PUBLISHED
    assert _status(stack_app, other) == Status.HELD

    # The reader's page was polling: the comment appears there without a reload.
    expect(reader.locator(f"#comment-{comment_id} .comment-body")).to_contain_text("Background reading", timeout=30_000)
    expect(reader.locator("#comment-status")).to_contain_text("your comment is published")
    fresh = new_page()
    fresh.goto(f"{base}/articles/{slug}")
    expect(fresh.locator(f"#comment-{comment_id}")).to_be_visible()

    # The audit trail names the moderator.
    desk.goto(f"{base}/moderation/comments/{comment_id}")
    expect(desk.locator("#audit")).to_contain_text("approve")
    expect(desk.locator("#audit")).to_contain_text("moderator:")
    # Remove from the article's published list, then it is gone from the article page.
    desk.goto(f"{base}/moderation/articles/{slug}")
    desk.locator(f"#item-{comment_id} button.remove").click()
    expect(desk.locator("#flash")).to_contain_text("removed")
    fresh.reload()
    expect(fresh.locator(f"#comment-{comment_id}")).to_have_count(0)
    desk.click("#sign-out")
    expect(desk).to_have_url(re.compile(r"/moderation/login"))
    assert not new_page.errors, new_page.errors


def test_bad_token_and_missing_csrf_are_refused(stack, stack_app, seed_article, new_page, moderator_token):
    base, slug = stack.http.base, seed_article["slug"]
    held = stack.http.post(
        f"/api/v1/articles/{slug}/comments",
        json_body={"author": "Spammy", "email": "s@example.org", "body": FOUR_LINKS},
    ).json()["id"]
    wait_for(lambda: _status(stack_app, held) == Status.HELD, timeout=10)

    page = new_page()
    page.goto(f"{base}/moderation/login")
    page.fill("#token", "cq_not-a-real-token")
    page.click("button[type=submit]")
    expect(page.locator("#login-error")).to_contain_text("not valid")
    response = page.goto(f"{base}/moderation/")
    assert response is not None
    expect(page).to_have_url(re.compile(r"/moderation/login"))  # still signed out

    _sign_in(page, base, moderator_token)
    request = page.context.request  # the browser's cookies, without the form's CSRF token
    url = f"{base}/moderation/comments/{held}/decision"
    missing = request.post(url, form={"action": "approve"}, max_redirects=0)
    assert missing.status == 400 and "CSRF" in missing.text()
    wrong = request.post(url, form={"action": "approve", "csrf_token": "0" * 64}, max_redirects=0)
    assert wrong.status == 400
    # A real form on another origin, posting into the desk with the moderator's cookie: refused.
    token = page.locator("input[name=csrf_token]").first.input_value()
    cross = request.post(
        url, form={"action": "approve", "csrf_token": token}, max_redirects=0, headers={"Origin": "http://evil.example"}
    )
    assert cross.status == 400
    assert _status(stack_app, held) == Status.HELD
    ok = request.post(url, form={"action": "reject", "csrf_token": token}, max_redirects=0)
    assert ok.status == 303
    assert _status(stack_app, held) == Status.REJECTED


FLATTERY = {
    "author": "Cheap Flights To Europe",
    "email": "deals@example.org",
    "url": "https://cheap-flights-europe.com/",
    "body": "Great post, I'll bookmark your site and come back!",
}


def test_a_rejected_comment_is_marked_not_spam_from_the_desk_and_publishes(
    stack, stack_app, seed_article, new_page, moderator_token
):
    """WordPress's Spam folder: the workers reject the classic flattery with a commercial name and
    website; a moderator finds it under "rejected" and one click on "Not spam" publishes it and
    gives the classifier a ham example."""
    from service.core.models import LabelledExample

    base, slug = stack.http.base, seed_article["slug"]
    rejected = stack.http.post(f"/api/v1/articles/{slug}/comments", json_body=FLATTERY).json()["id"]
    wait_for(lambda: _status(stack_app, rejected) == Status.REJECTED, timeout=10)

    desk = new_page()
    _sign_in(desk, base, moderator_token)
    desk.goto(f"{base}/moderation/?status=rejected&article={slug}")
    item = desk.locator(f"#item-{rejected}")
    expect(item).to_be_visible()
    expect(item.locator(".checks")).to_contain_text("author")
    expect(item.locator(".checks")).to_contain_text("commercial")
    item.locator("button[data-action=not-spam]").click()
    expect(desk.locator("#flash")).to_contain_text("marked as not spam")
    expect(desk.locator(f"#item-{rejected}")).to_have_count(0)
    assert _status(stack_app, rejected) == Status.PUBLISHED
    with stack_app.extensions["db"].session() as session:
        labels = [e.label for e in session.query(LabelledExample).filter_by(comment_id=rejected)]
    assert labels == [0]
    page = new_page()
    page.goto(f"{base}/articles/{slug}")
    expect(page.locator(f"#comment-{rejected} .comment-body")).to_contain_text("bookmark your site")
    assert not new_page.errors, new_page.errors

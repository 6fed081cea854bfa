"""What readers see in a real chromium: long URLs and words wrap inside the comment column, pasted
code keeps its indentation, a 30-deep thread shows every comment at a readable width (display depth
capped by COMMENTQ_THREAD_DEPTH), and the desk wraps long URLs too.

``COMMENTQ_SCREENSHOTS=1`` saves the screenshots into docs/ (the README shows them)."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from playwright.sync_api import expect

from service.core import store
from service.core.vocabulary import Status
from tests.browser.test_desk import _sign_in

pytestmark = [pytest.mark.browser, pytest.mark.integration]

LONG_URL = (
    "https://example.org/archive/2026/11/30/"
    + "a-very-long-slug-that-keeps-going-" * 8
    + "?utm_source=newsletter&utm_medium=email&utm_campaign=winter"
)
LONG_WORD = "Donaudampfschifffahrtselektrizitätenhauptbetriebswerkbauunterbeamtengesellschaft" * 2
CODE = (
    "Here is how I read the file:\n\n"
    "<code>def read(path):\n"
    "    with open(path) as f:\n"
    "        for line in f:\n"
    "            if line.strip():\n"
    "                yield line</code>\n\n"
    "Note the <b>blank-line</b> check; see https://docs.python.org/3/library/functions.html#open."
)


def _publish(
    stack_app,
    slug: str,
    body: str,
    author: str = "Reader",
    parent: str | None = None,
    when=None,
    status: str = Status.PUBLISHED,
) -> str:
    with stack_app.extensions["db"].session() as session:
        article = store.get_article(session, slug)
        c = store.create_comment(
            session,
            article,
            {"author": author, "email": "r@example.org", "body": body, "parent_id": parent},
            ip=None,
            user_agent=None,
            request_id=None,
        )
        if when is not None:
            c.created_at = when
        if status == Status.PUBLISHED:
            assert store.publish(session, c, (Status.RECEIVED,), action="publish", actor="check:test")
        else:
            assert store.transition(session, c.id, (Status.RECEIVED,), status, action="hold", actor="check:test")
        session.commit()
        return c.id


def _no_horizontal_overflow(page) -> None:
    widths = page.evaluate("() => [document.documentElement.scrollWidth, window.innerWidth]")
    assert widths[0] <= widths[1], widths


def test_long_urls_and_words_wrap_and_code_keeps_its_indentation(
    stack, stack_app, seed_article, new_page, screenshot_dir
):
    slug = seed_article["slug"]
    long_id = _publish(
        stack_app,
        slug,
        f"The full report is at {LONG_URL} and the word of the day is {LONG_WORD}.",
        author="Long Linker",
    )
    code_id = _publish(stack_app, slug, CODE, author="Pythonista")
    for width in (1100, 375):
        page = new_page()
        page.set_viewport_size({"width": width, "height": 900})
        page.goto(f"{stack.http.base}/articles/{slug}")
        long_comment = page.locator(f"#comment-{long_id}")
        expect(long_comment.locator(".comment-body a")).to_have_attribute("href", LONG_URL)
        expect(long_comment.locator(".comment-body a")).to_have_attribute("rel", "nofollow ugc noopener")
        _no_horizontal_overflow(page)
        for body in page.locator(".comment-body").all():
            assert body.evaluate("e => e.scrollWidth <= e.clientWidth + 1")
        code = page.locator(f"#comment-{code_id} .comment-body code")
        text = code.inner_text()
        assert "\u00a0" * 4 + "with open(path) as f:" in text
        assert "\u00a0" * 16 + "yield line" in text
        # the indented line really starts further right than the line above it
        boxes = page.evaluate(
            """(id) => {
            const code = document.querySelector('#comment-' + id + ' code');
            const range = document.createRange();
            const node = [...code.childNodes].find(n => n.nodeType === 3 && n.textContent.includes('yield'));
            const at = node.textContent.indexOf('yield');
            range.setStart(node, at); range.setEnd(node, at + 5);
            const first = code.firstChild; const r0 = document.createRange();
            r0.setStart(first, 0); r0.setEnd(first, 3);
            return [range.getBoundingClientRect().left, r0.getBoundingClientRect().left];
        }""",
            code_id,
        )
        assert boxes[0] > boxes[1] + 40, boxes
        if width == 1100:
            long_comment.screenshot(path=str(screenshot_dir / "comment-long-url.png"))
            page.locator(f"#comment-{code_id}").screenshot(path=str(screenshot_dir / "comment-code.png"))
    assert not new_page.errors, new_page.errors


def test_a_30_deep_thread_shows_every_comment_readably(stack, stack_app, seed_article, new_page, screenshot_dir):
    slug = seed_article["slug"]
    ids: list[str] = []
    t0 = store.utcnow() - timedelta(hours=1)
    for i in range(31):
        ids.append(
            _publish(
                stack_app,
                slug,
                f"Reply number {i}: still following the argument, and adding one more thought to it.",
                author=f"Reader {i}",
                parent=ids[-1] if ids else None,
                when=t0 + timedelta(seconds=i),
            )
        )
    page = new_page()
    page.goto(f"{stack.http.base}/articles/{slug}")
    comments = page.locator("#comment-list li.comment")
    expect(comments).to_have_count(31)
    _no_horizontal_overflow(page)
    widths = [b.evaluate("e => e.getBoundingClientRect().width") for b in page.locator(".comment-body").all()]
    # four indents at most: the deepest reply keeps most of the first one's width (today: 0 px at depth 20)
    assert min(widths) >= 0.7 * max(widths) and min(widths) > 300, widths
    levels = [
        int(x) for x in page.locator("#comment-list li.comment").evaluate_all("els => els.map(e => e.dataset.level)")
    ]
    assert max(levels) == 5
    expect(page.locator(f"#comment-{ids[30]} .in-reply-to")).to_have_text("in reply to Reader 29")
    page.locator("#comment-list").screenshot(path=str(screenshot_dir / "thread-30-deep.png"))

    # Replying to the deepest comment with JavaScript: it appears at the last level, after its parent.
    page.locator(f"#comment-{ids[30]} .reply-link").click()
    page.fill("#comment", "Late to the thread, but I agree with the last point.")
    page.fill("#author", "Latecomer")
    page.fill("#email", "late@example.org")
    page.click("#submit")
    new = page.locator("li.comment.just-published")
    expect(new).to_have_count(1, timeout=20_000)
    expect(new).to_have_attribute("data-level", "5")
    expect(new.locator(".in-reply-to")).to_have_text("in reply to Reader 30")
    page.reload()
    expect(page.locator("#comment-list li.comment")).to_have_count(32)
    assert not new_page.errors, new_page.errors


def test_the_desk_wraps_long_urls(stack, stack_app, seed_article, new_page, moderator_token, screenshot_dir):
    slug = seed_article["slug"]
    held = _publish(
        stack_app,
        slug,
        f"Two links: {LONG_URL} and {LONG_URL}#again — {LONG_WORD}",
        author="Link Holder",
        status=Status.HELD,
    )
    desk = new_page()
    _sign_in(desk, stack.http.base, moderator_token)
    desk.select_option("#f-article", slug)
    desk.click("#filters button[type=submit]")
    item = desk.locator(f"#item-{held}")
    expect(item).to_be_visible()
    _no_horizontal_overflow(desk)
    assert item.evaluate("e => e.scrollWidth <= e.clientWidth + 1")
    item.screenshot(path=str(screenshot_dir / "desk-long-url.png"))
    desk.goto(re.sub(r"/moderation/.*", f"/moderation/comments/{held}", desk.url))
    _no_horizontal_overflow(desk)
    assert not new_page.errors, new_page.errors

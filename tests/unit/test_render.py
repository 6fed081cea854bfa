"""Comment text to published HTML."""

from __future__ import annotations

from service.render import render_body


def test_paragraphs_and_line_breaks():
    assert render_body("one\ntwo\n\nthree") == "<p>one<br>two</p><p>three</p>"


def test_markup_is_shown_not_run():
    html = render_body('<script>alert(1)</script><img src=x onerror=alert(1)>')
    assert "<script" not in html and "<img" not in html
    assert "&lt;script&gt;" in html


def test_links_are_nofollow_and_trailing_punctuation_stays_out():
    html = render_body("see https://example.org/a?b=1&c=2.")
    assert 'href="https://example.org/a?b=1&amp;c=2"' in html
    assert 'rel="nofollow ugc noopener noreferrer"' in html
    assert html.endswith("</a>.</p>")


def test_javascript_urls_are_not_linked():
    html = render_body("javascript:alert(1) and data:text/html,x")
    assert "<a" not in html

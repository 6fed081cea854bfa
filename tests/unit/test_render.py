"""Comment text to published HTML: the text as typed, links found in the raw text, a few tags."""

from __future__ import annotations

import re

import nh3
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from service.core.render import ALLOWED_MARKUP_TEXT, MARKUP_TAGS, render_body, sanitise
from tests.compare import first_difference


def test_paragraphs_and_line_breaks():
    assert render_body("one\ntwo\n\nthree") == "<p>one<br>two</p><p>three</p>"
    assert render_body("one\r\ntwo\r\n\r\nthree") == "<p>one<br>two</p><p>three</p>"


def test_pasted_code_keeps_its_indentation():
    html = render_body("Try this:\n\ndef f(x):\n    if x:\n        return  1\n\treturn 0")
    assert "<br>&nbsp;&nbsp;&nbsp;&nbsp;if x:" in html
    assert "<br>" + "&nbsp;" * 8 + "return&nbsp; 1" in html
    assert "<br>" + "&nbsp;" * 4 + "return 0" in html
    # indentation at the start of a paragraph too
    assert render_body("a\n\n    b").endswith("<p>&nbsp;&nbsp;&nbsp;&nbsp;b</p>")


def test_typed_text_is_shown_as_typed():
    assert render_body("x² + y² = r², H₂O, ½ cup") == "<p>x² + y² = r², H₂O, ½ cup</p>"


def test_other_markup_is_shown_not_run():
    html = render_body('<script>alert(1)</script><img src=x onerror=alert(1)> <div class="x">')
    assert "<script" not in html and "<img" not in html and "<div" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert '&lt;div class="x"&gt;' in html


def test_comparison_operators_are_text():
    assert render_body("if (a <b && c> d) return") == "<p>if (a &lt;b &amp;&amp; c&gt; d) return</p>"


@pytest.mark.parametrize("tag", MARKUP_TAGS)
def test_allowed_tags_are_kept_without_their_attributes(tag):
    html = render_body(f'<{tag} onmouseover="alert(1)" style="x">word</{tag}>')
    assert f"<{tag}" in html and f"</{tag}>" in html
    assert "onmouseover" not in html and "style" not in html


def test_commenters_links_keep_only_http_hrefs_and_get_rel():
    html = render_body('<a href="javascript:alert(1)">x</a> <a href="https://ok.org/" title="t">ok</a>')
    assert "javascript" not in html
    assert '<a href="https://ok.org/" title="t" rel="nofollow ugc noopener">ok</a>' in html


def test_blockquote_is_a_block_between_paragraphs():
    assert render_body("He said:\n<blockquote>hi\n\nthere</blockquote>\nok") == (
        "<p>He said:</p><blockquote><p>hi</p><p>there</p></blockquote><p>ok</p>"
    )


def test_links_are_nofollow_ugc_noopener_and_trailing_punctuation_stays_out():
    html = render_body("see https://example.org/a?b=1&c=2.")
    assert html == (
        '<p>see <a href="https://example.org/a?b=1&amp;c=2" rel="nofollow ugc noopener">'
        "https://example.org/a?b=1&amp;c=2</a>.</p>"
    )


@pytest.mark.parametrize(
    ("typed", "url"),
    [
        ('"https://example.org/x"', "https://example.org/x"),
        ("'https://example.org/x'", "https://example.org/x"),
        ("<https://example.org/x>", "https://example.org/x"),
        ("(https://example.org/x)", "https://example.org/x"),
        (
            "https://en.wikipedia.org/wiki/Python_(programming_language)",
            "https://en.wikipedia.org/wiki/Python_(programming_language)",
        ),
        (
            "(see https://en.wikipedia.org/wiki/Python_(programming_language))",
            "https://en.wikipedia.org/wiki/Python_(programming_language)",
        ),
        ("https://example.org/a&b", "https://example.org/a&amp;b"),
        ("www.example.org/page", "http://www.example.org/page"),
    ],
)
def test_links_are_found_in_the_raw_text_then_escaped(typed, url):
    html = render_body(typed)
    hrefs = re.findall(r'href="([^"]*)"', html)
    assert hrefs == [url]
    assert ";" not in url.replace("&amp;", "") and "&quot" not in html and "&gt;<" not in html.split("</a>")[0]


def test_no_links_inside_code_or_inside_a_link():
    html = render_body('<code>curl https://example.org/api</code> <a href="https://a.org/">https://b.org/</a>')
    assert html.count("<a ") == 1
    assert "<code>curl https://example.org/api</code>" in html


def test_javascript_urls_are_not_linked():
    html = render_body("javascript:alert(1) and data:text/html,x")
    assert "<a" not in html


def test_allowed_markup_text_lists_every_tag():
    for tag in MARKUP_TAGS:
        assert f"<{tag}" in ALLOWED_MARKUP_TEXT


_pieces = st.sampled_from(
    [
        "<b>",
        "</b>",
        "<a href='https://x.org'>",
        "</a>",
        "<code>",
        "</code>",
        "<blockquote>",
        "</blockquote>",
        "<script>",
        "<img src=x onerror=y>",
        "https://e.org/(a)",
        "www.e.org",
        '"',
        "'",
        "<",
        ">",
        "&",
        ";",
        "\n",
        "\n\n",
        "  ",
        "\t",
        "x",
        "é",
        "\u202e",
    ]
)


@given(st.lists(st.one_of(_pieces, st.text(max_size=5)), max_size=30).map("".join))
@settings(max_examples=300, deadline=None)
def test_output_is_always_what_nh3_allows(text):
    html = render_body(text)
    assert sanitise(html) == html  # nothing nh3 would still remove
    assert not re.search(r"<(?!/?(?:p|br|a|b|strong|em|i|blockquote|code|q|cite|del)\b)[a-z]", html)
    for m in re.finditer(r"<a\b[^>]*>", html):
        assert 'rel="nofollow ugc noopener"' in m.group(0)
    assert nh3.is_html(html) or not html or "<" not in html


@pytest.mark.parametrize(
    "unit", ['<b a="', "<b a=", "<b a ", "<b\n", "<a href='x' ", "<code>", "  \n", "https://e.org/(", "\t\n\n"]
)
def test_adversarial_repetitions_render_whole(unit):
    # 20,000-character inputs made of one repeated piece: the patterns have no nested quantifiers,
    # so each is rendered in one pass (pytest-timeout stops the run if one ever backtracks).
    html = render_body(unit * (20_000 // len(unit)))
    diff = first_difference(sanitise(html), html)
    assert diff is None, diff

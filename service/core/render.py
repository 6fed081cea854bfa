"""Comment text to the HTML readers see: the text as typed, its links, a few tags, then nh3.

What commenters may use (README "What commenters may type"), WordPress's way:

* plain text, shown as typed: a blank line starts a paragraph, a line break is kept (``<br>``),
  leading spaces and runs of spaces are kept (``&nbsp;``), so pasted code keeps its indentation;
* links typed as text (``https://…``, ``www.…``, ``example.org/path``) become links; they are found
  by the one link finder (``service.core.linkfinder``) in the *raw* text, before anything is escaped,
  so quotes and angle brackets around a URL are not part of it, a balanced ``)`` is, and no
  entity's ``;`` ever ends up in one;
* these tags, as in WordPress's default comment form: ``a`` (``href``, ``title``), ``b``,
  ``strong``, ``em``, ``i``, ``blockquote``, ``code``, ``q``, ``cite``, ``del``. Any other ``<…>``
  is shown as text, not stripped (``if (a <b && c> d)`` and pasted HTML stay readable).

nh3 (Ammonia) sanitises the result with exactly that allow-list, http(s) links only, and
``rel="nofollow ugc noopener"`` on every link, so a bug in the few lines here still cannot emit
executable HTML.
"""

from __future__ import annotations

import html
import re

import nh3

from service.core.linkfinder import find_links

# The tags commenters may use, and their attributes (README; shown under the form).
MARKUP_TAGS = ("a", "b", "strong", "em", "i", "blockquote", "code", "q", "cite", "del")
MARKUP_ATTRIBUTES = {"a": {"href", "title"}}
ALLOWED_TAGS = {"p", "br", *MARKUP_TAGS}
ALLOWED_ATTRIBUTES = MARKUP_ATTRIBUTES
URL_SCHEMES = {"http", "https"}
LINK_REL = "nofollow ugc noopener"
# What the article page shows under the form, as WordPress's allowed_tags() does.
ALLOWED_MARKUP_TEXT = " ".join(
    "<" + " ".join([tag, *(f'{a}=""' for a in sorted(MARKUP_ATTRIBUTES.get(tag, ())))]) + ">"
    for tag in sorted(MARKUP_TAGS)
)

INVISIBLE_CONTROLS = re.compile("[\u202a-\u202e\u2066-\u2069\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
# An allowed tag, written as HTML writes one: its name, then attributes ``name``, ``name=value``,
# ``name="…"`` or ``name='…'``. Anything else (``a <b && c> d``) is text. No two parts can match
# the same characters, so matching stays linear.
_ATTRIBUTE = r"""\s+[A-Za-z_:][-A-Za-z0-9_:.]*(?:\s*=\s*(?:"[^"]*"|'[^']*'|[^\s<>"'`=]+))?"""
_TAG = re.compile(r"<(/?)(" + "|".join(MARKUP_TAGS) + r")((?:" + _ATTRIBUTE + r")*)\s*/?>", re.IGNORECASE)
_BLANK_LINE = re.compile(r"\n[ \t]*\n(?:[ \t]*\n)*")
_LEADING = re.compile(r"^[ \t]+", re.MULTILINE)
_SPACE_RUN = re.compile(r"(?<=\S)  +|\t+")
_BLOCK_TAG = re.compile(r"</?blockquote\b[^<>]*>", re.IGNORECASE)
_EMPTY_P = re.compile(r"<p>(?:\s|<br>)*</p>")
# The only links a comment may carry: absolute http(s) URLs with a host. nh3's ``url_schemes``
# alone lets relative and protocol-relative ones through (``//evil.example.com`` opens another
# site; ``http:evil.example.com`` and ``https:///evil.example.com`` are read by browsers as hosts too).
_ABSOLUTE_HTTP = re.compile(r"^https?://[^/\\\s]", re.IGNORECASE)


def _escape_and_link(text: str) -> str:
    """``text`` escaped, each link the link finder sees in the raw text made an ``<a>``."""
    out, pos = [], 0
    for link in find_links(text):
        out.append(html.escape(text[pos : link.start], quote=False))
        out.append(f'<a href="{html.escape(link.url, quote=True)}">{html.escape(link.text, quote=False)}</a>')
        pos = link.end
    out.append(html.escape(text[pos:], quote=False))
    return "".join(out)


def _inline(text: str) -> str:
    """Allowed tags kept (nh3 checks them later), the rest escaped and linkified; nothing is
    linkified inside ``<a>`` (no nested links) or ``<code>`` (code is shown, not followed)."""
    out, pos, in_a, in_code = [], 0, 0, 0
    for m in _TAG.finditer(text):
        segment = text[pos : m.start()]
        out.append(html.escape(segment, quote=False) if in_a or in_code else _escape_and_link(segment))
        closing, name = m.group(1) == "/", m.group(2).lower()
        if name == "a":
            in_a = max(0, in_a + (-1 if closing else 1))
        elif name == "code":
            in_code = max(0, in_code + (-1 if closing else 1))
        tag = " ".join(m.group(0).split())  # a tag never spans lines or paragraphs
        # A quotation is a block: it stands between paragraphs, never inside one.
        out.append(f"\n\n{tag}\n\n" if name == "blockquote" else tag)
        pos = m.end()
    tail = text[pos:]
    out.append(html.escape(tail, quote=False) if in_a or in_code else _escape_and_link(tail))
    return "".join(out)


def _keep_spaces(line_html: str) -> str:
    """Leading white space and runs of spaces as ``&nbsp;`` (a tab is four), so indentation shows
    in any frontend, not only ones that set ``white-space: pre-wrap``."""
    line_html = _LEADING.sub(lambda m: "&nbsp;" * len(m.group(0).replace("\t", "    ")), line_html)
    return _SPACE_RUN.sub(lambda m: "&nbsp;" * (len(m.group(0).replace("\t", "    ")) - 1) + " ", line_html)


def render_body(text: str) -> str:
    """A comment's text as typed to sanitised HTML: ``<p>`` per paragraph, ``<br>`` per line break,
    links with ``rel="nofollow ugc noopener"``, the allowed tags; everything else escaped."""
    text = INVISIBLE_CONTROLS.sub("", text.replace("\r\n", "\n").replace("\r", "\n"))
    body = _inline(text)
    paragraphs = [p.strip("\n") for p in _BLANK_LINE.split(body) if p.strip()]
    parts = [
        p if _BLOCK_TAG.fullmatch(p) else "<p>" + "<br>".join(_keep_spaces(line) for line in p.split("\n")) + "</p>"
        for p in paragraphs
    ]
    return _EMPTY_P.sub("", sanitise("".join(parts)))


def sanitise(fragment: str) -> str:
    """nh3 with the allow-list above: the last word on what HTML a comment may carry."""
    return nh3.clean(
        fragment,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        link_rel=LINK_REL,
        strip_comments=True,
        attribute_filter=_only_absolute_links,
    )


def _only_absolute_links(tag: str, attribute: str, value: str) -> str | None:
    """nh3's attribute filter: an ``href`` that is not an absolute http(s) URL is dropped (the
    link's text stays, as plain text); every other allowed attribute is kept as is."""
    if attribute == "href" and not _ABSOLUTE_HTTP.match(value):
        return None
    return value

"""The one link finder: what in a comment's text a reader could follow as a link.

Used by the renderer (to turn links into ``<a>``), by the spam checks (to judge where links go)
and by anything else that needs links, so that what is counted is exactly what is shown.

Links are found by linkify-it-py (the Python port of markdown-it's linkify-it), which already
handles what a hand-written pattern gets wrong: quotes and angle brackets around a URL, balanced
parentheses (``…/Python_(programming_language)``), trailing punctuation, Unicode hosts. Our own
rules on top, for text readers type rather than markup:

* a bare name (no scheme, no ``www.``) is a link only when its top-level label is typed in lower
  case: ``ASP.NET``, ``VB.NET`` and a missing space after a full stop (``the article.To be``)
  are words, not links;
* a bare name whose top-level label is also a common file extension (``setup.py``, ``README.md``,
  ``main.rs``) is a file name unless it has a path or ``www.``;
* only web links count (``http``, ``https``, protocol-relative ``//``); e-mail addresses are not
  links (``fuzzy_email`` off): the renderer never turns them into
  ``mailto:`` links, and the checks judge websites, not addresses.

linkify-it's fuzzy-link pattern costs about 5 µs a character, most comments hold no link, and a
link needs either ``//`` or a dot followed by two letters: a comment without either is answered
without calling the library (profiled: that keeps the check pipeline above 2,000 comments/s).
Every pattern here is linear in the text's length (tests/unit/test_linkfinder.py checks it).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from typing import Protocol

from linkify_it import LinkifyIt

# A link needs a scheme's "//" or a host's ".tld" (two letters or more). No backtracking: linear.
_MAY_HAVE_LINK = re.compile(r"//|\.[^\W\d_]{2}")
# Country-code top-level domains that are far more often a file extension in a comment.
FILE_EXTENSION_TLDS = frozenset({"py", "md", "rs", "sh", "pl", "ps", "cc", "ml", "pm", "am", "so", "mk", "sc", "cs"})
_SCHEME = re.compile(r"^[a-z][a-z0-9+.-]*:", re.I)


@dataclass(frozen=True, slots=True)
class Link:
    """One link in a text.

    ``start``/``end``: character offsets in the text given (``text[start:end] == self.text``);
    ``text``: the link as typed; ``url``: an absolute URL with a scheme (``http://`` is added to a
    bare name, ``https:`` to a protocol-relative ``//host``); ``host``: the host in lower case,
    without port, user info or trailing dot (``www.`` kept; see ``site``).
    """

    start: int
    end: int
    text: str
    url: str
    host: str

    @property
    def site(self) -> str:
        """The host without a leading ``www.``: what domain lists are matched against."""
        return self.host[4:] if self.host.startswith("www.") else self.host

    @property
    def bare(self) -> bool:
        """Typed without a scheme (``example.org/x``, ``www.example.org``)."""
        return not _SCHEME.match(self.text) and not self.text.startswith("//")


@cache
def _linkify() -> LinkifyIt:
    # One instance per process, built on first use: compiling its patterns takes ~50 ms.
    return LinkifyIt(options={"fuzzy_email": False, "fuzzy_ip": False})


def host_of(url: str) -> str:
    """The lower-case host of an absolute or bare URL (``""`` when there is none).

    ``"https://User@WWW.Example.org:8080/x"`` → ``"www.example.org"``; ``"example.org/x"`` →
    ``"example.org"``; IPv6 literals keep their brackets.
    """
    rest = url.strip()
    m = _SCHEME.match(rest)
    if m:
        rest = rest[m.end() :]
    rest = rest.lstrip("/\\")
    for sep in "/?#\\":
        rest = rest.split(sep, 1)[0]
    rest = rest.rsplit("@", 1)[-1]
    if rest.startswith("["):
        return rest.split("]", 1)[0].lower() + "]"
    return rest.split(":", 1)[0].rstrip(".").lower()


def _is_word_not_link(typed: str, host: str, url_path: bool) -> bool:
    """Rules for bare names (no scheme): see the module docstring."""
    if typed.lower().startswith("www."):
        return False
    tld_typed = typed.split("/", 1)[0].split("?", 1)[0].split("#", 1)[0].split(":", 1)[0].rstrip(".")
    tld_typed = tld_typed.rsplit(".", 1)[-1]
    if tld_typed != tld_typed.lower():
        return True
    return not url_path and host.rsplit(".", 1)[-1] in FILE_EXTENSION_TLDS


# linkify-it is quadratic on links run together without a space ("http://a.bc/" * n: 4x the text,
# 14x the time; issue 11). It is matched a segment at a time: segments end at a whitespace where
# one falls in the second half of the window, otherwise (one unbroken token) at SEGMENT_CHARS, so a
# link longer than that is cut in two. The cost is then linear: at most SEGMENT_CHARS² per segment.
SEGMENT_CHARS = 1024
_LAST_SPACE = re.compile(r"\s(?=\S*\Z)")


def _segments(text: str) -> list[tuple[int, str]]:
    """``(offset, piece)`` pairs covering ``text`` in order, each piece at most SEGMENT_CHARS long."""
    if len(text) <= SEGMENT_CHARS:
        return [(0, text)]
    out = []
    start = 0
    while start < len(text):
        end = min(len(text), start + SEGMENT_CHARS)
        if end < len(text):
            window = text[start + SEGMENT_CHARS // 2 : end]
            space = _LAST_SPACE.search(window)
            if space is not None:
                end = start + SEGMENT_CHARS // 2 + space.end()
        out.append((start, text[start:end]))
        start = end
    return out


class _Match(Protocol):
    """What we read of linkify-it-py's ``Match`` (the library ships no type information): the
    link's span in the piece, the text as typed, the normalised URL and its schema (empty for a
    bare name)."""

    index: int
    last_index: int
    raw: str
    url: str
    schema: str


def _matches(text: str) -> list[tuple[int, _Match]]:
    found: list[tuple[int, _Match]] = []
    for offset, piece in _segments(text):
        if _MAY_HAVE_LINK.search(piece):
            found.extend((offset, m) for m in (_linkify().match(piece) or []))
    return found


def find_links(text: str) -> tuple[Link, ...]:
    """Every link in ``text``, in order of position, as :class:`Link` values.

    Linear in ``len(text)``; never raises on any ``str`` (surrogates included).
    """
    if not text or not _MAY_HAVE_LINK.search(text):
        return ()
    found: list[Link] = []
    for offset, m in _matches(text):
        typed = m.raw
        url = m.url
        if url.startswith("//"):
            url = "https:" + url
        elif not url.lower().startswith(("http://", "https://")):
            continue  # mailto:, ftp:: not a web page a reader would visit
        host = host_of(url)
        if not host:
            continue
        if not m.schema:  # a bare name: linkify-it gives fuzzy links an empty schema
            after_host = typed.split("//", 1)[-1]
            has_path = any(sep in after_host for sep in "/?#")
            if _is_word_not_link(typed, host, has_path):
                continue
        found.append(Link(offset + m.index, offset + m.last_index, typed, url, host))
    return tuple(found)

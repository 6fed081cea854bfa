"""Comment text to the HTML readers see: escaped, linkified, paragraphs, then sanitised by nh3.

Comments are plain text: any markup a commenter types is shown, not run. nh3 (Ammonia) is the
second line of defence, so a bug in the few lines here still cannot emit executable HTML.
"""

from __future__ import annotations

import html
import re

import nh3

ALLOWED_TAGS = {"p", "br", "a"}
ALLOWED_ATTRIBUTES = {"a": {"href"}}
URL_SCHEMES = {"http", "https"}
LINK = re.compile(r"https?://[^\s<>\"']+", re.I)
INVISIBLE_CONTROLS = re.compile("[\u202a-\u202e\u2066-\u2069\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def _linkify(escaped: str) -> str:
    def repl(m: re.Match[str]) -> str:
        url = m.group(0)
        trail = ""
        while url and url[-1] in ".,;:!?)":
            trail = url[-1] + trail
            url = url[:-1]
        return f'<a href="{url}">{url}</a>{trail}'

    return LINK.sub(repl, escaped)


def render_body(text: str) -> str:
    """Plain comment text to sanitised HTML (paragraphs, line breaks, nofollow links)."""
    text = INVISIBLE_CONTROLS.sub("", text.replace("\r\n", "\n").replace("\r", "\n"))
    paragraphs = [p.strip("\n") for p in re.split(r"\n\s*\n", text) if p.strip()]
    parts = []
    for para in paragraphs:
        escaped = html.escape(para, quote=True)
        parts.append("<p>" + _linkify(escaped).replace("\n", "<br>") + "</p>")
    return sanitise("".join(parts))


def sanitise(fragment: str) -> str:
    return nh3.clean(
        fragment,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        link_rel="nofollow ugc noopener noreferrer",
        strip_comments=True,
    )

"""Text folding shared by the checks: Unicode normalisation, invisible characters, leetspeak, links."""

from __future__ import annotations

import hashlib
import html
import re
import unicodedata

# Zero-width and bidi-control characters (incl. U+FEFF, which ends many scraped comments).
INVISIBLE = re.compile("[\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff\u00ad\u180e]")
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
TAGS = re.compile(r"<[^>]{0,2000}>")
SPACES = re.compile(r"\s+")
LEET = str.maketrans({"0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t", "@": "a", "$": "s", "!": "i"})

URL = re.compile(
    r"""(?ix)
    \b(?:https?://|www\.)[^\s<>"'\]\[)]+
    | \b[a-z0-9][a-z0-9-]{0,62}(?:\.[a-z0-9-]{1,63})*
      \.(?:com|net|org|info|biz|ru|io|co|me|ly|tk|xyz|us|uk|de|tv|gl|gd|be|to|cc|in)\b(?:/[^\s<>"']*)?
    """
)
HREF = re.compile(r"""href\s*=\s*["']?([^"'\s>]+)""", re.I)


def nfkc(text: str) -> str:
    return unicodedata.normalize("NFKC", text)


def clean(text: str) -> str:
    """NFKC, HTML entities decoded, invisible characters dropped: what a reader really sees."""
    text = html.unescape(nfkc(text))
    text = INVISIBLE.sub("", text)
    return CONTROL.sub("", text)


def strip_tags(text: str) -> str:
    return TAGS.sub(" ", text)


def fold(text: str) -> str:
    """Case, accents and common leetspeak folded away, for word-list matching."""
    text = clean(text).casefold()
    text = "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))
    return text.translate(LEET)


def normalised(text: str) -> str:
    """The text reduced for duplicate detection: folded, tags gone, whitespace collapsed."""
    text = strip_tags(clean(text)).casefold()
    text = re.sub(r"[^\w\s]", "", text)
    return SPACES.sub(" ", text).strip()


def content_hash(text: str) -> str:
    return hashlib.sha256(normalised(text).encode("utf-8", "surrogatepass")).hexdigest()


def links(text: str) -> list[str]:
    """Every link a reader could follow: bare URLs, www. names, domain-looking words, hrefs."""
    text = clean(text)
    found = [m.group(0) for m in URL.finditer(text)]
    found += [m.group(1) for m in HREF.finditer(text) if not any(m.group(1) in f for f in found)]
    return found


def domain_of(link: str) -> str:
    link = re.sub(r"(?i)^[a-z][a-z0-9+.-]*://", "", link)
    host = re.split(r"[/?#:]", link, maxsplit=1)[0].lower()
    return host[4:] if host.startswith("www.") else host

"""Text folding shared by the checks: Unicode normalisation, invisible characters, leetspeak, links.

The pure functions of a text are cached (``bytes_lru``: bounded by bytes, not entries): several
checks look at the same comment in the same forms, and caching keeps the whole pipeline fast.
"""

from __future__ import annotations

import hashlib
import html
import re
import unicodedata
from collections.abc import Callable

from service.core.linkfinder import Link, find_links
from workers.checks.memo import MB, bytes_lru

# Zero-width and bidi-control characters (incl. U+FEFF, which ends many scraped comments).
INVISIBLE = re.compile("[\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff\u00ad\u180e]")
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
# ``[^<>]``, not ``[^>]``: a scan from one "<" stops at the next, so a run of "<" costs linear time.
TAGS = re.compile(r"<[^<>]{0,2000}>")
SPACES = re.compile(r"\s+")
_PUNCTUATION = re.compile(r"[^\w\s]")
LEET = str.maketrans({"0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t", "@": "a", "$": "s", "!": "i"})


# The longest text the checks match on. NFKC can lengthen a text up to 18 times (U+FDFA), and
# "\u249b" (⒛) becomes "20."; the forms used for matching are cut here so that no comment, however
# it expands, costs the checks more than this many characters of work (issue 11). Twice the
# default COMMENTQ_MAX_BODY_CHARS: an accepted comment is matched whole unless it expands.
MATCH_CHARS = 20_000


def nfkc(text: str) -> str:
    """NFKC of at most ``MATCH_CHARS`` characters of ``text``, cut to ``MATCH_CHARS``."""
    return unicodedata.normalize("NFKC", text[:MATCH_CHARS])[:MATCH_CHARS]


@bytes_lru(16 * MB)
def clean(text: str) -> str:
    """NFKC, HTML entities decoded, invisible characters dropped: what a reader really sees."""
    text = html.unescape(nfkc(text))
    if text.isascii():  # no invisible characters (all non-ASCII), and control ones are rare
        return CONTROL.sub("", text) if not text.isprintable() else text
    text = INVISIBLE.sub("", text)
    return CONTROL.sub("", text)


def strip_tags(text: str) -> str:
    return TAGS.sub(" ", text) if "<" in text else text  # no "<", no tag: skip the scan


def squash_spaces(text: str) -> str:
    """``SPACES.sub(" ", text).strip()``, faster: ``\\s`` and ``str.split()`` agree on every character."""
    return " ".join(text.split())


def _drop_marks(text: str) -> str:
    """NFKD without combining marks (accents); ASCII text has none, so it is returned as is."""
    if text.isascii():
        return text
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))


@bytes_lru(16 * MB)
def fold(text: str) -> str:
    """Case, accents and common leetspeak folded away, for word-list matching."""
    return _drop_marks(clean(text).casefold()).translate(LEET)


@bytes_lru(16 * MB)
def normalised(text: str) -> str:
    """The text reduced for duplicate detection: folded, tags gone, whitespace collapsed."""
    return squash_spaces(_PUNCTUATION.sub("", strip_tags(clean(text)).casefold()))


def content_hash(text: str) -> str:
    """SHA-256 of the normalised text; a text that normalises to nothing (emoji, symbols only:
    "👍", "🙏❤️") is keyed on what the reader sees instead, so two different ones never collide
    on the empty string."""
    key = normalised(text)
    if not key:
        key = "\x00raw:" + squash_spaces(strip_tags(clean(text)))
    return hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()


@bytes_lru(16 * MB)
def links(text: str) -> tuple[str, ...]:
    """Every web link a reader could follow in ``text``, as absolute URLs, in order.

    The one link finder (``service.core.linkfinder``, which the renderer uses too) run on the cleaned
    text, so that a link hidden behind entities or compatibility characters is still found.
    """
    return tuple(link.url for link in find_links(clean(text)))


@bytes_lru(16 * MB)
def found_links(text: str) -> tuple[Link, ...]:
    """Every link in ``text`` as the one link finder (``service.core.linkfinder``) reports it, run on
    the cleaned text (``clean``): offsets are into ``clean(text)``; ``link.site`` is the host
    without "www.". The list the checks judge links by."""
    return find_links(clean(text))


def cut_links(text: str, drop: tuple[Link, ...] | list[Link]) -> str:
    """``clean(text)`` with the links ``drop`` (from ``found_links(text)``) replaced by a space."""
    cleaned = clean(text)
    parts, at = [], 0
    for link in drop:
        parts.append(cleaned[at : link.start])
        at = link.end
    parts.append(cleaned[at:])
    return " ".join(parts)


def cached(ctx_notes: dict[tuple[str, str], str], key: str, text: str, fn: Callable[[str], str]) -> str:
    """``fn(text)`` computed once per comment (checks share the folded and cleaned forms)."""
    slot = (key, text)
    value = ctx_notes.get(slot)
    if value is None:
        value = fn(text)
        ctx_notes[slot] = value
    return value


WORD = re.compile(r"\w+")


def shingles(text: str, size: int = 3) -> frozenset[int]:
    """Word ``size``-shingles of the normalised text, hashed: the unit of near-duplicate detection."""
    words = normalised(text).translate(LEET).split()
    if len(words) < size:
        return frozenset({hash(" ".join(words))}) if words else frozenset()
    return frozenset(hash(" ".join(words[i : i + size])) for i in range(len(words) - size + 1))


def jaccard(a: frozenset[int], b: frozenset[int]) -> float:
    if not a or not b:
        return 0.0
    inter = len(a & b)
    return inter / (len(a) + len(b) - inter)


@bytes_lru(32 * MB)
def shingles_of(text: str) -> frozenset[int]:
    """``shingles`` cached per text: earlier comments are compared again and again."""
    return shingles(text)


def similar(a: frozenset[int], b: frozenset[int], threshold: float) -> bool:
    """Jaccard(a, b) >= threshold, skipping pairs whose sizes alone rule it out."""
    la, lb = len(a), len(b)
    if not la or not lb or min(la, lb) < threshold * max(la, lb):
        return False
    return jaccard(a, b) >= threshold


@bytes_lru(16 * MB)
def fold_plain(text: str) -> str:
    """Case and accents folded, but no leetspeak (digits stay digits: phone numbers, prices)."""
    return _drop_marks(clean(text).casefold())

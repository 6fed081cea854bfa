"""What a website or link host says about a comment: one place for the domain knowledge the checks share.

* **neutral** hosts: news sites (``data/news_domains.txt``, derived from the popular-news list and
  Wikipedia's perennial-sources list, minus what Wikipedia blacklists), reference, documentation
  and code hosts (``REFERENCE_HOSTS``) and the article's own site: citing them is what careful
  readers do;
* **against**: spam-list domains (``data/spam_domains.txt``, the Matomo referrer-spam list),
  URL shorteners, and *commercial-keyword* hosts (``cheap-flights-europe.com``,
  ``buy-viagra-online.net``): hostnames stuffed with selling words, the payload of blog spam;
* **shared** hosts (social networks, blog platforms' home pages): a website field that is just
  ``facebook.com`` identifies nobody, so reputation and repeated-website counting skip it.

Matching is by registrable suffix: ``docs.python.org`` matches ``python.org``. Lists are read once
per process (``functools.cache``); every lookup is a few set probes per host label.
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

from service.core.linkfinder import host_of as linkfinder_host_of

DATA = Path(__file__).resolve().parent / "data"
MAX_LABELS = 5  # the most labels a listed domain has ("ncbi.nlm.nih.gov" has 4)

REFERENCE_HOSTS = frozenset(
    {
        "wikipedia.org",
        "wikimedia.org",
        "wiktionary.org",
        "wikidata.org",
        "wikibooks.org",
        "wikisource.org",
        "archive.org",
        "doi.org",
        "arxiv.org",
        "acm.org",
        "ieee.org",
        "jstor.org",
        "springer.com",
        "nature.com",
        "science.org",
        "sciencedirect.com",
        "plos.org",
        "ncbi.nlm.nih.gov",
        "nih.gov",
        "who.int",
        "europa.eu",
        "un.org",
        "gov.uk",
        "europe.eu",
        "w3.org",
        "ietf.org",
        "rfc-editor.org",
        "unicode.org",
        "python.org",
        "docs.python.org",
        "pypi.org",
        "readthedocs.io",
        "readthedocs.org",
        "rtfd.io",
        "github.com",
        "github.io",
        "gitlab.com",
        "bitbucket.org",
        "codeberg.org",
        "sourceforge.net",
        "stackoverflow.com",
        "stackexchange.com",
        "superuser.com",
        "serverfault.com",
        "askubuntu.com",
        "mozilla.org",
        "developer.mozilla.org",
        "kernel.org",
        "debian.org",
        "ubuntu.com",
        "apache.org",
        "postgresql.org",
        "sqlite.org",
        "rust-lang.org",
        "go.dev",
        "golang.org",
        "nodejs.org",
        "npmjs.com",
        "microsoft.com",
        "learn.microsoft.com",
        "apple.com",
        "developer.apple.com",
        "android.com",
        "gnu.org",
        "openstreetmap.org",
        "gutenberg.org",
        "creativecommons.org",
    }
)

SHORTENERS = frozenset(
    {
        "bit.ly",
        "tinyurl.com",
        "goo.gl",
        "t.co",
        "ow.ly",
        "is.gd",
        "buff.ly",
        "adf.ly",
        "bit.do",
        "cutt.ly",
        "rebrand.ly",
        "shorturl.at",
        "tiny.cc",
        "rb.gy",
        "s.id",
        "v.gd",
        "lnkd.in",
        "shorte.st",
        "soo.gd",
        "t.ly",
        "clck.ru",
        "qr.ae",
        "tr.im",
        "x.co",
        "bl.ink",
        "short.io",
    }
)

# Hosts many unrelated people share: a website field of just the host names nobody.
SHARED_HOSTS = frozenset(
    {
        "facebook.com",
        "fb.com",
        "twitter.com",
        "x.com",
        "linkedin.com",
        "github.com",
        "gitlab.com",
        "instagram.com",
        "youtube.com",
        "youtu.be",
        "medium.com",
        "tiktok.com",
        "reddit.com",
        "pinterest.com",
        "tumblr.com",
        "blogspot.com",
        "blogger.com",
        "wordpress.com",
        "wix.com",
        "substack.com",
        "mastodon.social",
        "threads.net",
        "bsky.app",
        "google.com",
        "sites.google.com",
        "about.me",
        "gmail.com",
        "outlook.com",
        "hotmail.com",
        "yahoo.com",
        "t.me",
        "telegram.me",
        "wa.me",
    }
)

# Platforms where anyone publishes (the perennial-sources list names them as sources, mostly
# "generally unreliable"): a link there is where video-comment spam sends readers, so they are not
# neutral news; neither are the shared hosts above.
USER_CONTENT = frozenset(
    {
        "amazon.com",
        "ancestry.com",
        "answers.com",
        "aol.com",
        "blogger.com",
        "discogs.com",
        "facebook.com",
        "fandom.com",
        "findagrave.com",
        "flickr.com",
        "geni.com",
        "genius.com",
        "goodreads.com",
        "google.com",
        "imdb.com",
        "knowyourmeme.com",
        "last.fm",
        "linkedin.com",
        "livejournal.com",
        "medium.com",
        "msn.com",
        "quora.com",
        "rateyourmusic.com",
        "reddit.com",
        "researchgate.net",
        "scribd.com",
        "twitter.com",
        "wordpress.com",
        "youtube.com",
        "telegram.com",
        "familysearch.org",
        "crunchbase.com",
        "celebritynetworth.com",
    }
)

# Words that sell. STRONG: goods whose name alone is the spam (pharmacy, gambling, adult, fake
# goods, paid links). SELLING: words that make a name or hostname an advert when stuffed with
# others ("cheap", "best", "buy" + product). Matched as whole words of a name, and in hostnames
# as hyphen/dot-separated parts or, for STRONG words of 5+ letters, anywhere in a label
# ("buyviagraonline").
STRONG = frozenset(
    {
        "viagra",
        "cialis",
        "levitra",
        "kamagra",
        "tramadol",
        "xanax",
        "valium",
        "oxycodone",
        "phentermine",
        "casino",
        "casinos",
        "slots",
        "poker",
        "betting",
        "payday",
        "porn",
        "porno",
        "xxx",
        "escort",
        "escorts",
        "replica",
        "replicas",
        "pharmacy",
        "pills",
        "backlinks",
        "backlink",
        "essays",
        "hookup",
        "camgirls",
        "dating",
        "singles",
        "onlyfans",
        "forex",
        "steroids",
        "weightloss",
    }
)
SELLING = frozenset(
    {
        "cheap",
        "cheapest",
        "buy",
        "discount",
        "discounts",
        "deal",
        "deals",
        "sale",
        "outlet",
        "wholesale",
        "best",
        "top",
        "affordable",
        "online",
        "free",
        "shop",
        "store",
        "seo",
        "loan",
        "loans",
        "credit",
        "insurance",
        "mortgage",
        "coupon",
        "coupons",
        "promo",
        "jerseys",
        "followers",
        "likes",
        "traffic",
        "services",
        "service",
        "agency",
        "company",
        "marketing",
        "flights",
        "hotels",
        "tickets",
        "bitcoin",
        "crypto",
        "investment",
        "trading",
        "bonus",
        "win",
        "money",
        "cash",
        "fast",
        "instant",
        "order",
        "prescription",
        "meds",
        "handbags",
        "louboutin",
        "ugg",
        "uggs",
        "rolex",
        "watches",
        "diet",
    }
)
_STRONG_INSIDE = tuple(sorted(w for w in STRONG if len(w) >= 5))
_PARTS = re.compile(r"[^a-z0-9]+")
_WORDS = re.compile(r"[^\W\d_]+")
# A name that is a URL or a domain: a scheme, "www.", or a dotted name ending in a letter TLD.
_URLISH = re.compile(r"(?i)(?:^|\s)(?:[a-z][a-z0-9+.-]*://|www\.)|\b[a-z0-9-]{2,63}\.(?:[a-z]{2,12})(?:/|\s|$)")


def _read(name: str) -> frozenset[str]:
    lines = (DATA / name).read_text(encoding="utf-8").splitlines()
    return frozenset(x.strip().lower() for x in lines if x.strip() and not x.startswith("#"))


@cache
def news_domains() -> frozenset[str]:
    """News sites (``data/news_domains.txt``): neutral link targets."""
    return _read("news_domains.txt")


@cache
def spam_domains() -> frozenset[str]:
    """Referrer-spam domains (``data/spam_domains.txt``, Matomo's public-domain list)."""
    return _read("spam_domains.txt")


def host_of(url: str | None) -> str:
    """The lower-case host of ``url`` ("https://www.Example.org/x" -> "example.org"), "" if none:
    ``service.core.linkfinder.host_of`` (the one URL reading the renderer and the checks share) without
    a leading "www."; a name longer than any DNS name (253) is no host."""
    host = linkfinder_host_of(url or "")
    if len(host) > 253:
        return ""
    return host[4:] if host.startswith("www.") else host


def matches_domain(host: str, domains: frozenset[str]) -> str | None:
    """The entry of ``domains`` that ``host`` is, or is a subdomain of; None otherwise."""
    host = host.rstrip(".").lower()
    if host in domains:
        return host
    # Only the last MAX_LABELS labels can be a listed domain: a fixed number of probes, however
    # many dots a hostile "host" has (each probe copies a suffix, so all of them would be quadratic).
    labels = host.rsplit(".", MAX_LABELS)
    for i in range(1, len(labels)):
        candidate = ".".join(labels[i:])
        if candidate in domains:
            return candidate
    return None


def commercial_words(words: list[str]) -> tuple[list[str], list[str]]:
    """(strong, selling) words among ``words`` (already lower-case)."""
    return [w for w in words if w in STRONG], [w for w in words if w in SELLING]


def commercial_host(host: str) -> str | None:
    """Why ``host`` reads as an advert, or None. ``cheap-flights-europe.com`` (a selling word in a
    hostname of three or more words), ``buy-viagra-online.net`` or ``buyviagraonline.net`` (a
    strong word), ``best-seo-services.org`` (two selling words). Neutral hosts never do."""
    if not host or is_neutral(host):
        return None
    labels = host.split(".")
    name = ".".join(labels[:-1]) if len(labels) > 1 else host  # drop the TLD
    parts = [p for p in _PARTS.split(name) if p]
    strong, selling = commercial_words(parts)
    if strong:
        return f'{host} ("{strong[0]}")'
    inside = next((w for w in _STRONG_INSIDE if w in name), None)
    if inside:
        return f'{host} ("{inside}")'
    if len(selling) >= 2 or (selling and len(parts) >= 3):
        return f'{host} ("{"-".join(selling)}")'
    return None


def is_neutral(host: str, own: str = "") -> bool:
    """A reference, documentation, code or news host, or the article's own site (``own``)."""
    if own and (host == own or host.endswith("." + own)):
        return True
    if matches_domain(host, REFERENCE_HOSTS):
        return True
    return bool(
        matches_domain(host, news_domains())
        and not matches_domain(host, USER_CONTENT)
        and not matches_domain(host, SHARED_HOSTS)
    )


def spam_listed(host: str) -> str | None:
    """The spam-list entry ``host`` falls under, if any."""
    return matches_domain(host, spam_domains()) if host else None


def name_is_url(name: str) -> bool:
    """The author's name is a URL or a domain ("www.cheap-pills.com", "https://x.io", "shop.ru")."""
    return bool(name) and len(name) <= 300 and _URLISH.search(name.strip()) is not None


def commercial_name(name: str) -> str | None:
    """Why an author name reads as an advert (keyword-stuffed), or None.

    "buy viagra online" (a strong word), "Cheap Flights To Europe", "Best Seo Services" (two selling
    words). A person's name with one such word ("George Best", "Joe Online", "Top Gun fan") is not
    enough."""
    words = _WORDS.findall(name.casefold()[:300])
    strong, selling = commercial_words(words)
    if strong:
        return f'"{strong[0]}"'
    if len(selling) >= 2:
        return f'"{" ".join(selling)}"'
    return None


def website_identity(url: str | None) -> str | None:
    """The website as an identity for reputation and repeat counting, or None when it identifies
    nobody: empty, unparsable, or a shared host's home page ("https://facebook.com/",
    "x.com"). A shared host with a path ("github.com/ann") and any other host identify someone.
    The result is the host plus path, lower-case, without scheme, "www." or trailing slash."""
    if not url:
        return None
    host = host_of(url)
    if not host or "." not in host:
        return None
    raw = url.strip()
    rest = raw.split("://", 1)[1] if "://" in raw[:12] else raw
    path = rest.split("/", 1)[1] if "/" in rest else ""
    path = path.split("?", 1)[0].split("#", 1)[0].strip("/").lower()
    if matches_domain(host, SHARED_HOSTS) == host and not path:
        return None
    return f"{host}/{path}" if path else host


def website_domain(url: str | None) -> str | None:
    """The website's host as the key for "many comments with the same website": the host
    (``ann.blogspot.com`` is Ann's), except on a shared host itself, where the first path segment
    names the site (``github.com/ann``); a shared host's home page is None."""
    ident = website_identity(url)
    if ident is None:
        return None
    host, _, path = ident.partition("/")
    if matches_domain(host, SHARED_HOSTS) == host and path:
        return f"{host}/{path.split('/', 1)[0]}"  # github.com/ann/repo -> github.com/ann
    return host

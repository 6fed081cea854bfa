"""Derive the link and word lists the checks ship (``workers/checks/data/``) from ``../shared/data/spam/lists/``.

Run by hand when the upstream lists change (``python tools/build_check_lists.py``); nothing reads
``../shared`` at run time. What each output is, where it comes from and its licence:
``workers/checks/data/README.md``.
"""

from __future__ import annotations

import csv
import re
import sys
import unicodedata
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LISTS = ROOT.parent / "shared" / "data" / "spam" / "lists"
OUT = ROOT / "workers" / "checks" / "data"

# WordPress matches disallowed keys as substrings anywhere; matched as whole words and phrases
# (as commentq does), these entries are ordinary words, contraction fragments or URL syntax that
# would hold ordinary comments, so they are left out.
URL_WORDS = {"http", "https", "www", "com", "org", "net", "html", "php"}
FRAGMENTS = {"t", "s", "m", "d", "ll", "re", "ve"}
APOSTROPHELESS = re.compile(
    r"^(?:didnt|doesnt|dont|isnt|wasnt|couldnt|wouldnt|shouldnt|arent|havent|hasnt|"
    r"wont|cant|im|ive|youve|youre|youll|theyre|thats|its|ofcourse)$"
)
ORDINARY = {"longer", "artikel"}
PHRASE = re.compile(r"[^\W_]+(?: [^\W_]+)*")


def fold(text: str) -> str:
    text = unicodedata.normalize("NFKC", text).casefold()
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))


def host(name: str) -> str:
    name = name.strip().lower().rstrip(".")
    return name[4:] if name.startswith("www.") else name


def disallowed_keys() -> list[str]:
    keep = set()
    for line in (LISTS / "wordpress_comment_blacklist_splorp.txt").read_text(encoding="utf-8").splitlines():
        folded = " ".join(fold(line).split())
        if not PHRASE.fullmatch(folded):
            continue  # URL fragments and punctuation patterns: substring rules for WordPress, not phrases
        words = folded.split()
        if len(words) == 1 and len(words[0]) < 4:
            continue
        if any(w in URL_WORDS or w in FRAGMENTS or APOSTROPHELESS.match(w) or w in ORDINARY for w in words):
            continue
        keep.add(folded)
    return sorted(keep)


def news_domains() -> list[str]:
    out = {host(x) for x in (LISTS / "news_sources_newspaper_popular.txt").read_text().splitlines() if x.strip()}
    with (LISTS / "news_sources_wikipedia_perennial.csv").open(encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            if "Blacklisted" not in row["wikipedia_status"]:  # Wikipedia's own spam blacklist
                out.add(host(row["domain"]))
    return sorted(d for d in out if "." in d)


def spam_domains() -> list[str]:
    lines = (LISTS / "referrer_spam_domains_matomo.txt").read_text(encoding="utf-8").splitlines()
    return sorted({host(x) for x in lines if x.strip() and not x.startswith("#")})


def main() -> int:
    if not LISTS.is_dir():
        print(f"no lists at {LISTS}", file=sys.stderr)
        return 1
    header = "# Derived by tools/build_check_lists.py from ../shared/data/spam/lists/{src}; licence: {lic}\n"
    for name, src, lic, items in (
        (
            "disallowed_keys.txt",
            "wordpress_comment_blacklist_splorp.txt",
            "MIT, (c) 2011-2025 Grant Hutchinson (LICENSE-wordpress_comment_blacklist_splorp.txt)",
            disallowed_keys(),
        ),
        (
            "news_domains.txt",
            "news_sources_newspaper_popular.txt + news_sources_wikipedia_perennial.csv",
            "MIT, (c) 2013 Lucas Ou-Yang (LICENSE-news_sources_newspaper_popular.txt) and CC BY-SA 3.0 "
            "(Wikipedia:Reliable sources/Perennial sources)",
            news_domains(),
        ),
        (
            "spam_domains.txt",
            "referrer_spam_domains_matomo.txt",
            "public domain (Matomo referrer-spam list)",
            spam_domains(),
        ),
    ):
        (OUT / name).write_text(header.format(src=src, lic=lic) + "\n".join(items) + "\n", encoding="utf-8")
        print(name, len(items))
    for lic in ("LICENSE-wordpress_comment_blacklist_splorp.txt", "LICENSE-news_sources_newspaper_popular.txt"):
        (OUT / lic).write_text((LISTS / lic).read_text(encoding="utf-8"), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

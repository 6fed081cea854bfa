"""Promotion: self-promotion and engagement bait ("check out my channel", "like this comment",
"visit my blog", phone numbers, "free gift cards") — what most comment spam is for.

The phrases are regular expressions in ``workers/checks/data/promotion.txt`` (one per line),
matched on the text with case and accents folded and tags dropped, then also with leetspeak
folded (``ch3ck 0ut my``). A hit holds the
comment; the policy rejects when the classifier independently finds it suspicious too.

The phrases are searched by ``workers.checks.phrases.PhraseSet``: the same result as one
alternation of them all, several times faster (see there).
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

from service.core.vocabulary import CheckName
from workers.checks.base import HOLD, PASS, CheckContext, Submission, Verdict
from workers.checks.memo import MB, bytes_lru
from workers.checks.phrases import PhraseSet
from workers.checks.text import fold, fold_plain, squash_spaces, strip_tags

LEETY = re.compile(r"[a-z][013457@$]+[a-z]|\b[013457@$][a-z]")
LEET_CHAR = re.compile(r"[013457@$]")  # in every match of LEETY
PHRASES = Path(__file__).resolve().parent / "data" / "promotion.txt"


def read_phrases(path: Path = PHRASES) -> list[str]:
    """The phrase expressions of ``path``, in file order (comments and blank lines dropped)."""
    lines = [x.strip() for x in path.read_text(encoding="utf-8").splitlines()]
    phrases = [line for line in lines if line and not line.startswith("#")]
    for phrase in phrases:
        re.compile(phrase)  # a bad line fails here, naming itself
    return phrases


@lru_cache(maxsize=4)
def load_patterns(path: Path = PHRASES) -> re.Pattern[str]:
    """The phrases as one alternation: the reference semantics of the check."""
    return re.compile("|".join(f"(?:{p})" for p in read_phrases(path)))


@lru_cache(maxsize=4)
def load_phrases(path: Path = PHRASES) -> PhraseSet:
    return PhraseSet(read_phrases(path))


@bytes_lru(8 * MB)
def folded_text(text: str) -> str:
    return squash_spaces(fold(strip_tags(text)))


@bytes_lru(8 * MB)
def plain_text(text: str) -> str:
    return squash_spaces(fold_plain(strip_tags(text)))


class Promotion:
    name = CheckName.PROMOTION

    def __init__(self, pattern: re.Pattern[str] | PhraseSet | None = None) -> None:
        self.pattern = pattern if pattern is not None else load_phrases()

    def run(self, sub: Submission, ctx: CheckContext) -> Verdict:
        body = sub.body or ""
        plain = plain_text(body)
        m = self.pattern.search(plain)
        # The leetspeak-folded form is searched too only when the text has digits or symbols inside
        # words ("ch3ck 0ut"); that keeps phone numbers and prices intact in the plain form. (The
        # cheap character test first: LEETY cannot match without one of those characters.)
        if m is None and LEET_CHAR.search(plain) and LEETY.search(plain):
            folded = folded_text(body)
            if folded != plain:
                m = self.pattern.search(folded)
        if m:
            return Verdict(self.name, HOLD, 0.6, f"self-promotion or engagement bait: {m.group(0)[:60]!r}")
        return Verdict(self.name, PASS, 0.0, "no promotion phrases")

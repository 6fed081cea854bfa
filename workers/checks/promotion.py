"""Promotion: self-promotion and engagement bait ("check out my channel", "like this comment",
"visit my blog", phone numbers, "free gift cards") — what most comment spam is for.

The phrases are regular expressions in ``workers/checks/data/promotion.txt`` (one per line),
matched on the text with case and accents folded and tags dropped, then also with leetspeak
folded (``ch3ck 0ut my``). A hit holds the
comment; the policy rejects when the classifier independently finds it suspicious too.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

from workers.checks.base import HOLD, PASS, CheckContext, Submission, Verdict
from workers.checks.text import SPACES, fold, fold_plain, strip_tags

LEETY = re.compile(r"[a-z][013457@$]+[a-z]|\b[013457@$][a-z]")
PHRASES = Path(__file__).resolve().parent / "data" / "promotion.txt"


@lru_cache(maxsize=4)
def load_patterns(path: Path = PHRASES) -> re.Pattern[str]:
    """The phrases as one alternation (one pass over the text, however many phrases)."""
    lines = [x.strip() for x in path.read_text(encoding="utf-8").splitlines()]
    phrases = [line for line in lines if line and not line.startswith("#")]
    for phrase in phrases:
        re.compile(phrase)  # a bad line fails here, naming itself
    return re.compile("|".join(f"(?:{p})" for p in phrases))


@lru_cache(maxsize=1024)
def folded_text(text: str) -> str:
    return SPACES.sub(" ", fold(strip_tags(text))).strip()


@lru_cache(maxsize=1024)
def plain_text(text: str) -> str:
    return SPACES.sub(" ", fold_plain(strip_tags(text))).strip()


class Promotion:
    name = "promotion"

    def __init__(self, pattern: re.Pattern[str] | None = None) -> None:
        self.pattern = pattern if pattern is not None else load_patterns()

    def run(self, sub: Submission, ctx: CheckContext) -> Verdict:
        plain = plain_text(sub.body or "")
        folded = folded_text(sub.body or "")
        # The leetspeak-folded form is searched too only when the text has digits or symbols inside
        # words ("ch3ck 0ut"); that keeps phone numbers and prices intact in the plain form.
        for text in (plain, folded) if folded != plain and LEETY.search(plain) else (plain,):
            m = self.pattern.search(text)
            if m:
                return Verdict(self.name, HOLD, 0.6, f"self-promotion or engagement bait: {m.group(0)[:60]!r}")
        return Verdict(self.name, PASS, 0.0, "no promotion phrases")

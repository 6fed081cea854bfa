"""Promotion: self-promotion and engagement bait ("check out my channel", "like this comment",
"visit my blog", phone numbers, "free gift cards") — what most comment spam is for.

The phrases are regular expressions in ``workers/checks/data/promotion.txt`` (one per line),
matched on the text with case and accents folded and tags dropped, then also with leetspeak
folded (``ch3ck 0ut my``). A hit holds the
comment; the policy rejects when the classifier independently finds it suspicious too.

The phrases are searched as one alternation, in file order: the leftmost match wins, and of two
phrases matching at the same place, the one higher in the file.
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

from service.core.vocabulary import CheckName
from workers.checks.base import HOLD, PASS, CheckContext, Submission, Verdict
from workers.checks.text import fold, fold_plain, squash_spaces, strip_tags

LEETY = re.compile(r"[a-z][013457@$]+[a-z]|\b[013457@$][a-z]")
PHRASES = Path(__file__).resolve().parent / "data" / "promotion.txt"


def read_phrases(path: Path = PHRASES) -> list[str]:
    """The phrase expressions of ``path``, in file order (comments and blank lines dropped)."""
    lines = [x.strip() for x in path.read_text(encoding="utf-8").splitlines()]
    phrases = [line for line in lines if line and not line.startswith("#")]
    for phrase in phrases:
        re.compile(phrase)  # a bad line fails here, naming itself
    return phrases


def alternation(phrases: list[str]) -> re.Pattern[str]:
    """``phrases`` as one expression: its ``search`` finds the leftmost match of any phrase, and
    of two phrases matching at the same place, the earlier one's. Raises ``re.error``."""
    return re.compile("|".join(f"(?:{p})" for p in phrases))


@cache
def load_patterns(path: Path = PHRASES) -> re.Pattern[str]:
    """The phrases of ``path`` as one ``alternation``, read and compiled once per process.
    Raises ``re.error`` naming a bad line, ``OSError`` when the file cannot be read."""
    return alternation(read_phrases(path))


def folded_text(text: str) -> str:
    """``text`` without tags, case, accents and leetspeak folded, whitespace collapsed."""
    return squash_spaces(fold(strip_tags(text)))


def plain_text(text: str) -> str:
    """``text`` without tags, case and accents folded (digits kept), whitespace collapsed."""
    return squash_spaces(fold_plain(strip_tags(text)))


class Promotion:
    name = CheckName.PROMOTION

    def __init__(self, pattern: re.Pattern[str] | None = None) -> None:
        self.pattern = pattern if pattern is not None else load_patterns()

    def run(self, sub: Submission, ctx: CheckContext) -> Verdict:
        body = sub.body or ""
        plain = plain_text(body)
        m = self.pattern.search(plain)
        # The leetspeak-folded form is searched too only when the text has digits or symbols inside
        # words ("ch3ck 0ut"); that keeps phone numbers and prices intact in the plain form.
        if m is None and LEETY.search(plain):
            folded = folded_text(body)
            if folded != plain:
                m = self.pattern.search(folded)
        if m:
            return Verdict(self.name, HOLD, 0.6, f"self-promotion or engagement bait: {m.group(0)[:60]!r}")
        return Verdict(self.name, PASS, 0.0, "no promotion phrases")

"""Promotion: self-promotion and engagement bait ("check out my channel", "like this comment",
"visit my blog", phone numbers, "free gift cards") — what most comment spam is for.

The phrases are regular expressions in ``workers/checks/data/promotion.txt`` (one per line),
matched on the text with case and accents folded and tags dropped, then also with leetspeak
folded (``ch3ck 0ut my``). A hit holds the
comment; the policy rejects when the classifier independently finds it suspicious too.

Speed: most comments contain none of the phrases, and one alternation of all of them costs a
regex attempt per phrase at every position of the text. So each phrase carries the literal
strings one of which must occur in any match of it (derived from the parsed expression), and
only phrases whose strings are in the text are searched: the result is exactly the alternation's.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

from workers.checks.base import HOLD, PASS, CheckContext, Submission, Verdict
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


# --- Literal prefilter -------------------------------------------------------------------------
# For a parsed expression: ``exact``, every string it can match when there are few (None when not
# known), and ``needles``, strings one of which occurs in every match (None: no such test). Only
# constructs whose meaning is certain are understood; anything else gives (None, None), which is
# always safe (the phrase is then searched on every text).

_MAX_STRINGS = 64
_MIN_NEEDLE = 3
_Info = tuple[frozenset[str] | None, frozenset[str] | None]


def _minimal(strings: frozenset[str]) -> frozenset[str]:
    """Drop strings that contain another one: finding the shorter one is the same test."""
    return frozenset(s for s in strings if not any(o != s and o in s for o in strings))


def _best(candidates: list[frozenset[str]]) -> frozenset[str] | None:
    """The cheapest useful needle set: the fewest strings of at least ``_MIN_NEEDLE`` characters
    (each is one ``in`` test), else the one with the longest shortest string."""
    useful = [_minimal(c) for c in candidates if c and "" not in c]
    if not useful:
        return None
    selective = [c for c in useful if min(map(len, c)) >= _MIN_NEEDLE]
    if selective:
        return min(selective, key=lambda c: (len(c), -min(map(len, c))))
    return max(useful, key=lambda c: (min(map(len, c)), -len(c)))


def _product(parts: list[frozenset[str]]) -> frozenset[str] | None:
    """Every concatenation of one string from each part, or None when there are too many."""
    out = {""}
    for part in parts:
        out = {a + b for a in out for b in part}
        if len(out) > _MAX_STRINGS:
            return None
    return frozenset(out)


def _sequence(items: list) -> _Info:
    from re import _constants as sre

    candidates: list[frozenset[str]] = []
    stretches: list[list[frozenset[str]]] = [[]]  # runs of consecutive items with an exact set
    for op, av in items:
        exact, needles = _node(sre, op, av)
        if needles is not None:
            candidates.append(needles)
        if exact is not None:
            stretches[-1].append(exact)
        else:
            stretches.append([])
    # Every contiguous window of a stretch must occur in the text as one of its strings.
    for parts in stretches:
        for i in range(len(parts)):
            for j in range(i + 1, len(parts) + 1):
                window = _product(parts[i:j])
                if window is None:
                    break
                candidates.append(window)
    exact = _product(stretches[0]) if len(stretches) == 1 else None
    return exact, _best(candidates)


def _node(sre, op, av) -> _Info:  # noqa: ANN001
    if op is sre.LITERAL:
        return frozenset({chr(av)}), None
    if op in (sre.AT, sre.ASSERT, sre.ASSERT_NOT):
        return frozenset({""}), None  # zero width: consumes nothing
    if op is sre.IN:
        chars: set[str] = set()
        for kind, value in av:
            if kind is sre.LITERAL:
                chars.add(chr(value))
            elif kind is sre.RANGE and value[1] - value[0] < 16:
                chars.update(map(chr, range(value[0], value[1] + 1)))
            else:
                return None, None
        return (frozenset(chars), None) if chars else (None, None)
    if op is sre.SUBPATTERN:
        _group, add_flags, del_flags, sub = av
        return _sequence(sub.data) if not add_flags and not del_flags else (None, None)
    if op is sre.BRANCH:
        infos = [_sequence(alt.data) for alt in av[1]]
        exacts = [e for e, _ in infos]
        exact = frozenset().union(*exacts) if all(e is not None for e in exacts) else None
        if exact is not None and len(exact) > _MAX_STRINGS:
            exact = None
        conds = [n if n is not None else _best([e] if e is not None else []) for e, n in infos]
        needles = frozenset().union(*conds) if all(c is not None for c in conds) else None
        return exact, needles
    if op in (sre.MAX_REPEAT, sre.MIN_REPEAT, sre.POSSESSIVE_REPEAT):
        lo, hi, sub = av
        exact, needles = _sequence(sub.data)
        if lo == 0:
            return (exact | {""} if hi == 1 and exact is not None else None), None
        if needles is None and exact is not None:
            needles = _best([exact])
        return (exact if lo == hi == 1 else None), needles
    return None, None


def needles_of(expression: str) -> frozenset[str] | None:
    """Strings one of which occurs in every match of ``expression``; None when none are known."""
    try:
        from re import _parser  # noqa: PLC0415

        parsed = _parser.parse(expression)
        if parsed.state.flags & ~re.UNICODE:  # e.g. (?i): literals would not be literal
            return None
        return _sequence(parsed.data)[1]
    except Exception:  # noqa: BLE001 -- a private module: without it, no prefilter (still correct)
        return None


class PhraseSet:
    """The phrases, searched like their alternation (leftmost match, the earliest phrase on a tie),
    but each phrase only on texts that contain one of its needles."""

    def __init__(self, expressions: list[str]) -> None:
        self.patterns = tuple(re.compile(e) for e in expressions)
        self.always: frozenset[int] = frozenset()  # phrases without needles: searched every time
        self.by_needle: dict[str, frozenset[int]] = {}
        for i, expression in enumerate(expressions):
            needles = needles_of(expression)
            if needles is None:
                self.always |= {i}
            for needle in needles or ():
                self.by_needle[needle] = self.by_needle.get(needle, frozenset()) | {i}
        self.needles = tuple(self.by_needle)

    def search(self, text: str) -> re.Match[str] | None:
        """The same match as the alternation's ``search`` (same span, same phrase)."""
        candidates = self.always.union(*[self.by_needle[n] for n in self.needles if n in text])
        best = None
        for i in sorted(candidates):
            m = self.patterns[i].search(text)
            if m is not None and (best is None or m.start() < best.start()):
                best = m
        return best


@lru_cache(maxsize=4)
def load_phrases(path: Path = PHRASES) -> PhraseSet:
    return PhraseSet(read_phrases(path))


@lru_cache(maxsize=1024)
def folded_text(text: str) -> str:
    return squash_spaces(fold(strip_tags(text)))


@lru_cache(maxsize=1024)
def plain_text(text: str) -> str:
    return squash_spaces(fold_plain(strip_tags(text)))


class Promotion:
    name = "promotion"

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

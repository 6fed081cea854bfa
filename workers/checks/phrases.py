"""Many regular expressions searched as one alternation would be, but faster: ``PhraseSet``.

Speed: most comments contain none of the phrases, and one alternation of all of them costs a
regex attempt per phrase at every position of the text. So each phrase carries the literal
strings one of which must occur in any match of it (derived from the parsed expression), and
only phrases whose strings are in the text are searched: the result is exactly the alternation's.

The analysis reads Python's own parse of each expression (``re._parser``, a private module). If it
ever fails, the expression gets no prefilter and is searched on every text: slower, still correct.
Tests compare ``PhraseSet.search`` with the plain alternation on examples, on both spam corpora and
with hypothesis (tests/unit/test_checks_phrases.py).
"""

from __future__ import annotations

import re

# For a parsed expression: ``exact``, every string it can match when there are few (None when not
# known), and ``needles``, strings one of which occurs in every match (None: no such test). Only
# constructs whose meaning is certain are understood; anything else gives (None, None), which is
# always safe (the phrase is then searched on every text).

_MAX_STRINGS = 64
_MIN_NEEDLE = 3
_MAX_PREFIXES = 12  # a str.find each, still far cheaper than a regex pass over the text
_Info = tuple[frozenset[str] | None, frozenset[str] | None]


def _minimal(strings: frozenset[str]) -> frozenset[str]:
    """Drop strings that contain another one: finding the shorter one is the same test."""
    return frozenset(s for s in strings if not any(o != s and o in s for o in strings))


def _best(candidates: list[frozenset[str]]) -> frozenset[str] | None:
    """The cheapest useful needle set: the fewest strings (one ``in`` test each) of at least
    ``_MIN_NEEDLE`` characters, then the longest; else the one with the longest shortest string."""
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
            window: frozenset[str] | None = frozenset({""})
            for part in parts[i:]:
                window = _product([window, part])
                if window is None:
                    break
                candidates.append(window)
    exact = _product(stretches[0]) if len(stretches) == 1 else None
    return exact, _best(candidates)


def _node(sre, op, av) -> _Info:
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


def _parsed(expression: str) -> list | None:
    """The top-level items of ``expression`` (``re._parser``), or None when its literals are not
    plain literals (flags such as ``(?i)``)."""
    from re import _parser

    parsed = _parser.parse(expression)
    return None if parsed.state.flags & ~re.UNICODE else parsed.data


_CATEGORIES = {
    "CATEGORY_DIGIT": r"\d",
    "CATEGORY_NOT_DIGIT": r"\D",
    "CATEGORY_SPACE": r"\s",
    "CATEGORY_NOT_SPACE": r"\S",
    "CATEGORY_WORD": r"\w",
    "CATEGORY_NOT_WORD": r"\W",
}


def _class_items(sre, items: list) -> set[str] | None:
    """A parsed character class as regex source items, or None (negated or unknown)."""
    out = set()
    for kind, value in items:
        if kind is sre.LITERAL:
            out.add(re.escape(chr(value)))
        elif kind is sre.RANGE:
            out.add(f"{re.escape(chr(value[0]))}-{re.escape(chr(value[1]))}")
        elif kind is sre.CATEGORY and str(value) in _CATEGORIES:
            out.add(_CATEGORIES[str(value)])
        else:
            return None
    return out


def _first_chars(sre, items: list) -> tuple[set[str] | None, bool]:
    """Class items (regex source) one of which is the first character of any match of ``items``,
    and whether ``items`` can match the empty string; None when not known."""
    first: set[str] = set()
    for op, av in items:
        if op in (sre.AT, sre.ASSERT, sre.ASSERT_NOT):
            continue  # zero width
        if op is sre.LITERAL:
            return first | {re.escape(chr(av))}, False
        if op is sre.IN:
            chars = _class_items(sre, av)
            return (first | chars if chars is not None else None), False
        if op is sre.SUBPATTERN and not av[1] and not av[2]:
            sub, empty = _first_chars(sre, av[3].data)
        elif op is sre.BRANCH:
            results = [_first_chars(sre, alt.data) for alt in av[1]]
            if any(f is None for f, _ in results):
                return None, False
            sub, empty = set().union(*(f for f, _ in results)), any(e for _, e in results)
        elif op in (sre.MAX_REPEAT, sre.MIN_REPEAT, sre.POSSESSIVE_REPEAT):
            sub, empty = _first_chars(sre, av[2].data)
            empty = empty or av[0] == 0
        else:
            return None, False
        if sub is None:
            return None, False
        first |= sub
        if not empty:
            return first, False
    return first, True


def first_class_of(expression: str) -> re.Pattern[str] | None:
    """A one-character class that the first character of every match of ``expression`` is in
    (``[\\+\\d]`` for a phone number), or None when not known."""
    try:
        from re import _constants as sre

        items = _parsed(expression)
        first, empty = _first_chars(sre, items) if items is not None else (None, True)
        return re.compile(f"[{''.join(sorted(first))}]") if first and not empty else None
    except Exception:  # as in needles_of
        return None


def needles_of(expression: str) -> frozenset[str] | None:
    """Strings one of which occurs in every match of ``expression``; None when none are known."""
    try:
        items = _parsed(expression)
        return _sequence(items)[1] if items is not None else None
    except Exception:  # a private module: without it, no prefilter (still correct)
        return None


def prefixes_of(expression: str) -> frozenset[str] | None:
    """Strings one of which every match of ``expression`` starts with; None when none are known.
    From the leading items that each match one of a few exact strings (``\\b``, literals, small
    alternations), so a phrase need only be tried where one of these strings occurs."""
    try:
        from re import _constants as sre

        items = _parsed(expression)
        parts: list[frozenset[str]] = []
        for op, av in items or ():
            exact, _ = _node(sre, op, av)
            if exact is None:
                break
            parts.append(exact)
        windows = [w for j in range(1, len(parts) + 1) if (w := _product(parts[:j])) is not None]
    except Exception:  # as in needles_of
        return None
    # Drop a string that starts with another one: the shorter one's positions include its own.
    windows = [frozenset(s for s in w if not any(o != s and s.startswith(o) for o in w)) for w in windows]
    useful = [w for w in windows if "" not in w and len(w) <= _MAX_PREFIXES]
    if not useful:
        return None
    # Each string costs a str.find; a false start costs a failed match(), about as cheap.
    selective = [w for w in useful if min(map(len, w)) >= _MIN_NEEDLE]
    if selective:
        return min(selective, key=lambda w: (len(w), -min(map(len, w))))
    return max(useful, key=lambda w: (min(map(len, w)), -len(w)))


class PhraseSet:
    """The phrases, searched like their alternation (leftmost match, the earliest phrase on a tie),
    but each phrase only on texts that contain one of its needles, and, when every match of it
    starts with one of a few strings, only tried (``match``) where those strings occur."""

    def __init__(self, expressions: list[str]) -> None:
        self.patterns = tuple(re.compile(e) for e in expressions)
        self.prefixes = tuple(prefixes_of(e) for e in expressions)
        self.first_classes = tuple(
            first_class_of(e) if p is None else None for e, p in zip(expressions, self.prefixes, strict=True)
        )
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
        end = len(text) + 1  # a later phrase wins only by starting before the best match so far
        for i in sorted(candidates):
            pattern, prefixes = self.patterns[i], self.prefixes[i]
            if prefixes is None:
                # No match starts before the first character of its first-character class.
                first = self.first_classes[i]
                at = first.search(text, 0, end) if first is not None else None
                if first is not None and at is None:
                    continue
                m = pattern.search(text, at.start() if at is not None else 0)
                if m is not None and m.start() < end:
                    best, end = m, m.start()
                continue
            # search() is match() at each position in turn; a match can only start where one of
            # the prefixes occurs, so those positions, in order, are all that need trying.
            for start in sorted(_occurrences(text, prefixes, end)):
                m = pattern.match(text, start)
                if m is not None:
                    best, end = m, start
                    break
        return best


def _occurrences(text: str, strings: frozenset[str], end: int) -> set[int]:
    """Where each of ``strings`` starts in ``text``, before ``end``."""
    found = set()
    for s in strings:
        at = text.find(s)
        while 0 <= at < end:
            found.add(at)
            at = text.find(s, at + 1)
    return found

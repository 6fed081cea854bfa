"""The promotion phrases are searched as one alternation: it must find what searching each phrase
on its own and taking the leftmost match (the earlier phrase on a tie) finds, on examples and on
generated text, and its work must grow linearly with the text."""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from tests.unit.checks_support import ctx, sub
from workers.checks.promotion import Promotion, alternation, folded_text, load_patterns, plain_text, read_phrases
from workers.spam.training import YOUTUBE_CORPUS, read_corpus

PHRASES = read_phrases()
ALTERNATION = load_patterns()
ONE_BY_ONE = [re.compile(p) for p in PHRASES]


def naive(patterns: list[re.Pattern[str]], text: str) -> tuple[int, tuple[int, int], str] | None:
    """(phrase index, span, matched text) of the leftmost match of any pattern, the earlier
    pattern on a tie: the alternation's meaning, spelled out."""
    found = [(m.start(), i, m) for i, p in enumerate(patterns) if (m := p.search(text)) is not None]
    if not found:
        return None
    _, i, m = min(found, key=lambda f: (f[0], f[1]))
    return i, m.span(), m.group(0)


def which(
    pattern: re.Pattern[str], phrases: list[re.Pattern[str]], text: str
) -> tuple[int, tuple[int, int], str] | None:
    """The same triple for the alternation's match: the phrase is the first that matches there."""
    m = pattern.search(text)
    if m is None:
        return None
    i = next(i for i, p in enumerate(phrases) if (n := p.match(text, m.start())) and n.end() == m.end())
    return i, m.span(), m.group(0)


fragments = st.sampled_from(
    [
        "+1 800 555 0100",
        "0800",
        "12345678901",
        "-",
        "working",
        "plz",
        "inscreva",
        "check",
        "out",
        "my",
        "our",
        "new",
        "video",
        "channel",
        "sub",
        "subscribe",
        "to",
        "me",
        "like",
        "this",
        "comment",
        "for",
        "4",
        "free",
        "gift",
        "card",
        "cards",
        "visit",
        "blog",
        "work",
        "from",
        "home",
        "whatsapp",
        "+44",
        "7935",
        "454150",
        "look",
        "up",
        "'",
        '"',
        "earn",
        "$",
        "5",
        "dollars",
        "go",
        "watch",
        "buy",
        "viagra",
        "promote",
        "your",
        "give",
        "it",
        "a",
        "please",
        "pls",
        "che",
        "ck",
    ]
)
texts = st.lists(st.one_of(fragments, st.text(max_size=3)), max_size=30).map(" ".join)


@settings(max_examples=400, deadline=None)
@given(texts)
def test_same_match_as_each_phrase_on_its_own(text: str) -> None:
    assert which(ALTERNATION, ONE_BY_ONE, text) == naive(ONE_BY_ONE, text)


def test_same_match_as_each_phrase_on_its_own_on_the_training_comments() -> None:
    rows = read_corpus([str(YOUTUBE_CORPUS)])
    hits = 0
    for _author, body, _label in rows:
        for text in (plain_text(body), folded_text(body)):
            found = naive(ONE_BY_ONE, text)
            assert which(ALTERNATION, ONE_BY_ONE, text) == found, text
            hits += found is not None
    assert hits > 100  # the comparison saw many matches, not only misses


def test_tie_goes_to_the_earlier_phrase() -> None:
    phrases = [r"\bab", r"\babc", r"b"]
    compiled = [re.compile(p) for p in phrases]
    for text, expected in ((" abcd", (0, (1, 3), "ab")), ("xabc abc", (2, (2, 3), "b")), ("zzb ab", (2, (2, 3), "b"))):
        assert naive(compiled, text) == expected
        assert which(alternation(phrases), compiled, text) == expected


class CountingPattern:
    """A compiled pattern that counts the characters its searches are given: the check's work."""

    def __init__(self, pattern: re.Pattern[str]) -> None:
        self.pattern = pattern
        self.searches = 0
        self.chars = 0

    def search(self, text: str) -> re.Match[str] | None:
        self.searches += 1
        self.chars += len(text)
        return self.pattern.search(text)


# Texts that start many partial matches: the phrases' first words repeated, a long word the
# "subscrib\w*" branch reads to its end, digit runs for the phone-number phrase, leetspeak.
ADVERSARIAL = ["my ", "check out ", "subscribe", "1 ", "1-", "+4", "my new video ", "ch3ck 0ut ", "free ", "look up "]


@settings(max_examples=60, deadline=None)
@given(st.lists(st.sampled_from(ADVERSARIAL), min_size=1, max_size=4).map("".join), st.sampled_from([500, 2000, 8000]))
def test_work_is_linear_on_long_adversarial_text(unit: str, chars: int) -> None:
    body = unit * (chars // len(unit) + 1)
    counting = CountingPattern(ALTERNATION)
    Promotion(counting).run(sub(body), ctx())  # type: ignore[arg-type]
    # At most two passes (the plain and the leetspeak-folded form), each over at most the text.
    assert counting.searches <= 2
    assert counting.chars <= 2 * len(body)
    # And on long text the alternation still finds what each phrase on its own finds.
    assert which(ALTERNATION, ONE_BY_ONE, plain_text(body)) == naive(ONE_BY_ONE, plain_text(body))

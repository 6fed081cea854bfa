"""The promotion phrases' literal prefilter: searching only the phrases whose needles occur in the
text must find exactly what the one alternation of all phrases finds."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from workers.checks.phrases import PhraseSet, first_class_of, needles_of, prefixes_of
from workers.checks.promotion import load_patterns, load_phrases, read_phrases

PHRASES = read_phrases()
ALTERNATION = load_patterns()
FAST = load_phrases()


def same(a: re.Match[str] | None, b: re.Match[str] | None) -> bool:
    return (a is None and b is None) or (
        a is not None and b is not None and a.span() == b.span() and a.group(0) == b.group(0)
    )


@pytest.mark.parametrize(
    ("expression", "needles"),
    [
        (r"\blike this (comment|post)\b", {"like this "}),
        (r"\bwork(ing)? from home\b", {" from home"}),
        (r"\b(whatsapp|telegram|kik|snapchat) ?(me|:|@|\+?\d)", {"whatsapp", "telegram", "kik", "snapchat"}),
        (r"(?<!\d)\+?\d[\d -]{9,}\d(?!\d)", None),  # no literal in every match
        (r"(?i)free money", None),  # case-insensitive: literals are not literal
        (r"ab?c", {"abc", "ac"}),  # short needles when nothing longer is certain
        (r"(abc)?def", {"def"}),
        (r"x(abc|abd)+y", {"abc", "abd"}),
    ],
)
def test_needles(expression, needles):
    assert needles_of(expression) == (frozenset(needles) if needles is not None else None)


@pytest.mark.parametrize(
    ("expression", "prefixes"),
    [
        (r"\blike this (comment|post)\b", {"like this "}),
        (r"\bwork(ing)? from home\b", {"work"}),
        (r"\b(please )?subscribe", {"please subscribe", "subscribe"}),
        (r"\b(\w+ )?subscribe", None),  # the first item is not a few exact strings
        (r"(?<!\d)\+?\d{3}", None),
        (r"(?i)free money", None),
    ],
)
def test_prefixes(expression, prefixes):
    assert prefixes_of(expression) == (frozenset(prefixes) if prefixes is not None else None)


@pytest.mark.parametrize(
    ("expression", "first"),
    [
        (r"(?<!\d)\+?\d[\d -]{9,}\d(?!\d)", r"[\+\d]"),
        (r"(a|b)?c", "[abc]"),
        (r"\s*q", r"[\sq]"),
        (r"[^a]b", None),  # negated classes are not handled
        (r"(?:ab)*", None),  # can match the empty string
        (r".a", None),
    ],
)
def test_first_class(expression, first):
    pattern = first_class_of(expression)
    assert (pattern.pattern if pattern is not None else None) == first


def test_every_match_starts_as_announced():
    texts = [
        "please subscribe to my channel",
        "check out my new video",
        "call +44 7935 454150 or 0800 123 4567",
        "like 4 like",
        "we work from home",
        "subscribe me",
    ]
    for expression in PHRASES:
        prefixes, first = prefixes_of(expression), first_class_of(expression)
        for text in texts:
            for m in re.finditer(expression, text):
                assert prefixes is None or any(text.startswith(p, m.start()) for p in prefixes)
                assert first is None or first.match(text, m.start())


def test_every_match_contains_a_needle():
    examples = [
        "please subscribe to my channel",
        "check out my new video",
        "free gift cards now",
        "call +44 7935 454150",
        "whatsapp me",
        "like 4 like",
        "look up 'x'",
        "earn $ 5 a day",
    ]
    for text in examples:
        for expression in PHRASES:
            m = re.search(expression, text)
            needles = needles_of(expression)
            if m and needles is not None:
                assert any(n in m.group(0) for n in needles), (expression, text)


def test_shipped_phrases_mostly_have_needles():
    assert sum(needles_of(p) is None for p in PHRASES) <= 2


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
def test_same_match_as_the_alternation(text):
    assert same(FAST.search(text), ALTERNATION.search(text))


def test_tie_goes_to_the_earlier_phrase():
    fast = PhraseSet([r"\bab", r"\babc", r"b"])
    for text in ("xabc abc", "abc", "zzb ab"):
        assert same(fast.search(text), re.search(r"(?:\bab)|(?:\babc)|(?:b)", text))

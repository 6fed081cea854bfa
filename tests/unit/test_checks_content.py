"""Content checks: honeypot, shouting and noise, promotion phrases."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.unit.checks_support import ctx, sub
from workers.checks.honeypot import Honeypot
from workers.checks.noise import Noise
from workers.checks.promotion import Promotion


def test_honeypot():
    assert Honeypot().run(sub(honeypot="555-0100"), ctx()).verdict == "spam"
    assert Honeypot().run(sub(honeypot="  "), ctx()).verdict == "pass"


def test_shouting_with_punctuation_runs_holds_but_caps_alone_pass():
    loud = "BUY THIS AMAZING PRODUCT RIGHT NOW BEFORE IT IS GONE!!!!!"
    v = Noise().run(sub(loud), ctx())
    assert v.verdict == "hold" and "capitals" in v.reason and "weak" in v.tags
    assert Noise().run(sub("LOVE THE WAY YOU LIE, BEST SONG OF THE DECADE FOR SURE"), ctx()).verdict == "pass"
    assert Noise().run(sub("I love this!!!!"), ctx()).verdict == "pass"


def test_mostly_symbols_holds():
    assert Noise().run(sub("▬▬▬▬▬ஜ۩۞۩ஜ▬▬▬▬▬ ░░░▄▄▄░░░ ▀▀▀ ☆☆☆"), ctx()).verdict == "hold"
    assert Noise().run(sub("Plain words, a few symbols :) <3"), ctx()).verdict == "pass"


@pytest.mark.parametrize(
    "body",
    [
        "SUPER!!! !!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!",
        "i love this song so much" + "!" * 80,
        "❤️ ❤️ ❤️ ❤️ ❤️❤️❤️❤️",
        "The best Song i saw ❤️❤️❤️❤️❤️❤️😍😍😍😍😍😘😘😘😘😘",
        "2.126.521.750  views!!!!!!!!!!!!!!!!!",
    ],
)
def test_repeated_punctuation_and_emoji_are_expression_not_noise(body):
    assert Noise().run(sub(body), ctx()).verdict == "pass"


@pytest.mark.parametrize(
    "body",
    [
        "Please subscribe to my channel!",
        "ch3ck 0ut my new video",
        "Like this comment if you agree",
        "visit my blog for more",
        "Get FREE gift cards here",
        "call me +44 7935 454150",
        "whatsapp me now",
        "Check out this video on YouTube: https://youtu.be/x",
        "Take a look at this playlist on YouTube:",
        "GUYS SHARE THIS VIDEO!!! Share on Facebook",
        "please vote for us at the awards",
        "Nice song. See my new track",
    ],
)
def test_promotion_phrases_hold(body):
    v = Promotion().run(sub(body), ctx())
    assert v.verdict == "hold", v.reason
    assert "self-promotion" in v.reason


@pytest.mark.parametrize(
    "body",
    [
        "Thanks for the clear summary of where the talks will take place.",
        "The 2024 figures were 1,234,567.",
        "I checked the numbers and they add up.",
        "My son loves this song",
    ],
)
def test_ordinary_text_is_not_promotion(body):
    assert Promotion().run(sub(body), ctx()).verdict == "pass"


@given(st.text(alphabet=st.characters(codec=None, exclude_categories=()), max_size=200))
def test_noise_counts_are_the_str_predicates(text):
    from workers.checks.noise import _counts

    assert _counts(text) == (
        sum(map(str.isalpha, text)),
        sum(map(str.isupper, text)),
        sum(map(str.isspace, text)),
        sum(map(str.isdigit, text)),
    )
    for ascii_text in ("Hello WORLD 123\t\x1c\x0b!", "".join(map(chr, range(128)))):
        assert _counts(ascii_text) == (
            sum(map(str.isalpha, ascii_text)),
            sum(map(str.isupper, ascii_text)),
            sum(map(str.isspace, ascii_text)),
            sum(map(str.isdigit, ascii_text)),
        )

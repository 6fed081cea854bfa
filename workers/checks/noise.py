"""Shouting and noise: text that is mostly capitals, runs of punctuation, or hardly any letters.

These are weak signals (fans shout, people type "!!!!!!" and "❤️❤️❤️"), so:

- runs of one character count once ("SUPER!!!!!!!!" is a word and one "!"), and emoji are
  expression, not noise: they are not counted at all;
- *mostly symbols* (``symbols_ratio`` of the visible characters, on a text of 20 characters or
  more: box-drawing art, encoded payloads) holds;
- *shouting* (``noise_min_letters`` letters or more, ``caps_ratio`` in capitals and a run of
  repeated punctuation) is a ``weak`` hold: the policy holds for it only when another check holds
  too. On the labelled corpus (``docs/checks.md``) shouting alone held more ham than spam, and
  every shouted spam comment was already caught by the classifier.
"""

from __future__ import annotations

import re

from service.core.vocabulary import CheckName
from workers.checks.base import HOLD, PASS, WEAK, CheckContext, Submission, Verdict
from workers.checks.text import clean, strip_tags

RUNS = re.compile(r"([!?.$*#~=_+-])\1{3,}")
REPEATS = re.compile(r"(.)\1{2,}", re.S)
# Emoji and pictographs, variation selectors, the zero-width joiner and skin-tone modifiers.
EMOJI = re.compile("[\U0001f000-\U0001faff\u2600-\u27bf\u2b00-\u2bff\ufe0e\ufe0f\u200d\u20e3]")


def _counts(text: str) -> tuple[int, int, int, int]:
    """(alphabetic, upper-case, whitespace, digit) characters, as the ``str`` predicates count them."""
    return (
        sum(map(str.isalpha, text)),
        sum(map(str.isupper, text)),
        sum(map(str.isspace, text)),
        sum(map(str.isdigit, text)),
    )


def measure(text: str) -> tuple[int, float, int, float]:
    """(letters, share of letters in capitals, punctuation runs, share of non-letter non-space)."""
    runs = len(RUNS.findall(text))
    text = REPEATS.sub(r"\1", text)
    if not text.isascii():
        text = EMOJI.sub("", text)
    letters, upper, spaces, digits = _counts(text)
    other = max(0, len(text) - letters - spaces - digits)
    visible = letters + other
    caps = min(1.0, upper / letters) if letters else 0.0  # some non-letters are upper case (Ⓐ, Ⅻ)
    return letters, caps, runs, (other / visible if visible else 0.0)


class Noise:
    name = CheckName.NOISE

    def run(self, sub: Submission, ctx: CheckContext) -> Verdict:
        text = strip_tags(clean(sub.body or ""))
        letters, caps, runs, symbols = measure(text)
        cfg = ctx.config
        if len(text) >= 20 and symbols >= cfg.symbols_ratio:
            return Verdict(self.name, HOLD, symbols, f"mostly symbols: {symbols:.0%} of the visible characters")
        if letters >= cfg.noise_min_letters and caps >= cfg.caps_ratio and runs >= 1:
            return Verdict(
                self.name,
                HOLD,
                caps,
                f"shouting: {caps:.0%} capitals and {runs} punctuation run(s)",
                tags=frozenset({WEAK}),
            )
        score = max(caps if letters >= cfg.noise_min_letters else 0.0, symbols)
        return Verdict(
            self.name, PASS, round(score, 3), f"{caps:.0%} capitals, {runs} punctuation run(s), {symbols:.0%} symbols"
        )

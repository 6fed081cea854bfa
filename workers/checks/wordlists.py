"""Word lists, as WordPress has them: *moderation keys* hold a comment, *disallowed keys* mark it spam.

A key matches in the comment, the name, the email, the website and the IP address, after folding
case, accents and common leetspeak (``V1@gr4`` is ``viagra``) on both sides. In the text and the name
a key made of letters and digits matches whole words only (so ``ass`` does not hold "class"), and
also when spelled out with separators (``v.i.a.g.r.a``) if it is 5 characters or longer; in the
email, website and IP, and for keys with other characters, a key matches anywhere (as in WordPress).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from service.core.vocabulary import CheckName
from workers.checks.base import HOLD, PASS, SPAM, CheckContext, Submission, Verdict
from workers.checks.text import fold, strip_tags

_NON_ALNUM = re.compile(r"[\W_]+")


@dataclass(frozen=True)
class _Key:
    raw: str
    folded: str
    word: re.Pattern[str] | None
    squashed: str | None


@lru_cache(maxsize=64)
def compile_keys(keys: tuple[str, ...]) -> tuple[_Key, ...]:
    """Fold and compile a configured list once (keys are few and change only with the settings)."""
    out = []
    for raw in keys:
        folded = fold(raw).strip()
        if not folded:
            continue
        is_word = bool(re.fullmatch(r"\w+(?: \w+)*", folded))
        word = re.compile(rf"(?<!\w){re.escape(folded)}(?!\w)") if is_word else None
        squashed = _NON_ALNUM.sub("", folded) if is_word and len(_NON_ALNUM.sub("", folded)) >= 5 else None
        out.append(_Key(raw, folded, word, squashed))
    return tuple(out)


def _squash(text: str) -> str:
    return _NON_ALNUM.sub("", text)


def find(keys: tuple[str, ...], sub: Submission) -> list[tuple[str, str]]:
    """(key, field) for every key found in the comment."""
    compiled = compile_keys(keys)
    if not compiled:
        return []
    texts = {
        "comment": fold(strip_tags(sub.body or "")),
        "name": fold(sub.author or ""),
    }
    anywhere = {"email": fold(sub.email or ""), "website": fold(sub.url or ""), "ip": fold(sub.ip or "")}
    squashed: dict[str, str] = {}
    hits: list[tuple[str, str]] = []
    for key in compiled:
        where = None
        for field, text in texts.items():
            if key.word is not None:
                if key.word.search(text):
                    where = field
                elif key.squashed is not None:
                    if field not in squashed:
                        squashed[field] = _squash(text)
                    # spelled out with separators: the squashed key appears only where separators were
                    if key.squashed in squashed[field] and key.folded not in text:
                        where = field
            elif key.folded in text:
                where = field
            if where:
                break
        if where is None:
            for field, text in anywhere.items():
                if text and key.folded in text:
                    where = field
                    break
        if where:
            hits.append((key.raw, where))
    return hits


def describe(hits: list[tuple[str, str]]) -> str:
    return ", ".join(f"{key!r} in {field}" for key, field in hits[:5]) + (" ..." if len(hits) > 5 else "")


class WordLists:
    name = CheckName.WORDLISTS

    def run(self, sub: Submission, ctx: CheckContext) -> Verdict:
        banned = find(ctx.config.disallowed_keys, sub)
        if banned:
            return Verdict(self.name, SPAM, 1.0, f"disallowed words: {describe(banned)}")
        held = find(ctx.config.moderation_keys, sub)
        if held:
            return Verdict(self.name, HOLD, 0.6, f"moderation words: {describe(held)}")
        return Verdict(self.name, PASS, 0.0, "no listed words")

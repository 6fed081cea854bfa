"""WordPress's community disallowed-comment-keys list, as a *hold* signal (never a reject).

The list (``data/disallowed_keys.txt``, derived by ``tools/build_check_lists.py`` from Grant
Hutchinson's MIT-licensed list) has some 33,000 words and phrases after the entries that only make
sense as WordPress's substring matches are dropped (URL fragments, contraction pieces, words
shorter than four letters). It is very broad: "great post", "informative article" are in it. So:

* keys match whole words and phrases (up to ``MAX_WORDS`` words) of the folded text, never inside
  a word; the text is split into words once and every run of 1..``MAX_WORDS`` words is a set probe
  (linear in the text's length);
* a key in the **name** or the **website** (the fields keyword stuffing lives in) holds;
* in the **text**, two different keys hold; one key alone is a ``weak`` hold, which only joins
  another check's hold (of the 5,499 legitimate comments in ``../shared/data/spam/open/ham_*.csv``
  2.2 % contain one key and 0.15 % two or more; of the spam files, 18 % and 5.4 %).

``COMMENTQ_DISALLOWED_LIST=0`` turns the check off. The operator's own lists
(``COMMENTQ_MODERATION_KEYS``/``COMMENTQ_DISALLOWED_KEYS``) are the ``wordlists`` check's.
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

from service.core.vocabulary import CheckName
from workers.checks.base import HOLD, PASS, WEAK, CheckContext, Submission, Verdict
from workers.checks.text import fold_plain, strip_tags

KEYS = Path(__file__).resolve().parent / "data" / "disallowed_keys.txt"
MAX_WORDS = 4
WORDS = re.compile(r"[^\W_]+")
_WEAK = frozenset({WEAK})


@cache
def load_keys(path: Path = KEYS) -> frozenset[str]:
    """The keys as space-joined folded words (phrases of more than ``MAX_WORDS`` words are dropped)."""
    lines = path.read_text(encoding="utf-8").splitlines()
    return frozenset(
        x
        for x in (" ".join(line.split()) for line in lines if not line.startswith("#"))
        if x and x.count(" ") < MAX_WORDS
    )


def keys_in(text: str, keys: frozenset[str] | None = None) -> tuple[str, ...]:
    """The distinct keys found in ``text`` as whole words or phrases, in order of appearance."""
    keys = load_keys() if keys is None else keys
    words = WORDS.findall(fold_plain(strip_tags(text)))
    found: dict[str, None] = {}
    for i in range(len(words)):
        phrase = words[i]
        if phrase in keys:
            found[phrase] = None
        for j in range(i + 1, min(i + MAX_WORDS, len(words))):
            phrase = phrase + " " + words[j]
            if phrase in keys:
                found[phrase] = None
    return tuple(found)


class DisallowedKeys:
    name = CheckName.DISALLOWED_KEYS

    def run(self, sub: Submission, ctx: CheckContext) -> Verdict:
        if not ctx.config.disallowed_list:
            return Verdict(self.name, PASS, 0.0, "the community list is turned off")
        for field, value in (("name", sub.author), ("website", sub.url)):
            hits = keys_in(value or "")
            if hits:
                return Verdict(self.name, HOLD, 0.6, f"listed word(s) in the {field}: {', '.join(hits[:3])}")
        hits = keys_in(sub.body or "")
        if len(hits) >= 2:
            return Verdict(self.name, HOLD, 0.5, f"listed words in the text: {', '.join(hits[:5])}")
        if hits:
            return Verdict(self.name, HOLD, 0.3, f"a listed word in the text: {hits[0]}", tags=_WEAK)
        return Verdict(self.name, PASS, 0.0, "no listed words")

"""What every check sees and returns. A check is a small object with a ``name`` and a ``run``."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Protocol

from service.core.settings import PolicyConfig
from service.core.vocabulary import CheckName, Strength, VerdictName

if TYPE_CHECKING:
    from workers.checks.history import History

# The verdict vocabulary (service/core/vocabulary.py), by the short names the checks use.
PASS = VerdictName.PASS
HOLD = VerdictName.HOLD
SPAM = VerdictName.SPAM
INVALID = VerdictName.INVALID
WEAK = Strength.WEAK
EVIDENCE = Strength.EVIDENCE
HEURISTIC = Strength.HEURISTIC
CERTAIN = Strength.CERTAIN
CLEAR_HAM = Strength.CLEAR_HAM


# Frozen values with an instance dict (no slots): ``vars()`` of one reads as it always has.
@dataclass(frozen=True)
class Submission:
    """A comment as the checks see it: plain values, no ORM object, so checks run offline too."""

    id: str
    article_id: int
    author: str
    email: str
    body: str
    url: str | None = None
    ip: str | None = None
    user_agent: str | None = None
    honeypot: str | None = None
    parent_id: str | None = None
    created_at: datetime | None = None
    # The article the comment is on: its own site (links there are neutral), its title and its
    # plain text (what a relevant comment talks about); None when unknown (``commentq spam
    # evaluate`` fills title and text from the ARTICLE and ARTICLE_TEXT columns).
    article_url: str | None = None
    article_title: str | None = None
    article_text: str | None = None


@dataclass(frozen=True)
class Verdict:
    """One check's finding on one comment: ``verdict`` with a ``score`` in [0, 1] and a ``reason``
    for the moderator; ``version`` names the model that gave it (the classifier's), else None."""

    check: str
    verdict: VerdictName
    score: float = 0.0
    reason: str = ""
    version: str | None = None
    # Facts for the policy beyond the verdict (e.g. "trusted-author", "reference-links"); not stored.
    tags: frozenset[str] = frozenset()


@dataclass
class CheckContext:
    """What a check may consult besides the comment: the policy's settings and the history."""

    config: PolicyConfig
    history: History
    offline: bool = False


class Check(Protocol):
    name: CheckName

    def run(self, sub: Submission, ctx: CheckContext) -> Verdict: ...

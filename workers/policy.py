"""The policy: turns the checks' verdicts into publish, hold or reject, and says why."""

from __future__ import annotations

from dataclasses import dataclass, field

from service.models import Status
from service.settings import Settings
from workers.checks.base import HOLD, INVALID, SPAM, Verdict


@dataclass(frozen=True)
class PolicyConfig:
    """Thresholds and word lists, from the settings; defaults are documented in the README."""

    max_body_chars: int = 10_000
    links_hold: int = 2
    moderation_keys: tuple[str, ...] = ()
    disallowed_keys: tuple[str, ...] = ()
    blocked_domains: frozenset[str] = field(default_factory=frozenset)
    classifier_spam: float = 0.85
    classifier_hold: float = 0.5
    flood_limit: str = "10 per hour"

    @classmethod
    def from_settings(cls, settings: Settings) -> PolicyConfig:
        return cls(
            max_body_chars=settings.max_body_chars,
            links_hold=settings.links_hold,
            moderation_keys=settings.moderation_keys,
            disallowed_keys=settings.disallowed_keys,
            classifier_spam=settings.classifier_spam,
            classifier_hold=settings.classifier_hold,
            flood_limit=settings.flood_limit,
        )


@dataclass(frozen=True)
class Decision:
    status: str
    reason: str
    decided_by: str


class Policy:
    """Invalid or spam from any check rejects; a hold from any check holds; otherwise publish."""

    def decide(self, verdicts: list[Verdict]) -> Decision:
        for kind in (INVALID, SPAM):
            hits = [v for v in verdicts if v.verdict == kind]
            if hits:
                return Decision(Status.REJECTED, "; ".join(f"{v.check}: {v.reason}" for v in hits),
                                ",".join(v.check for v in hits))
        holds = [v for v in verdicts if v.verdict == HOLD]
        if holds:
            return Decision(Status.HELD, "; ".join(f"{v.check}: {v.reason}" for v in holds),
                            ",".join(v.check for v in holds))
        return Decision(Status.PUBLISHED, "every check passed", "policy")

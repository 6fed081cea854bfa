"""Flood: too many comments from one IP address or one email in a short window are held.

The window and count come from ``COMMENTQ_FLOOD_LIMIT`` in flask-limiter syntax ("10 per hour").
This is not the API's rate limit (``COMMENTQ_RATE_LIMIT``, answered with 429 before anything is
stored): the flood check sees every comment that got through, across all web processes, and holds
the ones beyond the limit for a person rather than refusing them. Offline (``spam evaluate``) the
rows carry no sender, so the check does not run.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from functools import lru_cache

from limits import parse

from service.core.vocabulary import CheckName
from workers.checks.base import HOLD, PASS, CheckContext, Submission, Verdict


@lru_cache(maxsize=16)
def parse_limit(text: str) -> tuple[int, float]:
    """(count, window in seconds) from "10 per hour" / "10/hour" / "5 per 10 minutes"."""
    item = parse(text)
    return int(item.amount), float(item.get_expiry())


def _span(seconds: float) -> str:
    for unit, size in (("day", 86400), ("hour", 3600), ("minute", 60)):
        if seconds >= size and seconds % size == 0:
            n = int(seconds // size)
            return f"{n} {unit}{'s' if n != 1 else ''}" if n != 1 else unit
    return f"{seconds:g} seconds"


class Flood:
    name = CheckName.FLOOD

    def run(self, sub: Submission, ctx: CheckContext) -> Verdict:
        if ctx.offline:
            return Verdict(self.name, PASS, 0.0, "not checked offline")
        limit, window = parse_limit(ctx.config.flood_limit)
        now = sub.created_at or datetime.now(UTC)
        earlier = ctx.history.recent_count(
            ip=sub.ip, email=sub.email, since=now - timedelta(seconds=window), exclude_id=sub.id
        )
        if earlier >= limit:
            return Verdict(
                self.name,
                HOLD,
                min(1.0, earlier / (2 * limit)),
                f"{earlier} earlier comment(s) from this IP address or email in the last "
                f"{_span(window)} (limit: {ctx.config.flood_limit})",
            )
        return Verdict(self.name, PASS, earlier / max(1, limit), f"{earlier} recent comment(s) from this sender")

"""Duplicates: the same text posted again on the same article ("you've already said that")."""

from __future__ import annotations

from workers.checks.base import PASS, SPAM, CheckContext, Submission, Verdict
from workers.checks.text import content_hash


class Duplicates:
    name = "duplicates"

    def run(self, sub: Submission, ctx: CheckContext) -> Verdict:
        digest = content_hash(sub.body)
        earlier = ctx.history.exact_duplicate(sub.article_id, digest, sub.id, sub.created_at)
        if earlier:
            return Verdict(self.name, SPAM, 1.0, "the same text was already posted on this article")
        return Verdict(self.name, PASS, 0.0, "no earlier copy on this article")

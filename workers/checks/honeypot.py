"""Honeypot: a form field hidden from people; only a bot fills it in."""

from __future__ import annotations

from service.core.vocabulary import CheckName
from workers.checks.base import PASS, SPAM, CheckContext, Submission, Verdict


class Honeypot:
    name = CheckName.HONEYPOT

    def run(self, sub: Submission, ctx: CheckContext) -> Verdict:
        if sub.honeypot and sub.honeypot.strip():
            return Verdict(self.name, SPAM, 1.0, "the hidden honeypot field was filled in")
        return Verdict(self.name, PASS, 0.0, "honeypot empty")

"""The check pipeline: every check, in order, then the policy. Used by the task and by evaluate."""

from __future__ import annotations

from dataclasses import dataclass

from workers.checks import default_checks
from workers.checks.base import Check, CheckContext, Submission, Verdict
from workers.policy import Decision, Policy


@dataclass
class Outcome:
    verdicts: list[Verdict]
    decision: Decision


class Pipeline:
    def __init__(self, checks: list[Check] | None = None, policy: Policy | None = None) -> None:
        self.checks = checks if checks is not None else default_checks()
        self.policy = policy or Policy()

    def run(self, sub: Submission, ctx: CheckContext, into: list[Verdict] | None = None) -> Outcome:
        """Every check, then the policy. ``into``, when given, receives each verdict as soon as it
        is known, so a caller interrupted by a time limit still has the checks that finished."""
        verdicts = into if into is not None else []
        for check in self.checks:
            verdicts.append(check.run(sub, ctx))
        return Outcome(verdicts, self.policy.decide(verdicts))

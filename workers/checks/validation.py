"""Validation: the API's field rules (``service/core/validation.py``), run again on the stored row.

The worker cannot trust that every row came through today's API (older rows, other writers such as
``commentq spam evaluate``, a lowered limit), so it runs the *same* functions the API's schema runs:
``prepare`` then ``problems``. A comment the API accepted therefore always passes here; the worker
never rejects a comment for a reason the API could have told the reader with a ``422``.
No DNS lookup is ever made: the email's syntax is checked, not its deliverability.
"""

from __future__ import annotations

from service.core.validation import (
    SURROGATE,
    email_problem,
    prepare,
    problems,
    url_problem,
)
from service.core.vocabulary import CheckName
from workers.checks.base import INVALID, PASS, CheckContext, Submission, Verdict

__all__ = ["SURROGATE", "Validation", "email_problem", "url_problem"]

# The API's field names, as moderators read them in a reason.
LABELS = {"author": "name", "email": "email", "url": "website", "body": "comment"}


class Validation:
    name = CheckName.VALIDATION

    def run(self, sub: Submission, ctx: CheckContext) -> Verdict:
        fields = prepare(sub.author or "", sub.email or "", sub.body or "", sub.url)
        found = problems(fields, max_body_chars=ctx.config.max_body_chars)
        if found:
            reason = "; ".join(f"{LABELS[field]}: {msg}" for field, msgs in found.items() for msg in msgs)
            return Verdict(self.name, INVALID, 1.0, reason)
        return Verdict(self.name, PASS, 0.0, "fields well-formed")

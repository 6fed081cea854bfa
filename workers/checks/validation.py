"""Validation: what the API's schema enforces, checked again on the worker side.

The worker cannot trust that every row came through today's schema (older rows, other writers,
a changed limit), so required fields, lengths, email and URL shape are verified here too.
"""

from __future__ import annotations

import re

from email_validator import EmailNotValidError, validate_email

from workers.checks.base import INVALID, PASS, CheckContext, Submission, Verdict
from workers.checks.text import CONTROL, INVISIBLE

URL_SHAPE = re.compile(r"(?i)^https?://[^\s/?#@]+(?:[/?#][^\s]*)?$")


class Validation:
    name = "validation"

    def run(self, sub: Submission, ctx: CheckContext) -> Verdict:
        problems: list[str] = []
        if not sub.author.strip():
            problems.append("name is required")
        if len(sub.author) > 200:
            problems.append("name longer than 200 characters")
        if not sub.body.strip():
            problems.append("comment is empty")
        if len(sub.body) > ctx.config.max_body_chars:
            problems.append(f"comment longer than {ctx.config.max_body_chars} characters")
        for label, value in (("name", sub.author), ("comment", sub.body), ("email", sub.email)):
            if "\x00" in value:
                problems.append(f"{label} contains a NUL byte")
            elif CONTROL.search(value.replace("\n", "").replace("\r", "").replace("\t", "")):
                problems.append(f"{label} contains control characters")
        if sub.body.strip() and not INVISIBLE.sub("", sub.body).strip():
            problems.append("comment is only invisible characters")
        try:
            validate_email(sub.email, check_deliverability=False)
        except (EmailNotValidError, UnicodeError, ValueError) as exc:
            problems.append(f"email: {exc}")
        if sub.url and not URL_SHAPE.match(sub.url):
            problems.append("website must be an http(s) URL")
        if problems:
            return Verdict(self.name, INVALID, 1.0, "; ".join(problems))
        return Verdict(self.name, PASS, 0.0, "fields well-formed")

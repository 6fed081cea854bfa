"""The checks, one module each. ``default_checks`` is the order the pipeline runs them in."""

from __future__ import annotations

from workers.checks.base import Check
from workers.checks.duplicates import Duplicates
from workers.checks.honeypot import Honeypot
from workers.checks.links import Links
from workers.checks.validation import Validation


def default_checks() -> list[Check]:
    return [Validation(), Honeypot(), Links(), Duplicates()]

"""The checks, one module each. ``default_checks`` is the order the pipeline runs them in.

Cheap, precise rules first, then the history lookups, then the classifier; every check runs on
every comment so moderators see each verdict, score and reason.
"""

from __future__ import annotations

from workers.checks.author import Author, SharedWebsite
from workers.checks.base import Check
from workers.checks.disallowed import DisallowedKeys
from workers.checks.duplicates import Duplicates
from workers.checks.flood import Flood
from workers.checks.honeypot import Honeypot
from workers.checks.links import Links
from workers.checks.noise import Noise
from workers.checks.promotion import Promotion
from workers.checks.relevance import Relevance
from workers.checks.reputation import Reputation
from workers.checks.validation import Validation
from workers.checks.wordlists import WordLists


def default_checks() -> list[Check]:
    from workers.checks.classifier import Classifier  # the model module imports checks.text

    return [
        Validation(),
        Honeypot(),
        WordLists(),
        Links(),
        Author(),
        Relevance(),
        DisallowedKeys(),
        Duplicates(),
        Flood(),
        SharedWebsite(),
        Reputation(),
        Noise(),
        Promotion(),
        Classifier(),
    ]

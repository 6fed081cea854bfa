"""Helpers for the check unit tests: a submission and a context on an in-memory history."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta
from typing import Any

from service.core.settings import PolicyConfig
from workers.checks.base import CheckContext, Submission
from workers.checks.history import MemoryHistory
from workers.checks.text import content_hash

_ids = itertools.count()
T0 = datetime(2025, 1, 1, tzinfo=UTC)


def sub(body: str = "A perfectly ordinary comment.", **kw: Any) -> Submission:
    n = next(_ids)
    values: dict[str, Any] = {
        "id": f"c{n}",
        "article_id": 1,
        "author": "Ann",
        "email": f"ann{n}@example.org",
        "body": body,
        "created_at": T0 + timedelta(seconds=n),
    }
    values.update(kw)
    return Submission(**values)


def ctx(history: MemoryHistory | None = None, offline: bool = False, **config: Any) -> CheckContext:
    return CheckContext(config=PolicyConfig.defaults(**config), history=history or MemoryHistory(), offline=offline)


def remember(history: MemoryHistory, s: Submission, status: str = "published") -> None:
    history.remember(
        s.article_id,
        content_hash(s.body),
        s.id,
        body=s.body,
        author=s.author,
        email=s.email,
        ip=s.ip,
        url=s.url,
        created_at=s.created_at,
        status=status,
        parent_id=s.parent_id,
    )


# What CONTRACT.md's "Spam corpus format" says `commentq spam evaluate` prints (written out here, not
# read from the code under test).
CONTRACT_FIGURES = (
    "rows",
    "spam",
    "ham",
    "spam_published",
    "spam_held",
    "spam_rejected",
    "ham_published",
    "ham_held",
    "ham_rejected",
    "precision",
    "recall",
    "f1",
    "false_positive_rate",
)

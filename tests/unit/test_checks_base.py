"""Verdict and Submission are frozen dataclasses: positional and keyword construction, defaults,
equality, hashing, ``replace`` and ``asdict`` as every caller uses them."""

from __future__ import annotations

import dataclasses
import inspect
from datetime import UTC, datetime
from typing import Any

import pytest

from workers.checks.base import Submission, Verdict


@pytest.mark.parametrize("cls", [Verdict, Submission])
def test_init_takes_exactly_the_fields_with_their_defaults(cls: type[Any]) -> None:
    params = list(inspect.signature(cls.__init__).parameters.values())[1:]
    fields = dataclasses.fields(cls)
    assert [p.name for p in params] == [f.name for f in fields]
    for p, f in zip(params, fields, strict=True):
        assert p.default == (f.default if f.default is not dataclasses.MISSING else inspect.Parameter.empty)
        assert p.kind is inspect.Parameter.POSITIONAL_OR_KEYWORD


def test_verdict_is_a_frozen_value() -> None:
    v = Verdict("links", "hold", 0.5, "2 links", tags=frozenset({"reference-links"}))
    assert v == Verdict("links", "hold", 0.5, "2 links", None, frozenset({"reference-links"}))
    assert hash(v) == hash(Verdict("links", "hold", 0.5, "2 links", tags=frozenset({"reference-links"})))
    assert vars(v) == {
        "check": "links",
        "verdict": "hold",
        "score": 0.5,
        "reason": "2 links",
        "version": None,
        "tags": frozenset({"reference-links"}),
    }
    assert dataclasses.replace(v, score=0.9).score == 0.9
    assert repr(Verdict("a", "pass")) == (
        "Verdict(check='a', verdict='pass', score=0.0, reason='', version=None, tags=frozenset())"
    )
    with pytest.raises(dataclasses.FrozenInstanceError):
        v.score = 1.0  # type: ignore[misc]


def test_submission_is_a_frozen_value() -> None:
    when = datetime(2025, 1, 1, tzinfo=UTC)
    s = Submission(id="c1", article_id=1, author="Ann", email="a@example.org", body="hi", created_at=when)
    assert s == Submission("c1", 1, "Ann", "a@example.org", "hi", None, None, None, None, None, when)
    assert hash(s) == hash(dataclasses.replace(s))
    assert dataclasses.asdict(s) == {
        "id": "c1",
        "article_id": 1,
        "author": "Ann",
        "email": "a@example.org",
        "body": "hi",
        "url": None,
        "ip": None,
        "user_agent": None,
        "honeypot": None,
        "parent_id": None,
        "created_at": when,
        "article_url": None,
        "article_title": None,
        "article_text": None,
    }
    with pytest.raises(dataclasses.FrozenInstanceError):
        s.body = "changed"  # type: ignore[misc]
    with pytest.raises(TypeError):
        Submission(id="c1", article_id=1, author="Ann", email="a@example.org")  # type: ignore[call-arg]

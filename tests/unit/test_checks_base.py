"""Verdict's hand-written __init__ must behave like the generated frozen dataclass one."""

from __future__ import annotations

import dataclasses
import inspect

import pytest

from workers.checks.base import Verdict


def test_verdict_init_takes_exactly_the_fields_with_their_defaults():
    params = list(inspect.signature(Verdict.__init__).parameters.values())[1:]
    fields = dataclasses.fields(Verdict)
    assert [p.name for p in params] == [f.name for f in fields]
    for p, f in zip(params, fields, strict=True):
        assert p.default == (f.default if f.default is not dataclasses.MISSING else inspect.Parameter.empty)


def test_verdict_is_a_frozen_value():
    v = Verdict("links", "hold", 0.5, "2 links", tags=frozenset({"reference-links"}))
    assert v == Verdict("links", "hold", 0.5, "2 links", None, frozenset({"reference-links"}))
    assert hash(v) == hash(Verdict("links", "hold", 0.5, "2 links", tags=frozenset({"reference-links"})))
    assert vars(v) == {"check": "links", "verdict": "hold", "score": 0.5, "reason": "2 links", "version": None,
                       "tags": frozenset({"reference-links"})}
    assert dataclasses.replace(v, score=0.9).score == 0.9
    assert repr(Verdict("a", "pass")) == ("Verdict(check='a', verdict='pass', score=0.0, reason='', version=None, "
                                          "tags=frozenset())")
    with pytest.raises(dataclasses.FrozenInstanceError):
        v.score = 1.0  # type: ignore[misc]

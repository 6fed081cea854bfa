"""Word lists: moderation keys hold, disallowed keys mark spam, matched in every field, folded."""

from __future__ import annotations

import pytest

from tests.unit.checks_support import ctx, sub
from workers.checks.wordlists import WordLists


def run(keys=(), banned=(), **fields):
    return WordLists().run(sub(**fields), ctx(moderation_keys=tuple(keys), disallowed_keys=tuple(banned)))


def test_no_lists_pass():
    assert run(body="Buy viagra now").verdict == "pass"


@pytest.mark.parametrize(
    "body", ["buy VIAGRA now", "buy v1@gr4 now", "buy víagra now", "buy v.i.a.g.r.a now", "buy v i a g r a now"]
)
def test_disallowed_key_is_found_however_it_is_written(body):
    v = run(banned=["viagra"], body=body)
    assert v.verdict == "spam"
    assert "'viagra' in comment" in v.reason


def test_moderation_key_holds_and_disallowed_wins():
    assert run(keys=["casino"], body="best casino bonus").verdict == "hold"
    assert run(keys=["casino"], banned=["bonus"], body="best casino bonus").verdict == "spam"


def test_word_keys_match_whole_words_only():
    assert run(keys=["ass"], body="a classic class").verdict == "pass"
    assert run(keys=["ass"], body="what an ass").verdict == "hold"


@pytest.mark.parametrize(
    ("field", "value", "where"),
    [
        ("author", "Cheap Pills", "name"),
        ("email", "sales@pills-shop.example", "email"),
        ("url", "https://pills-shop.example/", "website"),
        ("ip", "203.0.113.7", "ip"),
    ],
)
def test_keys_match_in_every_field(field, value, where):
    key = {"name": "pills", "email": "pills-shop", "website": "pills-shop", "ip": "203.0.113."}[where]
    v = run(banned=[key], **{field: value})
    assert v.verdict == "spam" and f"in {where}" in v.reason


def test_blank_keys_are_ignored():
    assert run(keys=["", "  "], body="anything").verdict == "pass"

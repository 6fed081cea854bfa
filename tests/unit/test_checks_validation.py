"""Validation: required fields, lengths, email and URL shape, hostile Unicode — all named."""

from __future__ import annotations

import pytest
from email_validator import EmailNotValidError, validate_email
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.unit.checks_support import ctx, sub
from workers.checks.validation import Validation, email_problem, url_problem


def verdict(**kw):  # noqa: ANN201
    return Validation().run(sub(**kw), ctx())


def test_well_formed_comment_passes():
    v = verdict()
    assert (v.verdict, v.reason) == ("pass", "fields well-formed")


@pytest.mark.parametrize(("fields", "reason"), [
    ({"author": "   "}, "name is required"),
    ({"author": "\u200b\u200d"}, "name is required"),
    ({"author": "x" * 201}, "name longer than 200"),
    ({"author": "Ann\u202egnp.exe"}, "bidi-control"),
    ({"author": "Ann\nBob"}, "line-break"),
    ({"body": "  \n "}, "comment is empty"),
    ({"body": "\ufeff\u200b"}, "only invisible characters"),
    ({"body": "hello\x00world"}, "comment contains a NUL byte"),
    ({"body": "bell\x07"}, "comment contains control characters"),
    ({"body": "broken \ud800 surrogate"}, "lone surrogates"),
    ({"email": "not-an-email"}, "email:"),
    ({"email": "a@localhost"}, "email:"),
    ({"email": "a@x.test"}, "special-use"),
    ({"email": "x" * 330 + "@example.org"}, "email longer than 320"),
    ({"url": "javascript:alert(1)"}, "http(s) URL"),
    ({"url": "https://user:pw@example.org/"}, "credentials"),
    ({"url": "https://exa mple.org"}, "spaces"),
    ({"url": "https://nodot/"}, "no valid host"),
])
def test_each_problem_is_named(fields, reason):
    v = verdict(**fields)
    assert v.verdict == "invalid"
    assert reason in v.reason


def test_length_is_measured_after_nfkc_and_limit_is_configurable():
    # U+FB01 (the "fi" ligature) is one character that NFKC turns into two.
    assert Validation().run(sub(body="\ufb01" * 6), ctx(max_body_chars=10)).verdict == "invalid"
    assert Validation().run(sub(body="fi" * 5), ctx(max_body_chars=10)).verdict == "pass"
    assert Validation().run(sub(body="fi" * 6), ctx(max_body_chars=10)).verdict == "invalid"


def test_trailing_bom_and_newlines_in_body_are_fine():
    assert verdict(body="Nice song\ufeff\nsecond line\ttab").verdict == "pass"


@pytest.mark.parametrize("url", ["https://example.org", "http://localhost:8000/x?y#z", "https://[::1]/",
                                 "http://192.0.2.1/", "https://bücher.de/"])
def test_good_urls(url):
    assert url_problem(url) is None


def _email_validator_accepts(text: str) -> bool:
    try:
        validate_email(text, check_deliverability=False)
    except (EmailNotValidError, UnicodeError, ValueError):
        return False
    return True


@given(st.emails())
@settings(max_examples=200, deadline=None)
def test_email_fast_path_never_accepts_what_email_validator_refuses(email):
    assert (email_problem(email) is None) == _email_validator_accepts(email)


@given(st.text(max_size=80))
@settings(max_examples=200, deadline=None)
def test_email_fast_path_agrees_on_arbitrary_text(text):
    assert (email_problem(text) is None) == _email_validator_accepts(text)


@given(st.text(alphabet=st.characters(codec=None, exclude_categories=()), max_size=80))
def test_hostile_scan_agrees_with_the_patterns(text):
    from workers.checks.text import CONTROL
    from workers.checks.validation import SURROGATE, _has_hostile

    assert _has_hostile(text) == bool("\x00" in text or SURROGATE.search(text) or CONTROL.search(text))
    ascii_text = "".join(chr(ord(c) % 128) for c in text)
    assert _has_hostile(ascii_text) == bool(CONTROL.search(ascii_text))


def test_directional_marks_in_a_right_to_left_name_pass_but_overrides_do_not():
    assert verdict(author="\u202bאסף שמש\u202c\u200e").verdict == "pass"
    assert verdict(author="\u2067محمد\u2069").verdict == "pass"
    assert verdict(author="\u202eevil").verdict == "invalid"

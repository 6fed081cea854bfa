"""Validation: required fields, lengths, email and URL shape, hostile Unicode — all named."""

from __future__ import annotations

import pytest
from email_validator import EmailNotValidError, validate_email
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.unit.checks_support import ctx, sub
from workers.checks.validation import SURROGATE, Validation, email_problem, url_problem


def verdict(**kw):
    return Validation().run(sub(**kw), ctx())


def test_well_formed_comment_passes():
    v = verdict()
    assert (v.verdict, v.reason) == ("pass", "fields well-formed")


@pytest.mark.parametrize(
    ("fields", "reason"),
    [
        ({"author": "   "}, "name: Name is required"),
        ({"author": "\u200b\u200d"}, "name: Name is required"),
        ({"author": "x" * 201}, "name: Longer than maximum length 200"),
        ({"author": "Ann\u202egnp.exe"}, "name: Contains a bidirectional override"),
        ({"author": "Ad\u200bmin"}, "name: Contains invisible characters"),
        ({"author": "Ad\u200dmin"}, "name: Contains a zero-width joiner"),
        ({"author": "Ann\nBob"}, "name: Contains control characters"),
        ({"body": "  \n "}, "comment: Comment is empty"),
        ({"body": "\ufeff\u200b"}, "comment: Comment is empty"),
        ({"body": "hello\x00world"}, "comment: Contains a NUL byte"),
        ({"body": "bell\x07"}, "comment: Contains control characters"),
        ({"body": "broken \ud800 surrogate"}, "unpaired surrogate"),
        ({"body": "trojan \u202e source"}, "comment: Contains a bidirectional override"),
        ({"email": "not-an-email"}, "email: Not a valid email address"),
        ({"email": "a@localhost"}, "email: Not a valid"),
        ({"email": "a@x.test"}, "special-use"),
        ({"email": "x" * 250 + "@example.org"}, "email: Longer than maximum length 254"),
        ({"url": "javascript:alert(1)"}, "website: Must be an http:// or https:// URL"),
        ({"url": "https://user:pw@example.org/"}, "user name or password"),
        ({"url": "https://exa mple.org"}, "spaces"),
        ({"url": "https://nodot/"}, "website: Needs a full host name"),
        ({"url": "http://intranet"}, "website: Needs a full host name"),
        ({"url": "http://1.2.3.4:99999"}, "website: Not a valid URL"),
        ({"url": "http://10.0.0.1/"}, "website: Must be a public address"),
        ({"url": "http://printer.local/"}, "website: Must be a public address"),
    ],
)
def test_each_problem_is_named(fields, reason):
    v = verdict(**fields)
    assert v.verdict == "invalid"
    assert reason in v.reason


def test_length_is_measured_on_the_text_as_typed_and_limit_is_configurable():
    # U+FB01 (the "fi" ligature) is one character that NFKC would turn into two: it counts as one.
    assert Validation().run(sub(body="\ufb01" * 10), ctx(max_body_chars=10)).verdict == "pass"
    assert Validation().run(sub(body="\u2026" * 10), ctx(max_body_chars=10)).verdict == "pass"
    assert Validation().run(sub(body="fi" * 6), ctx(max_body_chars=10)).verdict == "invalid"
    # CRLF is one line break, as the browser's textarea counts it.
    assert Validation().run(sub(body="a\r\n" * 5), ctx(max_body_chars=10)).verdict == "pass"


def test_trailing_bom_and_newlines_in_body_are_fine():
    assert verdict(body="Nice song\ufeff\nsecond line\ttab").verdict == "pass"


@pytest.mark.parametrize(
    "url",
    [
        "https://example.org",
        "http://example.org:8000/x?y#z",
        "https://[2606:4700::1111]/",
        "http://8.8.8.8/",
        "https://bücher.de/",
        "www.example.org",
        "https://en.wikipedia.org/wiki/Python_(programming_language)",
    ],
)
def test_good_urls(url):
    assert verdict(url=url).verdict == "pass"


@pytest.mark.parametrize(
    "url",
    ["http://localhost:8000/x", "https://[::1]/", "http://192.0.2.1/", "http://wiki.internal/", "http://a.b.c.d.lan/"],
)
def test_private_hosts_are_not_websites(url):
    assert "Must be a public address" in url_problem(url) or "full host name" in url_problem(url)


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
    from service.core.validation import CONTROL, _hostile

    want = bool("\x00" in text or SURROGATE.search(text) or CONTROL.search(text))
    assert (_hostile(text, multiline=True) is not None) == want
    ascii_text = "".join(chr(ord(c) % 128) for c in text)
    assert (_hostile(ascii_text, multiline=True) is not None) == bool(CONTROL.search(ascii_text))
    assert (_hostile(ascii_text, multiline=False) is not None) == bool(
        CONTROL.search(ascii_text) or any(c in ascii_text for c in "\r\n\t")
    )


def test_directional_marks_in_a_right_to_left_name_pass_but_overrides_do_not():
    assert verdict(author="\u202bאסף שמש\u202c\u200e").verdict == "pass"
    assert verdict(author="\u2067محمد\u2069").verdict == "pass"
    assert verdict(author="\u202eevil").verdict == "invalid"

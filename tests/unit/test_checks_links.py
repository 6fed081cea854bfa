"""Links: count and hold threshold, shorteners, blocklisted domains (from config), reference sites."""

from __future__ import annotations

import pytest

from tests.unit.checks_support import ctx, sub
from workers.checks.links import Links

WIKI = (
    "Background reading: https://en.wikipedia.org/wiki/Pripyat_River https://en.wikipedia.org/wiki/Gomel "
    "https://en.wikipedia.org/wiki/Belarus https://en.wikipedia.org/wiki/Chernobyl"
)


def test_one_link_passes_two_hold_by_default():
    assert Links().run(sub(body="see https://example.org/a"), ctx()).verdict == "pass"
    v = Links().run(sub(body="see https://example.org/a and https://example.net/b"), ctx())
    assert v.verdict == "hold" and "2 links" in v.reason


def test_threshold_is_configurable():
    assert Links().run(sub(body="https://a.org https://b.org"), ctx(links_hold=3)).verdict == "pass"


def test_shortener_holds():
    v = Links().run(sub(body="look bit.ly/xyz"), ctx())
    assert v.verdict == "hold" and "bit.ly" in v.reason


def test_blocklisted_domain_and_its_subdomains_are_spam():
    c = ctx(blocked_domains=frozenset({"spam.example"}))
    assert Links().run(sub(body="go to https://shop.spam.example/x"), c).verdict == "spam"
    assert Links().run(sub(body="hello", url="https://www.spam.example/"), c).verdict == "spam"
    assert Links().run(sub(body="go to https://notspam.example/"), c).verdict == "pass"


def test_reference_links_are_tagged():
    v = Links().run(sub(body=WIKI), ctx())
    assert v.verdict == "hold" and "4 links" in v.reason and "reference-links" in v.tags
    v = Links().run(sub(body="https://en.wikipedia.org/wiki/A https://example.net/"), ctx())
    assert v.verdict == "hold" and not v.tags


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        ("great song http://psnboss.com/?ref=2tGgp3pV6L", "referral"),
        ("see shop.example.com/item?id=3&aff=991 now", "referral"),
        ("top 10: http://www.google.ro/url?sa=t&q=&url=http://x.example.com", "redirector"),
        ("read https://example.net/out?url=https://spam.example.com", "redirector"),
    ],
)
def test_referral_and_redirector_links_hold(body, reason):
    v = Links().run(sub(body), ctx())
    assert v.verdict == "hold" and reason in v.reason


def test_an_ordinary_link_with_a_query_passes():
    assert Links().run(sub("docs: https://example.org/search?q=python&page=2"), ctx()).verdict == "pass"

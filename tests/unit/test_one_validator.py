"""One validator: the API accepts a comment if and only if the worker's validation check passes it.

A corpus of awkward inputs (taken from bug reports against WordPress, Isso, Remark42, Commento and
Coral) is posted to the real API; each answer is compared with the worker's real ``validation``
check run on the same input and on the row the API stored. Hypothesis adds random fields.
"""

from __future__ import annotations

import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from marshmallow import ValidationError

from service.core import store
from service.core.models import Comment
from service.web.schemas import CommentIn
from tests.compare import first_difference
from tests.unit.checks_support import ctx
from workers.checking import submission_of
from workers.checks.base import Submission
from workers.checks.validation import Validation

GOOD = {"author": "Ann", "email": "ann@example.org", "body": "Hello there."}

# (field, value): each replaces one field of GOOD.
CORPUS = [
    # names: scripts that need joiners, emoji sequences, RTL names, spoofing and markup
    ("author", "سارا\u200cجان"),  # Persian with ZWNJ
    ("author", "Priya 👩\u200d💻"),  # emoji ZWJ sequence
    ("author", "👨\u200d👩\u200d👧\u200d👦 family"),
    ("author", "क्\u200dष"),  # Devanagari with ZWJ
    ("author", "🏴\U000e0067\U000e0062\U000e0073\U000e0063\U000e0074\U000e007f fan"),  # Scotland flag
    ("author", "❤\ufe0f Lea"),
    ("author", "\u202bאסף שמש\u202c\u200e"),
    ("author", "\u2067محمد\u2069"),
    ("author", "Ann\u202egnp.exe"),
    ("author", "Ann\u202dx"),
    ("author", "Ad\u200dmin"),
    ("author", "Ad\u200bmin"),
    ("author", "\u200d"),
    ("author", "\u200b\u200c"),
    ("author", "x\U000e0041"),
    ("author", "Bob\u00adby"),
    ("author", "<b onmouseover=alert(1)>Name</b>"),
    ("author", "<script>alert(1)</script>"),
    ("author", "<img src=x onerror=alert(1)>"),
    ("author", "&lt;b&gt;x"),
    ("author", "a <b>&lt;i&gt;</b>"),
    ("author", "Tom <3"),
    ("author", "a > b"),
    ("author", "  ﬁona  "),
    ("author", "Ann\nBob"),
    ("author", "Ann\tBob"),
    ("author", "Ann\x00"),
    ("author", "x" * 200),
    ("author", "x" * 201),
    ("author", "é" * 200),
    ("author", "   "),
    # websites
    ("url", "www.example.org"),
    ("url", "example.org/path?q=1"),
    ("url", "example.org:8080/x"),
    ("url", "HTTPS://Example.ORG/"),
    ("url", "https://bücher.de/"),
    ("url", "https://xn--bcher-kva.de/"),
    ("url", "http://8.8.8.8:8080/"),
    ("url", "http://[2001:4860:4860::8888]/"),
    ("url", "http://intranet"),
    ("url", "http://intranet/"),
    ("url", "http://localhost:8000/"),
    ("url", "http://printer.local/"),
    ("url", "http://wiki.corp/"),
    ("url", "http://10.0.0.1/"),
    ("url", "http://127.0.0.1/"),
    ("url", "http://[::1]/"),
    ("url", "http://192.168.1.1/"),
    ("url", "http://1.2.3.4:99999"),
    ("url", "http://1.2.3.4:0/"),
    ("url", "http://1.2.3/"),
    ("url", "http://example.org:abc/"),
    ("url", "http://-bad-.org/"),
    ("url", "http://under_score.org/"),
    ("url", "javascript:alert(1)"),
    ("url", "mailto:a@example.org"),
    ("url", "//evil.org"),
    ("url", "https://"),
    ("url", "https://user:pw@example.org/"),
    ("url", 'https://example.org/"onmouseover="x'),
    ("url", "https://exa mple.org"),
    ("url", "https://example.org/" + "a" * 1990),
    ("url", ""),
    ("url", None),
    # comments
    ("body", "x² + y² = r², H₂O, ½ cup"),
    ("body", "…" * 9990),
    ("body", "a" * 9990 + "…" * 10),
    ("body", "\u249b" * 10000),
    ("body", "ﬁ" * 10000),
    ("body", "a" * 10000),
    ("body", "a" * 10001),
    ("body", "line\r\n" * 1666 + "abcd"),  # 10,000 characters once CRLF counts as one
    ("body", "a\r\n" * 5000),
    ("body", "a\r" * 5000),
    ("body", "مرحبا 👋🏽 שלום"),
    ("body", "Persian نمی\u200cخواهم"),
    ("body", "Nice song\ufeff\nsecond line\ttab"),
    ("body", "  \n "),
    ("body", "\ufeff\u200b"),
    ("body", "hello\x00world"),
    ("body", "bell\x07"),
    ("body", "broken \ud800 surrogate"),
    ("body", "trojan \u202e source"),
    ("body", "isolate \u2066 x \u2069"),
    ("body", "<b>bold</b> and <script>alert(1)</script>"),
    # emails
    ("email", "Ann@EXAMPLE.org"),
    ("email", " ann@example.org "),
    ("email", "not-an-email"),
    ("email", "a@localhost"),
    ("email", "a@x.test"),
    ("email", "x" * 250 + "@example.org"),
    ("email", "δοκιμή@παράδειγμα.δοκιμή"),
]


@pytest.fixture
def slug(unit_app) -> str:
    with unit_app.extensions["db"].session() as session:
        store.put_article(session, "post", "A post", "https://blog.example.org/post/")
    return "post"


def worker_passes(payload: dict) -> bool:
    sub = Submission(
        id="x",
        article_id=1,
        author=payload.get("author"),
        email=payload.get("email"),
        body=payload.get("body"),
        url=payload.get("url"),
    )
    return Validation().run(sub, ctx()).verdict == "pass"


@pytest.mark.parametrize(("field", "value"), CORPUS, ids=[f"{f}-{i}" for i, (f, _) in enumerate(CORPUS)])
def test_api_accepts_iff_worker_validation_passes(client, unit_app, slug, field, value):
    payload = {**GOOD, field: value}
    resp = client.post(f"/api/v1/articles/{slug}/comments", data=json.dumps(payload), content_type="application/json")
    assert resp.status_code in (202, 422), resp.json
    assert (resp.status_code == 202) == worker_passes(payload), (resp.status_code, resp.json)
    if resp.status_code == 422:
        assert field in resp.json["errors"], resp.json  # the 422 names the field at fault
        return
    with unit_app.extensions["db"].session() as session:
        stored = session.get(Comment, resp.json["id"])
        verdict = Validation().run(submission_of(stored), ctx())
    assert verdict.verdict == "pass", verdict.reason  # and what was stored passes again


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("author", "سارا\u200cجان"),
        ("author", "Priya 👩\u200d💻"),
        ("body", "…" * 9990),
        ("body", "x² + y² = r²"),
        ("body", "H₂O"),
        ("body", "½ cup"),
        ("author", "ﬁona"),
    ],
)
def test_examples_accepted_and_stored_as_typed(client, unit_app, slug, field, value):
    resp = client.post(f"/api/v1/articles/{slug}/comments", json={**GOOD, field: value})
    assert resp.status_code == 202, resp.json
    with unit_app.extensions["db"].session() as session:
        diff = first_difference(getattr(session.get(Comment, resp.json["id"]), field), value)
        assert diff is None, diff


@pytest.mark.parametrize("url", ["http://intranet", "http://1.2.3.4:99999", "http://localhost/", "http://10.0.0.1/"])
def test_unreachable_websites_are_a_422_naming_the_field(client, slug, url):
    resp = client.post(f"/api/v1/articles/{slug}/comments", json={**GOOD, "url": url})
    assert resp.status_code == 422
    assert list(resp.json["errors"]) == ["url"]


def test_textarea_of_10000_characters_with_crlf_posted_without_javascript(client, unit_app, slug):
    typed = ("A line of the comment.\n" * 435)[:9999] + "!"  # what the reader sees: 10,000 characters
    assert len(typed) == 10_000
    resp = client.post(
        f"/api/v1/articles/{slug}/comments",
        data={"author": "Ann", "email": "ann@example.org", "comment": typed.replace("\n", "\r\n")},
        headers={"Accept": "application/json"},
    )
    assert resp.status_code == 303
    comment_id = resp.headers["X-Comment-Location"].rsplit("/", 1)[1]
    with unit_app.extensions["db"].session() as session:
        diff = first_difference(session.get(Comment, comment_id).body, typed)
        assert diff is None, diff


def test_scheme_less_website_is_stored_with_https(client, unit_app, slug):
    resp = client.post(f"/api/v1/articles/{slug}/comments", json={**GOOD, "url": "www.example.org"})
    assert resp.status_code == 202
    with unit_app.extensions["db"].session() as session:
        assert session.get(Comment, resp.json["id"]).url == "https://www.example.org"


@pytest.mark.parametrize("parent", [0, "0", "", None, " 0 "])
def test_json_parent_id_zero_means_top_level(client, unit_app, slug, parent):
    resp = client.post(f"/api/v1/articles/{slug}/comments", json={**GOOD, "parent_id": parent})
    assert resp.status_code == 202, resp.json
    with unit_app.extensions["db"].session() as session:
        assert session.get(Comment, resp.json["id"]).parent_id is None


@pytest.mark.parametrize("parent", [5, True, 0.0, [0]])
def test_other_non_string_parent_ids_are_refused(client, slug, parent):
    resp = client.post(f"/api/v1/articles/{slug}/comments", json={**GOOD, "parent_id": parent})
    assert resp.status_code == 422
    assert "parent_id" in resp.json["errors"]


# --- random fields: the schema and the worker agree on every one ----------------------------------
_awkward = st.sampled_from(
    list("aé ²½…\u200c\u200d\u200b\u202e\u202b\u2066\ufeff\r\n\t<>/&;:.@\x00\x07\ud800👩💻")
    + ["www.", "http://", "https://", "example.org", ":8080", "[::1]", "<b>", "</b>", "10.0.0.1", "xn--bcher-kva.de"]
)
_texts = st.lists(st.one_of(_awkward, st.text(max_size=4)), max_size=12).map("".join)


@given(author=_texts, body=_texts, url=st.one_of(st.none(), _texts))
@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_schema_accepts_iff_worker_passes_on_random_fields(author, body, url):
    payload = {"author": author, "email": "ann@example.org", "body": body, "url": url}
    try:
        data = CommentIn(max_body_chars=40).load(payload)
    except ValidationError:
        accepted = False
    else:
        accepted = True
        stored = Submission(
            id="x", article_id=1, author=data["author"], email=data["email"], body=data["body"], url=data["url"]
        )
        assert Validation().run(stored, ctx(max_body_chars=40)).verdict == "pass"
    sub = Submission(id="x", article_id=1, author=author, email="ann@example.org", body=body, url=url)
    assert accepted == (Validation().run(sub, ctx(max_body_chars=40)).verdict == "pass")

"""QA of issue 10 as a new user (Accept text/html form posts, names, error messages, visually
empty fields, links, slugs), through the real WSGI app: each QA example plus cases of its kind."""

from __future__ import annotations

import json
from urllib.parse import quote, urlencode

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from service.core import render, store, validation
from service.core.models import Article, Comment
from service.core.settings import form_post_bytes, load
from tests.compare import first_difference

GOOD = {"author": "Ann", "email": "ann@example.org", "body": "Hello there."}
FORM = {"author": "Ann", "email": "ann@example.org", "comment": "Hello there."}
URL = "/api/v1/articles/post/comments"
BROWSER = {"Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}


@pytest.fixture(autouse=True)
def post_article(unit_app) -> None:
    with unit_app.extensions["db"].session() as session:
        store.put_article(session, "post", "A post", "https://blog.example.org/post/")


def stored(unit_app, comment_id: str) -> Comment:
    with unit_app.extensions["db"].session() as session:
        comment = session.get(Comment, comment_id)
        session.expunge(comment)
        return comment


def form_post(client, fields: dict[str, str] | None = None, *, raw: bytes | None = None, html: bool = False):
    data = raw if raw is not None else urlencode(fields or {}).encode()
    return client.post(
        URL,
        data=data,
        content_type="application/x-www-form-urlencoded",
        headers=BROWSER if html else {"Accept": "application/json"},
    )


def posted_id(resp) -> str:
    return resp.headers["X-Comment-Location"].rsplit("/", 1)[1]


# --- 1. request size ---------------------------------------------------------------------------
@pytest.mark.parametrize("html", [True, False])
@pytest.mark.parametrize("content_type", ["application/x-www-form-urlencoded", "multipart/form-data"])
def test_oversize_form_post_is_413_never_500(client, html, content_type):
    big = "x" * (form_post_bytes(10_000) + 1)
    if content_type == "multipart/form-data":
        resp = client.post(
            URL,
            data={**FORM, "comment": big, "redirect_to": "https://blog.example.org/"},
            content_type=content_type,
            headers=BROWSER if html else {},
        )
    else:
        resp = client.post(
            URL, data=urlencode({**FORM, "comment": big}), content_type=content_type, headers=BROWSER if html else {}
        )
    assert resp.status_code == 413
    if html:
        assert resp.mimetype == "text/html"
        assert b"too large" in resp.data
        assert b"https://blog.example.org/post/#respond" in resp.data  # the way back, without reading the body
    else:
        assert "too large" in resp.json["error"]


def test_too_many_form_parts_is_413_never_500(client):
    """werkzeug refuses the form itself (max_form_parts): the error page must not parse it again."""
    raw = b"".join(b'--B\r\nContent-Disposition: form-data; name="f%d"\r\n\r\nx\r\n' % i for i in range(2000))
    resp = client.post(URL, data=raw + b"--B--\r\n", content_type="multipart/form-data; boundary=B", headers=BROWSER)
    assert resp.status_code == 413 and resp.mimetype == "text/html"


def test_oversize_json_is_413(client):
    resp = client.post(URL, data=json.dumps({**GOOD, "body": "x" * 300_000}), content_type="application/json")
    assert resp.status_code == 413


@pytest.mark.parametrize("char", ["漢", "😀", "👩", "\u00e9", "&", "+"])
def test_longest_comment_the_validator_accepts_fits_form_encoded(client, unit_app, char):
    """10,000 characters of any kind, with the longest name and website, posted from the form."""
    body = char * 10_000
    fields = {
        "author": char * validation.MAX_NAME,
        "email": "ann@example.org",
        "comment": body,
        "url": "https://example.org/" + "a" * (validation.MAX_URL - 20),
    }
    resp = form_post(client, fields, html=True)
    assert resp.status_code == 303, resp.data[:500]
    diff = first_difference(stored(unit_app, posted_id(resp)).body, body)
    assert diff is None, diff


@pytest.mark.parametrize("chars", [10_000, 50_000])
def test_default_size_limit_follows_the_body_limit(chars):
    settings = load({"COMMENTQ_MAX_BODY_CHARS": str(chars)})
    assert (
        settings.max_content_length
        >= 12 * chars + 12 * (validation.MAX_NAME + validation.MAX_EMAIL) + 3 * validation.MAX_URL
    )
    assert load({"COMMENTQ_MAX_CONTENT_LENGTH": "70000"}).max_content_length == 70_000


# --- 2. names ----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "name",
    [
        "<script>alert(1)</script>",
        "<Dave>",
        "<b></b>",
        "<!-- hi -->",
        "<img src=x onerror=alert(1)>",
        "</x>",
        "<?php ?>",
    ],
)
def test_markup_only_names_say_markup_not_required(client, name):
    resp = client.post(URL, json={**GOOD, "author": name})
    assert resp.status_code == 422
    assert "HTML markup" in resp.json["errors"]["author"][0]


@pytest.mark.parametrize(
    "name",
    [
        "x<y",
        "a < b > c",
        "<3",
        "Tom <3",
        "I <3 you >_<",
        "5>3",
        "x <",
        "<",
        "Tom &amp; Jerry",
        "&lt;b&gt;",
        "a<1>b",
        "Ann <= Bob",
        "x<y and",
    ],
)
def test_text_that_is_not_a_tag_is_stored_as_typed(client, unit_app, name):
    resp = client.post(URL, json={**GOOD, "author": name})
    assert resp.status_code == 202, resp.json
    assert stored(unit_app, resp.json["id"]).author == name
    assert client.get(resp.json["links"]["self"]).json["author"] == name


@pytest.mark.parametrize(
    ("typed", "kept"),
    [
        ("<b>Ann</b>", "Ann"),
        ("Ann <i>B.</i>", "Ann B."),
        ("x<y <b>z</b>", "x<y z"),
        ("Dave <dave@example.org>", "Dave"),
    ],
)
def test_real_tags_are_stripped_and_the_rest_kept(client, unit_app, typed, kept):
    resp = client.post(URL, json={**GOOD, "author": typed})
    assert resp.status_code == 202, resp.json
    assert stored(unit_app, resp.json["id"]).author == kept


@given(st.text(alphabet=st.sampled_from("ab <>/&;!?3é\u202b"), max_size=30))
@example("3<\u202b?>")
@example("3<?<?>>")  # one strip left "3<?>" behind
def test_name_cleaning_is_idempotent_and_keeps_text_without_tags(name):
    once = validation.clean_name(name)
    assert validation.clean_name(once) == once
    # The tag test is on the name without its RTL marks: "3<\u202b?>" loses the mark first and then
    # reads as the tag-like "<?>" (hypothesis found it), and stripping it is what keeps this idempotent.
    unmarked = validation.NAME_BIDI_MARKS.sub("", name)
    if not validation._LOOKS_LIKE_TAG.search(unmarked):
        assert once == unmarked.strip()


# --- 3. error messages -------------------------------------------------------------------------
@pytest.mark.parametrize("missing", ["comment", "author", "email"])
def test_form_post_missing_a_field_names_the_form_field(client, missing):
    resp = form_post(client, {k: v for k, v in FORM.items() if k != missing})
    assert resp.status_code == 422
    assert resp.json["errors"] == {missing: ["Missing data for required field."]}


def test_form_post_errors_use_form_names(client):
    resp = form_post(client, {**FORM, "comment": "x" * 10_001, "comment_parent": "no-such-parent"})
    assert resp.status_code == 422
    assert "comment" in resp.json["errors"] and "body" not in resp.json["errors"]
    resp = form_post(client, {**FORM, "comment_parent": "no-such-parent"})
    assert resp.status_code == 422 and list(resp.json["errors"]) == ["comment_parent"]


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("comment", "nul\x00"),
        ("comment_parent", "a\x00"),
        ("comment", "x" * 10_001),
        ("comment", " "),
        ("comment", "\u2800"),
        ("comment", "rtl \u202e"),
        ("author", "<Dave>"),
    ],
)
def test_every_form_error_names_the_form_field(client, field, value):
    resp = form_post(client, {**FORM, field: value})
    assert resp.status_code == 422
    assert list(resp.json["errors"]) == [field]


def test_form_post_error_page_labels_the_form_field(client):
    resp = form_post(client, {**FORM, "comment": "   "}, html=True)
    assert resp.status_code == 422 and resp.mimetype == "text/html"
    assert b"Comment" in resp.data and b"empty" in resp.data


@pytest.mark.parametrize(
    ("query", "field"),
    [("page=abc", "page"), ("per_page=0", "per_page"), ("page=" + "9" * 5000, "page"), ("page=-1", "page")],
)
def test_bad_query_parameter_is_named(client, query, field):
    resp = client.get(f"{URL}?{query}")
    assert resp.status_code == 422
    assert field in resp.json["error"] and "comment" not in resp.json["error"]
    assert list(resp.json["errors"]) == [field]
    assert "sys." not in resp.get_data(as_text=True)


@pytest.mark.parametrize(
    ("field", "raw"),
    [("parent_id", "9" * 5000), ("author", "-" + "1" * 4400), ("body", "[1, " + "7" * 31 + "]"), ("phone", "1" * 31)],
)
def test_huge_json_integers_are_refused_by_field_without_internals(client, field, raw):
    payload = json.dumps({k: v for k, v in GOOD.items() if k != field})[:-1] + f', "{field}": {raw}}}'
    resp = client.post(URL, data=payload, content_type="application/json")
    assert resp.status_code == 422
    assert list(resp.json["errors"]) == [field]
    assert "sys." not in resp.get_data(as_text=True) and "digits" in resp.json["errors"][field][0]


@pytest.mark.parametrize(
    ("char", "kind"),
    [
        ("\u2066", "isolate"),
        ("\u2067", "isolate"),
        ("\u2068", "isolate"),
        ("\u2069", "isolate"),
        ("\u202a", "embedding"),
        ("\u202b", "embedding"),
        ("\u202c", "embedding"),
        ("\u202d", "override"),
        ("\u202e", "override"),
    ],
)
def test_bidi_controls_are_named_by_kind(client, char, kind):
    resp = client.post(URL, json={**GOOD, "body": f"a {char}b c"})
    assert resp.status_code == 422
    message = resp.json["errors"]["body"][0]
    assert kind in message and f"U+{ord(char):04X}" in message


# --- 4. visually empty fields, invalid UTF-8 -------------------------------------------------------
INVISIBLE = [
    "\u2800",
    "\U000e0041\U000e0042",
    "\U000e0001",
    "\u3164",
    "\u115f\u1160",
    "\uffa0",
    "\ufe0f",
    "\U000e0100",
    "\u0301\u0301",
    "\u20dd",
    "\u2800 \u3000",
    "\u200b\u2800",
    "\u00a0\u2007\u202f",
    "\u2028\u2029",
    "\u180e",
    "\u17b4",
    "\u2061\u2062",
    "\ufeff",
    "\u034f",
    "\u061c",
    "\u206a",
    "\U0001d173",
    "\ufff9\ufffb",
    "\u1680",
]


@given(
    st.lists(st.sampled_from(INVISIBLE + [" ", "\n", "\t", "\u3000"]), min_size=1, max_size=20),
    st.sampled_from("aZ7é漢😀!"),
    st.integers(min_value=0, max_value=20),
)
def test_blank_means_no_visible_character_anywhere(parts, letter, where):
    """Any mix of the invisible kinds is refused as empty in both fields; one visible character
    anywhere among them is enough not to be (other rules may still refuse the name)."""
    blank = "".join(parts)
    one_line = blank.replace("\n", " ").replace("\t", " ")  # (line breaks are refused in names anyway)
    assert "empty" in validation.body_problem(blank, 10_000)
    assert "required" in validation.name_problem(one_line)
    assert "empty" not in (validation.body_problem(blank[:where] + letter + blank[where:], 10_000) or "")
    assert "required" not in (validation.name_problem(one_line[:where] + letter + one_line[where:]) or "")


@pytest.mark.parametrize("value", INVISIBLE)
@pytest.mark.parametrize("field", ["body", "author"])
def test_fields_with_no_visible_character_are_422_naming_the_field(client, field, value):
    resp = client.post(URL, json={**GOOD, field: value})
    assert resp.status_code == 422, resp.json
    assert list(resp.json["errors"]) == [field]


ENGLAND = "🏴\U000e0067\U000e0062\U000e0065\U000e006e\U000e0067\U000e007f"


@pytest.mark.parametrize("body", ["e\u0301", "❤\ufe0f", ENGLAND, "\u2800x", "ㅤhi", "\ue000", "ก\u0e31", "—"])
def test_bodies_with_something_visible_are_accepted(client, unit_app, body):
    resp = client.post(URL, json={**GOOD, "body": body})
    assert resp.status_code == 202, resp.json
    assert stored(unit_app, resp.json["id"]).body == body


@pytest.mark.parametrize("field", ["author", "email", "comment", "url"])
@pytest.mark.parametrize("bad", [b"%ff%fe", b"ok%c3", b"%ed%a0%80", b"%c0%af"])
def test_invalid_utf8_in_a_form_field_is_refused_by_name(client, field, bad):
    fields = {**FORM, "url": "https://example.org/"}
    raw = (
        "&".join(f"{k}={quote(v)}" for k, v in fields.items() if k != field).encode()
        + b"&"
        + field.encode()
        + b"="
        + bad
    )
    resp = form_post(client, raw=raw)
    assert resp.status_code == 400
    assert list(resp.json["errors"]) == [field]


def test_invalid_utf8_in_a_multipart_field_is_refused_by_name(client):
    boundary = "XyZ"
    parts = [(k, v.encode()) for k, v in FORM.items() if k != "author"] + [("author", b"\xff\xfeAnn")]
    raw = (
        b"".join(
            f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n'.encode() + v + b"\r\n"
            for k, v in parts
        )
        + f"--{boundary}--\r\n".encode()
    )
    resp = client.post(
        URL, data=raw, content_type=f"multipart/form-data; boundary={boundary}", headers={"Accept": "application/json"}
    )
    assert resp.status_code == 400
    assert list(resp.json["errors"]) == ["author"]


def test_a_typed_replacement_character_is_kept(client, unit_app):
    resp = form_post(client, {**FORM, "comment": "broken glyph: \ufffd"})
    assert resp.status_code == 303
    assert stored(unit_app, posted_id(resp)).body == "broken glyph: \ufffd"


# --- 5. links ----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "href",
    [
        "//evil.example.com",
        "/relative",
        "relative/path",
        "?q=1",
        "#top",
        "http:evil.example.com",
        "https:/evil.example.com",
        "https:///evil.example.com",
        "https:\\\\evil.example.com",
        "/\\evil.example.com",
        "&#47;/evil.example.com",
        " //evil.example.com",
        "mailto:a@example.org",
        "javascript:alert(1)",
        "ftp://example.org/",
    ],
)
def test_only_absolute_http_links_survive(href):
    out = render.render_body(f'see <a href="{href}">the text</a>.')
    assert "href" not in out and "the text" in out


@pytest.mark.parametrize("href", ["https://example.org/", "http://example.org/a?b=1", "HTTPS://Example.org/x"])
def test_absolute_http_links_are_kept(href):
    assert f'href="{href.replace("&", "&amp;")}"' in render.render_body(f'<a href="{href}">x</a>')


# --- 6. slugs ----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "slug",
    [
        "bad slug/../x",
        "nul\x01",
        "a/b",
        "with space",
        "tab\tx",
        "-lead",
        ".hidden",
        "..",
        "x" * 201,
        "quote'd",
        "q?x",
        "hash#x",
        "pct%20x",
        "",
    ],
)
def test_cli_refuses_slugs_the_routes_cannot_reach(runner, unit_app, slug):
    result = runner.invoke(["article", "put", slug, "--title", "T"])
    assert result.exit_code != 0
    assert "SLUG" in result.output
    with unit_app.extensions["db"].session() as session:
        assert session.query(Article).filter_by(slug=slug).count() == 0


@pytest.mark.parametrize("slug", ["sourdough", "2026-12-01-notes", "café-au-lait", "v1.2_release~draft", "日本語"])
def test_cli_accepts_slugs_and_the_api_reaches_them(runner, client, slug):
    result = runner.invoke(["article", "put", slug, "--title", "T"])
    assert result.exit_code == 0, result.output
    resp = client.post(f"/api/v1/articles/{quote(slug)}/comments", json=GOOD)
    assert resp.status_code == 202


def test_api_and_cli_share_one_slug_rule():
    for slug in ["with space", "nul\x01", "ok-slug"]:
        assert (validation.slug_problem(slug) is None) == (slug == "ok-slug")

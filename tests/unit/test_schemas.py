"""The submission schema: what it accepts, normalises and refuses."""

from __future__ import annotations

import pytest
from marshmallow import ValidationError

from service.web.schemas import CommentIn, form_to_comment


def load(**fields):
    return CommentIn().load({"author": "Ann", "email": "ann@example.org", "body": "Hi", **fields})


def test_text_is_stored_as_typed_name_trimmed():
    # NFKC is for matching (the checks), never for what is stored and published.
    data = load(author="  ﬁona  ", body="ｆｕｌｌ width: x² + y² = r², H₂O, ½ cup")
    assert data["author"] == "ﬁona"
    assert data["body"] == "ｆｕｌｌ width: x² + y² = r², H₂O, ½ cup"


def test_crlf_is_one_character():
    assert (
        CommentIn(max_body_chars=6).load({"author": "a", "email": "a@example.org", "body": "ab\r\ncd\r\n"})["body"]
        == "ab\ncd\n"
    )


def test_tags_are_stripped_from_the_name():
    assert load(author="<b onmouseover=alert(1)>Name</b>")["author"] == "Name"
    assert load(author="<script>alert(1)</script>Eve")["author"] == "Eve"
    assert load(author="Tom <3")["author"] == "Tom <3"
    with pytest.raises(ValidationError) as exc:
        load(author="<script>alert(1)</script>")
    assert "author" in exc.value.messages


def test_email_is_normalised_and_url_optional():
    data = load(email="Ann@EXAMPLE.org", url="")
    assert data["email"] == "Ann@example.org"
    assert data["url"] is None


def test_unknown_fields_are_ignored():
    assert "is_admin" not in load(is_admin=True)


def test_emoji_and_rtl_text_are_fine():
    data = load(body="مرحبا 👋🏽 שלום")
    assert "👋🏽" in data["body"]


@pytest.mark.parametrize("url", ["https://example.org", "http://example.org/a?b=c#d"])
def test_http_urls_accepted(url):
    assert load(url=url)["url"] == url


@pytest.mark.parametrize(
    ("typed", "stored"),
    [("www.example.org", "https://www.example.org"), ("  example.org/me ", "https://example.org/me")],
)
def test_scheme_less_urls_get_https(typed, stored):
    assert load(url=typed)["url"] == stored


@pytest.mark.parametrize(
    "url",
    [
        "javascript:alert(1)",
        "//evil.org",
        "https://",
        "http://a b.org",
        "https://user@evil.org",
        "mailto:a@b.org",
        "http://intranet",
        "http://1.2.3.4:99999",
        "http://localhost/",
    ],
)
def test_other_urls_refused(url):
    with pytest.raises(ValidationError) as exc:
        load(url=url)
    assert "url" in exc.value.messages


def test_max_body_is_configurable():
    with pytest.raises(ValidationError):
        CommentIn(max_body_chars=5).load({"author": "a", "email": "a@example.org", "body": "123456"})


def test_wordpress_form_fields_map_to_json_fields():
    data = form_to_comment(
        {
            "author": "T",
            "email": "t@example.org",
            "url": "",
            "comment": "Body",
            "comment_parent": "0",
            "comment_post_ID": "5",
        }
    )
    assert data == {
        "author": "T",
        "email": "t@example.org",
        "url": None,
        "body": "Body",
        "parent_id": None,
        "phone": None,
    }
    assert form_to_comment({"comment_parent": "abc"})["parent_id"] == "abc"


def test_directional_marks_in_a_right_to_left_name_are_removed_not_refused():
    # As YouTube and other systems wrap RTL names: embedding, pop, left-to-right mark.
    assert load(author="\u202bאסף שמש\u202c\u200e")["author"] == "אסף שמש"
    with pytest.raises(ValidationError, match="bidirectional"):
        load(author="Ann\u202egnp.exe")

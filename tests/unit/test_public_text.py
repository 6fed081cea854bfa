"""What the public sees is what the reader typed: names without live markup, text not normalised,
the allowed markup shown under the form."""

from __future__ import annotations

import pytest

from service.core import store
from service.core.models import Comment
from service.core.render import ALLOWED_MARKUP_TEXT
from service.core.vocabulary import Status


@pytest.fixture
def slug(unit_app) -> str:
    with unit_app.extensions["db"].session() as session:
        store.put_article(session, "post", "A post")
    return "post"


def publish(unit_app, comment_id: str) -> None:
    with unit_app.extensions["db"].session() as session:
        assert store.publish(
            session, session.get(Comment, comment_id), (Status.RECEIVED,), action="publish", actor="check:test"
        )
        session.commit()


@pytest.mark.parametrize(
    ("typed", "shown"),
    [
        ("<b onmouseover=alert(1)>Name</b>", "Name"),
        ('<a href="https://evil.example/">Click</a> me', "Click me"),
        ("<script>alert(1)</script>Eve", "Eve"),
        ("Tom <3", "Tom <3"),
    ],
)
def test_author_names_carry_no_markup_into_the_public_list(client, unit_app, slug, typed, shown):
    resp = client.post(
        f"/api/v1/articles/{slug}/comments", json={"author": typed, "email": "a@example.org", "body": "Hi"}
    )
    assert resp.status_code == 202
    publish(unit_app, resp.json["id"])
    (item,) = client.get(f"/api/v1/articles/{slug}/comments").json["items"]
    assert item["author"] == shown
    assert client.get(f"/api/v1/comments/{resp.json['id']}").json["author"] == shown


def test_a_name_stored_with_tags_before_the_rule_is_cleaned_on_the_way_out(client, unit_app, slug):
    with unit_app.extensions["db"].session() as session:
        c = store.create_comment(
            session,
            store.get_article(session, slug),
            {"author": "<b onmouseover=x>Old</b> &lt;i&gt;", "email": "a@example.org", "body": "Hi"},
            ip=None,
            user_agent=None,
            request_id=None,
        )
        store.publish(session, c, (Status.RECEIVED,), action="publish", actor="check:test")
        session.commit()
    (item,) = client.get(f"/api/v1/articles/{slug}/comments").json["items"]
    assert "<" not in item["author"] and item["author"].startswith("Old")
    page = client.get(f"/articles/{slug}").get_data(as_text=True)
    assert "onmouseover" not in page


def test_text_is_published_as_typed(client, unit_app, slug):
    body = "x² + y² = r²\nH₂O, ½ cup"
    resp = client.post(
        f"/api/v1/articles/{slug}/comments", json={"author": "Ann", "email": "a@example.org", "body": body}
    )
    publish(unit_app, resp.json["id"])
    (item,) = client.get(f"/api/v1/articles/{slug}/comments").json["items"]
    assert item["body_html"] == "<p>x² + y² = r²<br>H₂O, ½ cup</p>"


def test_the_form_says_which_tags_commenters_may_use_and_takes_a_bare_website(client, slug):
    html = client.get(f"/articles/{slug}").get_data(as_text=True)
    assert "You may use these" in html
    assert "&lt;blockquote&gt;" in html and ALLOWED_MARKUP_TEXT.count("<") == 10
    assert 'id="url" name="url" type="text" inputmode="url"' in html  # type=url would refuse www.example.org

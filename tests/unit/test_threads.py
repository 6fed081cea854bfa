"""Threads: deep chains never lose a comment, display depth is capped, removed comments keep their
replies in context; and `commentq article put` changes only what it is given."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from service.core import store
from service.core.models import Comment
from service.core.settings import load
from service.core.vocabulary import Status


def add(session, article, body, parent=None, when=None):
    comment = store.create_comment(
        session,
        article,
        {"author": f"R{body}", "email": "r@example.org", "body": body, "parent_id": parent},
        ip=None,
        user_agent=None,
        request_id=None,
    )
    if when is not None:
        comment.created_at = when
    assert store.publish(session, comment, (Status.RECEIVED,), action="publish", actor="check:test")
    session.commit()
    return comment.id


@pytest.fixture
def article(unit_app):
    with unit_app.extensions["db"].session() as session:
        return store.put_article(session, "deep", "Deep threads").slug


def chain(unit_app, n: int) -> list[str]:
    ids: list[str] = []
    with unit_app.extensions["db"].session() as session:
        art = store.get_article(session, "deep")
        t0 = store.utcnow()
        for i in range(n + 1):
            ids.append(add(session, art, f"level {i}", ids[-1] if ids else None, t0 + timedelta(seconds=i)))
    return ids


def walk(items, level=1):
    for item in items:
        yield item, level
        yield from walk(item["replies"], level + 1)


def test_a_chain_of_55_replies_shows_all_56_comments(client, unit_app, article):
    ids = chain(unit_app, 55)
    page = client.get(f"/api/v1/articles/{article}/comments").json
    seen = list(walk(page["items"]))
    assert [item["id"] for item, _ in seen] == ids  # every one, in order
    assert max(level for _, level in seen) == 5  # nested COMMENTQ_THREAD_DEPTH (5) levels deep
    shown = {item["id"] for item, _ in seen}
    for item, _ in seen:  # every parent_id names a comment in the list
        assert item["parent_id"] is None or item["parent_id"] in shown
    assert [item["parent_id"] for item, _ in seen] == [None, *ids[:-1]]  # the true parents


def test_the_article_page_shows_every_comment_of_a_deep_chain_at_most_n_levels_deep(client, unit_app, article):
    ids = chain(unit_app, 55)
    html = client.get(f"/articles/{article}").get_data(as_text=True)
    for comment_id in ids:
        assert f'id="comment-{comment_id}"' in html
    levels = [int(x) for x in re.findall(r'data-level="(\d+)"', html)]
    assert len(levels) == 56 and max(levels) == 5
    # the replies listed at the last level say whom they answer
    assert html.count('class="in-reply-to">in reply to <a href="#comment-') == 56 - 5


def test_thread_depth_is_a_setting(tmp_path, unit_app, article):
    chain(unit_app, 10)
    with unit_app.extensions["db"].session() as session:
        art = store.get_article(session, article)
        for depth in (2, 3, 8):
            page = store.published_threads(session, art, 1, 50, depth)
            seen = list(walk(page.items))
            assert len(seen) == 11 and max(level for _, level in seen) == depth
    assert load({"COMMENTQ_INSTANCE_DIR": str(tmp_path), "SECRET_KEY": "x"}).thread_depth == 5
    assert (
        load({"COMMENTQ_INSTANCE_DIR": str(tmp_path), "SECRET_KEY": "x", "COMMENTQ_THREAD_DEPTH": "3"}).thread_depth
        == 3
    )
    with pytest.raises(ValueError, match="COMMENTQ_THREAD_DEPTH"):
        load({"COMMENTQ_INSTANCE_DIR": str(tmp_path), "SECRET_KEY": "x", "COMMENTQ_THREAD_DEPTH": "0"})


def test_a_removed_comments_replies_stay_in_their_thread(client, unit_app, article):
    with unit_app.extensions["db"].session() as session:
        art = store.get_article(session, article)
        a = add(session, art, "A")
        b = add(session, art, "B", a)
        c = add(session, art, "C", b)
        d = add(session, art, "D", c)
        assert store.decide(session, session.get(Comment, b), "remove", "mod", None)
        session.commit()
    items = client.get(f"/api/v1/articles/{article}/comments").json["items"]
    assert [i["id"] for i in items] == [a]  # C did not jump to the top level
    (c_item,) = items[0]["replies"]
    assert (c_item["id"], c_item["parent_id"]) == (c, a)  # under A, and parent_id names A
    assert [(r["id"], r["parent_id"]) for r in c_item["replies"]] == [(d, c)]
    html = client.get(f"/articles/{article}").get_data(as_text=True)
    assert "in reply to a removed comment" in html


def test_replies_to_a_removed_top_level_comment_become_top_level_without_a_dangling_parent(client, unit_app, article):
    with unit_app.extensions["db"].session() as session:
        art = store.get_article(session, article)
        a = add(session, art, "A")
        b = add(session, art, "B", a)
        assert store.decide(session, session.get(Comment, a), "spam", "mod", None)
        session.commit()
    items = client.get(f"/api/v1/articles/{article}/comments").json["items"]
    assert [(i["id"], i["parent_id"]) for i in items] == [(b, None)]


def test_article_put_changes_only_what_it_is_given(runner, unit_app):
    assert (
        runner.invoke(
            ["article", "put", "p", "--title", "T", "--url", "https://blog.example.org/p/", "--closed"]
        ).exit_code
        == 0
    )
    result = runner.invoke(["article", "put", "p", "--title", "T2"])
    assert result.exit_code == 0, result.output
    assert "closed" in result.output
    with unit_app.extensions["db"].session() as session:
        a = store.get_article(session, "p")
        assert (a.title, a.url, a.closed) == ("T2", "https://blog.example.org/p/", True)
    assert runner.invoke(["article", "put", "p", "--open"]).exit_code == 0
    with unit_app.extensions["db"].session() as session:
        a = store.get_article(session, "p")
        assert (a.title, a.closed) == ("T2", False)
    result = runner.invoke(["article", "put", "new-one"])
    assert result.exit_code != 0 and "title" in result.output

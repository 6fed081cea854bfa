"""Issue 9 through HTTP with a real worker: blog spam is judged by its name, website and relevance;
rejected comments stay reviewable (``?status=rejected``) and "not-spam" publishes them and teaches."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from service.core import store
from service.core.models import LabelledExample
from tests.conftest import wait_for
from tests.integration.test_pipeline import FOUR_LINKS, held_ids

pytestmark = pytest.mark.integration

NEWS_REPLY = (
    "I think the numbers are a bit different now, see "
    "https://www.theguardian.com/world/2024/jan/05/talks-venue-announced for the latest."
)


def _decide(stack, token: str, cid: str, action: str):
    return stack.http.post(
        f"/api/v1/moderation/comments/{cid}/decision",
        json_body={"action": action},
        headers={"Authorization": f"Bearer {token}"},
    )


def test_flattery_from_a_commercial_name_is_rejected_then_not_spam_publishes(
    stack, stack_app, article, submit, final_status, moderator_token
):
    cid = submit(
        "Great post, I'll bookmark your site and come back!",
        author="Cheap Flights To Europe",
        url="https://cheap-flights-europe.com/",
    )["id"]
    assert final_status(cid) == "rejected"
    item = held_ids(stack, moderator_token, status="rejected").get(cid)
    assert item is not None, "a rejected comment is in the moderation queue under status=rejected"
    verdicts = {c["check"]: c for c in item["checks"]}
    assert verdicts["author"]["verdict"] == "spam" and "commercial" in verdicts["author"]["reason"]
    assert _decide(stack, moderator_token, cid, "not-spam").json()["status"] == "published"
    assert final_status(cid) == "published"
    assert _decide(stack, moderator_token, cid, "not-spam").status == 409  # only from rejected
    with stack_app.extensions["db"].session() as session:
        labels = session.scalars(select(LabelledExample.label).where(LabelledExample.comment_id == cid)).all()
    assert labels == [0]


def test_readme_walkthrough_four_wikipedia_links_held_then_approved_and_a_news_reply_publishes(
    stack, article, submit, final_status, moderator_token
):
    cid = submit(FOUR_LINKS)["id"]
    item = wait_for(lambda: held_ids(stack, moderator_token).get(cid), timeout=10)
    assert any(c["check"] == "links" and "4 links" in c["reason"] for c in item["checks"])
    assert _decide(stack, moderator_token, cid, "approve").json()["status"] == "published"
    reply = submit(NEWS_REPLY, parent_id=cid)["id"]
    assert final_status(reply) == "published"


def test_generic_praise_off_topic_with_a_website_is_held_when_the_article_has_text(
    stack, stack_app, submit, final_status, moderator_token
):
    with stack_app.extensions["db"].session() as session:
        store.put_article(
            session,
            "sourdough",
            "Sourdough starter in five days",
            None,
            False,
            "Feed the starter with flour and water every morning; the jar should double.",
        )
    on_topic = submit(
        "Very informative, thanks for sharing! My starter finally doubled.",
        slug="sourdough",
        url="https://annbakes.example.org/",
    )["id"]
    off_topic = submit("Very informative, thanks for sharing!", slug="sourdough", url="https://some-site.example.org/")[
        "id"
    ]
    assert final_status(on_topic) == "published"
    item = wait_for(lambda: held_ids(stack, moderator_token).get(off_topic), timeout=10)
    relevance = [c for c in item.get("checks", []) if c["check"] == "relevance"]
    assert relevance and relevance[0]["verdict"] == "hold" and "nothing from the article" in relevance[0]["reason"]

"""Issue 11, kind 8: a NUL byte (or a lone surrogate) in any id, slug, query parameter or field is
bad input (400/404/422), never "store unavailable" (503), on PostgreSQL as on SQLite."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from flask import Flask
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from service import create_app
from service.core.migrate import upgrade
from service.core.settings import load
from tests.conftest import _database_for
from tests.hostile.conftest import SLUG, seed


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def store_app(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, hostile_redis
) -> Iterator[Flask]:
    tmp = tmp_path_factory.mktemp(f"unstorable-{request.param}")
    url, drop = _database_for(request.param, tmp)
    app = create_app(
        load(
            {
                "COMMENTQ_INSTANCE_DIR": str(tmp),
                "SECRET_KEY": "nul",
                "DATABASE_URL": url,
                "REDIS_URL": hostile_redis.url,
                "COMMENTQ_RATE_LIMIT": "100000 per minute",
                "COMMENTQ_LOG_JSON": "0",
                "COMMENTQ_LOG_LEVEL": "ERROR",
            }
        )
    )
    upgrade(app.extensions["db"])
    app.extensions["seed"] = seed(app)
    yield app
    app.extensions["db"].dispose()
    drop()


def auth(app: Flask) -> dict[str, str]:
    return {"Authorization": f"Bearer {app.extensions['seed']['token']}"}


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/comments/%00",
        "/api/v1/comments/abc%00def",
        f"/api/v1/articles/{SLUG}%00",
        f"/api/v1/articles/{SLUG}%00/comments",
        "/api/v1/articles/%00/comments",
        "/articles/%00",
        f"/articles/{SLUG}?comment=%00",
        f"/articles/{SLUG}?replytocom=%00",
        f"/articles/{SLUG}?comment=a%00b",
        f"/articles/{SLUG}?page=%00",
        f"/api/v1/articles/{SLUG}/comments?page=%00",
        "/api/v1/moderation/comments/%00",
        "/api/v1/moderation/queue?article=%00",
        "/api/v1/moderation/queue?status=%00",
        f"/articles/{SLUG}?%00=1",
    ],
)
def test_nul_in_urls_is_bad_input(store_app: Flask, path: str) -> None:
    resp = store_app.test_client().get(path, headers=auth(store_app))
    assert resp.status_code in (400, 404, 422), (path, resp.status_code, resp.get_data(as_text=True)[:200])


@pytest.mark.parametrize(
    "field,value",
    [
        ("parent_id", "\u0000"),
        ("parent_id", "abc\u0000"),
        ("phone", "\u0000"),
        ("phone", "x\u0000y"),
        ("url", "https://example.org/\u0000"),
        ("author", "A\u0000"),
        ("body", "Hi\u0000there"),
        ("email", "a\u0000@example.org"),
        ("parent_id", "\ud800"),
        ("phone", "\udfff"),
        ("\u0000", "x"),
    ],
)
def test_nul_in_json_fields_is_a_422_naming_the_field(store_app: Flask, field: str, value: str) -> None:
    payload = {"author": "Ann", "email": "ann@example.org", "body": "A fine comment.", field: value}
    resp = store_app.test_client().post(f"/api/v1/articles/{SLUG}/comments", json=payload)
    assert resp.status_code == 422, (field, resp.status_code, resp.get_data(as_text=True)[:300])
    assert resp.get_json()["errors"], resp.get_json()


@pytest.mark.parametrize("field", ["comment_parent", "phone", "author", "comment", "url"])
def test_nul_in_form_fields_is_a_422(store_app: Flask, field: str) -> None:
    data = {"author": "Ann", "email": "ann@example.org", "comment": "A fine comment.", field: "x\x00y"}
    resp = store_app.test_client().post(f"/api/v1/articles/{SLUG}/comments", data=data)
    assert resp.status_code == 422, (field, resp.status_code)


def test_nul_in_desk_urls_and_moderator_note(store_app: Flask) -> None:
    client = store_app.test_client()
    held = store_app.extensions["seed"]["held"]
    resp = client.post(
        f"/api/v1/moderation/comments/{held}/decision",
        json={"action": "reject", "note": "a\u0000b"},
        headers=auth(store_app),
    )
    assert resp.status_code in (400, 422), resp.status_code
    # The desk (signed in): ids and article slugs with NUL are 404s, filters 400s.
    page = client.get("/moderation/login").get_data(as_text=True)
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    client.post("/moderation/login", data={"token": store_app.extensions["seed"]["token"], "csrf_token": csrf})
    for path in [
        "/moderation/comments/%00",
        "/moderation/articles/%00",
        "/moderation/?article=%00",
        "/moderation/?status=held%00",
    ]:
        assert client.get(path).status_code in (400, 404, 422), path


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    st.dictionaries(
        st.sampled_from(["author", "email", "body", "url", "parent_id", "phone"]),
        st.text(alphabet=st.characters(codec="utf-8", include_characters="\x00"), max_size=12).map(
            lambda s: s + "\x00"
        ),
        min_size=1,
    )
)
def test_any_nul_anywhere_in_a_submission_is_a_4xx(store_app: Flask, fields: dict[str, str]) -> None:
    payload = {"author": "Ann", "email": "ann@example.org", "body": "A fine comment.", **fields}
    resp = store_app.test_client().post(f"/api/v1/articles/{SLUG}/comments", json=payload)
    assert resp.status_code == 422, resp.status_code


def test_the_engine_refuses_unstorable_values_whatever_the_path(store_app: Flask) -> None:
    """The last line: a statement with a NUL parameter is refused before the driver sees it."""
    from sqlalchemy import select

    from service.core.errors import UnstorableValue
    from service.core.models import Article

    with store_app.extensions["db"].session() as s, pytest.raises(UnstorableValue):
        s.execute(select(Article).where(Article.slug == "a\x00b")).all()

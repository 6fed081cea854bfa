"""Issue 11, kinds 2 and 4: redirect targets parsed as browsers parse them, a bad ``redirect_to``
ignored before anything is stored, every stored submission counted by the rate limit, and no 500
from any redirect target (form post, HTML error page, the desk's ``next``)."""

from __future__ import annotations

import uuid

import ada_url
import pytest
from flask import Flask
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from service.core.models import Comment
from service.web.security import rate_key, safe_local_path, safe_redirect
from tests.hostile.conftest import SLUG

ALLOWED = ("https://blog.example.org",)
ARTICLE = "https://blog.example.org/fuzz/"
OK_ORIGINS = {"https://blog.example.org", "http://localhost"}

# Targets that browsers resolve to another site, whatever a naive parser thinks of them.
HOSTILE_TARGETS = [
    "/\t/evil.example",
    "/\n/evil.example",
    "/\r\n/evil.example",
    "\t//evil.example",
    " //evil.example",
    "/\\evil.example",
    "\\/evil.example",
    "\\\\evil.example",
    "//evil.example",
    "///evil.example",
    "https:evil.example",
    "http:/\\evil.example",
    "/%09/evil.example/../",
    "\x00//evil.example",
    "https://blog.example.org\t.evil.example/",
    "https://blog.example.org@evil.example/",
    "https://blog.example.org.evil.example/",
    "https://evil.example\\@blog.example.org/",
    "javascript:alert(1)",
    "java\tscript:alert(1)",
    "data:text/html,hi",
    "ftp://blog.example.org/",
    "https://BLOG.example.org:444/",
    "http://blog.example.org/",
]


def browser_origin(location: str, base: str) -> str:
    """Where a browser following ``Location: location`` from ``base`` ends up (its origin)."""
    return ada_url.URL(location, base).origin


@pytest.mark.parametrize("target", HOSTILE_TARGETS)
def test_hostile_targets_are_refused_by_the_parser(target: str) -> None:
    resolved = safe_redirect(target, ARTICLE, ALLOWED, "http://localhost/")
    assert resolved is None or browser_origin(resolved, ARTICLE) in OK_ORIGINS, (target, resolved)


@settings(max_examples=400, deadline=None)
@given(
    st.lists(
        st.sampled_from(
            list("/\\\t\n\r .:@%?#evilxampl.org-")
            + ["blog.example.org", "https:", "//", "evil.example", "\u2028", "0x7f"]
        ),
        max_size=20,
    ).map("".join)
)
def test_no_target_resolves_off_site(target: str) -> None:
    """Whatever safe_redirect returns, a browser following it stays on an allowed origin."""
    resolved = safe_redirect(target, ARTICLE, ALLOWED, "http://localhost/")
    if resolved is not None:
        assert "\t" not in resolved and "\n" not in resolved and "\r" not in resolved
        assert browser_origin(resolved, ARTICLE) in OK_ORIGINS, (target, resolved)
        assert browser_origin(resolved, "http://localhost/") in OK_ORIGINS, (target, resolved)


def test_good_targets_are_kept() -> None:
    assert safe_redirect("https://blog.example.org/fuzz/#c", ARTICLE, ALLOWED) == "https://blog.example.org/fuzz/#c"
    assert safe_redirect("/other/", ARTICLE, ALLOWED) == "https://blog.example.org/other/"
    assert safe_redirect("/articles/x", None, (), "http://localhost/") == "http://localhost/articles/x"


@pytest.mark.parametrize(
    "target",
    [
        "/\t/evil.example/moderation",
        "//evil.example/moderation/",
        "/moderation\r\nSet-Cookie: x=1",
        "https://evil.example/moderation/",
        "/\\evil.example/moderation/",
        "/moderationx",
        "/moderation/../admin",
    ],
)
def test_desk_next_stays_in_the_desk(target: str) -> None:
    path = safe_local_path(target, "http://localhost/", "/moderation")
    assert path is None or (
        path.startswith("/moderation") and not path.startswith("//") and "\n" not in path and "\r" not in path
    ), path


def form(target: str, **extra: str) -> dict[str, str]:
    return {
        "author": "Ann",
        "email": f"r-{uuid.uuid4().hex[:8]}@example.org",
        "comment": "Nice post.",
        "redirect_to": target,
        **extra,
    }


@pytest.mark.parametrize(
    "target",
    HOSTILE_TARGETS
    + [
        "/\n",
        "/\r\nX-Injected: 1",
        "/\x7f",
        "\u2028//evil.example",
        "https://blog.example.org/\u2028x",
        "%0d%0a",
        "/" * 3000,
    ],
)
def test_form_post_with_a_bad_redirect_goes_back_to_the_article(hostile_app: Flask, target: str) -> None:
    """The issue's examples: ``redirect_to=/\\n`` answered 500 after storing; ``/<TAB>/evil.example``
    answered ``Location: //evil.example``."""
    resp = hostile_app.test_client().post(f"/api/v1/articles/{SLUG}/comments", data=form(target))
    assert resp.status_code == 303, resp.get_data(as_text=True)[:300]
    location = resp.headers["Location"]
    assert browser_origin(location, "http://localhost/") in OK_ORIGINS, (target, location)
    assert "\n" not in location and "\r" not in location and "\t" not in location


@pytest.mark.parametrize("target", ["/\t/evil.example", "//evil.example", "/\n", "/\\evil.example"])
def test_html_error_page_back_link_stays_on_site(hostile_app: Flask, target: str) -> None:
    resp = hostile_app.test_client().post(
        f"/api/v1/articles/{SLUG}/comments",
        data={**form(target), "email": "not-an-email"},
        headers={"Accept": "text/html"},
    )
    assert resp.status_code == 422 and resp.mimetype == "text/html"
    import re

    href = re.search(r'class="button" href="([^"]*)"', resp.get_data(as_text=True)).group(1)
    import html

    assert browser_origin(html.unescape(href), "http://localhost/") in OK_ORIGINS, href


@pytest.mark.parametrize(
    "nxt",
    [
        "/moderation\r\n",
        "/moderation/\nSet-Cookie:a=b",
        "/\t/evil.example/moderation",
        "//evil.example/moderation",
        "\r\n",
        "/moderation/%0d%0a",
    ],
)
def test_desk_login_next_never_500s_or_leaves(hostile_app: Flask, seeded: dict, nxt: str) -> None:
    client = hostile_app.test_client()
    assert client.get("/moderation/login", query_string={"next": nxt}).status_code == 200
    page = client.get("/moderation/login").get_data(as_text=True)
    import re

    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    resp = client.post("/moderation/login", data={"token": seeded["token"], "next": nxt, "csrf_token": csrf})
    assert resp.status_code == 303
    location = resp.headers["Location"]
    assert browser_origin(location, "http://localhost/") == "http://localhost", location
    assert ada_url.URL(location, "http://localhost/").pathname.startswith("/moderation")


# --- every stored submission counts ----------------------------------------------------------------
def stored(app: Flask) -> int:
    with app.extensions["db"].session() as s:
        return s.scalar(select(func.count()).select_from(Comment).where(Comment.author == "Ann")) or 0


def test_every_stored_submission_counts_whatever_the_answer(rl_app: Flask) -> None:
    client = rl_app.test_client()
    before = stored(rl_app)
    answers = [
        client.post(
            f"/api/v1/articles/{SLUG}/comments", data=form(t), environ_base={"REMOTE_ADDR": "198.51.100.40"}
        ).status_code
        for t in ["/\n", "/\t/evil.example", "/\r\n", "/\n", "/\n"]
    ]
    assert answers[:3] == [303, 303, 303] and answers[3:] == [429, 429], answers
    assert stored(rl_app) - before == 3


def test_a_failure_after_storing_still_counts(rl_app: Flask) -> None:
    """Whatever goes wrong after the commit (here: a view error after the store), it counts."""
    from service.web.api import public

    client = rl_app.test_client()
    original = public.enqueue_comment

    def broken(*_a: object, **_k: object) -> None:
        raise RuntimeError("queue exploded after the comment was stored")

    public.enqueue_comment = broken
    try:
        codes = [
            client.post(
                f"/api/v1/articles/{SLUG}/comments",
                json={"author": "Ann", "email": "a@example.org", "body": f"Body {i}"},
                environ_base={"REMOTE_ADDR": "198.51.100.41"},
            ).status_code
            for i in range(5)
        ]
    finally:
        public.enqueue_comment = original
    assert codes == [500, 500, 500, 429, 429], codes


# --- IPv6 clients are limited by /64 --------------------------------------------------------------
def test_rate_key_groups_ipv6_by_64() -> None:
    assert rate_key("2001:db8:1:2::1") == rate_key("2001:db8:1:2:ffff:ffff:ffff:fffe") == "2001:db8:1:2::/64"
    assert rate_key("2001:db8:1:3::1") != rate_key("2001:db8:1:2::1")
    assert rate_key("::ffff:198.51.100.7") == "198.51.100.7" == rate_key("198.51.100.7")
    assert rate_key("fe80::1%eth0") == "fe80::/64"
    assert rate_key("unknown") == "unknown"


def test_ipv6_client_cannot_rotate_addresses_in_its_64(rl_app: Flask) -> None:
    client = rl_app.test_client()
    codes = [
        client.post(
            f"/api/v1/articles/{SLUG}/comments",
            json={"author": "Ann", "email": "a@example.org", "body": f"Body {i}"},
            environ_base={"REMOTE_ADDR": f"2001:db8:77:1::{i + 1:x}"},
        ).status_code
        for i in range(5)
    ]
    assert codes == [202, 202, 202, 429, 429], codes
    other = client.post(
        f"/api/v1/articles/{SLUG}/comments",
        json={"author": "Ann", "email": "a@example.org", "body": "Other network"},
        environ_base={"REMOTE_ADDR": "2001:db8:77:2::1"},
    )
    assert other.status_code == 202


def test_202_carries_no_retry_after(rl_app: Flask) -> None:
    resp = rl_app.test_client().post(
        f"/api/v1/articles/{SLUG}/comments",
        json={"author": "Ann", "email": "a@example.org", "body": "Hello"},
        environ_base={"REMOTE_ADDR": "198.51.100.42"},
    )
    assert resp.status_code == 202
    assert "Retry-After" not in resp.headers
    assert "X-RateLimit-Remaining" in resp.headers


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(target=st.text(max_size=60))
def test_no_redirect_to_makes_a_500(hostile_app: Flask, target: str) -> None:
    resp = hostile_app.test_client().post(f"/api/v1/articles/{SLUG}/comments", data=form(target))
    assert resp.status_code in (303, 422), resp.status_code

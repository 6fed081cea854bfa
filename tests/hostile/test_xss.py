"""XSS: a corpus of attacks in every field, published for real, and property-based tests of the
renderer and the input schema. Nothing executable may reach the HTML or JSON the public sees."""

from __future__ import annotations

import html
import re
from html.parser import HTMLParser

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from marshmallow import ValidationError

from service.core import store
from service.core.render import render_body
from service.web.schemas import CommentIn
from tests.hostile.conftest import SLUG

CORPUS = [
    "<script>alert(1)</script>",
    "<SCRIPT SRC=https://evil.example/x.js></SCRIPT>",
    "<img src=x onerror=alert(1)>",
    "<svg onload=alert(1)>",
    "<svg><script>alert(1)</script></svg>",
    '<a href="javascript:alert(1)">click</a>',
    '<a href="jAvAsCrIpT&colon;alert(1)">x</a>',
    '<iframe src="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg=="></iframe>',
    "<body onload=alert(1)>",
    '<div style="background:url(javascript:alert(1))">',
    "<<script>script>alert(1)<</script>/script>",
    "<scr<script>ipt>alert(1)</scr</script>ipt>",
    "&lt;script&gt;alert(1)&lt;/script&gt;",
    "&#60;script&#62;alert(1)&#60;/script&#62;",
    '<img src="x" alt="" onerror="alert(1)"',
    '"><script>alert(1)</script>',
    "'><svg/onload=alert(1)>",
    "javascript:alert(1)",
    "data:text/html,<script>alert(1)</script>",
    'https://example.org/"onmouseover="alert(1)',
    "https://example.org/<script>alert(1)</script>",
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
    "<!--<img src=x onerror=alert(1)>-->",
    '<noscript><p title="</noscript><img src=x onerror=alert(1)>">',
    '<object data="javascript:alert(1)">',
    "<form action=javascript:alert(1)><input type=submit>",
    '<meta http-equiv="refresh" content="0;url=javascript:alert(1)">',
    '<base href="javascript:alert(1)//">',
    "<details open ontoggle=alert(1)>",
    "\u003cscript\u003ealert(1)\u003c/script\u003e",
    "\uff1cscript\uff1ealert(1)\uff1c/script\uff1e",  # fullwidth < > (NFKC turns them into < >)
]

URLS = [
    "javascript:alert(1)",
    "JAVASCRIPT:alert(1)",
    " javascript:alert(1)",
    "data:text/html,x",
    "vbscript:msgbox(1)",
    'https://x.example/"><script>alert(1)</script>',
    "//evil.example/",
    "http://evil.example/ onmouseover=alert(1)",
    "https://ok.example/path?q=<svg/onload=alert(1)>",
]


class _Audit(HTMLParser):
    """Collects what a browser would run: script/style/iframe/object/svg elements, event-handler
    attributes, and href/src values whose scheme is not http(s)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.problems: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in ("p", "br", "a"):
            self.problems.append(f"tag <{tag}>")
        for name, value in attrs:
            if name.startswith("on"):
                self.problems.append(f"event handler {name}")
            if name in ("href", "src", "action", "formaction") and value is not None:
                scheme = re.sub(r"[\s\x00-\x1f]", "", value).split(":", 1)[0].lower() if ":" in value else ""
                if scheme and scheme not in ("http", "https"):
                    self.problems.append(f"{name}={value!r}")
            if name not in ("href", "rel"):
                self.problems.append(f"attribute {name}")


def executable(fragment: str) -> list[str]:
    audit = _Audit()
    audit.feed(fragment)
    audit.close()
    return audit.problems


@pytest.mark.parametrize("attack", CORPUS)
def test_renderer_emits_nothing_executable(attack: str) -> None:
    out = render_body(attack)
    assert executable(out) == [], out
    # The attack is shown as text: what the reader sees is what was typed.
    assert "<script" not in out.lower()


@settings(max_examples=300, derandomize=True, deadline=None, suppress_health_check=list(HealthCheck))
@given(
    st.text(
        alphabet=st.sampled_from(list("<>\"'&=/:;() \n\tjavascriptonerrorsvgimgahrefdt#x0123")) | st.characters(),
        max_size=300,
    )
)
def test_render_property_no_markup_survives(text: str) -> None:
    out = render_body(text)
    assert executable(out) == [], (text, out)
    # Only <p>, <br> and <a href=http(s)...> tags; every other '<' from the input is escaped.
    assert set(re.findall(r"</?([a-zA-Z][a-zA-Z0-9]*)", out)) <= {"p", "br", "a"}


@settings(max_examples=200, derandomize=True, deadline=None)
@given(st.text(max_size=200))
def test_render_property_round_trips_the_text(text: str) -> None:
    """Escaping keeps what was typed: strip the few tags we add, unescape, and the words are there."""
    out = render_body(text)
    visible = html.unescape(re.sub(r"<[^>]+>", " ", out))
    for word in re.findall(r"[A-Za-z]{3,}", text.replace("\r", " ")):
        assert word in visible or "http" in text.lower(), (text, out)


@settings(max_examples=300, derandomize=True, deadline=None, suppress_health_check=list(HealthCheck))
@given(
    st.fixed_dictionaries(
        {
            "author": st.text(max_size=250) | st.sampled_from(CORPUS),
            "email": st.text(max_size=60) | st.sampled_from(["a@b.example", "x@example.org", "<a@b.c>"]),
            "body": st.text(max_size=300) | st.sampled_from(CORPUS),
        },
        optional={
            "url": st.text(max_size=80) | st.sampled_from(URLS) | st.none(),
            "parent_id": st.text(max_size=40) | st.none() | st.integers(),
            "phone": st.text(max_size=10) | st.none(),
        },
    )
)
def test_schema_property_accepts_only_clean_values(payload: dict) -> None:
    """The schema either refuses with field errors, or returns text with no controls, no bidi
    overrides, no lone surrogates, and a URL that is http(s)."""
    try:
        data = CommentIn().load(payload)
    except ValidationError as exc:
        assert isinstance(exc.messages, dict) and exc.messages
        assert set(exc.messages) <= {"author", "email", "url", "body", "parent_id", "phone", "_schema"}
        return
    for key in ("author", "email", "body"):
        value = data[key]
        assert value and "\x00" not in value
        assert not re.search("[\ud800-\udfff\u202a-\u202e\u2066-\u2069]", value)
    assert not re.search(r"[\r\n\t]", data["author"])
    if data.get("url"):
        assert re.match(r"(?i)^https?://", data["url"]) and " " not in data["url"]


@pytest.fixture
def xss_comments(hostile_app) -> list[str]:
    """Every corpus entry in every field, submitted over HTTP, then published as the policy would."""
    client = hostile_app.test_client()
    ids = []
    for i, attack in enumerate(CORPUS):
        payload = {"author": attack[:200], "email": f"x{i}@example.org", "body": attack, "url": URLS[i % len(URLS)]}
        resp = client.post(f"/api/v1/articles/{SLUG}/comments", json=payload)
        if resp.status_code == 422 and "url" in resp.get_json().get("errors", {}):
            payload["url"] = "https://reader.example/"
            resp = client.post(f"/api/v1/articles/{SLUG}/comments", json=payload)
        if resp.status_code == 422 and "author" in resp.get_json().get("errors", {}):
            payload["author"] = "Attacker"
            resp = client.post(f"/api/v1/articles/{SLUG}/comments", json=payload)
        assert resp.status_code == 202, (attack, resp.get_json())
        ids.append(resp.get_json()["id"])
    db = hostile_app.extensions["db"]
    with db.session() as s:
        from service.core.models import Comment

        for cid in ids:
            store.publish(s, s.get(Comment, cid), ("received",), action="publish", actor="test")
        s.commit()
    return ids


def test_published_attacks_are_inert_everywhere_the_public_looks(hostile_app, xss_comments) -> None:
    client = hostile_app.test_client()
    listing = client.get(f"/api/v1/articles/{SLUG}/comments?per_page=200")
    assert listing.status_code == 200
    items = {i["id"]: i for i in listing.get_json()["items"]}
    assert set(xss_comments) <= set(items)
    for cid in xss_comments:
        item = items[cid]
        assert executable(item["body_html"]) == [], item
        # author is JSON text: a frontend must escape it, but it never carries a URL scheme trick.
        assert item["url"] is None or re.match(r"^https?://[^\s\"'<>]+$", item["url"]), item
        view = client.get(f"/api/v1/comments/{cid}").get_json()
        assert executable(view["body_html"]) == []
    # JSON responses are served as JSON with nosniff, so a browser never renders them as HTML.
    assert listing.mimetype == "application/json"
    assert listing.headers["X-Content-Type-Options"] == "nosniff"
    raw = listing.get_data(as_text=True)
    assert "<script" not in raw.lower() or "\\u003cscript" in raw.lower() or "&lt;script" in raw.lower()
    # Every public HTML page that shows comments: no injected element, handler or URL scheme.
    pages = _html_pages(hostile_app)
    if "pages.article_page" in hostile_app.view_functions:
        assert f"/articles/{SLUG}" in pages, pages
    for url in pages:
        problems = page_problems(client.get(url).get_data(as_text=True))
        assert problems == [], (url, problems)


class _PageAudit(HTMLParser):
    """For whole pages (which may carry the app's own scripts): no inline script that came from a
    comment, no event-handler attribute, no javascript:/data:/vbscript: link or source."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.problems: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._in_script = tag == "script"
        for name, value in attrs:
            if name.startswith("on"):
                self.problems.append(f"<{tag} {name}=...>")
            if name in ("href", "src", "action", "formaction", "data") and value:
                scheme = re.sub(r"[\s\x00-\x1f]", "", value).split(":", 1)[0].lower() if ":" in value else ""
                if scheme in ("javascript", "data", "vbscript"):
                    self.problems.append(f"<{tag} {name}={value!r}>")
        if tag in ("iframe", "object", "embed", "svg", "math", "base"):
            self.problems.append(f"<{tag}>")

    def handle_endtag(self, tag: str) -> None:
        self._in_script = False

    def handle_data(self, data: str) -> None:
        if self._in_script and "alert(" in data:
            self.problems.append("inline script from a comment")


def page_problems(page: str) -> list[str]:
    audit = _PageAudit()
    audit.feed(page)
    audit.close()
    return audit.problems


def _html_pages(app) -> list[str]:
    from tests.hostile.conftest import public_pages

    out = []
    client = app.test_client()
    for url in public_pages(app, app.extensions["seed"]):
        resp = client.get(url)
        if resp.mimetype == "text/html":
            out.append(url)
    return out

"""Unicode edge cases, oversized bodies and headers, deep or huge JSON, wrong types, duplicate keys:
each gets a clear 4xx JSON error that names what is wrong, never a 5xx. Against the real server
(gunicorn) where the transport matters (headers, raw bytes), and the WSGI app otherwise."""

from __future__ import annotations

import json
import socket

import pytest

from tests.hostile.conftest import SLUG

GOOD = {"author": "Ann", "email": "ann@example.org", "body": "A fine comment."}
URL = f"/api/v1/articles/{SLUG}/comments"


def post_raw(app, raw: bytes, content_type: str = "application/json", **headers: str):
    return app.test_client().post(URL, data=raw, headers={"Content-Type": content_type, **headers})


@pytest.mark.parametrize(
    ("field", "value", "words"),
    [
        ("author", "Ann\u202egnp.exe", "bidirectional"),
        ("body", "Hello \u202eevil\u202c world", "bidirectional"),
        ("body", "Hello\x00World", "NUL"),
        ("author", "A\x00nn", "NUL"),
        ("author", "Ann\nSmith", "control"),
        ("body", "bell \x07 char", "control"),
        ("body", "\u200b\u200b\u200b", "empty"),
        ("body", "   \n\t  ", "empty"),
        ("author", "\u200b", "required"),
        ("email", "ann@example\u202e.org", "bidirectional"),
        ("url", "https://example.org/\u202e", "bidirectional"),
    ],
)
def test_unicode_tricks_are_refused_naming_the_field(hostile_app, field: str, value: str, words: str) -> None:
    resp = hostile_app.test_client().post(URL, json={**GOOD, field: value})
    assert resp.status_code == 422, resp.get_data(as_text=True)
    errors = resp.get_json()["errors"]
    assert field in errors, errors
    assert words.lower() in " ".join(errors[field]).lower(), errors


def test_lone_surrogate_is_refused(hostile_app) -> None:
    # JSON may spell a lone surrogate as \ud800; Python decodes it to a str that cannot be UTF-8.
    raw = b'{"author": "Ann", "email": "ann@example.org", "body": "bad \\ud800 half"}'
    resp = post_raw(hostile_app, raw)
    assert resp.status_code == 422
    assert "body" in resp.get_json()["errors"]


def test_invalid_utf8_is_a_400(hostile_app) -> None:
    resp = post_raw(hostile_app, b'{"author": "\xff\xfe", "email": "a@b.example", "body": "x"}')
    assert resp.status_code == 400
    assert "UTF-8" in resp.get_json()["error"]


def test_four_byte_emoji_and_rtl_text_are_welcome(hostile_app) -> None:
    resp = hostile_app.test_client().post(
        URL, json={**GOOD, "author": "Zoë 🦊", "body": "שלום עולם — مرحبا 👍🏽 𝔘𝔫𝔦𝔠𝔬𝔡𝔢"}
    )
    assert resp.status_code == 202, resp.get_json()


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({**GOOD, "author": 42}, "author"),
        ({**GOOD, "email": ["a@b.example"]}, "email"),
        ({**GOOD, "body": {"text": "x"}}, "body"),
        ({**GOOD, "body": None}, "body"),
        ({**GOOD, "url": 5}, "url"),
        ({**GOOD, "url": "ftp://example.org/"}, "url"),
        ({**GOOD, "parent_id": True}, "parent_id"),
        ({**GOOD, "parent_id": "not-a-real-comment"}, "parent_id"),
        ({"author": "Ann", "body": "x"}, "email"),
        ({**GOOD, "email": "not an email"}, "email"),
        ({**GOOD, "body": "x" * 20_000}, "body"),
        ({**GOOD, "author": "A" * 500}, "author"),
    ],
)
def test_wrong_types_and_values_name_the_field(hostile_app, payload: dict, field: str) -> None:
    resp = hostile_app.test_client().post(URL, json=payload)
    assert 400 <= resp.status_code < 500, resp.get_data(as_text=True)
    assert field in resp.get_json().get("errors", {}), resp.get_json()


@pytest.mark.parametrize(
    ("raw", "status", "words"),
    [
        (b'{"author": "A", "author": "B", "email": "a@b.example", "body": "x"}', 400, "Duplicate"),
        (b"[1, 2, 3]", 400, "object"),
        (b'"just a string"', 400, "object"),
        (b"null", 400, "object"),
        (b"{", 400, "Malformed"),
        (b"", 400, "Malformed"),
        (b"[" * 5000 + b"]" * 5000, 400, "deep"),
        (b'{"a":' * 200 + b"1" + b"}" * 200, 400, "deep"),
        (b'{"author": 1e999999, "email": "a@b.example", "body": "x"}', 422, ""),
        (b'{"author": NaN, "email": "a@b.example", "body": "x"}', 422, "author"),
    ],
)
def test_malformed_json_is_a_clear_4xx(hostile_app, raw: bytes, status: int, words: str) -> None:
    resp = post_raw(hostile_app, raw)
    assert resp.status_code == status, resp.get_data(as_text=True)
    body = resp.get_json()
    assert body and words.lower() in json.dumps(body).lower()


def test_huge_json_is_413(hostile_app) -> None:
    limit = hostile_app.config["MAX_CONTENT_LENGTH"]
    raw = json.dumps({**GOOD, "body": "x" * (limit + 10)}).encode()
    resp = post_raw(hostile_app, raw)
    assert resp.status_code == 413
    assert "too large" in resp.get_json()["error"].lower()


def test_wide_json_within_the_limit_is_cheap_and_refused_cleanly(hostile_app) -> None:
    raw = json.dumps({**GOOD, **{f"k{i}": i for i in range(4000)}}).encode()
    assert len(raw) < hostile_app.config["MAX_CONTENT_LENGTH"]
    resp = post_raw(hostile_app, raw)
    assert resp.status_code == 202  # unknown keys are ignored, and never stored


@pytest.mark.parametrize(
    ("ctype", "status"),
    [("text/plain", 415), ("application/xml", 415), ("", 415), ("application/json; charset=latin-1", 202)],
)
def test_content_types(hostile_app, ctype: str, status: int) -> None:
    resp = post_raw(hostile_app, json.dumps(GOOD).encode(), ctype)
    assert resp.status_code == status, resp.get_data(as_text=True)


def test_form_post_with_hostile_fields(hostile_app) -> None:
    resp = hostile_app.test_client().post(
        URL, data={"author": "Ann", "email": "a@b.example", "comment": "bad\x00nul", "comment_parent": "x" * 100}
    )
    assert 400 <= resp.status_code < 500


# --- through the real HTTP server: header and request-line abuse -------------------------------------
def raw_http(port: int, request: bytes, timeout: float = 10) -> bytes:
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as s:
        s.sendall(request)
        chunks = []
        try:
            while True:
                data = s.recv(65536)
                if not data:
                    break
                chunks.append(data)
        except TimeoutError:
            pass
    return b"".join(chunks)


def status_of(response: bytes) -> int:
    return int(response.split(b" ", 2)[1]) if response.startswith(b"HTTP/") else 0


@pytest.fixture(scope="module")
def server(stack):
    return stack


def test_oversized_header_is_4xx(server) -> None:
    req = b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Big: " + b"a" * 20_000 + b"\r\nConnection: close\r\n\r\n"
    status = status_of(raw_http(server.port, req))
    assert 400 <= status < 500 or status == 0, status  # gunicorn refuses (or closes), never a 5xx


def test_many_headers_is_4xx(server) -> None:
    headers = b"".join(b"X-H%d: v\r\n" % i for i in range(300))
    req = b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n" + headers + b"Connection: close\r\n\r\n"
    status = status_of(raw_http(server.port, req))
    assert 400 <= status < 500 or status == 0, status


def test_oversized_body_is_413_over_http(server) -> None:
    art = server.http.get("/api/v1/articles/none").status  # the server answers
    assert art == 404
    big = json.dumps({**GOOD, "body": "y" * 400_000})  # over the 256 KiB default
    resp = server.http.post(
        "/api/v1/articles/any/comments", raw=big.encode(), headers={"Content-Type": "application/json"}
    )
    assert resp.status == 413, resp.text
    assert json.loads(resp.text)["error"]


def test_lying_content_length_is_not_a_5xx(server) -> None:
    body = json.dumps(GOOD).encode()
    req = (
        b"POST /api/v1/articles/any/comments HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        b"Content-Type: application/json\r\nContent-Length: 999999999\r\nConnection: close\r\n\r\n" + body
    )
    status = status_of(raw_http(server.port, req, timeout=5))
    assert status == 413 or status == 0 or 400 <= status < 500, status

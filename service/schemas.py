"""marshmallow schemas: what comes in over HTTP and what goes out. OpenAPI is generated from these."""

from __future__ import annotations

import contextlib
import re
import unicodedata
from typing import Any

from email_validator import EmailNotValidError, validate_email
from marshmallow import (
    EXCLUDE,
    Schema,
    ValidationError,
    fields,
    post_load,
    pre_load,
    validate,
    validates,
)

# NUL and C0/C1 controls (tab and newlines allowed in the body), bidi overrides.
CONTROL_CHARS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
LINE_BREAKS = re.compile(r"[\r\n\t]")
BIDI_OVERRIDES = re.compile("[\u202a-\u202e\u2066-\u2069]")
SURROGATES = re.compile("[\ud800-\udfff]")
# Directional marks, embeddings and isolates that right-to-left names carry when pasted from other
# systems ("\u202bאסף שמש\u202c\u200e"): removed from a name rather than refused. Overrides
# (U+202D, U+202E), which reorder what a reader sees, are still refused. The worker's validation
# check uses this same set.
NAME_BIDI_MARKS = re.compile("[\u200e\u200f\u061c\u202a-\u202c\u2066-\u2069]")
# No quotes, angle brackets, backticks or backslashes anywhere: a commenter's URL is published
# and ends up in href attributes, so it must not be able to close one.
URL_RE = re.compile(r"(?i)^https?://[^\s/?#@\\<>\"'`]+(?:[/?#][^\s<>\"'`\\]*)?$")


def _text(value: str, field: str, *, multiline: bool) -> str:
    if SURROGATES.search(value):
        raise ValidationError("Contains an unpaired surrogate (invalid Unicode).")
    if "\x00" in value:
        raise ValidationError("Contains a NUL byte.")
    if CONTROL_CHARS.search(value) or (not multiline and LINE_BREAKS.search(value)):
        raise ValidationError("Contains control characters.")
    if BIDI_OVERRIDES.search(value):
        raise ValidationError("Contains bidirectional override characters.")
    return unicodedata.normalize("NFKC", value)


class CommentIn(Schema):
    """A new comment from a blog frontend (JSON)."""

    class Meta:
        unknown = EXCLUDE

    author = fields.String(required=True, validate=validate.Length(min=1, max=200),
                           metadata={"description": "Commenter's name (published)."})
    email = fields.String(required=True, validate=validate.Length(min=3, max=254),
                          metadata={"description": "Never published; shown to moderators only."})
    url = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=2000),
                        metadata={"description": "Commenter's website, http(s) only."})
    body = fields.String(required=True, validate=validate.Length(min=1),
                         metadata={"description": "The comment, plain text."})
    parent_id = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=36),
                              metadata={"description": "Id of the published comment this replies to."})
    phone = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=500),
                          metadata={"description": "Honeypot: hidden from people, must stay empty."})

    def __init__(self, *args: Any, max_body_chars: int = 10_000, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.max_body_chars = max_body_chars

    @pre_load
    def _strip(self, data: Any, **_: Any) -> Any:
        if not isinstance(data, dict):
            raise ValidationError("Expected a JSON object.", field_name="_schema")
        out = dict(data)
        if isinstance(out.get("author"), str):
            out["author"] = NAME_BIDI_MARKS.sub("", out["author"])
        for key in ("author", "email", "url", "parent_id"):
            if isinstance(out.get(key), str):
                out[key] = out[key].strip()
        for key in ("url", "parent_id", "phone"):
            if out.get(key) == "":
                out[key] = None
        return out

    @validates("author")
    def _author(self, value: str, **_: Any) -> None:
        # Zero-width characters alone would publish an invisible name.
        if not re.sub(r"[\s\u200b-\u200f\u2060\ufeff]", "", _text(value, "author", multiline=False)):
            raise ValidationError("Name is required.")

    @validates("body")
    def _body(self, value: str, **_: Any) -> None:
        cleaned = _text(value, "body", multiline=True)
        if not re.sub(r"[\s\u200b-\u200f\u2060\ufeff]", "", cleaned):
            raise ValidationError("Comment is empty.")
        if len(value) > self.max_body_chars:
            raise ValidationError(f"Longer than maximum length {self.max_body_chars}.")

    @validates("email")
    def _email(self, value: str, **_: Any) -> None:
        _text(value, "email", multiline=False)
        try:
            validate_email(value, check_deliverability=False)
        except (EmailNotValidError, UnicodeError, ValueError) as exc:
            raise ValidationError(f"Not a valid email address: {exc}") from exc

    @validates("url")
    def _url(self, value: str | None, **_: Any) -> None:
        if value is None:
            return
        _text(value, "url", multiline=False)
        if not URL_RE.match(value):
            raise ValidationError("Must be an http:// or https:// URL.")

    @post_load
    def _normalise(self, data: dict, **_: Any) -> dict:
        data["author"] = unicodedata.normalize("NFKC", data["author"]).strip()
        data["body"] = unicodedata.normalize("NFKC", data["body"]).replace("\r\n", "\n")
        with contextlib.suppress(EmailNotValidError, UnicodeError, ValueError):
            data["email"] = validate_email(data["email"], check_deliverability=False).normalized
        return data


def form_to_comment(form: dict[str, str]) -> dict[str, Any]:
    """WordPress's comment form field names to the JSON ones."""
    parent = form.get("comment_parent")
    return {
        "author": form.get("author"),
        "email": form.get("email"),
        "url": form.get("url") or None,
        "body": form.get("comment"),
        "parent_id": None if parent in (None, "", "0") else parent,
        "phone": form.get("phone") or None,
    }


class AcceptedOut(Schema):
    id = fields.String(required=True)
    status = fields.String(required=True, metadata={"enum": ["pending"]})
    article = fields.String(required=True)
    links = fields.Dict(keys=fields.String(), values=fields.String())


class CommentStatusOut(Schema):
    """The submitter's view: never the email, the IP or unpublished text."""

    id = fields.String(required=True)
    status = fields.String(required=True, metadata={"enum": ["pending", "published", "rejected"]})
    article = fields.String(required=True)
    author = fields.String()
    created_at = fields.DateTime()
    published_at = fields.DateTime(allow_none=True)
    body_html = fields.String(allow_none=True)
    parent_id = fields.String(allow_none=True)


class PublicCommentOut(Schema):
    id = fields.String(required=True)
    author = fields.String(required=True)
    url = fields.String(allow_none=True)
    body_html = fields.String(required=True)
    created_at = fields.DateTime(required=True)
    parent_id = fields.String(allow_none=True)
    replies = fields.List(fields.Nested(lambda: PublicCommentOut()), metadata={"description": "Nested replies."})


class CommentPageOut(Schema):
    article = fields.String(required=True)
    items = fields.List(fields.Nested(PublicCommentOut), required=True)
    page = fields.Integer(required=True)
    per_page = fields.Integer(required=True)
    total = fields.Integer(required=True, metadata={"description": "Top-level threads."})
    pages = fields.Integer(required=True)
    comment_count = fields.Integer(required=True)


class ArticleOut(Schema):
    slug = fields.String(required=True)
    title = fields.String(required=True)
    url = fields.String(allow_none=True)
    closed = fields.Boolean(required=True)
    comment_count = fields.Integer(required=True)


class PageArgs(Schema):
    class Meta:
        unknown = EXCLUDE

    page = fields.Integer(load_default=1, validate=validate.Range(min=1, max=100_000))
    per_page = fields.Integer(load_default=50, validate=validate.Range(min=1, max=200))


class QueueArgs(PageArgs):
    status = fields.String(load_default="held", validate=validate.OneOf(
        ["received", "checking", "held", "published", "rejected", "removed", "failed"]))
    article = fields.String(load_default=None, validate=validate.Length(max=200))


class CheckOut(Schema):
    check = fields.String(required=True)
    verdict = fields.String(required=True)
    score = fields.Float(required=True)
    reason = fields.String(required=True)
    version = fields.String(allow_none=True)


class AuditOut(Schema):
    from_status = fields.String(allow_none=True)
    to_status = fields.String(required=True)
    action = fields.String(required=True)
    actor = fields.String(required=True)
    note = fields.String(allow_none=True)
    created_at = fields.DateTime(required=True)


class ModerationItemOut(Schema):
    """A comment as moderators see it, with the commenter's email and IP."""

    id = fields.String(required=True)
    article = fields.String(required=True)
    status = fields.String(required=True)
    author = fields.String(required=True)
    email = fields.String(required=True)
    url = fields.String(allow_none=True)
    ip = fields.String(allow_none=True)
    user_agent = fields.String(allow_none=True)
    body = fields.String(required=True)
    body_preview_html = fields.String(required=True)
    created_at = fields.DateTime(required=True)
    parent_id = fields.String(allow_none=True)
    attempts = fields.Integer()
    checks = fields.List(fields.Nested(CheckOut), required=True)
    audit = fields.List(fields.Nested(AuditOut))


class QueueOut(Schema):
    items = fields.List(fields.Nested(ModerationItemOut), required=True)
    page = fields.Integer(required=True)
    per_page = fields.Integer(required=True)
    total = fields.Integer(required=True)
    oldest_age_seconds = fields.Float(allow_none=True)


class DecisionIn(Schema):
    class Meta:
        unknown = EXCLUDE

    action = fields.String(required=True, validate=validate.OneOf(["approve", "reject", "spam", "remove", "not-spam"]))
    note = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=2000))


class ErrorOut(Schema):
    error = fields.String(required=True)
    errors = fields.Dict(keys=fields.String(), values=fields.List(fields.String()))

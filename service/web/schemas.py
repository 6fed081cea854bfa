"""marshmallow schemas: what comes in over HTTP and what goes out. OpenAPI is generated from these."""

from __future__ import annotations

import contextlib
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
    validates_schema,
)

from service.core import validation
from service.core.settings import DEFAULTS
from service.core.vocabulary import Action, CheckName, PublicStatus, Status, VerdictName, values


class CommentIn(Schema):
    """A new comment from a blog frontend (JSON, or a form post mapped by ``form_to_comment``).

    Field rules are ``service.core.validation``'s, the same code the worker's ``validation`` check runs:
    a comment accepted here is never rejected there as invalid. What is stored is what the reader
    typed (``validation.prepare``: name tags stripped and trimmed, CRLF as LF, a scheme added to a
    bare website), never NFKC-normalised or case-folded.
    """

    class Meta:
        unknown = EXCLUDE

    author = fields.String(
        required=True,
        metadata={
            "description": f"Commenter's name (published; 1-{validation.MAX_NAME} characters, HTML tags stripped)."
        },
    )
    email = fields.String(required=True, metadata={"description": "Never published; shown to moderators only."})
    url = fields.String(
        load_default=None,
        allow_none=True,
        metadata={
            "description": "Commenter's website, http(s) on a public host; https:// is added when no scheme is given."
        },
    )
    body = fields.String(
        required=True,
        metadata={
            "description": "The comment as typed (see README for the markup allowed); CRLF counts as one character."
        },
    )
    parent_id = fields.String(
        load_default=None,
        allow_none=True,
        validate=validate.Length(max=36),
        metadata={
            "description": 'Id of the published comment this replies to; null, 0 or "0" for a top-level comment.'
        },
    )
    phone = fields.String(
        load_default=None,
        allow_none=True,
        validate=validate.Length(max=500),
        metadata={"description": "Honeypot: hidden from people, must stay empty."},
    )

    def __init__(self, *args: Any, max_body_chars: int = DEFAULTS["max_body_chars"], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.max_body_chars = max_body_chars

    @pre_load
    def _prepare(self, data: Any, **_: Any) -> Any:
        if not isinstance(data, dict):
            raise ValidationError("Expected a JSON object.", field_name="_schema")
        out = dict(data)
        if isinstance(out.get("author"), str):
            out["author"] = validation.clean_name(out["author"])
        if isinstance(out.get("email"), str):
            out["email"] = out["email"].strip()
        if isinstance(out.get("body"), str):
            out["body"] = validation.normalise_newlines(out["body"])
        if isinstance(out.get("url"), str):
            url = out["url"].strip()
            out["url"] = validation.with_scheme(url) if url else None
        parent = out.get("parent_id")
        if isinstance(parent, str):
            parent = parent.strip()
        # 0 and "0" are WordPress's "no parent" (its form's comment_parent), in JSON as in forms.
        if parent in ("", "0") or (type(parent) is int and parent == 0):
            parent = None
        if "parent_id" in out:
            out["parent_id"] = parent
        if out.get("phone") == "":
            out["phone"] = None
        return out

    @validates_schema(skip_on_field_errors=False)
    def _fields(self, data: dict[str, Any], **_: Any) -> None:
        errors: dict[str, list[str]] = {}
        if isinstance(data.get("author"), str):
            errors.update(_one("author", validation.name_problem(data["author"])))
        if isinstance(data.get("email"), str):
            errors.update(_one("email", validation.email_problem(data["email"])))
        if isinstance(data.get("url"), str):
            errors.update(_one("url", validation.url_problem(data["url"])))
        if isinstance(data.get("body"), str):
            errors.update(_one("body", validation.body_problem(data["body"], self.max_body_chars)))
        if errors:
            raise ValidationError(errors)

    @post_load
    def _normalise_email(self, data: dict[str, Any], **_: Any) -> dict[str, Any]:
        # The email is never published: email-validator's normal form (lower-case domain) is stored.
        with contextlib.suppress(EmailNotValidError, UnicodeError, ValueError):
            data["email"] = validate_email(data["email"], check_deliverability=False).normalized
        return data


def _one(field: str, problem: str | None) -> dict[str, list[str]]:
    return {field: [problem]} if problem else {}


def form_to_comment(form: dict[str, str]) -> dict[str, Any]:
    """WordPress's comment form field names to the JSON ones. A field the form did not send is left
    out (so the error is "Missing data for required field.", not "Field may not be null.")."""
    parent = form.get("comment_parent")
    sent = {
        "author": form.get("author"),
        "email": form.get("email"),
        "url": form.get("url") or None,
        "body": form.get("comment"),
        "parent_id": None if parent in (None, "", "0") else parent,
        "phone": form.get("phone") or None,
    }
    return {key: value for key, value in sent.items() if value is not None or key not in ("author", "email", "body")}


class AcceptedOut(Schema):
    id = fields.String(required=True)
    status = fields.String(required=True, metadata={"enum": [PublicStatus.PENDING.value]})
    article = fields.String(required=True)
    links = fields.Dict(keys=fields.String(), values=fields.String())


class CommentStatusOut(Schema):
    """The submitter's view: never the email, the IP or unpublished text."""

    id = fields.String(required=True)
    status = fields.Enum(PublicStatus, by_value=fields.String, required=True)
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
    status = fields.Enum(Status, by_value=fields.String, load_default=Status.HELD)
    article = fields.String(load_default=None, validate=validate.Length(max=200))


# Output fields read from stored rows (plain strings) list their vocabulary for the OpenAPI
# document as metadata; input fields are ``fields.Enum`` and load as the enum's members.
class CheckOut(Schema):
    check = fields.String(required=True, metadata={"enum": values(CheckName)})
    verdict = fields.String(required=True, metadata={"enum": values(VerdictName)})
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
    status = fields.String(required=True, metadata={"enum": values(Status)})
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

    action = fields.Enum(Action, by_value=fields.String, required=True)
    note = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=2000))


class ErrorOut(Schema):
    error = fields.String(required=True)
    errors = fields.Dict(keys=fields.String(), values=fields.List(fields.String()))

"""Browser form posts (WordPress's comment form): what the form's fields are called, and the bytes
werkzeug would otherwise decode silently.

A form post's errors name the form's own fields (``comment``, ``comment_parent``), not the JSON
names the schema uses (``body``, ``parent_id``): the reader sees the field they filled in.
werkzeug decodes form fields as UTF-8 with ``errors="replace"``, so ``author=%ff%fe`` would be
stored as "\ufffd\ufffd"; ``invalid_utf8_fields`` finds such fields in the raw body first. Where the
browser goes back to after posting (``form_return_url``) is shared by the API and the article page.
"""

from __future__ import annotations

from urllib.parse import unquote_to_bytes

from flask import current_app, request, url_for

from service.core.models import Article
from service.core.settings import Settings, current_settings
from service.web.security import safe_redirect

# The schema's (JSON) field names to WordPress's comment-form names, where they differ.
FORM_NAMES = {"body": "comment", "parent_id": "comment_parent"}


def form_field_errors(errors: dict[str, list[str]]) -> dict[str, list[str]]:
    """``{json_field: [msg]}`` to ``{form_field: [msg]}`` (``body`` -> ``comment``, ...)."""
    return {FORM_NAMES.get(field, field): msgs for field, msgs in errors.items()}


def invalid_utf8_fields(raw: bytes, mimetype: str, decoded: dict[str, str]) -> list[str]:
    """Names of the form fields whose bytes are not valid UTF-8, in body order.

    ``raw`` is the request body as sent, ``decoded`` werkzeug's parse of it. For
    ``application/x-www-form-urlencoded`` each ``name=value`` pair is percent-decoded and checked
    exactly. For ``multipart/form-data`` a field holding U+FFFD is reported when the body carries
    no encoded U+FFFD at all (werkzeug put it there for bytes it could not decode).
    """
    if mimetype == "multipart/form-data":
        if b"\xef\xbf\xbd" in raw:
            return []
        return [name for name, value in decoded.items() if "\ufffd" in value]
    bad: list[str] = []
    for pair in raw.split(b"&"):
        name_bytes, _, value_bytes = pair.partition(b"=")
        try:
            unquote_to_bytes(value_bytes.replace(b"+", b" ")).decode("utf-8")
            continue
        except UnicodeDecodeError:
            pass
        name = unquote_to_bytes(name_bytes.replace(b"+", b" ")).decode("utf-8", "replace")
        if name not in bad:
            bad.append(name)
    return bad


def form_return_url(article: Article) -> str | None:
    """Where a browser's form post returns: its ``redirect_to`` when that is the article's site, an
    allowed origin or commentq's own (``safe_redirect``), else the article's URL, else its page here
    (None when this app serves no article pages). Reads the current request's form."""
    settings = current_settings()
    return (
        safe_redirect(request.form.get("redirect_to"), article.url, settings.allowed_origins, own_url(settings))
        or safe_redirect(article.url, article.url, ())
        or article_page_url(article.slug)
    )


def own_url(settings: Settings) -> str:
    """commentq's own base URL: COMMENTQ_PUBLIC_URL, else the address this request came to."""
    return settings.public_url or request.host_url


def article_page_url(slug: str) -> str | None:
    """The path of the article page for ``slug``, or None when this app serves no article pages."""
    if "pages.article_page" in current_app.view_functions:
        return url_for("pages.article_page", slug=slug)
    return None

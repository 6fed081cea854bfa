"""The article page: an article from the store, its published comments (threaded) and the
"Leave a comment" form, which works with JavaScript (fetch + polling) and without it (a plain
WordPress-style form post answered by a 303 back here with ``?comment=<id>``)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Flask, Response, abort, g, render_template, request, url_for
from flask.typing import ResponseReturnValue

from service.core import render, store
from service.core.db import get_session
from service.core.models import Comment
from service.core.settings import current_settings
from service.core.store import StatusView, status_view
from service.core.validation import public_name, slug_problem
from service.core.vocabulary import PublicStatus, Status
from service.web.forms import form_return_url
from service.web.security import safe_redirect

bp = Blueprint("pages", __name__)

# Threads shown on the page; longer discussions page through ?page=N.
THREADS_PER_PAGE = 100


def paragraphs(text: str | None) -> list[str]:
    """Plain-text article bodies: blank-line separated paragraphs (Jinja escapes them)."""
    return [p.strip() for p in (text or "").replace("\r\n", "\n").split("\n\n") if p.strip()]


def _submitted_status(comment_id: str | None, article_id: int) -> StatusView | None:
    """The submitter's view of the comment named by ``?comment=``, if it belongs to this article."""
    if not comment_id or len(comment_id) > 36:
        return None
    comment = get_session().get(Comment, comment_id)
    if comment is None or comment.article_id != article_id:
        return None
    return status_view(comment)


FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")
FIELD_LABELS = {
    "body": "Comment",
    "comment": "Comment",
    "comment_parent": "Reply to",
    "author": "Name",
    "email": "Email",
    "url": "Website",
    "parent_id": "Reply to",
    "phone": "Leave this field empty",
    "_schema": "Your comment",
    "Content-Type": "Form",
}


def init_app(app: Flask) -> None:
    """Register the article page (its HTML error page is called by ``service.web.errors``)."""
    app.register_blueprint(bp)


def html_form_errors(status: int, message: str, errors: dict[str, Any], headers: dict[str, str]) -> Response | None:
    """A readable error page when a browser posts the comment form without JavaScript.

    Only for ``public.submit_comment`` form posts whose Accept header prefers HTML; every other
    client keeps the JSON errors of the contract. Same status code either way.
    """
    if request.endpoint != "public.submit_comment" or request.mimetype not in FORM_TYPES:
        return None
    if request.accept_mimetypes.best_match(["application/json", "text/html"]) != "text/html":
        return None
    slug = (request.view_args or {}).get("slug", "")
    article = store.get_article(get_session(), slug) if slug and slug_problem(slug) is None else None
    back = None
    if article is not None:
        # An oversize body (413) is never read again: its redirect_to is unknown, so back to the article.
        returned = safe_redirect(article.url, article.url, ()) if g.get("body_unreadable") else form_return_url(article)
        back = returned or url_for("pages.article_page", slug=article.slug)
        back = back.split("#")[0] + "#respond"
    listed = [(FIELD_LABELS.get(field, field), msgs) for field, msgs in errors.items()]
    resp = Response(
        render_template("form_errors.html", message=message, errors=listed, back_url=back),
        status=status,
        mimetype="text/html",
    )
    for key, value in headers.items():
        resp.headers[key] = value
    return resp


@bp.get("/articles/<slug>")
def article_page(slug: str) -> ResponseReturnValue:
    """Render one article with its comments; unknown slugs are a plain 404 page."""
    session = get_session()
    article = store.get_article(session, slug) if slug_problem(slug) is None else None
    if article is None:
        abort(404)
    try:
        page = max(1, min(int(request.args.get("page", "1")), 100_000))
    except ValueError:
        page = 1
    settings = current_settings()
    depth = settings.thread_depth
    threads = store.published_threads(session, article, page, THREADS_PER_PAGE, depth)
    reply_to = request.args.get("replytocom", "")[:36] or None
    reply_author = None
    if reply_to:
        parent = store.get_comment(session, reply_to)
        if parent is not None and parent.article_id == article.id and parent.status == Status.PUBLISHED:
            reply_author = public_name(parent.author)
        else:
            reply_to = None
    return render_template(
        "article.html",
        article=article,
        paragraphs=paragraphs(article.body),
        threads=threads,
        submitted=_submitted_status(request.args.get("comment"), article.id),
        PublicStatus=PublicStatus,
        reply_to=reply_to,
        reply_author=reply_author,
        thread_depth=depth,
        max_body_chars=settings.max_body_chars,
        allowed_markup=render.ALLOWED_MARKUP_TEXT,
    )


@bp.errorhandler(404)
def _not_found(_exc: Exception) -> ResponseReturnValue:
    return render_template("message.html", title="Not found", message="There is no article at this address."), 404

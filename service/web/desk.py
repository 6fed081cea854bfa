"""The moderator's desk at /moderation: server-rendered pages over the same store and the same
decision path as the moderation API (``service.core.decisions.apply_decision``), for people rather
than scripts.

Signing in exchanges a moderator token for a signed session cookie (HttpOnly, SameSite=Strict,
Secure over TLS) that holds the moderator's id and a fingerprint of the token's hash, so revoking
or re-issuing the token ends the session; the moderator is re-checked on every request. Every
form carries a CSRF token: an HMAC (SECRET_KEY) of a random nonce kept in the session.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import UTC, datetime, timedelta
from typing import Any

from flask import (
    Blueprint,
    Flask,
    abort,
    current_app,
    flash,
    g,
    has_request_context,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask.sessions import SecureCookieSessionInterface
from flask.typing import ResponseReturnValue
from sqlalchemy import delete, or_, update
from werkzeug.exceptions import HTTPException

from service.core import store
from service.core.db import get_session
from service.core.decisions import apply_decision
from service.core.errors import DomainError
from service.core.models import Comment, DeskSession, Moderator, utcnow
from service.core.moderators import moderator_for_token
from service.core.render import render_body
from service.core.settings import current_settings
from service.core.validation import slug_problem
from service.core.vocabulary import Action, Status
from service.web.errors import ApiError, domain_status
from service.web.security import safe_local_path

bp = Blueprint("desk", __name__, url_prefix="/moderation")

# A button's label where ``capitalize`` does not read well.
LABELS = {Action.NOT_SPAM: "Not spam"}
QUEUE_STATUSES = (
    Status.HELD,
    Status.FAILED,
    Status.PUBLISHED,
    Status.REJECTED,
    Status.REMOVED,
    Status.RECEIVED,
    Status.CHECKING,
)
PER_PAGE = 25
SESSION_LIFETIME = timedelta(hours=12)
OPEN_ENDPOINTS = {"desk.login"}


class DeskSessionInterface(SecureCookieSessionInterface):
    """Flask's signed cookie session, marked Secure whenever the request came over TLS."""

    def get_cookie_secure(self, app: Flask) -> bool:
        if super().get_cookie_secure(app):
            return True
        public = current_settings(app).public_url or ""
        return public.startswith("https://") or (has_request_context() and request.is_secure)


def init_app(app: Flask) -> None:
    """Register the desk and its cookie policy on the app."""
    app.session_interface = DeskSessionInterface()
    app.config["PERMANENT_SESSION_LIFETIME"] = SESSION_LIFETIME
    app.register_blueprint(bp)


# --- CSRF -------------------------------------------------------------------------------------
def _token_for(nonce: str) -> str:
    key = current_app.config["SECRET_KEY"].encode()
    return hmac.new(key, f"commentq-desk-csrf:{nonce}".encode(), hashlib.sha256).hexdigest()


def csrf_token() -> str:
    """The CSRF token for forms on this page (bound to this browser's session)."""
    nonce = session.get("csrf_nonce")
    if not nonce:
        nonce = session["csrf_nonce"] = secrets.token_urlsafe(18)
    return _token_for(nonce)


def _check_csrf() -> None:
    nonce = session.get("csrf_nonce")
    sent = request.form.get("csrf_token", "")
    if not nonce or not sent or not hmac.compare_digest(sent, _token_for(nonce)):
        abort(
            400,
            "The form's CSRF token is missing or does not match your session; reload the page "
            "and try again (are cookies enabled?).",
        )
    origin = request.headers.get("Origin")
    if origin and origin != "null" and origin.rstrip("/") != request.host_url.rstrip("/"):
        abort(400, "This form was posted from another site (Origin header); refused.")


# --- who is signed in -------------------------------------------------------------------------
def _fingerprint(moderator: Moderator) -> str:
    return moderator.token_hash[:16]


def _sid_hash(sid: str) -> str:
    return hashlib.sha256(sid.encode("utf-8", "surrogatepass")).hexdigest()


def _current_moderator() -> Moderator | None:
    """The moderator of this request's desk session, checked against the server-side row: a
    cookie whose session was signed out (or revoked, or expired) no longer works, whichever copy
    of it is sent (issue 11)."""
    mod_id = session.get("moderator_id")
    sid = session.get("sid")
    if not isinstance(mod_id, int) or not isinstance(sid, str) or not sid or len(sid) > 100:
        return None
    db = get_session()
    row = db.get(DeskSession, _sid_hash(sid))
    if row is None or row.ended_at is not None or row.moderator_id != mod_id:
        return None
    if store.as_aware(row.expires_at) <= utcnow():  # type: ignore[operator]
        return None
    moderator = db.get(Moderator, mod_id)
    if moderator is None or moderator.revoked_at is not None:
        return None
    if not hmac.compare_digest(session.get("moderator_key", ""), _fingerprint(moderator)):
        return None  # the token was re-issued since this session began
    return moderator


def _start_session(moderator: Moderator) -> str:
    """A new server-side session row for ``moderator``; returns the id the cookie carries."""
    db = get_session()
    now = utcnow()
    db.execute(delete(DeskSession).where(or_(DeskSession.expires_at < now, DeskSession.ended_at.is_not(None))))
    sid = secrets.token_urlsafe(32)
    db.add(
        DeskSession(
            id_hash=_sid_hash(sid), moderator_id=moderator.id, created_at=now, expires_at=now + SESSION_LIFETIME
        )
    )
    db.commit()
    return sid


@bp.before_request
def _guard() -> ResponseReturnValue | None:
    if request.method == "POST":
        _check_csrf()
    if request.endpoint in OPEN_ENDPOINTS:
        return None
    moderator = _current_moderator()
    if moderator is None:
        for key in ("sid", "moderator_id", "moderator_key", "moderator_name"):
            session.pop(key, None)
        if request.method == "GET":
            return redirect(url_for("desk.login", next=request.full_path.rstrip("?")))
        abort(401, "Your session has ended (signed out or the token was revoked); sign in again.")
    g.moderator = moderator.name
    return None


@bp.app_context_processor
def _template_helpers() -> dict[str, Any]:
    return {
        "csrf_token": csrf_token if has_request_context() else (lambda: ""),
        "render_body": render_body,
        "Action": Action,
        "Status": Status,
        "LABELS": LABELS,
        "MOVES": store.MODERATOR_MOVES,
    }


@bp.app_template_filter("age")
def age(value: datetime | float | None) -> str:
    """A short "3 h 12 min" style age for a timestamp or a number of seconds."""
    if value is None:
        return "–"
    seconds = value if isinstance(value, int | float) else (datetime.now(UTC) - store.as_aware(value)).total_seconds()  # type: ignore[operator]
    seconds = max(0, int(seconds))
    if seconds < 60:
        return f"{seconds} s"
    minutes, hours, days = seconds // 60, seconds // 3600, seconds // 86400
    if days:
        return f"{days} d {hours % 24} h"
    if hours:
        return f"{hours} h {minutes % 60} min"
    return f"{minutes} min"


@bp.app_template_filter("utc")
def utc(value: datetime | None) -> str:
    return store.as_aware(value).strftime("%Y-%m-%d %H:%M:%S UTC") if value else "–"  # type: ignore[union-attr]


def _safe_next(target: str | None, default: str) -> str:
    """Only ever redirect back inside the desk: ``target`` resolved as a browser would (tabs and
    newlines dropped, backslashes as slashes), kept when it stays on this site under /moderation."""
    settings = current_settings()
    return safe_local_path(target, settings.public_url or request.host_url, bp.url_prefix or "/moderation") or default


@bp.errorhandler(HTTPException)
def _http_error(exc: HTTPException) -> ResponseReturnValue:
    titles = {400: "Request refused", 401: "Please sign in", 403: "Forbidden", 404: "Not found"}
    return render_template(
        "desk/message.html", title=titles.get(exc.code or 500, exc.name), message=exc.description, status=exc.code
    ), exc.code or 500


@bp.errorhandler(ApiError)
def _api_error(exc: ApiError) -> ResponseReturnValue:
    return render_template(
        "desk/message.html", title="Request refused", message=exc.message, status=exc.status
    ), exc.status


@bp.errorhandler(DomainError)
def _domain_error(exc: DomainError) -> ResponseReturnValue:
    status = domain_status(exc)
    return render_template("desk/message.html", title="Request refused", message=exc.message, status=status), status


# --- sign in / out ----------------------------------------------------------------------------
@bp.route("/login", methods=["GET", "POST"])
def login() -> ResponseReturnValue:
    """Exchange a moderator token for a session; the token itself is never stored in the cookie."""
    error = None
    status = 200
    next_url = _safe_next(request.values.get("next"), url_for("desk.queue"))
    if request.method == "POST":
        token = request.form.get("token", "").strip()
        moderator = moderator_for_token(get_session(), token)
        if moderator is None:
            error = "That token is not valid (unknown, mistyped or revoked)."
            status = 401
        else:
            sid = _start_session(moderator)
            session.clear()  # a fresh session (and CSRF nonce) after signing in
            session.permanent = True
            session["sid"] = sid
            session["moderator_id"] = moderator.id
            session["moderator_key"] = _fingerprint(moderator)
            session["moderator_name"] = moderator.name
            flash(f"Signed in as {moderator.name}.", "ok")
            return redirect(next_url, code=303)
    elif _current_moderator() is not None:
        return redirect(next_url)
    return render_template("desk/login.html", error=error, next_url=next_url), status


@bp.post("/logout")
def logout() -> ResponseReturnValue:
    """End this session server-side (every copy of the cookie stops working), then clear it."""
    sid = session.get("sid")
    if isinstance(sid, str) and sid:
        db = get_session()
        db.execute(
            update(DeskSession)
            .where(DeskSession.id_hash == _sid_hash(sid), DeskSession.ended_at.is_(None))
            .values(ended_at=utcnow())
        )
        db.commit()
    session.clear()
    flash("Signed out.", "ok")
    return redirect(url_for("desk.login"), code=303)


# --- the queue --------------------------------------------------------------------------------
def _page_arg() -> int:
    try:
        return max(1, min(int(request.args.get("page", "1")), 100_000))
    except ValueError:
        return 1


@bp.get("/")
def queue() -> ResponseReturnValue:
    """Comments in one status (held by default), oldest first, with every check's verdict."""
    status = request.args.get("status", Status.HELD)
    if status not in QUEUE_STATUSES:
        abort(400, f"status: must be one of {', '.join(QUEUE_STATUSES)}.")
    article = (request.args.get("article") or "").strip()[:200] or None
    db = get_session()
    page = store.moderation_queue(db, status, article, _page_arg(), PER_PAGE)
    return render_template(
        "desk/queue.html",
        page=page,
        status=status,
        article=article,
        statuses=QUEUE_STATUSES,
        articles=store.articles_with_counts(db),
        counts=store.counts_by_status(db),
        oldest_age=store.oldest_held_age(db),
        here=request.full_path.rstrip("?"),
    )


def _comment_or_404(comment_id: str) -> Comment:
    comment = get_session().get(Comment, comment_id) if len(comment_id) <= 36 else None
    if comment is None:
        abort(404, "No such comment.")
    return comment


def _action_arg() -> Action:
    try:
        return Action(request.form.get("action", ""))
    except ValueError:
        abort(400, f"action: must be one of {', '.join(Action)}.")


def _note_arg() -> str | None:
    note = request.form.get("note", "").strip()
    if len(note) > 2000:
        abort(400, "note: at most 2000 characters.")
    return note or None


PAST = {
    Action.APPROVE: "approved",
    Action.REJECT: "rejected",
    Action.SPAM: "marked as spam",
    Action.REMOVE: "removed",
    Action.NOT_SPAM: "marked as not spam",
}


@bp.post("/comments/<comment_id>/decision")
def decide(comment_id: str) -> ResponseReturnValue:
    """One click (or one key) on one comment; same path as the API: audited, committed, learned."""
    action = _action_arg()
    note = _note_arg()
    comment = _comment_or_404(comment_id)
    try:
        result = apply_decision(get_session(), comment, action, note, g.moderator)
        flash(f"Comment by {comment.author} {PAST[action]} ({result['previous_status']} → {result['status']}).", "ok")
    except DomainError as exc:
        flash(exc.message, "error")
    return redirect(_safe_next(request.form.get("next"), url_for("desk.queue")), code=303)


@bp.post("/bulk")
def bulk() -> ResponseReturnValue:
    """The same decision on every selected comment; each one is applied (and audited) separately."""
    action = _action_arg()
    ids = [i for i in request.form.getlist("ids") if i][:200]
    if not ids:
        flash("Select at least one comment first (click its checkbox or press x).", "error")
        return redirect(_safe_next(request.form.get("next"), url_for("desk.queue")), code=303)
    done, refused = 0, []
    for comment_id in ids:
        comment = get_session().get(Comment, comment_id) if len(comment_id) <= 36 else None
        if comment is None:
            refused.append(f"{comment_id[:8]}…: no such comment")
            continue
        try:
            apply_decision(get_session(), comment, action, None, g.moderator)
            done += 1
        except DomainError as exc:
            refused.append(f"{comment.author}: {exc.message}")
    if done:
        flash(f"{done} comment(s) {PAST[action]}.", "ok")
    for msg in refused:
        flash(msg, "error")
    return redirect(_safe_next(request.form.get("next"), url_for("desk.queue")), code=303)


# --- one comment, one article, the dashboard --------------------------------------------------
@bp.get("/comments/<comment_id>")
def comment_detail(comment_id: str) -> ResponseReturnValue:
    """Everything about one comment: the checks and the audit trail (who did what, when, why)."""
    comment = _comment_or_404(comment_id)
    return render_template("desk/comment.html", c=comment, here=request.full_path.rstrip("?"))


@bp.get("/articles")
def articles() -> ResponseReturnValue:
    return render_template("desk/articles.html", articles=store.articles_with_counts(get_session()))


@bp.get("/articles/<slug>")
def article_comments(slug: str) -> ResponseReturnValue:
    """An article's published comments, newest first, each with a Remove button."""
    db = get_session()
    article = store.get_article(db, slug) if slug_problem(slug) is None else None
    if article is None:
        abort(404, f"No article {slug!r}.")
    page = store.moderation_queue(db, Status.PUBLISHED, slug, _page_arg(), PER_PAGE)
    return render_template("desk/article.html", article=article, page=page, here=request.full_path.rstrip("?"))


@bp.get("/dashboard")
def dashboard() -> ResponseReturnValue:
    db = get_session()
    per_day = store.decisions_per_day(db, 14)
    busiest = max((sum(d.values()) for _, d in per_day), default=0)
    return render_template(
        "desk/dashboard.html",
        counts=store.counts_by_status(db),
        per_day=per_day,
        busiest=busiest,
        oldest_age=store.oldest_held_age(db),
        statuses=tuple(Status),
        actions=tuple(Action),
    )

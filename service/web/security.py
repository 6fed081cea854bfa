"""Request-level guards: client IP, rate limiting (flask-limiter on Redis), CORS, security headers,
and the redirect allow-list."""

from __future__ import annotations

import ipaddress
from collections.abc import Callable
from typing import cast

import ada_url
from flask import Flask, Response, g, request
from flask.typing import ResponseReturnValue
from flask_cors import CORS
from flask_limiter import Limiter

from service.core.settings import Settings

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; form-action 'self' {origins}; frame-ancestors 'none'; base-uri 'none'; "
    "object-src 'none'"
)


def client_ip() -> str:
    """The client's address; ProxyFix (COMMENTQ_TRUSTED_PROXIES) has already applied X-Forwarded-For."""
    return request.remote_addr or "unknown"


def rate_key(address: str | None = None) -> str:
    """The rate-limit bucket of a client address: an IPv4 address as is, an IPv6 address by its /64
    (one customer's network: a single host can pick any of its 2^64 addresses), an IPv4-mapped
    IPv6 address as its IPv4 address."""
    address = client_ip() if address is None else address
    try:
        ip = ipaddress.ip_address(address.split("%", 1)[0])
    except ValueError:
        return address
    if ip.version == 6:
        if ip.ipv4_mapped is not None:
            return str(ip.ipv4_mapped)
        return str(ipaddress.IPv6Network((ip, 64), strict=False))
    return str(ip)


# Characters a browser removes from anywhere in a URL before parsing it (WHATWG URL standard).
_TAB_OR_NEWLINE = str.maketrans("", "", "\t\n\r")
MAX_REDIRECT_CHARS = 2000


def parse_like_a_browser(target: str, base: str) -> ada_url.URL | None:
    """``target`` resolved against ``base`` the way a browser's address bar would (WHATWG URL
    standard, via ada-url: tabs and newlines dropped, leading/trailing C0 controls and spaces
    trimmed, backslashes as slashes in http(s) URLs); None when it is no http(s) URL."""
    try:
        url = ada_url.URL(target, base)
    except ValueError:
        return None
    return url if url.protocol in ("http:", "https:") and url.host else None


def origin_of(url: str | None) -> str | None:
    """The WHATWG origin (``https://host[:port]``, lower-case, default port dropped) of an
    absolute http(s) URL; None for anything else."""
    if not url or len(url) > MAX_REDIRECT_CHARS:
        return None
    try:
        parsed = ada_url.URL(url)
    except ValueError:
        return None
    return parsed.origin if parsed.protocol in ("http:", "https:") and parsed.host else None


def safe_redirect(
    target: str | None, article_url: str | None, allowed: tuple[str, ...], own_url: str | None = None
) -> str | None:
    """Where a browser may be sent after a form post: ``target`` as a browser would resolve it
    (relative targets against the article's page, else against ``own_url``, commentq's own
    address), if its origin is the article's site, commentq's own site or an allowed origin.

    Returns the resolved, normalised URL (ASCII, percent-encoded: exactly what was checked, so a
    ``Location`` header can carry it), or None for anything else: other sites, ``//host`` and
    ``/\t/host`` tricks, backslashes, non-http(s) schemes, over-long or unparsable targets.
    """
    if not target or len(target) > MAX_REDIRECT_CHARS:
        return None
    article_origin = origin_of(article_url)
    base = article_url if article_origin else own_url
    if not base:
        return None
    url = parse_like_a_browser(target, base)
    if url is None:
        return None
    ok = {o for o in (origin_of(a) for a in allowed) if o}
    ok.update(o for o in (article_origin, origin_of(own_url)) if o)
    return url.href if url.origin in ok else None


def safe_local_path(target: str | None, own_url: str, prefix: str) -> str | None:
    """``target`` as a path + query on commentq's own site under ``prefix`` (e.g. the desk's
    ``next``), resolved as a browser would; None for anything that leaves the site or the prefix."""
    if not target or len(target) > MAX_REDIRECT_CHARS:
        return None
    url = parse_like_a_browser(target, own_url)
    if url is None or url.origin != origin_of(own_url):
        return None
    if not (url.pathname == prefix or url.pathname.startswith(prefix.rstrip("/") + "/")):
        return None
    return url.pathname + url.search


def init_app(app: Flask, settings: Settings) -> None:
    if settings.allowed_origins:
        CORS(
            app,
            resources={r"/api/v1/(articles|comments)/.*": {"origins": list(settings.allowed_origins)}},
            methods=["GET", "POST", "OPTIONS"],
            allow_headers=["Content-Type"],
            max_age=600,
        )
    csp = CSP.format(origins=" ".join(settings.allowed_origins)).replace("  ", " ")

    @app.after_request
    def _headers(response: Response) -> Response:
        if response.status_code < 400:
            # flask-limiter adds Retry-After to every limited answer; it means "wait", so only
            # refusals (429, 503) carry it, never a 202 or a 303.
            response.headers.pop("Retry-After", None)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Referrer-Policy", "strict-origin-when-cross-origin")
        if response.mimetype == "text/html":
            response.headers.setdefault("Content-Security-Policy", csp)
        if request.path.startswith("/api/v1/moderation") or request.path.startswith("/moderation"):
            response.headers.setdefault("Cache-Control", "no-store")
        return response


def limit_submissions(app: Flask, settings: Settings) -> Limiter:
    """COMMENTQ_RATE_LIMIT stored submissions per client (``rate_key``: IPv4 address or IPv6 /64).

    Every submission that was stored counts, whatever the answer (``g.submission_stored``, set by
    the view right after the commit): a failure after storing must not let a client flood the queue.
    Refused submissions (validation errors, closed articles) store nothing and count nothing."""
    limiter = Limiter(
        key_func=rate_key,
        app=app,
        storage_uri=settings.redis_url or "memory://",
        storage_options={"socket_connect_timeout": 2, "socket_timeout": 2} if settings.redis_url else {},
        headers_enabled=True,
        swallow_errors=True,  # Redis down must not turn submissions into 500s
        key_prefix="commentq",
        default_limits=[],
    )
    app.extensions["limiter"] = limiter
    endpoint = "public.submit_comment"
    # submit_comment is a plain (sync) view; said so, flask-limiter's decorator keeps its type.
    view = cast("Callable[..., ResponseReturnValue]", app.view_functions[endpoint])
    app.view_functions[endpoint] = limiter.limit(
        lambda: settings.rate_limit,
        deduct_when=lambda _response: bool(g.get("submission_stored")),
        error_message="Too many comments from your address; wait a little.",
    )(view)
    return limiter

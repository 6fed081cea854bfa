"""Request-level guards: client IP, rate limiting (flask-limiter on Redis), CORS, security headers,
and the redirect allow-list."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Flask, request
from flask_cors import CORS
from flask_limiter import Limiter

from service.settings import Settings

CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
       "connect-src 'self'; form-action 'self' {origins}; frame-ancestors 'none'; base-uri 'none'; "
       "object-src 'none'")


def client_ip() -> str:
    """The client's address; ProxyFix (COMMENTQ_TRUSTED_PROXIES) has already applied X-Forwarded-For."""
    return request.remote_addr or "unknown"


def origin_of(url: str) -> str | None:
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return None
    return f"{parts.scheme}://{parts.netloc}".lower()


def safe_redirect(target: str | None, article_url: str | None, allowed: tuple[str, ...]) -> str | None:
    """``target`` if it points at the article's own site or an allowed origin; None otherwise."""
    if not target:
        return None
    if target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    origin = origin_of(target)
    ok = {o.lower() for o in allowed}
    if article_url and origin_of(article_url):
        ok.add(origin_of(article_url))  # type: ignore[arg-type]
    return target if origin and origin in ok else None


def init_app(app: Flask, settings: Settings) -> None:
    if settings.allowed_origins:
        CORS(app, resources={r"/api/v1/(articles|comments)/.*": {"origins": list(settings.allowed_origins)}},
             methods=["GET", "POST", "OPTIONS"], allow_headers=["Content-Type"], max_age=600)
    csp = CSP.format(origins=" ".join(settings.allowed_origins)).replace("  ", " ")

    @app.after_request
    def _headers(response):  # noqa: ANN001, ANN202
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Referrer-Policy", "strict-origin-when-cross-origin")
        if response.mimetype == "text/html":
            response.headers.setdefault("Content-Security-Policy", csp)
        if request.path.startswith("/api/v1/moderation") or request.path.startswith("/moderation"):
            response.headers.setdefault("Cache-Control", "no-store")
        return response


def limit_submissions(app: Flask, settings: Settings) -> Limiter:
    """COMMENTQ_RATE_LIMIT accepted submissions per client IP; only accepted ones count."""
    limiter = Limiter(
        key_func=client_ip,
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
    app.view_functions[endpoint] = limiter.limit(
        lambda: settings.rate_limit,
        deduct_when=lambda response: response.status_code in (202, 303),
        error_message="Too many comments from your address; wait a little.",
    )(app.view_functions[endpoint])
    return limiter

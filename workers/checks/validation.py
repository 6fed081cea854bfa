"""Validation: what the API's schema enforces, checked again on the worker side.

The worker cannot trust that every row came through today's schema (older rows, other writers,
a changed limit), so required fields, lengths, email and URL shape are verified here too, on the
NFKC-normalised text (what a reader sees), and hostile characters are refused: NUL bytes, control
characters, lone surrogates, and invisible or bidi-control characters in the name (spoofing).
No DNS lookup is ever made: the email's syntax is checked, not its deliverability.
"""

from __future__ import annotations

import ipaddress
import re
import unicodedata
from urllib.parse import urlsplit

from email_validator import SPECIAL_USE_DOMAIN_NAMES, EmailNotValidError, validate_email

from service.schemas import NAME_BIDI_MARKS
from workers.checks.base import INVALID, PASS, CheckContext, Submission, Verdict
from workers.checks.text import CONTROL, INVISIBLE

MAX_NAME = 200
MAX_EMAIL = 320
MAX_URL = 2000
SURROGATE = re.compile("[\ud800-\udfff]")
_HOSTILE = re.compile(f"[{SURROGATE.pattern[1:-1]}{CONTROL.pattern[1:-1]}]")  # NUL is a CONTROL character too
_ASCII_CONTROL = bytes(c for c in range(128) if CONTROL.match(chr(c)))


def _has_hostile(text: str) -> bool:
    """Whether ``text`` has a NUL, a control character or a lone surrogate. ASCII text (no
    surrogates) is scanned as bytes by ``bytes.translate``, several times faster than the regex."""
    if text.isascii():
        raw = text.encode("ascii")
        return len(raw.translate(None, _ASCII_CONTROL)) != len(raw)
    return _HOSTILE.search(text) is not None


# A plain ASCII address that email-validator certainly accepts (dot-atom local part, a domain of
# LDH labels and a letters-only TLD that is not special-use): checked by this regex alone, because
# email-validator costs ~100 µs a call. Anything else goes through email-validator.
_ATOM = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+"
_PLAIN_EMAIL = re.compile(rf"^(?=.{{1,64}}@){_ATOM}(?:\.{_ATOM})*@(?=.{{4,253}}$)"
                          r"(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63}$")
_SPECIAL_TLDS = frozenset(SPECIAL_USE_DOMAIN_NAMES)


def email_problem(email: str) -> str | None:
    """Why ``email`` is not a valid address (syntax only, never DNS), or None when it is."""
    if _PLAIN_EMAIL.match(email) and email.rsplit(".", 1)[-1].lower() not in _SPECIAL_TLDS:
        return None
    try:
        validate_email(email, check_deliverability=False)
    except (EmailNotValidError, UnicodeError, ValueError) as exc:
        return f"email: {exc}"
    return None


LABEL = re.compile(r"^(?!-)[\w-]{1,63}(?<!-)$")


def _host_ok(host: str) -> bool:
    """A DNS name with at least one dot (or localhost), or an IP literal."""
    try:
        ipaddress.ip_address(host)
        return True
    except ValueError:
        pass
    labels = host.rstrip(".").split(".")
    return (len(labels) >= 2 or host == "localhost") and all(LABEL.match(x) and "_" not in x for x in labels)


def url_problem(url: str) -> str | None:
    """Why ``url`` is not a plain http(s) link to a named host, or None when it is."""
    if len(url) > MAX_URL:
        return f"website longer than {MAX_URL} characters"
    if any(c.isspace() for c in url):
        return "website must not contain spaces"
    try:
        parts = urlsplit(url)
        host = parts.hostname or ""
        _ = parts.port  # raises on a malformed port
    except ValueError:
        return "website is not a valid URL"
    if parts.scheme.lower() not in ("http", "https"):
        return "website must be an http(s) URL"
    if parts.username is not None or parts.password is not None:
        return "website must not contain credentials"
    if not host or not _host_ok(host):
        return "website has no valid host name"
    return None


def _visible(text: str) -> str:
    """``text`` without invisible characters (all of them are non-ASCII: ASCII text is kept as is)."""
    return text if text.isascii() else INVISIBLE.sub("", text)


class Validation:
    name = "validation"

    def run(self, sub: Submission, ctx: CheckContext) -> Verdict:
        problems: list[str] = []
        fields = (("name", sub.author or ""), ("comment", sub.body or ""), ("email", sub.email or ""),
                  ("website", sub.url or ""))
        broken = set()
        # The usual case: no hostile character in any field, found with one scan.
        for label, value in fields if _has_hostile("".join([v for _, v in fields])) else ():
            if "\x00" in value:
                problems.append(f"{label} contains a NUL byte")
                broken.add(label)
            elif SURROGATE.search(value):
                problems.append(f"{label} contains invalid Unicode (lone surrogates)")
                broken.add(label)
            elif CONTROL.search(value):  # (tab, CR and LF are not in CONTROL)
                problems.append(f"{label} contains control characters")
                broken.add(label)
        # Directional marks in a right-to-left name are formatting, not spoofing: removed as the API
        # removes them; overrides (U+202D, U+202E) stay refused through INVISIBLE.
        name = NAME_BIDI_MARKS.sub("", sub.author or "")
        author = unicodedata.normalize("NFKC", name) if "name" not in broken else ""
        body = unicodedata.normalize("NFKC", sub.body or "") if "comment" not in broken else ""
        if "name" not in broken:
            if not _visible(author).strip():
                problems.append("name is required")
            elif (not author.isascii() and INVISIBLE.search(author)) or "\n" in author or "\r" in author:
                problems.append("name contains invisible, bidi-control or line-break characters")
            if len(author) > MAX_NAME:
                problems.append(f"name longer than {MAX_NAME} characters")
        if "comment" not in broken:
            if not body.strip():
                problems.append("comment is empty")
            elif not _visible(body).strip():
                problems.append("comment is only invisible characters")
            if len(body) > ctx.config.max_body_chars:
                problems.append(f"comment longer than {ctx.config.max_body_chars} characters")
        if "email" not in broken:
            if len(sub.email or "") > MAX_EMAIL:
                problems.append(f"email longer than {MAX_EMAIL} characters")
            else:
                problem = email_problem(sub.email or "")
                if problem:
                    problems.append(problem)
        if sub.url and "website" not in broken:
            problem = url_problem(sub.url)
            if problem:
                problems.append(problem)
        if problems:
            return Verdict(self.name, INVALID, 1.0, "; ".join(problems))
        return Verdict(self.name, PASS, 0.0, "fields well-formed")

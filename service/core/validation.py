"""The one validator of a comment's fields, shared by the API's schema and the worker's check.

``prepare`` cleans what a reader typed the way the API stores it (and nothing more: the text stays
as typed, no NFKC, no case folding); ``problems`` says what is wrong with prepared fields, per field.
The API (``service/web/schemas.py``) answers ``422`` with these messages; the worker's ``validation``
check (``workers/checks/validation.py``) runs the very same two functions on the stored row, so a
comment the API accepted always passes there, and the worker never rejects for a reason the API
could have seen. ``prepare`` is idempotent and ``problems(prepare(x))`` is empty for every stored
row the API wrote.

Rules (README "What commenters may type"):

* **name** (``author``): 1–200 characters after trimming, at least one of them visible. Complete
  HTML tags (``<b>``, ``</i>``, ``<!-- -->``) are stripped, as WordPress and Isso do; any other
  ``<`` is text (``x<y``, ``a < b > c``, ``<3`` stay as typed). A name that is nothing but markup
  (``<script>alert(1)</script>``, ``<Dave>``) is refused as markup, not as missing. Directional
  marks, embeddings and isolates (U+200E/F, U+061C, U+202A–C, U+2066–9) that right-to-left names
  carry are removed; bidi *overrides* (U+202D/U+202E) are refused. Zero-width joiners
  (U+200C/U+200D), which Persian, Indic scripts and emoji sequences need, are allowed between two
  non-ASCII characters; other invisible characters (zero-width space, word joiner, soft hyphen, BOM, ...) are refused.
* **email**: at most 254 characters (RFC 5321's path limit), valid syntax (email-validator, never
  a DNS lookup). Never published.
* **website** (``url``): optional; ``www.example.org`` without a scheme becomes
  ``https://www.example.org``. Must be http(s), at most 2,000 characters, with no credentials, no
  spaces, quotes, angle brackets, backticks or backslashes, a valid port (1–65535) and a public
  host: a DNS name of at least two labels whose top-level label is alphabetic and not a
  special-use or private one (``localhost``, ``.local``, ``.internal``, ``.test``, ...), or a
  global IP address literal.
* **comment** (``body``): line breaks CRLF and CR become LF (a browser posts CRLF; each counts as
  one character, as the textarea's ``maxlength`` counts it); then 1 to ``max_body_chars``
  characters (code points) of the text as typed, at least one of them visible (``visible``: not
  white space of any kind, a format character, a mark alone, a Hangul filler or the braille
  blank); no bidi overrides, embeddings or isolates (each named by kind).
* **slug** (an article's, ``slug_problem``): the one rule of the CLI and the ``/articles/<slug>``
  routes.
* every field: no NUL byte, no control character (tab and line feed only in the comment), no lone
  surrogate.
"""

from __future__ import annotations

import html
import ipaddress
import re
import unicodedata
from dataclasses import dataclass
from urllib.parse import urlsplit

import nh3
from email_validator import SPECIAL_USE_DOMAIN_NAMES, EmailNotValidError, validate_email

MAX_NAME = 200
MAX_EMAIL = 254
MAX_URL = 2000

# C0 and C1 controls except tab, LF and CR (CR is turned into LF by ``prepare``); NUL is one of them.
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
SURROGATE = re.compile("[\ud800-\udfff]")
_ASCII_CONTROL = bytes(c for c in range(128) if CONTROL.match(chr(c)))
# Directional marks, embeddings and isolates that right-to-left names carry when pasted from other
# systems ("\u202bאסף שמש\u202c\u200e"): removed from a name rather than refused.
NAME_BIDI_MARKS = re.compile("[\u200e\u200f\u061c\u202a-\u202c\u2066-\u2069]")
# Overrides reorder what a reader sees ("Ann\u202egnp.exe" shows as "Annexe.png"): refused.
BIDI_OVERRIDES = re.compile("[\u202d\u202e]")
# In a comment, embeddings and isolates are refused too (Trojan Source, CVE-2021-42574).
BODY_BIDI = re.compile("[\u202a-\u202e\u2066-\u2069]")
# Invisible characters a name may not carry (joiners are handled apart, see ``_joiner_problem``).
NAME_INVISIBLE = re.compile("[\u00ad\u034f\u115f\u1160\u180e\u200b\u2060-\u2064\u3164\ufeff\uffa0]")
JOINERS = re.compile("[\u200c\u200d]")
# Letters and symbols that fonts draw as nothing: Hangul fillers (U+115F, U+1160, U+3164, U+FFA0),
# the braille blank U+2800, Khmer's inherent vowels and Mongolian's vowel separator. Together with
# every kind of white space (Z*, and tab/LF), every format character (Cf: zero-width space and
# joiners, bidi controls, BOM, tag characters U+E0000-E007F, ...) and every non-spacing or
# enclosing mark alone (Mn/Me: combining accents, variation selectors, CGJ), they make a field
# that looks empty (``visible``).
_DRAWN_AS_NOTHING = frozenset("\u115f\u1160\u17b4\u17b5\u180e\u2800\u3164\uffa0")
_INVISIBLE_CATEGORIES = frozenset({"Zs", "Zl", "Zp", "Cc", "Cf", "Mn", "Me"})
_TAG_CHARS = re.compile("[\U000e0000-\U000e007f]+")
_BLACK_FLAG = "\U0001f3f4"  # emoji tag sequences (the flags of England, Scotland, Wales) start here
# HTML markup in a name: a complete tag, end tag, comment, doctype or processing instruction,
# ``<`` + letter, ``/``, ``!`` or ``?`` ... ``>``. ``x<y``, ``a < b > c`` and ``<3`` are text.
_LOOKS_LIKE_TAG = re.compile(r"<[A-Za-z/!?][^<>]*>")
# A ``<`` that does not open such a tag (escaped before nh3 parses the name, so an HTML parser
# never swallows the rest of the name as an unfinished tag: ``x<y`` stays ``x<y``).
_TEXT_LT = re.compile(r"<(?![A-Za-z/!?][^<>]*>)")
_URL_FORBIDDEN = re.compile(r"[\s<>\"'`\\]")
_SCHEME = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]*):")
_LABEL = re.compile(r"^(?!-)[^\W_](?:[\w-]{0,61}[^\W_])?$")
_TLD = re.compile(r"^(?:[^\W\d_]{2,63}|xn--[a-z0-9-]{1,59})$", re.IGNORECASE)
# Top-level names that only ever mean a private network (RFC 6761, RFC 6762 appendix G, ICANN's
# reserved ".internal"), so a website there is never reachable by the blog's readers.
PRIVATE_TLDS = frozenset(SPECIAL_USE_DOMAIN_NAMES) | {
    "internal",
    "intranet",
    "lan",
    "home",
    "corp",
    "localdomain",
    "private",
}


MAX_SLUG = 200
# An article's slug, as WordPress makes them: letters and digits of any script, ``-``, ``_``,
# ``.`` and ``~`` (URL path characters that need no escaping), starting with a letter or a digit.
# No ``/``, space or control character, which the ``/articles/<slug>`` routes can never reach.
_SLUG = re.compile(r"[^\W_][\w.~-]*")


def slug_problem(slug: str) -> str | None:
    """Why ``slug`` cannot name an article (the CLI refuses it; the API answers 404 for it), or None."""
    if not slug:
        return "Slug is required."
    if len(slug) > MAX_SLUG:
        return f"Longer than maximum length {MAX_SLUG}."
    if not _SLUG.fullmatch(slug):
        return (
            "Use only letters, digits, '-', '_', '.' and '~', starting with a letter or a digit "
            "(no spaces, slashes or control characters)."
        )
    return None


@dataclass(frozen=True)
class CommentFields:
    """A comment's reader-typed fields, prepared (``prepare``) as the API stores them."""

    author: str
    email: str
    body: str
    url: str | None = None


def _strip_tags(name: str) -> str:
    """The name without its HTML tags (their text kept; script/style content dropped), every other
    character as typed: ``&amp;`` stays ``&amp;``, ``x<y`` stays ``x<y``. When nothing visible is
    left (``<script>alert(1)</script>``, ``<Dave>``) the name is returned as typed, so that the
    validator refuses it as markup ("may not contain HTML markup") instead of "Name is required"."""
    if not _LOOKS_LIKE_TAG.search(name) or SURROGATE.search(name):  # (a lone surrogate is refused anyway)
        return name
    escaped = _TEXT_LT.sub("&lt;", name.replace("&", "&amp;"))
    stripped = html.unescape(nh3.clean(escaped, tags=set()))
    return name if _is_blank(stripped) else stripped


def clean_name(name: str) -> str:
    """A name as stored and published: tags stripped, RTL marks removed, outer white space trimmed.
    Also applied to names on their way out, for rows stored before this rule existed."""
    name = NAME_BIDI_MARKS.sub("", name)
    # Stripping can leave a new tag behind ("3<?<?>>" -> "3<?>"), so strip until nothing changes, as
    # Django's strip_tags does; every pass that changes the name shortens it, so this ends.
    for _ in range(len(name) + 1):
        stripped = _strip_tags(name)
        if stripped == name:
            break
        name = stripped
    return name.strip()


def public_name(name: str) -> str:
    """A stored name as it may appear in public output: ``clean_name`` again (rows stored before the
    tag rule), and any ``<`` still opening something tag-like replaced, so no output carries markup."""
    name = clean_name(name)
    return _LOOKS_LIKE_TAG.sub(lambda m: "\u2039" + m.group(0)[1:], name) if "<" in name else name


def with_scheme(url: str) -> str:
    """``url`` with ``https://`` in front when it has no scheme (``www.example.org``), else as is.
    A leading ``name:`` without a dot is a scheme (``mailto:``, ``javascript:``), left to be refused;
    ``example.org:8080`` is a host and a port."""
    m = _SCHEME.match(url)
    if (m and "." not in m.group(1)) or url.startswith("/"):
        return url
    return "https://" + url


def normalise_newlines(text: str) -> str:
    """CRLF and lone CR to LF: a browser's textarea posts CRLF, and its ``maxlength`` counts one."""
    return text.replace("\r\n", "\n").replace("\r", "\n") if "\r" in text else text


def prepare(author: str, email: str, body: str, url: str | None) -> CommentFields:
    """What the API stores for what a reader typed. Idempotent: ``prepare(*prepare(...))`` changes nothing."""
    url = (url or "").strip()
    return CommentFields(
        author=clean_name(author),
        email=email.strip(),
        body=normalise_newlines(body),
        url=with_scheme(url) if url else None,
    )


def _hostile(value: str, *, multiline: bool) -> str | None:
    """Why ``value`` carries characters no field may hold (NUL, controls, lone surrogates), or None."""
    if value.isascii():  # the usual case, scanned as bytes (several times faster than the regex)
        raw = value.encode("ascii")
        if len(raw.translate(None, _ASCII_CONTROL)) == len(raw) and (
            multiline or not ("\n" in value or "\t" in value or "\r" in value)
        ):
            return None
    if "\x00" in value:
        return "Contains a NUL byte."
    if SURROGATE.search(value):
        return "Contains an unpaired surrogate (invalid Unicode)."
    if CONTROL.search(value) or (not multiline and ("\n" in value or "\t" in value or "\r" in value)):
        return "Contains control characters."
    return None


def visible(char: str) -> bool:
    """Whether a font draws ``char`` as something a reader sees (see ``_INVISIBLE_CATEGORIES``)."""
    return char not in _DRAWN_AS_NOTHING and unicodedata.category(char) not in _INVISIBLE_CATEGORIES


def _is_blank(text: str) -> bool:
    """True when no character of ``text`` is ``visible``. Linear; stops at the first visible one."""
    if text.isascii():
        return not text.strip()
    return not any(visible(c) for c in text)


_BIDI_KINDS = (
    ("\u202d\u202e", "override"),
    ("\u202a\u202b\u202c", "embedding"),
    ("\u2066\u2067\u2068\u2069", "isolate"),
)


def _bidi_problem(text: str, pattern: re.Pattern[str]) -> str | None:
    """The message for the first bidi control of ``pattern`` in ``text``, naming its kind and code point."""
    m = pattern.search(text)
    if m is None:
        return None
    kind = next(k for chars, k in _BIDI_KINDS if m.group(0) in chars)
    return f"Contains a bidirectional {kind} character (U+{ord(m.group(0)):04X})."


def _joiner_problem(name: str) -> str | None:
    """Joiners belong between two non-ASCII characters (Persian words, Indic conjuncts, emoji
    sequences); next to ASCII or white space they only hide something ("Ad\u200dmin")."""
    for m in JOINERS.finditer(name):
        i = m.start()
        before = name[i - 1] if i else " "
        after = name[i + 1] if i + 1 < len(name) else " "
        if (
            before.isascii()
            or after.isascii()
            or before.isspace()
            or after.isspace()
            or JOINERS.match(before)
            or JOINERS.match(after)
        ):
            return "Contains a zero-width joiner outside a word or an emoji."
    return None


def name_problem(name: str) -> str | None:
    """Why a prepared name cannot be published, or None."""
    problem = _hostile(name, multiline=False)
    if problem:
        return problem
    if _is_blank(name):
        return "Name is required (it has no visible character)."
    if len(name) > MAX_NAME:
        return f"Longer than maximum length {MAX_NAME}."
    if name.isascii():
        return NAME_MARKUP if _LOOKS_LIKE_TAG.search(name) else None
    problem = _bidi_problem(name, BIDI_OVERRIDES)
    if problem:
        return problem
    if NAME_INVISIBLE.search(name):
        return "Contains invisible characters."
    for m in _TAG_CHARS.finditer(name):
        if not name[: m.start()].endswith(_BLACK_FLAG):
            return "Contains invisible characters."
    if "\u200c" in name or "\u200d" in name:
        problem = _joiner_problem(name)
        if problem:
            return problem
    if _LOOKS_LIKE_TAG.search(name):
        return NAME_MARKUP
    return None


NAME_MARKUP = "Name may not contain HTML markup (such as <b> or <script>)."


# A plain ASCII address that email-validator certainly accepts (dot-atom local part, a domain of
# LDH labels and a letters-only TLD that is not special-use): checked by this regex alone, because
# email-validator costs ~100 µs a call. Anything else goes through email-validator.
_ATOM = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+"
_PLAIN_EMAIL = re.compile(
    rf"^(?=.{{1,64}}@){_ATOM}(?:\.{_ATOM})*@(?=.{{4,253}}$)"
    r"(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63}$"
)
_SPECIAL_TLDS = frozenset(SPECIAL_USE_DOMAIN_NAMES)


def _one_line_problem(value: str, max_chars: int) -> str | None:
    """What an email address and a website share: no hostile or line-break characters, no bidi
    controls, at most ``max_chars`` code points."""
    problem = _hostile(value, multiline=False) or (None if value.isascii() else _bidi_problem(value, BODY_BIDI))
    if problem:
        return problem
    return f"Longer than maximum length {max_chars}." if len(value) > max_chars else None


def email_problem(email: str) -> str | None:
    """Why ``email`` is not a valid address (syntax only, never DNS), or None when it is."""
    problem = _one_line_problem(email, MAX_EMAIL)
    if problem:
        return problem
    if _PLAIN_EMAIL.match(email) and email.rsplit(".", 1)[-1].lower() not in _SPECIAL_TLDS:
        return None
    try:
        validate_email(email, check_deliverability=False)
    except (EmailNotValidError, UnicodeError, ValueError) as exc:
        return f"Not a valid email address: {exc}"
    return None


def _host_problem(host: str) -> str | None:
    """Why ``host`` (from urlsplit: lower-case, brackets gone) is not a public host, or None."""
    try:
        ip = ipaddress.ip_address(host)
    except ValueError:
        ip = None
    if ip is not None:
        return None if ip.is_global else "Must be a public address, not a private or reserved IP."
    labels = host[:-1].split(".") if host.endswith(".") else host.split(".")
    if len(labels) < 2:
        return "Needs a full host name with a dot (e.g. example.org)."
    if len(host) > 253 or not all(_LABEL.match(label) for label in labels) or not _TLD.match(labels[-1]):
        return "Has no valid host name."
    if labels[-1].lower() in PRIVATE_TLDS:
        return "Must be a public address, not a private or special-use name."
    return None


def url_problem(url: str) -> str | None:
    """Why a prepared website is not a plain http(s) link to a public host, or None when it is."""
    problem = _one_line_problem(url, MAX_URL)
    if problem:
        return problem
    if any(c.isspace() for c in url):
        return "Must not contain spaces."
    if _URL_FORBIDDEN.search(url):
        return "Must not contain quotes, angle brackets, backticks or backslashes."
    try:
        parts = urlsplit(url)
        host = parts.hostname or ""
        port = parts.port  # raises ValueError on a port that is not a number in 0-65535
    except ValueError:
        return "Not a valid URL (check the host and the port)."
    if parts.scheme.lower() not in ("http", "https") or not url[len(parts.scheme) :].startswith("://"):
        return "Must be an http:// or https:// URL."
    if parts.username is not None or parts.password is not None or "@" in parts.netloc:
        return "Must not contain a user name or password."
    if port == 0:
        return "Not a valid URL (check the host and the port)."
    if not host:
        return "Has no host name."
    return _host_problem(host)


def body_problem(body: str, max_body_chars: int) -> str | None:
    """Why a prepared comment text cannot be accepted, or None. Length in code points, as typed."""
    problem = _hostile(body, multiline=True)
    if problem:
        return problem
    if _is_blank(body):
        return "Comment is empty (it has no visible character)."
    if len(body) > max_body_chars:
        return f"Longer than maximum length {max_body_chars}."
    return None if body.isascii() else _bidi_problem(body, BODY_BIDI)


def problems(fields: CommentFields, *, max_body_chars: int) -> dict[str, list[str]]:
    """Every problem of prepared fields, as ``{field: [message]}`` with the API's field names
    (``author``, ``email``, ``url``, ``body``); empty when the comment is valid."""
    found = {
        "author": name_problem(fields.author),
        "email": email_problem(fields.email),
        "url": url_problem(fields.url) if fields.url is not None else None,
        "body": body_problem(fields.body, max_body_chars),
    }
    return {field: [msg] for field, msg in found.items() if msg}

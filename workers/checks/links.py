"""Links: WordPress holds a comment with too many links (default 2); link-heavy text is spammy.

A link to a blocklisted domain (``COMMENTQ_BLOCKED_DOMAINS``, subdomains included), in the text or
as the commenter's website, marks the comment spam; a URL shortener hides where a link goes, so
the comment is held; so is a comment with ``links_hold`` links or more (a person has a look).
When every link goes to a reference site (``reference_domains``: Wikipedia, arXiv, GitHub, ...),
the hold is tagged ``reference-links`` and the policy holds rather than rejects such a comment even
when the classifier finds it spammy: citing sources is what careful commenters do.
"""

from __future__ import annotations

import re

from workers.checks.base import HOLD, PASS, SPAM, CheckContext, Submission, Verdict
from workers.checks.text import domain_of, links

SHORTENERS = frozenset({
    "bit.ly", "tinyurl.com", "goo.gl", "t.co", "ow.ly", "is.gd", "buff.ly", "adf.ly", "bit.do",
    "cutt.ly", "rebrand.ly", "shorturl.at", "tiny.cc", "rb.gy", "s.id", "v.gd", "lnkd.in",
})


def matches_domain(host: str, domains: frozenset[str]) -> str | None:
    """The entry of ``domains`` that ``host`` is, or is a subdomain of."""
    host = host.rstrip(".").lower()
    parts = host.split(".")
    for i in range(len(parts) - 1):
        candidate = ".".join(parts[i:])
        if candidate in domains:
            return candidate
    return host if host in domains else None


# A referral or affiliate code pays the poster for each click; a redirector (google.com/url?...,
# ?url=https://...) hides the real destination like a shortener does. On the labelled corpus both
# appear only in spam (docs/checks.md).
REFERRAL = re.compile(r"(?i)[?&](?:ref|refid|referral|aff|affid|affiliate|partner|invite|promo)=|/(?:ref|aff|invite)/")
REDIRECTOR = re.compile(r"(?i)^(?:https?://)?(?:www\.)?google\.[a-z.]+/url\?|[?&](?:url|u|q|target|redirect|dest)=https?")
REFERENCE = frozenset({"reference-links"})


class Links:
    name = "links"

    def run(self, sub: Submission, ctx: CheckContext) -> Verdict:
        found = links(sub.body or "")
        domains = {domain_of(link) for link in found}
        blocklist = ctx.config.blocked_domains
        if blocklist:
            targets = domains | ({domain_of(sub.url)} if sub.url else set())
            blocked = sorted({m for d in targets if (m := matches_domain(d, blocklist))})
            if blocked:
                return Verdict(self.name, SPAM, 1.0, f"links to blocklisted domain(s): {', '.join(blocked)}")
        short = sorted(d for d in domains if matches_domain(d, SHORTENERS)) if domains else []
        if short:
            return Verdict(self.name, HOLD, 0.7, f"uses a link shortener: {', '.join(short)}")
        if any(REFERRAL.search(link) for link in found):
            return Verdict(self.name, HOLD, 0.7, "a link carries a referral or affiliate code")
        if any(REDIRECTOR.search(link) for link in found):
            return Verdict(self.name, HOLD, 0.7, "a link goes through a redirector that hides its destination")
        n = len(found)
        if n >= ctx.config.links_hold:
            reference = bool(domains) and all(matches_domain(d, ctx.config.reference_domains) for d in domains)
            return Verdict(self.name, HOLD, min(1.0, n / 10),
                           f"{n} links (holds at {ctx.config.links_hold} or more)"
                           + ("; all to reference sites" if reference else ""),
                           tags=REFERENCE if reference else frozenset())
        words = max(1, len((sub.body or "").split()))
        return Verdict(self.name, PASS, min(1.0, n / words), f"{n} link(s)")

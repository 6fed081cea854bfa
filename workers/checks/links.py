"""Links: judged by where they go, not by being links.

A reader who cites the news, Wikipedia or the docs is doing what careful commenters do, so a link
is not spam by itself. What counts against a comment is where its links lead:

* a blocklisted domain (``COMMENTQ_BLOCKED_DOMAINS``, subdomains included), in the text or as the
  commenter's website, or a link to a spam-list domain (``workers.checks.sites.spam_domains``):
  ``spam``, a specific signal;
* a URL shortener, a referral or affiliate code, a redirector (each hides or pays for the
  destination), or a commercial-keyword host (``cheap-flights-europe.com``): a ``hold`` tagged
  ``evidence``: the policy rejects when another independent signal agrees;
* ``links_hold`` links or more (WordPress's "hold a comment with 2 or more links"): a ``hold``,
  tagged ``reference-links`` when every link goes to a neutral host (the article's own site, news,
  reference, docs and code hosts), which the policy never lets the classifier reject.

Fewer links to neutral or ordinary hosts pass.
"""

from __future__ import annotations

import re

from service.core.vocabulary import CheckName
from workers.checks.base import EVIDENCE, HOLD, PASS, SPAM, CheckContext, Submission, Verdict
from workers.checks.sites import (
    SHORTENERS,
    commercial_host,
    host_of,
    is_neutral,
    matches_domain,
    spam_listed,
)
from workers.checks.text import cut_links, found_links

__all__ = ["Links", "matches_domain", "SHORTENERS"]

# A referral or affiliate code pays the poster for each click; a redirector (google.com/url?...,
# ?url=https://...) hides the real destination like a shortener does. On the labelled corpus both
# appear only in spam (docs/checks.md). Both are anchored to a query or path separator and have no
# nested repetition: linear in the link's length.
REFERRAL = re.compile(r"(?i)[?&](?:ref|refid|referral|aff|affid|affiliate|partner|invite|promo)=|/(?:ref|aff|invite)/")
REDIRECTOR = re.compile(
    r"(?i)^(?:https?://)?(?:www\.)?google\.[a-z.]+/url\?|[?&](?:url|u|q|target|redirect|dest)=https?"
)
REFERENCE = frozenset({"reference-links"})
AGAINST = frozenset({EVIDENCE})


def without_neutral_links(text: str, article_url: str | None = None) -> str:
    """``text`` with its links to neutral hosts (news, reference, docs, code, the article's own site)
    taken out: what the classifier scores, so a citation is judged here, by where it goes, and not
    by a text model that learned "a link means spam" from video comments. Other links stay."""
    found = found_links(text)
    if not found:
        return text
    own = host_of(article_url)
    neutral = [link for link in found if is_neutral(link.site, own)]
    return cut_links(text, neutral) if neutral else text


class Links:
    name = CheckName.LINKS

    def run(self, sub: Submission, ctx: CheckContext) -> Verdict:
        found = found_links(sub.body or "")
        urls = [link.url for link in found]
        hosts = sorted({link.site for link in found})
        blocklist = ctx.config.blocked_domains
        if blocklist:
            website = host_of(sub.url)
            targets = set(hosts) | ({website} if website else set())
            blocked = sorted({m for d in targets if (m := matches_domain(d, blocklist))})
            if blocked:
                return Verdict(self.name, SPAM, 1.0, f"links to blocklisted domain(s): {', '.join(blocked)}")
        if not found:
            return Verdict(self.name, PASS, 0.0, "0 link(s)")
        listed = sorted({m for h in hosts if (m := spam_listed(h))})
        if listed:
            return Verdict(self.name, SPAM, 1.0, f"links to spam-list domain(s): {', '.join(listed[:5])}")
        short = [h for h in hosts if matches_domain(h, SHORTENERS)]
        if short:
            return Verdict(self.name, HOLD, 0.7, f"uses a link shortener: {', '.join(short)}", tags=AGAINST)
        if any(REFERRAL.search(u) for u in urls):
            return Verdict(self.name, HOLD, 0.7, "a link carries a referral or affiliate code", tags=AGAINST)
        if any(REDIRECTOR.search(u) for u in urls):
            return Verdict(
                self.name, HOLD, 0.7, "a link goes through a redirector that hides its destination", tags=AGAINST
            )
        selling = [why for h in hosts if (why := commercial_host(h))]
        if selling:
            return Verdict(
                self.name, HOLD, 0.7, f"links to a commercial-keyword site: {', '.join(selling[:3])}", tags=AGAINST
            )
        own = host_of(sub.article_url)
        neutral = [h for h in hosts if is_neutral(h, own)]
        n = len(found)
        if n >= ctx.config.links_hold:
            reference = bool(hosts) and len(neutral) == len(hosts)
            return Verdict(
                self.name,
                HOLD,
                min(1.0, n / 10),
                f"{n} links (holds at {ctx.config.links_hold} or more)"
                + ("; all to reference or news sites" if reference else ""),
                tags=REFERENCE if reference else frozenset(),
            )
        kind = "to reference or news sites" if len(neutral) == len(hosts) else "to ordinary sites"
        return Verdict(self.name, PASS, 0.0, f"{n} link(s) {kind}: {', '.join(hosts[:3])}")

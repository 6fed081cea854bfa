"""Links: WordPress holds a comment with too many links (default 2); link-heavy text is spammy."""

from __future__ import annotations

from workers.checks.base import HOLD, PASS, SPAM, CheckContext, Submission, Verdict
from workers.checks.text import domain_of, links

SHORTENERS = frozenset({
    "bit.ly", "tinyurl.com", "goo.gl", "t.co", "ow.ly", "is.gd", "buff.ly", "adf.ly", "bit.do",
    "cutt.ly", "rebrand.ly", "shorturl.at", "tiny.cc", "rb.gy", "s.id", "v.gd", "lnkd.in",
})


class Links:
    name = "links"

    def run(self, sub: Submission, ctx: CheckContext) -> Verdict:
        found = links(sub.body)
        domains = {domain_of(link) for link in found}
        blocked = sorted(d for d in domains if d in ctx.config.blocked_domains)
        if blocked:
            return Verdict(self.name, SPAM, 1.0, f"links to blocklisted domain(s): {', '.join(blocked)}")
        short = sorted(d for d in domains if d in SHORTENERS)
        if short:
            return Verdict(self.name, HOLD, 0.7, f"uses a link shortener: {', '.join(short)}")
        n = len(found)
        if n >= ctx.config.links_hold:
            return Verdict(self.name, HOLD, min(1.0, n / 10), f"{n} links (holds at {ctx.config.links_hold} or more)")
        words = max(1, len(sub.body.split()))
        return Verdict(self.name, PASS, min(1.0, n / words), f"{n} link(s)")

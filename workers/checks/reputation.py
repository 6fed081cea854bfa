"""Reputation: what moderators said before about this sender.

An email, or a website, that a moderator marked spam before makes the comment spam. Only values
that identify someone count: the email, and the website as ``sites.website_identity`` keys it (a
host with its path; a shared host's home page such as ``facebook.com`` or ``x.com`` identifies
nobody and is ignored, so one spammer's "website" cannot taint every reader who gives the same); an IP address
marked spam before holds it — unless ``shared_ip_senders`` other authors have published comments
from that address (NAT, mobile carriers, a proxy not configured in COMMENTQ_TRUSTED_PROXIES):
one spammer behind a shared address must not hold everyone's comments. An author (email)
with earlier published comments gets the benefit of the doubt: the verdict is ``pass`` tagged
``trusted-author``, which the policy reads as trust (a classifier verdict is softened).
Offline rows carry no sender history beyond what the run itself saw.
"""

from __future__ import annotations

from service.core.vocabulary import CheckName
from workers.checks.base import HOLD, PASS, SPAM, CheckContext, Submission, Verdict
from workers.checks.sites import website_identity

TRUSTED = frozenset({"trusted-author"})


class Reputation:
    name = CheckName.REPUTATION

    def run(self, sub: Submission, ctx: CheckContext) -> Verdict:
        s = ctx.history.standing(email=sub.email, ip=sub.ip, url=website_identity(sub.url), exclude_id=sub.id)
        bad = [
            f"{what} marked spam {n} time(s)"
            for what, n in (("this email", s.spam_email), ("this website", s.spam_url))
            if n
        ]
        if bad:
            return Verdict(self.name, SPAM, 1.0, "a moderator marked earlier comments spam: " + "; ".join(bad))
        if s.spam_ip and s.ip_senders < ctx.config.shared_ip_senders:
            return Verdict(
                self.name, HOLD, 0.8, f"a moderator marked {s.spam_ip} earlier comment(s) from this IP address spam"
            )
        if s.approved >= ctx.config.trusted_after:
            return Verdict(self.name, PASS, 0.0, f"author has {s.approved} published comment(s): trusted", tags=TRUSTED)
        shared = (
            f"; this IP address has spam marks but is shared by {s.ip_senders}+ other published authors"
            if s.spam_ip
            else ""
        )
        return Verdict(
            self.name,
            PASS,
            0.0,
            ("new author" if not s.approved else f"author has {s.approved} published comment(s)") + shared,
        )

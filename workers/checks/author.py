"""The author's name, email and website as evidence, as Akismet reads them.

Blog spam often says nothing in the text ("Great post!") and carries its payload in the fields
around it: the name ("Cheap Flights To Europe"), the website (``https://buy-viagra-online.net``).

``Author`` (lexical, no history):

* a website or email domain on the spam list (``sites.spam_domains``): ``spam``, specific;
* a keyword-stuffed or commercial name together with a commercial-keyword website: ``spam``
  tagged ``heuristic`` (the policy holds it instead when the classifier is clearly sure it is ham);
* a commercial name, a URL or domain as the name, or a commercial-keyword website alone: a
  ``hold`` tagged ``evidence``.

``SharedWebsite`` (history): ``website_senders_hold`` or more *other* senders (emails) used the
same website within ``near_window`` seconds: one site behind many names is a campaign. The key is
``sites.website_domain``: the host, or, on shared hosts (blogspot.com, github.com), the full
address; a shared host's home page (``facebook.com``) identifies nobody and is never counted.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from service.core.vocabulary import CheckName
from workers.checks.base import EVIDENCE, HEURISTIC, HOLD, PASS, SPAM, CheckContext, Submission, Verdict
from workers.checks.sites import commercial_host, commercial_name, host_of, name_is_url, spam_listed, website_domain

_EVIDENCE = frozenset({EVIDENCE})
_HEURISTIC = frozenset({HEURISTIC})


class Author:
    name = CheckName.AUTHOR

    def run(self, sub: Submission, ctx: CheckContext) -> Verdict:
        website = host_of(sub.url)
        email_host = (sub.email or "").rpartition("@")[2].strip().lower()
        listed = spam_listed(website) or spam_listed(email_host)
        if listed:
            where = "website" if website and spam_listed(website) else "email"
            return Verdict(self.name, SPAM, 1.0, f"the {where} is on the spam-domain list ({listed})")
        author = (sub.author or "").strip()
        name_why = commercial_name(author)
        site_why = commercial_host(website) if website else None
        if name_why and site_why:
            return Verdict(
                self.name,
                SPAM,
                0.9,
                f"a commercial name ({name_why}) with a commercial website ({site_why})",
                tags=_HEURISTIC,
            )
        if name_why:
            return Verdict(self.name, HOLD, 0.7, f"the name reads as an advert: {name_why}", tags=_EVIDENCE)
        if name_is_url(author):
            return Verdict(self.name, HOLD, 0.7, "the name is a web address", tags=_EVIDENCE)
        if site_why:
            return Verdict(
                self.name, HOLD, 0.6, f"the website is a commercial-keyword site: {site_why}", tags=_EVIDENCE
            )
        return Verdict(self.name, PASS, 0.0, "name, email and website look ordinary")


class SharedWebsite:
    name = CheckName.WEBSITE

    def run(self, sub: Submission, ctx: CheckContext) -> Verdict:
        key = website_domain(sub.url)
        if key is None:
            return Verdict(self.name, PASS, 0.0, "no website that identifies a site")
        cfg = ctx.config
        now = sub.created_at or datetime.now(UTC)
        senders = ctx.history.website_senders(
            key, since=now - timedelta(seconds=cfg.near_window), email=sub.email or "", exclude_id=sub.id
        )
        hours = max(1, int(cfg.near_window // 3600))
        if senders >= cfg.website_senders_hold:
            return Verdict(
                self.name,
                HOLD,
                min(1.0, senders / (2 * cfg.website_senders_hold)),
                f"{senders} other senders gave the website {key} in the last {hours} hour(s)",
                tags=_EVIDENCE,
            )
        return Verdict(self.name, PASS, 0.0, f"{senders} other sender(s) gave this website recently")

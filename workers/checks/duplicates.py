"""Duplicates: the same text again on the same article, and near-copies across articles.

* Exact (same normalised text, same article): from the same sender it is spam, as in WordPress
  ("you've already said that"); from someone else, a short text ("Nice!") is fine, and so is a
  longer one that carries nothing to gain (two readers asking "Where can I find the full report
  you mention?"); a longer copy with a link or a website is held (copy-paste campaigns post one
  text under many names, for the link). Short common replies are not
  duplicates: the same sender may answer two *different* comments with "Thank you, glad it
  helped!" (up to ``SHORT_WORDS`` words; a longer text pasted under different comments is held).
  The same sender is the same email, or the same name for a text longer than ``SHORT_WORDS``
  words ("Thanks!" from two people called Anna is not a repeat). A text with no letters or digits
  ("👍", "🙏❤️") is keyed on its characters (``text.content_hash``), so different emoji never match.
* Near-duplicates (word 3-shingles, Jaccard similarity >= ``near_threshold``) within
  ``near_window`` seconds, on any article: a near-copy of a text a moderator marked spam is spam;
  ``near_hold`` or more near-copies are held when the comment carries a link or a website (readers
  who happen to write the same sentence gain nothing from it; a campaign does).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from service.core.vocabulary import CheckName
from workers.checks.base import HOLD, PASS, SPAM, CheckContext, Submission, Verdict
from workers.checks.text import content_hash, found_links, shingles_of

SHORT_WORDS = 6  # an exact repeat this short from someone else is not suspicious
MIN_SHINGLES = 5  # shorter texts are too common to call near-duplicates


class Duplicates:
    name = CheckName.DUPLICATES

    def run(self, sub: Submission, ctx: CheckContext) -> Verdict:
        cfg = ctx.config
        body = sub.body or ""
        digest = content_hash(body)
        senders = ctx.history.duplicate_senders(sub.article_id, digest, sub.id, sub.created_at)
        # What a copy-paste campaign posts for: a link or a website (a name is the author check's).
        payload = bool(sub.url) or bool(found_links(body))
        if senders:
            email = (sub.email or "").lower()
            author = (sub.author or "").strip().casefold()
            short = len(body.split()) <= SHORT_WORDS
            mine = [
                s
                for s in senders
                if (email and s.email.lower() == email)
                or (not short and author and s.author.strip().casefold() == author)
            ]
            if any(s.parent_id == sub.parent_id for s in mine):
                return Verdict(self.name, SPAM, 1.0, "the same sender already posted this text on this article")
            if mine and not short:
                return Verdict(self.name, HOLD, 0.6, "the same sender posted this text as a reply to another comment")
            if not mine and not short and payload:
                return Verdict(
                    self.name,
                    HOLD,
                    0.6,
                    f"the same text was already posted on this article by {len(senders)} other sender(s)",
                )
        marks = shingles_of(body)
        if len(marks) < MIN_SHINGLES:
            return Verdict(self.name, PASS, 0.0, "no earlier copy from this sender")
        if ctx.history.near_spam(marks, cfg.near_threshold, cfg.near_candidates):
            return Verdict(self.name, SPAM, 0.95, "nearly the same text as a comment a moderator marked spam")
        now = sub.created_at or datetime.now(UTC)
        copies = ctx.history.near_copies(
            marks, now - timedelta(seconds=cfg.near_window), sub.id, cfg.near_threshold, cfg.near_candidates, len(body)
        )
        if copies >= cfg.near_hold and payload:
            return Verdict(
                self.name,
                HOLD,
                0.7,
                f"{copies} near-copies of this text posted in the last {max(1, int(cfg.near_window // 3600))} hour(s)",
            )
        if copies >= cfg.near_hold:
            return Verdict(self.name, PASS, 0.5, f"{copies} near-copies recently, but no link or website to gain")
        return Verdict(
            self.name,
            PASS,
            min(1.0, copies / max(1, cfg.near_hold)),
            f"{copies} near-cop{'y' if copies == 1 else 'ies'} recently" if copies else "no earlier copy",
        )

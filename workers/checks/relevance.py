"""Generic comments: praise that says nothing about the article, carrying a website or a link.

"Great post, I'll bookmark your site and come back", "Very informative, thanks for sharing": the
commonest blog spam is flattery that fits under any article, posted for the link in the website
field or the text. A reader's thanks is welcome, so praise alone never counts; what counts is

* the text is **generic praise** (a phrase from ``PRAISE``) and says little else: once the praise
  vocabulary and common words are gone, a handful of content words at most remain;
* it is **not about the article**: when the article's text is known (``Submission.article_text``,
  the body stored with ``commentq article put --body-file``, with ``article_title``), the comment shares no
  content word with it (plural "s" folded; then up to ``3 * MAX_LEFT`` other words may remain);
  without the article's text, only the first rule counts;
* it **carries a payload**: a website, or a link in the text.

Then: a payload that sells (a commercial-keyword or spam-list host, a shortener, a referral code in
the website) is ``spam`` tagged ``heuristic``, with or without the article's text; any other payload
is a ``hold`` tagged ``evidence`` when the article's text shows the comment is off-topic (with the
author check or the classifier, the policy rejects), and passes when there is no text to compare.
Praise without a payload passes. Everything is one pass of a regular expression without nested
repetition and set operations: linear in the text's length.
"""

from __future__ import annotations

import re

from service.core.vocabulary import CheckName
from workers.checks.base import EVIDENCE, HEURISTIC, HOLD, PASS, SPAM, CheckContext, Submission, Verdict
from workers.checks.links import REFERRAL
from workers.checks.memo import MB, bytes_lru
from workers.checks.sites import SHORTENERS, commercial_host, host_of, matches_domain, spam_listed
from workers.checks.text import cut_links, fold_plain, found_links, strip_tags

PRAISE = re.compile(r"""(?x)\b(?:
    (?:great|nice|good|awesome|excellent|wonderful|fantastic|amazing|superb|brilliant|informative|useful|helpful|
       interesting|fine|lovely|cool|outstanding|remarkable|valuable|beautiful|impressive|perfect)
      \s(?:post|posts|article|articles|blog|site|website|web\ssite|read|write-?up|writeup|work|job|content|information|
          info|stuff|tips|points|piece|share|page|topic|resource|insight|writing)
  | (?:very|really|quite|so|extremely|truly)\s(?:informative|helpful|useful|nice|interesting|good|well\swritten)
  | thanks?\s(?:you\s)?for\s(?:sharing|the\s(?:post|article|info|information|share|great\s\w+))
  | thank\syou\sso\smuch | many\sthanks | thanks\sa\slot
  | bookmark(?:ed)?(?:\s(?:it|this|your\s(?:site|blog|page)))? | added\s(?:you|it)\sto\smy\s(?:bookmarks|favorites)
  | come\sback\s(?:later|again|soon) | (?:will|i'll|ill)\s(?:definitely\s)?(?:be\s)?(?:back|return|visit\sagain)
  | keep\s(?:up\s)?(?:the\s)?(?:good|great)\s(?:work|job) | keep\sit\sup | keep\sposting | keep\swriting
  | looking\sforward\sto\s(?:more|your\snext|reading) | waiting\sfor\s(?:your|the)\snext
  | (?:learned|learnt)\s(?:a\slot|so\smuch|something\snew) | exactly\swhat\si\s(?:was|am)\slooking\sfor
  | (?:your|the)\swriting\sstyle | well\swritten | (?:a\s)?real\sgem | made\ssome\s(?:good|great|nice)\spoints
  | i\s(?:really\s)?(?:enjoyed|like|liked|loved|love)\s(?:reading\s)?(?:this|your|it)
  | wish\smore\s(?:bloggers|people|writers) | (?:this|that)\sis\s(?:a\s)?(?:really\s)?(?:great|good|nice)\s(?:read|post)
  | (?:hello|hi|hey)\s(?:admin|webmaster|there)
)\b""")

# Common words and the vocabulary of praise itself: what is left after them is what a comment is about.
_STOP_WORDS = """
a about above after again against all also am an and any are as at be because been before being below between
both but by can could did do does doing done down during each even ever every few for from further get got had
has have having he her here hers him his how i if in into is it its itself just let like me more most much
must my myself no nor not now of off on once one only or other our ours out over own really same she should so
some such than that the their them then there these they this those through to too under until up us very was
way we well were what when where which while who whom why will with would yet you your yours thing things lot
lots anyone everyone someone something anything everything here there today always never still back again next
time i'm i'll i've it's that's don't can't you're im ill ive dont cant youre post posts posting article
articles blog blogs blogger bloggers site sites website websites web page pages read reading write writing
written writer writers wrote content information info stuff share shared sharing thanks thank thx great nice
good awesome excellent wonderful fantastic amazing superb brilliant informative useful helpful interesting
fine lovely cool outstanding remarkable valuable beautiful impressive perfect enjoyed enjoy like liked love
loved learned learnt learn bookmark bookmarked bookmarks favorites come came visit visiting return keep work
job looking forward wait waiting many much new regards cheers admin webmaster hello hi hey definitely truly
quite extremely so topic topics point points tips piece style gem real made make glad happy found find exactly
wish people more keep up continue provide provided provides know knowledge please blogging
"""
STOP = frozenset(_STOP_WORDS.split())
WORD = re.compile(r"[^\W\d_]{3,}")
MAX_LEFT = 4  # content words beyond the praise that still leave a comment "about nothing"
PAYLOAD_TAGS = frozenset({HEURISTIC})
EVIDENCE_TAGS = frozenset({EVIDENCE})


def _stem(word: str) -> str:
    return word[:-1] if len(word) > 4 and word.endswith("s") and not word.endswith("ss") else word


def content_words(text: str) -> frozenset[str]:
    """The words a text is about: folded, three letters or more, common and praise words dropped."""
    return frozenset(_stem(w) for w in WORD.findall(text) if w not in STOP)


# Many comments, one article: 160 µs a comment uncached for a 5,600-character article, 0.3 µs cached.
@bytes_lru(16 * MB)
def article_words(article_text: str) -> frozenset[str]:
    """``content_words`` of an article's title and body (cached: many comments, one article)."""
    return content_words(fold_plain(strip_tags(article_text)))


def generic_praise(body: str, article_text: str | None) -> tuple[str, frozenset[str]] | None:
    """(the praise found, the content words left) when ``body`` is generic praise that is not about
    the article, else None."""
    found = found_links(body)
    if found:
        body = cut_links(body, found)  # the payload is judged by the check, not counted as words
    text = " ".join(fold_plain(strip_tags(body)).replace("\u2019", "'").split())
    m = PRAISE.search(text)
    if m is None:
        return None
    left = content_words(PRAISE.sub(" ", text))
    if article_text and left & article_words(article_text):
        return None
    # Knowing the article, a longer comment that still shares none of its words is off-topic too.
    if len(left) > (3 * MAX_LEFT if article_text else MAX_LEFT):
        return None
    return m.group(0), left


class Relevance:
    name = CheckName.RELEVANCE

    def run(self, sub: Submission, ctx: CheckContext) -> Verdict:
        body = sub.body or ""
        article = f"{sub.article_title or ''}\n{sub.article_text}" if sub.article_text else None
        found = generic_praise(body, article)
        if found is None:
            return Verdict(self.name, PASS, 0.0, "not generic praise")
        praise, _ = found
        about = "nothing from the article" if sub.article_text else "no article text to compare"
        hosts = [link.site for link in found_links(body)]
        website = host_of(sub.url)
        payload = ([website] if website else []) + hosts
        if not payload:
            return Verdict(self.name, PASS, 0.2, f"generic praise ({praise!r}) without a link or website")
        selling = [
            why
            for h in payload
            if (why := spam_listed(h) or commercial_host(h) or (matches_domain(h, SHORTENERS) and f"{h} (a shortener)"))
        ]
        if not selling and sub.url and REFERRAL.search(sub.url):
            selling = [f"{website} (a referral code)"]
        if selling:
            return Verdict(
                self.name,
                SPAM,
                0.9,
                f"generic praise ({praise!r}, {about}) carrying a commercial or spam-list site: {selling[0]}",
                tags=PAYLOAD_TAGS,
            )
        if not sub.article_text:
            return Verdict(
                self.name,
                PASS,
                0.3,
                f"generic praise ({praise!r}) with an ordinary link or website; no article text to compare",
            )
        return Verdict(
            self.name,
            HOLD,
            0.6,
            f"generic praise ({praise!r}, {about}) carrying a link or website ({payload[0]})",
            tags=EVIDENCE_TAGS,
        )

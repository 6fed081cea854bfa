"""Issue 9's signals for blog comments: links judged by their target, the name/email/website as
evidence, generic praise against the article's text, the community disallowed-keys list, short
replies and emoji that are not duplicates, reputation keyed on what identifies someone."""

from __future__ import annotations

import csv
from datetime import timedelta

import pytest

from tests.support import SHARED
from tests.unit.checks_support import T0, ctx, remember, sub
from workers.checks.author import Author, SharedWebsite
from workers.checks.disallowed import DisallowedKeys, keys_in
from workers.checks.duplicates import Duplicates
from workers.checks.history import MemoryHistory
from workers.checks.links import Links, without_neutral_links
from workers.checks.relevance import Relevance, generic_praise
from workers.checks.reputation import Reputation
from workers.checks.sites import (
    commercial_host,
    commercial_name,
    host_of,
    is_neutral,
    name_is_url,
    website_domain,
    website_identity,
)
from workers.checks.text import content_hash
from workers.pipeline import Pipeline

WIKI4 = (
    "Background reading: https://en.wikipedia.org/wiki/Pripyat_River https://en.wikipedia.org/wiki/Gomel "
    "https://en.wikipedia.org/wiki/Belarus https://en.wikipedia.org/wiki/Chernobyl"
)
NEWS_REPLY = (
    "I think the numbers changed since, see https://www.theguardian.com/world/2024/jan/05/talks for the latest."
)
ARTICLE = (
    "Sourdough starter in five days\n\nFeed the starter with flour and water every morning; "
    "after five days the jar should double within hours of a feed."
)


# --- hosts -------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "host",
    [
        "cheap-flights-europe.com",
        "buy-viagra-online.net",
        "buyviagraonline.net",
        "best-seo-services.org",
        "online-casino-bonus.xyz",
        "cheap-nfl-jerseys.co",
        "payday-loans-now.info",
        "discount-replica-watches.ru",
    ],
)
def test_commercial_keyword_hosts(host):
    assert commercial_host(host)


@pytest.mark.parametrize(
    "host",
    [
        "example.org",
        "annbakes.example.org",
        "docs.python.org",
        "theguardian.com",
        "bestbuy.com",
        "freecodecamp.org",
        "shop.example.org",
        "cheapskate.net",
        "top.example",
        "online.example",
        "github.com",
    ],
)
def test_ordinary_hosts_are_not_commercial(host):
    assert commercial_host(host) is None


@pytest.mark.parametrize(
    "host",
    [
        "en.wikipedia.org",
        "docs.python.org",
        "requests.readthedocs.io",
        "github.com",
        "gitlab.com",
        "stackoverflow.com",
        "developer.mozilla.org",
        "www.bbc.com",
        "theguardian.com",
        "nytimes.com",
        "apnews.com",
    ],
)
def test_reference_news_docs_and_code_hosts_are_neutral(host):
    assert is_neutral(host_of(f"https://{host}/x"))


@pytest.mark.parametrize("host", ["youtube.com", "facebook.com", "plus.google.com", "medium.com", "example.org"])
def test_platforms_and_unknown_hosts_are_not_neutral(host):
    assert not is_neutral(host)
    assert is_neutral("blog.example.org", own="example.org")  # the article's own site


@pytest.mark.parametrize(
    ("name", "commercial"),
    [
        ("Cheap Flights To Europe", True),
        ("buy viagra online", True),
        ("best seo services", True),
        ("Best Seo Company", True),
        ("Payday Loans", True),
        ("Online Casino", True),
        ("Cheap Nfl Jerseys", True),
        ("Meet Singles Tonight", True),
        ("Ann", False),
        ("George Best", False),
        ("Joe Online", False),
        ("María José Fernández", False),
        ("Dr. Free", False),
        ("Top Gun fan", False),
        ("Mr. Online Store", True),
    ],
)
def test_commercial_names(name, commercial):
    assert bool(commercial_name(name)) is commercial


@pytest.mark.parametrize(
    ("name", "urlish"),
    [
        ("www.cheap-pills.com", True),
        ("https://x.io", True),
        ("shop.ru", True),
        ("cheap-flights.com/deals", True),
        ("Ann", False),
        ("J. R. R. Tolkien", False),
        ("Dr. No", False),
        ("St. Louis fan", False),
    ],
)
def test_a_url_or_domain_as_the_name(name, urlish):
    assert name_is_url(name) is urlish


@pytest.mark.parametrize(
    ("url", "identity"),
    [
        ("https://facebook.com/", None),
        ("x.com", None),
        ("https://www.linkedin.com", None),
        ("github.com/", None),
        ("https://instagram.com/?hl=en", None),
        ("https://wordpress.com", None),
        ("http://blogspot.com/", None),
        ("", None),
        ("not a url", None),
        ("https://facebook.com/ann.smith", "facebook.com/ann.smith"),
        ("https://github.com/Ann/", "github.com/ann"),
        ("https://www.AnnBakes.example.org/", "annbakes.example.org"),
        ("https://ann.blogspot.com", "ann.blogspot.com"),
    ],
)
def test_website_identity_never_a_shared_home_page(url, identity):
    assert website_identity(url) == identity


# --- links -------------------------------------------------------------------------------------------------------


def test_a_reply_citing_one_news_article_passes_and_publishes():
    v = Links().run(sub(NEWS_REPLY), ctx())
    assert v.verdict == "pass" and "reference or news" in v.reason
    assert Pipeline().run(sub(NEWS_REPLY), ctx()).decision.status == "published"


def test_four_wikipedia_links_are_held_never_rejected():
    v = Links().run(sub(WIKI4), ctx())
    assert v.verdict == "hold" and "reference-links" in v.tags and "4 links" in v.reason
    assert Pipeline().run(sub(WIKI4), ctx()).decision.status == "held"


@pytest.mark.parametrize(
    "body",
    [
        "See https://docs.python.org/3/library/re.html",
        "The fix is in https://github.com/pallets/flask/pull/5000",
        "Answered here: https://stackoverflow.com/questions/1/x",
        "MDN explains it: https://developer.mozilla.org/en-US/docs/Web/HTTP",
        "our own post https://blog.example.org/earlier-post",
    ],
)
def test_one_link_to_docs_code_or_the_article_site_publishes(body):
    s = sub(body, article_url="https://blog.example.org/sourdough/")
    assert Links().run(s, ctx()).verdict == "pass"
    assert Pipeline().run(s, ctx()).decision.status == "published"


@pytest.mark.parametrize(
    ("body", "verdict", "reason"),
    [
        ("deals at https://cheap-flights-europe.com/", "hold", "commercial"),
        ("https://buy-viagra-online.net", "hold", "commercial"),
        ("see https://bit.ly/3xYz", "hold", "shortener"),
        ("https://shop.example/item?ref=abc", "hold", "referral"),
        ("https://example.net/out?url=https://spam.example", "hold", "redirector"),
        ("visit https://avtorskoe-vino.ru/ now", "spam", "spam-list"),
        ("http://www.v-cazino.ru/", "spam", "spam-list"),
    ],
)
def test_links_count_against_by_their_target(body, verdict, reason):
    v = Links().run(sub(body), ctx())
    assert v.verdict == verdict and reason in v.reason
    if verdict == "hold":
        assert "evidence" in v.tags


def test_the_classifier_does_not_see_links_to_neutral_hosts():
    assert "theguardian" not in without_neutral_links(NEWS_REPLY)
    assert "cheap-flights" in without_neutral_links("go https://cheap-flights-europe.com/ now")


# --- author, email, website ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("author", "url", "email", "verdict"),
    [
        ("Cheap Flights To Europe", "https://cheap-flights-europe.com/", None, "spam"),
        ("buy viagra online", "https://buy-viagra-online.net", None, "spam"),
        ("Cheap Flights To Europe", None, None, "hold"),
        ("best seo services", None, None, "hold"),
        ("www.cheap-pills.com", None, None, "hold"),
        ("Ann", "https://best-seo-services.org/", None, "hold"),
        ("Tom D.", "https://03p.info/", None, "spam"),  # spam-list website
        ("Tom D.", None, "tom@avtorskoe-vino.ru", "spam"),  # spam-list email domain
        ("Ann", "https://annbakes.example.org/", None, "pass"),
        ("Ann", "https://github.com/ann", None, "pass"),
    ],
)
def test_name_email_and_website_are_evidence(author, url, email, verdict):
    kw = {"email": email} if email else {}
    v = Author().run(sub("Hello", author=author, url=url, **kw), ctx())
    assert v.verdict == verdict, v.reason


def test_a_commercial_name_with_a_commercial_site_is_a_heuristic_spam_verdict():
    v = Author().run(
        sub("Great post!", author="Cheap Flights To Europe", url="https://cheap-flights-europe.com"), ctx()
    )
    assert "heuristic" in v.tags


def test_flattery_from_cheap_flights_to_europe_does_not_publish():
    flattery = sub(
        "Great post, I'll bookmark your site and come back!",
        author="Cheap Flights To Europe",
        url="https://cheap-flights-europe.com/",
    )
    assert Pipeline().run(flattery, ctx()).decision.status == "rejected"
    no_site = sub("Great post, I'll bookmark your site and come back!", author="Cheap Flights To Europe")
    assert Pipeline().run(no_site, ctx()).decision.status != "published"


def test_the_same_website_across_many_senders_holds():
    h = MemoryHistory()
    for n in range(3):
        remember(h, sub("A comment", email=f"s{n}@example.org", url=f"https://www.promo-site.example/p{n}"))
    v = SharedWebsite().run(sub("Another", email="s9@example.org", url="http://promo-site.example/"), ctx(h))
    assert v.verdict == "hold" and "3 other senders" in v.reason and "evidence" in v.tags
    # The same sender's own earlier comments are not "other senders" ...
    assert (
        SharedWebsite()
        .run(sub("Again", email="s0@example.org", url="https://promo-site.example"), ctx(h, website_senders_hold=3))
        .verdict
        == "pass"
    )
    assert (
        SharedWebsite()
        .run(sub("x", email="s9@example.org", url="https://promo-site.example"), ctx(h, website_senders_hold=4))
        .verdict
        == "pass"
    )
    # ... and outside the window nothing counts.
    late = sub("Later", email="s8@example.org", url="https://promo-site.example", created_at=T0 + timedelta(days=3))
    assert SharedWebsite().run(late, ctx(h)).verdict == "pass"


def test_many_readers_giving_a_social_network_home_or_their_own_blogspot_are_not_one_website():
    h = MemoryHistory()
    for n in range(5):
        remember(h, sub("Hi", email=f"f{n}@example.org", url="https://facebook.com/"))
        remember(h, sub("Hi", email=f"b{n}@example.org", url=f"https://reader{n}.blogspot.com/"))
    assert (
        SharedWebsite().run(sub("Hi", email="new@example.org", url="https://www.facebook.com"), ctx(h)).verdict
        == "pass"
    )
    assert (
        SharedWebsite().run(sub("Hi", email="new@example.org", url="https://me.blogspot.com"), ctx(h)).verdict == "pass"
    )
    assert website_domain("https://a.blogspot.com/x") == "a.blogspot.com"
    assert website_domain("https://www.shop.example/x") == "shop.example"
    assert website_domain("https://github.com/ann/repo") == "github.com/ann"


# --- generic praise ------------------------------------------------------------------------------------------------

GENERIC = [
    "Great post, I'll bookmark your site and come back",
    "Very informative, thanks for sharing",
    "Nice article! Keep up the good work.",
    "This is exactly what I was looking for. Waiting for your next update.",
    "Awesome write-up! I learned a lot from it. Thanks a lot!",
    "Wonderful blog. You have made some good points there.",
]


@pytest.mark.parametrize("body", GENERIC)
def test_generic_praise_is_recognised(body):
    assert generic_praise(body, None) is not None
    assert generic_praise(body, ARTICLE) is not None


@pytest.mark.parametrize(
    "body",
    [
        "Thanks, very clear.",
        "Could you share the source for the numbers in the second paragraph?",
        "Great post! My starter finally doubled after I fed it twice a day.",  # about the article
        "Nice article. I disagree with the part about water temperature though, rye flour behaves differently.",
    ],
)
def test_comments_about_the_article_are_not_generic(body):
    assert generic_praise(body, ARTICLE) is None


@pytest.mark.parametrize(
    ("body", "url", "article", "verdict"),
    [
        ("Very informative, thanks for sharing", "https://some-site.example.org/", ARTICLE, "hold"),
        ("Very informative, thanks for sharing", "https://buy-viagra-online.net", None, "spam"),
        ("Very informative, thanks for sharing", "https://buy-viagra-online.net", ARTICLE, "spam"),
        ("Great post! see https://cheap-flights-europe.com", None, None, "spam"),
        ("This is exactly what I was looking for.", "https://klfd.net/?ref=736", None, "spam"),  # referral website
        ("Very informative, thanks for sharing", "https://some-site.example.org/", None, "pass"),  # nothing to compare
        ("Very informative, thanks for sharing", None, ARTICLE, "pass"),  # praise alone is welcome
        ("Great post! My starter finally doubled.", "https://annbakes.example.org/", ARTICLE, "pass"),
    ],
)
def test_generic_praise_with_a_payload(body, url, article, verdict):
    v = Relevance().run(sub(body, url=url, article_text=article), ctx())
    assert v.verdict == verdict, v.reason


# --- the community disallowed-keys list ----------------------------------------------------------------------------


def test_disallowed_keys_match_whole_words_and_phrases_only():
    assert "viagra" in keys_in("cheap VIAGRA here")
    assert keys_in("a classic class assessment") == ()
    assert keys_in("it doesn't matter, I'm not sure") == ()


@pytest.mark.parametrize(
    ("author", "url", "body", "verdict", "weak"),
    [
        ("buy viagra online", None, "Hello", "hold", False),
        ("Ann", "https://example.org/cialis-online", "Hello", "hold", False),
        ("Ann", None, "Nice write up, and free online casino games too", "hold", False),
        ("Ann", None, "Nice write up about sourdough.", "hold", True),  # one key alone: weak
        ("Ann", None, "The talks will take place in Gomel.", "pass", False),
    ],
)
def test_disallowed_keys_hold_never_reject(author, url, body, verdict, weak):
    v = DisallowedKeys().run(sub(body, author=author, url=url), ctx())
    assert v.verdict == verdict and v.verdict != "spam"
    assert ("weak" in v.tags) is weak
    assert DisallowedKeys().run(sub(body, author=author, url=url), ctx(disallowed_list=False)).verdict == "pass"


def test_disallowed_keys_hold_few_legitimate_comments_of_the_open_corpus():
    """Measured on the open ham files (real Wikipedia and Stack Exchange comments): the list alone
    (two keys in the text) may hold at most 0.5 % of them (0.15 % when written); any key at all,
    a weak hold, appears in under 4 % (2.2 %)."""
    rows = []
    for path in sorted((SHARED / "data" / "spam" / "open").glob("ham_*.csv")):
        with path.open(encoding="utf-8") as fh:
            rows += [r["CONTENT"] for r in csv.DictReader(fh)]
    assert len(rows) > 5000
    hits = [len(keys_in(text)) for text in rows]
    held = sum(1 for n in hits if n >= 2) / len(rows)
    any_key = sum(1 for n in hits if n) / len(rows)
    assert held <= 0.005, held
    assert any_key <= 0.04, any_key


# --- duplicates: short replies and emoji ---------------------------------------------------------------------------


def test_the_same_short_reply_to_two_readers_is_not_a_duplicate():
    h = MemoryHistory()
    first = sub("Thank you, glad it helped!", email="author@example.org", parent_id="p1")
    remember(h, first)
    second = sub("Thank you, glad it helped!", email="author@example.org", parent_id="p2")
    assert Duplicates().run(second, ctx(h)).verdict == "pass"
    again = sub("Thank you, glad it helped!", email="author@example.org", parent_id="p1")
    assert Duplicates().run(again, ctx(h)).verdict == "spam"  # the same reply to the same comment


@pytest.mark.parametrize("reply", ["Thanks!", "You're welcome :)", "Fixed, thanks.", "Glad you liked it."])
def test_short_common_replies_from_the_same_sender_to_different_comments_pass(reply):
    h = MemoryHistory()
    for n in range(3):
        remember(h, sub(reply, email="me@example.org", parent_id=f"p{n}"))
    assert Duplicates().run(sub(reply, email="me@example.org", parent_id="p9"), ctx(h)).verdict == "pass"
    # Two people called Anna thanking someone are not one sender repeating herself.
    remember(h, sub(reply, author="Anna", email="anna1@example.org"))
    assert Duplicates().run(sub(reply, author="Anna", email="anna2@example.org"), ctx(h)).verdict == "pass"


def test_a_long_text_pasted_under_different_comments_by_one_sender_is_held():
    h = MemoryHistory()
    pitch = "I had the same problem with my account and the only thing that worked for me was this service"
    remember(h, sub(pitch, email="x@example.org", parent_id="p1"))
    assert Duplicates().run(sub(pitch, email="x@example.org", parent_id="p2"), ctx(h)).verdict == "hold"


@pytest.mark.parametrize(("a", "b"), [("👍", "🙏❤️"), ("👍", "👎"), ("!!!", "???"), ("❤️❤️❤️", "😂"), (":)", ":(")])
def test_emoji_or_symbol_only_comments_never_share_a_hash(a, b):
    assert content_hash(a) != content_hash(b)
    h = MemoryHistory()
    remember(h, sub(a, email="same@example.org"))
    assert Duplicates().run(sub(b, email="same@example.org"), ctx(h)).verdict == "pass"


def test_the_same_emoji_twice_from_one_sender_is_still_a_repeat():
    h = MemoryHistory()
    remember(h, sub("👍", email="same@example.org"))
    assert Duplicates().run(sub(" 👍 ", email="same@example.org"), ctx(h)).verdict == "spam"


# --- reputation ----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "shared",
    [
        "https://facebook.com/",
        "https://twitter.com",
        "x.com",
        "https://www.linkedin.com/",
        "https://github.com",
        "https://instagram.com/",
        "https://youtube.com",
        "https://medium.com/",
        "https://wordpress.com/",
        "https://blogspot.com",
    ],
)
def test_reputation_is_never_keyed_on_a_shared_home_page(shared):
    h = MemoryHistory()
    spammer = sub("Buy my stuff", email="spammer@example.org", url=shared)
    remember(h, spammer, status="rejected")
    h.mark(spammer.id, spam=True)
    reader = sub("A reader's thoughtful comment.", email="reader@example.org", url=shared)
    assert Reputation().run(reader, ctx(h)).verdict == "pass"


def test_reputation_keeps_a_full_website_marked_spam():
    h = MemoryHistory()
    spammer = sub("Buy my stuff", email="spammer@example.org", url="https://facebook.com/cheap.deals.page")
    remember(h, spammer, status="rejected")
    h.mark(spammer.id, spam=True)
    again = sub("Hello", email="other@example.org", url="https://www.facebook.com/cheap.deals.page/")
    assert Reputation().run(again, ctx(h)).verdict == "spam"


# --- the article's text reaches the checks -------------------------------------------------------------------------


def test_the_worker_passes_the_stored_article_text_and_site_to_the_checks(unit_app, runner, tmp_path):
    from service.core import store
    from service.core.models import Comment
    from workers.checking import submission_of

    body = tmp_path / "body.txt"
    body.write_text("Feed the starter with flour and water every morning.", encoding="utf-8")
    result = runner.invoke(
        [
            "article",
            "put",
            "sourdough",
            "--title",
            "Sourdough starter",
            "--url",
            "https://bakery.example.org/sourdough",
            "--body-file",
            str(body),
        ]
    )
    assert result.exit_code == 0, result.output
    with unit_app.extensions["db"].session() as session:
        article = store.get_article(session, "sourdough")
        c = store.create_comment(
            session,
            article,
            {"author": "Ann", "email": "ann@example.org", "body": "Very informative, thanks for sharing!"},
            ip=None,
            user_agent=None,
            request_id=None,
        )
        session.commit()
        s = submission_of(session.get(Comment, c.id))
    assert s.article_title == "Sourdough starter" and "flour and water" in s.article_text
    assert s.article_url == "https://bakery.example.org/sourdough"
    v = Relevance().run(_with(s, url="https://some-site.example.org/"), ctx())
    assert v.verdict == "hold" and "nothing from the article" in v.reason


def _with(s, **changes):
    import dataclasses

    return dataclasses.replace(s, **changes)


def test_the_readme_walkthrough_reply_publishes():
    reply = "The venue changed since, see https://www.theguardian.com/world/2024/jan/05/talks for the latest."
    assert Pipeline().run(sub(reply, parent_id="c1"), ctx()).decision.status == "published"
    wiki = (
        "Background: https://en.wikipedia.org/wiki/Pripyat_River https://en.wikipedia.org/wiki/Gomel "
        "https://en.wikipedia.org/wiki/Belarus https://en.wikipedia.org/wiki/Chernobyl"
    )
    assert Pipeline().run(sub(wiki), ctx()).decision.status == "held"


def test_the_database_history_counts_websites_and_keys_reputation_like_the_memory_one(unit_app):
    """DbHistory answers the same questions as MemoryHistory: other senders per website key (a
    LIKE on the host narrows, the key function decides), and website reputation by identity."""
    from service.core.models import Article, Comment, LabelledExample, utcnow
    from workers.checks.history import DbHistory

    now = utcnow()
    with unit_app.extensions["db"].session() as session:
        art = Article(slug="a", title="A", comment_count=0)
        session.add(art)
        session.flush()

        def add(email: str, url: str | None, status: str = "published", minutes: int = 1) -> Comment:
            row = Comment(
                article_id=art.id,
                author="X",
                email=email,
                body="b",
                url=url,
                status=status,
                created_at=now - timedelta(minutes=minutes),
            )
            session.add(row)
            session.flush()
            return row

        for n, url in enumerate(
            [
                "https://www.promo-site.example/a",
                "http://promo-site.example",
                "promo-site.example/b",
                "https://promo-site.example.evil.example/",
            ]
        ):
            add(f"p{n}@example.org", url)
        add("p0@example.org", "https://promo-site.example/again")  # the same sender again
        add("old@example.org", "https://promo-site.example", minutes=3 * 24 * 60)  # outside the window
        add("under_score@example.org", "https://a_b%.example/")  # LIKE's wildcards are escaped
        for n in range(4):
            add(f"fb{n}@example.org", "https://facebook.com/")
        spam = add("spammer@example.org", "https://facebook.com/", status="rejected")
        session.add(LabelledExample(comment_id=spam.id, author="X", text="b", label=1, source="moderator:m"))
        page = add("pager@example.org", "https://facebook.com/cheap.deals", status="rejected")
        session.add(LabelledExample(comment_id=page.id, author="X", text="b", label=1, source="moderator:m"))
        session.commit()

        h = DbHistory(session)
        since = now - timedelta(days=1)
        assert h.website_senders("promo-site.example", since=since, email="new@example.org", exclude_id="x") == 3
        assert h.website_senders("promo-site.example", since=since, email="p0@example.org", exclude_id="x") == 2
        assert h.website_senders("a_b%.example", since=since, email="new@example.org", exclude_id="x") == 1
        assert h.website_senders("ab.example", since=since, email="new@example.org", exclude_id="x") == 0
        reader = h.standing(
            email="reader@example.org", ip=None, url=website_identity("https://facebook.com"), exclude_id="x"
        )
        assert reader.spam_url == 0
        again = h.standing(
            email="other@example.org",
            ip=None,
            url=website_identity("https://www.facebook.com/cheap.deals/"),
            exclude_id="x",
        )
        assert again.spam_url == 1


def test_the_title_counts_as_the_article_too():
    body = "Great post, I finally understand rye levain!"
    kw = {"url": "https://annbakes.example.org/", "article_text": "Feed it every morning with flour and water."}
    assert Relevance().run(sub(body, **kw), ctx()).verdict == "hold"
    assert Relevance().run(sub(body, article_title="Rye levain in five days", **kw), ctx()).verdict == "pass"

"""Text folding shared by the checks: what a reader sees, folded for matching."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from service.core.linkfinder import host_of
from workers.checks.text import LEET, clean, content_hash, fold, fold_plain, jaccard, links, shingles


def test_clean_decodes_entities_and_drops_invisible_characters() -> None:
    assert clean("I&#39;m here\ufeff") == "I'm here"
    assert clean("zero\u200bwidth soft\u00adhyphen") == "zerowidth softhyphen"
    assert clean("ｆｕｌｌ ｗｉｄｔｈ") == "full width"  # NFKC


def test_fold_case_accents_and_leetspeak() -> None:
    assert fold("V1@GR4") == "viagra"
    assert fold("Crème Brûlée") == "creme brulee"
    assert fold("ＣＡＳＩＮＯ") == "casino"
    assert fold("Straße") == "strasse"  # casefold, not lower


def test_fold_plain_keeps_digits() -> None:
    assert fold_plain("Call +44 7935 454150") == "call +44 7935 454150"


def test_duplicate_hash_ignores_case_punctuation_tags_and_spacing() -> None:
    assert content_hash("I said this once and I meant it.") == content_hash("i said <b>this</b> once  and I MEANT it!")
    assert content_hash("one text") != content_hash("another text")


def test_links_found_in_many_shapes() -> None:
    found = links('see http://a.example.com/x and www.b.org, c.ru and <a href="https://d.net/">d</a>')
    assert {host_of(x).removeprefix("www.") for x in found} == {"a.example.com", "b.org", "c.ru", "d.net"}


def test_shingles_and_jaccard() -> None:
    a = shingles("the quick brown fox jumps over the lazy dog")
    b = shingles("The quick brown fox jumps over the lazy cat!")
    assert 0.5 < jaccard(a, b) < 1.0
    assert jaccard(a, a) == 1.0
    assert jaccard(a, frozenset()) == 0.0


# The fast paths (ASCII shortcuts, str.split for \s runs) against the straightforward definitions.
_any_text = st.one_of(
    st.text(alphabet=st.characters(codec=None, exclude_categories=()), max_size=120),
    st.text(alphabet="aé <b>&amp; \t\n\u00a0\u2028\u3000x1!ǅ\u0301", max_size=60),
)


@given(_any_text)
def test_fast_paths_match_the_plain_definitions(text: str) -> None:
    import re
    import unicodedata

    from workers.checks.text import SPACES, TAGS, normalised, squash_spaces, strip_tags

    def marks_dropped(t: str) -> str:
        return "".join(c for c in unicodedata.normalize("NFKD", t) if not unicodedata.combining(c))

    assert squash_spaces(text) == SPACES.sub(" ", text).strip()
    assert strip_tags(text) == TAGS.sub(" ", text)
    assert fold_plain(text) == marks_dropped(clean(text).casefold())
    assert fold(text) == fold_plain(text).translate(LEET)
    assert normalised(text) == SPACES.sub(" ", re.sub(r"[^\w\s]", "", TAGS.sub(" ", clean(text)).casefold())).strip()


@given(_any_text)
def test_clean_fast_path_matches_the_plain_definition(text: str) -> None:
    import html
    import unicodedata

    from workers.checks.text import CONTROL, INVISIBLE

    for t in (text, "".join(chr(ord(c) % 128) for c in text)):
        plain = CONTROL.sub("", INVISIBLE.sub("", html.unescape(unicodedata.normalize("NFKC", t))))
        assert clean.__wrapped__(t) == plain

"""Text folding shared by the checks: what a reader sees, folded for matching."""

from __future__ import annotations

from workers.checks.text import clean, content_hash, domain_of, fold, fold_plain, jaccard, links, shingles


def test_clean_decodes_entities_and_drops_invisible_characters():
    assert clean("I&#39;m here\ufeff") == "I'm here"
    assert clean("zero\u200bwidth soft\u00adhyphen") == "zerowidth softhyphen"
    assert clean("ｆｕｌｌ ｗｉｄｔｈ") == "full width"  # NFKC


def test_fold_case_accents_and_leetspeak():
    assert fold("V1@GR4") == "viagra"
    assert fold("Crème Brûlée") == "creme brulee"
    assert fold("ＣＡＳＩＮＯ") == "casino"
    assert fold("Straße") == "strasse"  # casefold, not lower


def test_fold_plain_keeps_digits():
    assert fold_plain("Call +44 7935 454150") == "call +44 7935 454150"


def test_duplicate_hash_ignores_case_punctuation_tags_and_spacing():
    assert content_hash("I said this once and I meant it.") == content_hash("i said <b>this</b> once  and I MEANT it!")
    assert content_hash("one text") != content_hash("another text")


def test_links_found_in_many_shapes():
    found = links('see http://a.example.com/x and www.b.org, c.ru and <a href="https://d.net/">d</a>')
    assert {domain_of(x) for x in found} == {"a.example.com", "b.org", "c.ru", "d.net"}


def test_shingles_and_jaccard():
    a = shingles("the quick brown fox jumps over the lazy dog")
    b = shingles("The quick brown fox jumps over the lazy cat!")
    assert 0.5 < jaccard(a, b) < 1.0
    assert jaccard(a, a) == 1.0
    assert jaccard(a, frozenset()) == 0.0

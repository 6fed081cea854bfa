"""The policy: how verdicts combine, and that every threshold and list comes from configuration."""

from __future__ import annotations

from pathlib import Path

from service.core.settings import load
from tests.unit.checks_support import ctx, remember, sub
from workers.checks.base import Verdict
from workers.checks.history import MemoryHistory
from workers.pipeline import Pipeline
from workers.policy import Policy, PolicyConfig

WIKI = (
    "Background reading: https://en.wikipedia.org/wiki/Pripyat_River https://en.wikipedia.org/wiki/Gomel "
    "https://en.wikipedia.org/wiki/Belarus https://en.wikipedia.org/wiki/Chernobyl"
)
FRIENDLY = "Thanks for the clear summary of where the talks will take place."
SPAM = "Check out my new channel and subscribe!! http://bit.ly/x"


def decide(*verdicts: Verdict) -> str:
    return Policy().decide(list(verdicts)).status


def P(check: str, **kw) -> Verdict:
    return Verdict(check, "pass", **kw)


EVIDENCE = frozenset({"evidence"})


def test_rules_in_order():
    model_spam = Verdict("classifier", "spam", 0.9)
    model_sure = Verdict("classifier", "spam", 0.99, tags=frozenset({"certain"}))
    model_hold = Verdict("classifier", "hold", 0.65)
    clear_ham = Verdict("classifier", "pass", 0.02, tags=frozenset({"clear-ham"}))
    assert decide(P("validation"), P("classifier")) == "published"
    assert decide(Verdict("validation", "invalid"), P("classifier")) == "rejected"
    assert decide(Verdict("honeypot", "spam"), P("reputation", tags=frozenset({"trusted-author"}))) == "rejected"
    # A specific rule rejects even when the classifier finds the text clearly ham ...
    assert decide(Verdict("links", "spam", reason="spam-list domain"), clear_ham) == "rejected"
    # ... a heuristic one is held then (disagreement), and rejects otherwise.
    heuristic = Verdict("author", "spam", tags=frozenset({"heuristic"}))
    assert decide(heuristic, clear_ham) == "held"
    assert decide(heuristic, P("classifier", score=0.3)) == "rejected"
    # The classifier alone: held unless very sure; with a rule's evidence it rejects.
    assert decide(model_spam) == "held"
    assert decide(model_sure) == "rejected"
    assert decide(model_spam, Verdict("links", "hold")) == "held"
    assert decide(model_spam, Verdict("links", "hold", tags=EVIDENCE)) == "rejected"
    assert decide(model_spam, P("reputation", tags=frozenset({"trusted-author"}))) == "held"
    assert decide(model_sure, P("reputation", tags=frozenset({"trusted-author"}))) == "held"
    assert decide(model_spam, Verdict("links", "hold", tags=frozenset({"reference-links"}))) == "held"
    assert decide(model_sure, Verdict("links", "hold", tags=frozenset({"reference-links"}))) == "held"
    assert decide(model_hold) == "held"
    assert decide(model_hold, P("reputation", tags=frozenset({"trusted-author"}))) == "published"
    assert decide(model_hold, Verdict("promotion", "hold")) == "rejected"
    assert decide(model_hold, Verdict("author", "hold", tags=EVIDENCE)) == "rejected"
    assert decide(P("classifier"), Verdict("promotion", "hold")) == "held"
    # Two rules' evidence agree: rejected, unless the classifier is clearly sure it is ham.
    two = (Verdict("author", "hold", tags=EVIDENCE), Verdict("relevance", "hold", tags=EVIDENCE))
    assert decide(*two, P("classifier", score=0.3)) == "rejected"
    assert decide(*two, clear_ham) == "held"
    assert decide(two[0], Verdict("author", "hold", tags=EVIDENCE)) == "held"  # one check twice is one signal
    assert decide(Verdict("links", "hold"), P("reputation", tags=frozenset({"trusted-author"}))) == "held"


def test_a_weak_hold_alone_publishes_and_joins_another_hold():
    shouting = Verdict("noise", "hold", reason="shouting", tags=frozenset({"weak"}))
    alone = Policy().decide([P("validation"), shouting, P("classifier")])
    assert alone.status == "published" and "shouting" in alone.reason
    both = Policy().decide([Verdict("links", "hold", reason="4 links"), shouting])
    assert both.status == "held" and both.decided_by == "links,noise"


def test_reasons_name_the_deciding_checks():
    d = Policy().decide([Verdict("links", "hold", reason="4 links"), Verdict("noise", "hold", reason="loud")])
    assert d.status == "held" and d.decided_by == "links,noise" and "links: 4 links" in d.reason


def test_contract_examples_through_the_whole_pipeline():
    p = Pipeline()
    assert p.run(sub(FRIENDLY), ctx()).decision.status == "published"
    wiki = p.run(sub(WIKI), ctx())
    assert wiki.decision.status == "held"
    assert p.run(sub(SPAM), ctx()).decision.status == "rejected"


def test_a_trusted_author_gets_the_benefit_of_the_doubt():
    h = MemoryHistory()
    remember(h, sub("An earlier comment.", email="regular@example.org"))
    d = Pipeline().run(sub(SPAM, email="regular@example.org"), ctx(h)).decision
    assert d.status == "held" and "trusted" in d.reason


def test_policy_is_configurable_from_the_environment(tmp_path: Path):
    env = {
        "COMMENTQ_INSTANCE_DIR": str(tmp_path),
        "SECRET_KEY": "x",
        "COMMENTQ_LINKS_HOLD": "5",
        "COMMENTQ_MODERATION_KEYS": "summary",
        "COMMENTQ_DISALLOWED_KEYS": "casino\nviagra",
        "COMMENTQ_BLOCKED_DOMAINS": "spam.example, junk.example",
        "COMMENTQ_CLASSIFIER_SPAM": "0.99",
        "COMMENTQ_CLASSIFIER_HOLD": "0.98",
        "COMMENTQ_FLOOD_LIMIT": "2 per minute",
        "COMMENTQ_TRUSTED_AFTER": "3",
        "COMMENTQ_NEAR_HOLD": "4",
        "COMMENTQ_CLASSIFIER_REJECT": "0.995",
        "COMMENTQ_CLASSIFIER_HAM": "0.05",
        "COMMENTQ_WEBSITE_SENDERS_HOLD": "7",
        "COMMENTQ_DISALLOWED_LIST": "0",
    }
    config = PolicyConfig.from_settings(load(env))
    assert config.links_hold == 5 and config.flood_limit == "2 per minute"
    assert config.disallowed_keys == ("casino", "viagra")
    assert config.blocked_domains == frozenset({"spam.example", "junk.example"})
    assert (config.classifier_reject, config.classifier_ham, config.website_senders_hold, config.disallowed_list) == (
        0.995,
        0.05,
        7,
        False,
    )
    assert (config.classifier_spam, config.classifier_hold, config.trusted_after, config.near_hold) == (
        0.99,
        0.98,
        3,
        4,
    )
    from workers.checks.base import CheckContext

    p = Pipeline()

    def status(body: str, **kw) -> str:
        return p.run(sub(body, **kw), CheckContext(config=config, history=MemoryHistory())).decision.status

    assert status(FRIENDLY) == "held"  # a moderation key
    assert status("Win at the CAS1NO tonight") == "rejected"  # disallowed, folded
    assert status("see https://a.org https://b.org https://c.org") == "published"  # below 5 links
    assert status("see https://www.spam.example/deal") == "rejected"
    motto = "Follow your dreams and never give up"  # P(spam) about 0.94 with the shipped model
    assert Pipeline().run(sub(motto), ctx()).decision.status == "held"  # the classifier alone holds
    assert Pipeline().run(sub(motto), ctx(classifier_reject=0.9)).decision.status == "rejected"
    assert status(motto) == "published"  # model thresholds raised


def test_defaults_match_the_documented_values(tmp_path: Path):
    config = PolicyConfig.from_settings(load({"COMMENTQ_INSTANCE_DIR": str(tmp_path), "SECRET_KEY": "x"}))
    assert (config.links_hold, config.classifier_spam, config.classifier_hold, config.flood_limit) == (
        2,
        0.9,
        0.65,
        "10 per hour",
    )
    assert (config.classifier_reject, config.classifier_ham, config.website_senders_hold, config.disallowed_list) == (
        0.97,
        0.1,
        3,
        True,
    )
    assert config.moderation_keys == () and config.disallowed_keys == () and config.blocked_domains == frozenset()

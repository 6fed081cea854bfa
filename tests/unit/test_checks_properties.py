"""Property-based: no input string, in any field, makes a check or the policy raise."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.unit.checks_support import ctx, remember, sub
from workers.checks import default_checks
from workers.checks.history import MemoryHistory
from workers.pipeline import Pipeline

CHECKS = default_checks()
PIPELINE = Pipeline(CHECKS)
HISTORY = MemoryHistory()
for n, text in enumerate(
    [
        "I love this song so much, it reminds me of the summer we spent abroad together",
        "check out my channel please",
        "Nice!",
    ]
):
    s = sub(text, ip="203.0.113.1")
    remember(HISTORY, s)
    if n == 1:
        HISTORY.mark(s.id, spam=True)

texts = st.text(alphabet=st.characters(codec=None, exclude_categories=()), max_size=400)
nasty = st.sampled_from(
    [
        "",
        " ",
        "\x00",
        "\ud800",
        "\ufeff" * 3,
        "<a href='",
        "http://",
        "www.",
        "@",
        "&#",
        "\u202e",
        "𝐇𝐞𝐥𝐥𝐨",
        "ﬁ" * 50,
        "a" * 5000,
        "!!!!!" * 20,
        "%",
        "\\",
        "1" * 30,
    ]
)
field = st.one_of(texts, nasty, st.lists(st.one_of(texts, nasty), max_size=4).map("".join))
optional = st.one_of(st.none(), field)


@given(author=field, email=field, body=field, url=optional, ip=optional, honeypot=optional, offline=st.booleans())
@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_no_input_makes_any_check_or_the_policy_raise(author, email, body, url, ip, honeypot, offline):
    s = sub(body, author=author, email=email, url=url, ip=ip, honeypot=honeypot)
    c = ctx(
        HISTORY,
        offline=offline,
        moderation_keys=("casino", "v1agra", "203.0.113"),
        disallowed_keys=("spam.example", "x"),
        blocked_domains=frozenset({"spam.example"}),
    )
    verdicts = [check.run(s, c) for check in CHECKS]
    for v in verdicts:
        assert v.verdict in ("pass", "hold", "spam", "invalid")
        assert isinstance(v.reason, str) and v.reason
        assert isinstance(v.score, float | int)
    decision = PIPELINE.policy.decide(verdicts)
    assert decision.status in ("published", "held", "rejected")


def test_a_missing_body_is_invalid_not_a_crash():
    # Rows written by something other than today's API may lack fields; the worker must still decide.
    s = sub(None)
    verdicts = [check.run(s, ctx(HISTORY, offline=True)) for check in CHECKS]
    assert PIPELINE.policy.decide(verdicts).status == "rejected"

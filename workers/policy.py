"""The policy: turns the checks' verdicts into publish, hold or reject, and says why.

No statistical signal rejects on its own unless it is very sure; when signals disagree, a person
decides. Rules, in order (docs/checks.md explains them with the figures behind them):

1. any ``invalid`` verdict rejects;
2. a ``spam`` verdict from a rule on a fact or a list (honeypot, a blocklisted or spam-list
   domain, the same sender's duplicate, reputation) rejects: each is specific;
3. a ``spam`` verdict from a *heuristic* rule (tag ``heuristic``: a commercial name with a
   commercial website, generic praise carrying a commercial link) rejects, unless the classifier
   finds the text clearly ham (``clear-ham``): then it is held;
4. the classifier's ``spam`` verdict: for a trusted author, or when the links check holds for links
   that all go to reference sites, it holds; past ``classifier_reject`` (tag ``certain``) it rejects
   alone; with an ``evidence`` hold from a rule it rejects (two independent signals); alone it holds;
5. ``evidence`` holds from two different rule checks, or one with the classifier's ``hold``, reject
   (not for a trusted author, and not when the classifier finds the text clearly ham: then they hold);
6. any ``hold`` holds, except a classifier ``hold`` alone for a trusted author, which publishes,
   and a ``weak`` hold (shouting), which only joins the reasons of another hold;
7. otherwise the comment is published.
"""

from __future__ import annotations

from dataclasses import dataclass

# PolicyConfig lives with the settings it is built from (checks/base.py needs it too); imported
# from here as well, where it was.
from service.core.settings import PolicyConfig as PolicyConfig
from service.core.vocabulary import CheckName, Status
from workers.checks.base import CERTAIN, CLEAR_HAM, EVIDENCE, HEURISTIC, HOLD, INVALID, PASS, SPAM, WEAK, Verdict

CLASSIFIER = CheckName.CLASSIFIER
CORROBORATING = (CheckName.PROMOTION,)  # holds from these count as ``evidence`` whatever their tags


@dataclass(frozen=True)
class Decision:
    status: Status
    reason: str
    decided_by: str


def _join(verdicts: list[Verdict]) -> tuple[str, str]:
    return "; ".join(f"{v.check}: {v.reason}" for v in verdicts), ",".join(v.check for v in verdicts)


def _reject(grounds: list[Verdict], model: Verdict | None) -> Decision:
    """Reject on ``grounds``, unless the classifier finds the text clearly ham: then the rules and
    the model disagree, and a moderator decides (held, with both reasons)."""
    reason, by = _join(grounds)
    if model is not None and CLEAR_HAM in model.tags:
        return Decision(
            Status.HELD, f"{reason} (held, not rejected: the classifier finds it clearly ham, {model.reason})", by
        )
    return Decision(Status.REJECTED, reason, by)


def _evidence(v: Verdict) -> bool:
    return v.verdict == HOLD and v.check != CLASSIFIER and (EVIDENCE in v.tags or v.check in CORROBORATING)


class Policy:
    """Combines the verdicts (see the module docstring for the rules)."""

    def decide(self, verdicts: list[Verdict]) -> Decision:
        invalid = [v for v in verdicts if v.verdict == INVALID]
        if invalid:
            return Decision(Status.REJECTED, *_join(invalid))
        rule_spam = [v for v in verdicts if v.verdict == SPAM and v.check != CLASSIFIER]
        specific = [v for v in rule_spam if HEURISTIC not in v.tags]
        if specific:
            return Decision(Status.REJECTED, *_join(specific))
        model = next((v for v in verdicts if v.check == CLASSIFIER), None)
        if rule_spam:
            return _reject(rule_spam, model)
        trusted = [v for v in verdicts if v.verdict == PASS and "trusted-author" in v.tags]
        holds = [v for v in verdicts if v.verdict == HOLD and v.check != CLASSIFIER and WEAK not in v.tags]
        weak = [v for v in verdicts if v.verdict == HOLD and v.check != CLASSIFIER and WEAK in v.tags]
        evidence = [v for v in holds if _evidence(v)]
        if model is not None and model.verdict == SPAM:
            link_hold = [v for v in holds if "reference-links" in v.tags]
            softened = trusted or link_hold
            if softened:
                reason, by = _join([model, *holds])
                return Decision(Status.HELD, f"{reason} (held, not rejected: {softened[0].reason})", by)
            if CERTAIN in model.tags:
                return Decision(Status.REJECTED, *_join([model]))
            if evidence:
                return Decision(Status.REJECTED, *_join([model, *evidence]))
            reason, by = _join([model, *holds, *weak])
            return Decision(Status.HELD, f"{reason} (held, not rejected: no rule agrees)", by)
        if not trusted and evidence:
            # Two independent signals agree: two different rules, or a rule and the model.
            agreeing = evidence + ([model] if model is not None and model.verdict == HOLD else [])
            if len({v.check for v in agreeing}) >= 2:
                return _reject(agreeing, model)
        if model is not None and model.verdict == HOLD and not (trusted and not holds):
            holds.append(model)
        if holds:
            return Decision(Status.HELD, *_join(holds + weak))
        if model is not None and model.verdict == HOLD:
            return Decision(
                Status.PUBLISHED, f"trusted author: {trusted[0].reason}; {model.check}: {model.reason}", "policy"
            )
        if weak:
            reason, _ = _join(weak)
            return Decision(Status.PUBLISHED, f"{reason} (a weak signal alone does not hold)", "policy")
        return Decision(Status.PUBLISHED, "every check passed", "policy")

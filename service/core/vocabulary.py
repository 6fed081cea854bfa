"""commentq's closed sets of words, one enum each: what the database stores, the HTTP API accepts and
returns, the OpenAPI document lists, the desk shows and the checks and the policy say.

Every enum is a ``StrEnum`` whose values are the strings in use (CONTRACT.md, the database, the
audit trail), so a member *is* its string: ``Status.HELD == "held"``, it serialises to JSON, binds
to SQL and renders in a template as ``held``. Add a word here and every list follows (the
marshmallow schemas, the OpenAPI document, the desk's buttons, the metrics).
"""

from __future__ import annotations

from enum import StrEnum
from typing import TypeAlias


class Status(StrEnum):
    """A comment's life cycle (CONTRACT.md) plus ``removed`` and ``failed`` for operators."""

    RECEIVED = "received"
    CHECKING = "checking"
    PUBLISHED = "published"
    HELD = "held"
    REJECTED = "rejected"
    REMOVED = "removed"
    FAILED = "failed"


# The statuses of a comment the workers have not decided yet (the outbox sweeper's concern).
IN_FLIGHT: tuple[Status, ...] = (Status.RECEIVED, Status.CHECKING)


class PublicStatus(StrEnum):
    """What the submitter is told: the contract knows only these three."""

    PENDING = "pending"
    PUBLISHED = "published"
    REJECTED = "rejected"


def public_status(status: str) -> PublicStatus:
    """The contract's status for a stored ``status``: a removed comment reads as rejected, every
    status not decided yet (and ``held``, ``failed``) as pending."""
    if status == Status.PUBLISHED:
        return PublicStatus.PUBLISHED
    if status in (Status.REJECTED, Status.REMOVED):
        return PublicStatus.REJECTED
    return PublicStatus.PENDING


class Action(StrEnum):
    """A moderator's decision on one comment (the API's ``action``, the desk's buttons, in order)."""

    APPROVE = "approve"
    REJECT = "reject"
    SPAM = "spam"
    REMOVE = "remove"
    # WordPress's "Not Spam" on its Spam folder: a rejected comment was wrong.
    NOT_SPAM = "not-spam"


class SystemAction(StrEnum):
    """An audit row's ``action`` when no moderator decided: the service's own steps. An audit row's
    action is one of these or an :class:`Action`."""

    SUBMIT = "submit"
    CLAIM = "claim"
    PUBLISH = "publish"
    # The policy's decision (or the time limit's), recorded as the status it leads to.
    HELD = "held"
    REJECTED = "rejected"
    GIVE_UP = "give-up"
    REQUEUE = "requeue"
    ERASE = "erase"


AuditAction: TypeAlias = Action | SystemAction


class CheckName(StrEnum):
    """Every check's ``name``: the ``check`` of its verdict, stored and shown to moderators. In the
    order the pipeline runs them (``workers.checks.default_checks``)."""

    VALIDATION = "validation"
    HONEYPOT = "honeypot"
    WORDLISTS = "wordlists"
    LINKS = "links"
    AUTHOR = "author"
    RELEVANCE = "relevance"
    DISALLOWED_KEYS = "disallowed-keys"
    DUPLICATES = "duplicates"
    FLOOD = "flood"
    WEBSITE = "website"
    REPUTATION = "reputation"
    NOISE = "noise"
    PROMOTION = "promotion"
    CLASSIFIER = "classifier"


class VerdictName(StrEnum):
    """What one check says about a comment (``invalid`` rejects whatever else is said)."""

    # A verdict, not a password (S105 reads the name PASS as one).
    PASS = "pass"  # noqa: S105
    HOLD = "hold"
    SPAM = "spam"
    INVALID = "invalid"


class Strength(StrEnum):
    """How much a verdict weighs with the policy, as a tag on the verdict (workers/policy.py)."""

    # A ``hold`` that is a weak signal: the policy holds for it only when another check holds.
    WEAK = "weak"
    # A ``hold`` that is evidence of spam (a commercial site, generic praise with a link, a
    # shortener): one alone holds; two from different checks, or one with the classifier's hold or
    # spam, reject.
    EVIDENCE = "evidence"
    # A ``spam`` verdict from a heuristic rule (not a list or a fact): it rejects unless the
    # classifier is clearly sure the comment is ham, then the disagreement is held for a person.
    HEURISTIC = "heuristic"
    # The classifier's: its probability is past ``classifier_reject`` (rejects alone) ...
    CERTAIN = "certain"
    # ... or below ``classifier_ham`` (clearly ham: contradicts heuristic rules).
    CLEAR_HAM = "clear-ham"


def values(enum: type[StrEnum]) -> list[str]:
    """The enum's strings in definition order: the list a schema or the OpenAPI document gives."""
    return [member.value for member in enum]


class TaskName(StrEnum):
    """Every Celery task's registered name, in one place: the web side queues tasks by name (it
    never imports the workers' check code) and ``workers/tasks.py`` registers each under its name.
    Never rename one: messages already in a broker carry the old name."""

    PROCESS_COMMENT = "workers.tasks.process_comment"
    SWEEP_OUTBOX = "workers.tasks.sweep_outbox"
    RETRAIN_CLASSIFIER = "workers.tasks.retrain_classifier"
    SEND_NOTIFICATION = "workers.notify.send_notification"
    SWEEP_NOTIFICATIONS = "workers.notify.sweep_notifications"
    FORGET_OLD_ADDRESSES = "workers.privacy.forget_old_addresses"


# Two queues, so that a retrain (tens of seconds of CPU on the full corpus) never sits in front of a
# reader's comment: `commentq run` and compose give the training queue a worker process of its own.
CHECKS_QUEUE = "commentq"
TRAINING_QUEUE = "commentq-training"

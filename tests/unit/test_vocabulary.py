"""One vocabulary: the enums in service/core/vocabulary.py keep today's strings (the database, the
API and CONTRACT.md depend on them), and every list built from them (the OpenAPI document, the
schemas, the checks, the store's moves) says the same."""

from __future__ import annotations

import pytest
from marshmallow import ValidationError

from service.core import store
from service.core.vocabulary import (
    IN_FLIGHT,
    Action,
    CheckName,
    PublicStatus,
    Status,
    Strength,
    SystemAction,
    VerdictName,
    public_status,
    values,
)
from service.web.openapi import build_spec
from service.web.schemas import DecisionIn, QueueArgs
from workers.checks import default_checks


def test_the_strings_are_todays():
    assert values(Status) == ["received", "checking", "published", "held", "rejected", "removed", "failed"]
    assert values(PublicStatus) == ["pending", "published", "rejected"]
    assert values(Action) == ["approve", "reject", "spam", "remove", "not-spam"]
    assert set(values(SystemAction)) == {
        "submit",
        "claim",
        "publish",
        "held",
        "rejected",
        "give-up",
        "requeue",
        "erase",
    }
    assert values(VerdictName) == ["pass", "hold", "spam", "invalid"]
    assert values(Strength) == ["weak", "evidence", "heuristic", "certain", "clear-ham"]
    assert IN_FLIGHT == ("received", "checking")
    # A member is its string: it compares, hashes and formats as one.
    assert Status.HELD == "held" and {"held": 1}[Status.HELD] == 1 and f"{Action.NOT_SPAM}" == "not-spam"


def test_every_check_is_named_in_the_vocabulary_in_pipeline_order():
    assert [check.name for check in default_checks()] == list(CheckName)
    assert all(type(check.name) is CheckName for check in default_checks())


@pytest.mark.parametrize(
    ("stored", "shown"),
    [
        ("received", "pending"),
        ("checking", "pending"),
        ("held", "pending"),
        ("failed", "pending"),
        ("published", "published"),
        ("rejected", "rejected"),
        ("removed", "rejected"),
    ],
)
def test_public_status(stored: str, shown: str):
    assert public_status(stored) == shown
    assert public_status(Status(stored)) is PublicStatus(shown)


def test_every_moderator_action_has_a_move():
    assert set(store.MODERATOR_MOVES) == set(Action)
    assert set(store.LEARNING_ACTIONS) <= set(Action)


def test_the_openapi_enum_lists_are_the_python_enums():
    spec = build_spec()
    schemas = spec["components"]["schemas"]
    assert schemas["Decision"]["properties"]["action"]["enum"] == values(Action)
    assert schemas["CommentStatus"]["properties"]["status"]["enum"] == values(PublicStatus)
    assert schemas["Accepted"]["properties"]["status"]["enum"] == [PublicStatus.PENDING]
    assert schemas["ModerationItem"]["properties"]["status"]["enum"] == values(Status)
    check = spec["components"]["schemas"]["CheckOut"]["properties"]
    assert check["check"]["enum"] == values(CheckName)
    assert check["verdict"]["enum"] == values(VerdictName)
    (status,) = [p for p in spec["paths"]["/api/v1/moderation/queue"]["get"]["parameters"] if p["name"] == "status"]
    assert status["schema"]["enum"] == values(Status)


def test_the_schemas_load_the_enums_and_refuse_other_words():
    assert DecisionIn().load({"action": "not-spam"})["action"] is Action.NOT_SPAM
    assert QueueArgs().load({})["status"] is Status.HELD
    assert QueueArgs().load({"status": "failed"})["status"] is Status.FAILED
    with pytest.raises(ValidationError) as err:
        DecisionIn().load({"action": "delete"})
    assert err.value.messages == {"action": ["Must be one of: " + ", ".join(Action) + "."]}
    with pytest.raises(ValidationError) as err:
        DecisionIn().load({"action": 3})
    assert err.value.messages == {"action": ["Not a valid string."]}

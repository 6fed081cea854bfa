"""What the domain refuses, in the domain's words: no HTTP status here.

Domain code (``service.core``, ``workers``) raises only these; each adapter maps them to its own
answer in one place: ``service.web.errors.DOMAIN_STATUS`` (the HTTP status of each class), the CLI
(a usage error) and the tasks (a retry or a logged refusal). Every error carries a human message and
``errors``, ``{field: [message, ...]}`` naming the input at fault (empty when no one field is).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Self


class DomainError(Exception):
    """A request the domain refuses: ``message`` says why, ``errors`` names the fields at fault."""

    def __init__(self, message: str, errors: Mapping[str, list[str]] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.errors: dict[str, list[str]] = dict(errors or {})

    @classmethod
    def on(cls, field: str, message: str) -> Self:
        """The error with one field at fault: ``errors == {field: [message]}``."""
        return cls(message, {field: [message]})


class NotFound(DomainError):
    """The thing asked for (a comment, an article) does not exist."""


class NotAllowed(DomainError):
    """The change is not allowed from the thing's current state (e.g. approving a removed comment)."""


class InvalidInput(DomainError):
    """The input is wrong: a missing or inconsistent field (``errors`` names it)."""


class UnstorableValue(InvalidInput, ValueError):
    """A value holds a NUL byte or a lone surrogate, which the store cannot hold (bad input).

    Also a ``ValueError``, as it was before the hierarchy existed."""

    def __init__(self, message: str = "A value cannot be stored: it holds a NUL byte or invalid Unicode.") -> None:
        super().__init__(message)

"""Comparing large values in an assertion without printing them: pytest explains a failed
``assert a == b`` with a diff of both (in full under ``CI``, where it never truncates), which for a
model's feature list or an OpenAPI document is megabytes. Use::

    diff = first_difference(got, want)
    assert diff is None, diff

The assertion means exactly ``got == want``; a failure says where they differ, in one line.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

EXCERPT = 60  # items (characters, bytes, list elements) shown of each side from the first difference


def _as_sequence(value: Any) -> Sequence[Any]:
    """Strings, bytes, lists and tuples as they are; a dict as its canonical JSON text; else its repr."""
    if isinstance(value, str | bytes | list | tuple):
        return value
    if isinstance(value, dict):
        return json.dumps(value, sort_keys=True, indent=1, default=repr)
    return repr(value)


def first_difference(got: Any, want: Any) -> str | None:
    """None when ``got == want``; otherwise one line (a few hundred characters at most): both
    lengths, the first index at which they differ, and a short excerpt of each from there."""
    if got == want:
        return None
    a, b = _as_sequence(got), _as_sequence(want)
    at = next((i for i, (x, y) in enumerate(zip(a, b, strict=False)) if x != y), min(len(a), len(b)))
    here, there = repr(a[at : at + EXCERPT])[:200], repr(b[at : at + EXCERPT])[:200]
    return (
        f"{type(got).__name__} != {type(want).__name__} (compared as {len(a)} and {len(b)} items; a dict as its "
        f"JSON text), first difference at index {at}: {here} != {there}"
    )

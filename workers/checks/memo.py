"""A least-recently-used cache bounded by bytes, for the pure functions of a comment's text.

``functools.lru_cache`` bounds the number of entries, not their size: 8,192 entries of 30 kB texts
(plus what was computed from them) held over a gigabyte per worker process (issue 11). This cache
counts the approximate size of each key and value (``sys.getsizeof``, plus the items of a tuple
or frozenset) and evicts the least recently used entries past ``max_bytes``; an entry larger than
an eighth of the budget is computed but never kept.
"""

from __future__ import annotations

import sys
import threading
from collections import OrderedDict
from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

R = TypeVar("R")

MB = 1 << 20


def approx_size(value: Any) -> int:
    """Bytes that ``value`` holds: the object itself, plus the items of a tuple/list/set/frozenset."""
    size = sys.getsizeof(value)
    if isinstance(value, tuple | list | set | frozenset):
        size += sum(sys.getsizeof(item) for item in value)
    return size


class BytesLRU:
    """The cache behind ``bytes_lru``; ``info()`` reports entries and bytes (for tests and ops)."""

    def __init__(self, fn: Callable[..., Any], max_bytes: int) -> None:
        self.fn = fn
        self.max_bytes = max_bytes
        self.max_entry = max_bytes // 8
        self.entries: OrderedDict[Any, tuple[Any, int]] = OrderedDict()
        self.bytes = 0
        self.lock = threading.Lock()

    def __call__(self, text: str, *more: Any) -> Any:
        key = (text, *more) if more else text
        with self.lock:
            hit = self.entries.get(key)
            if hit is not None:
                self.entries.move_to_end(key)
                return hit[0]
        value = self.fn(text, *more)
        # Further arguments (e.g. a configured key set) are shared between entries: not counted.
        size = approx_size(text) + approx_size(value)
        if size > self.max_entry:
            return value
        with self.lock:
            if key not in self.entries:
                self.entries[key] = (value, size)
                self.bytes += size
                while self.bytes > self.max_bytes:
                    _, (_, dropped) = self.entries.popitem(last=False)
                    self.bytes -= dropped
        return value

    def cache_clear(self) -> None:
        with self.lock:
            self.entries.clear()
            self.bytes = 0

    def info(self) -> dict[str, int]:
        """``{"entries": n, "bytes": b, "max_bytes": m}``."""
        with self.lock:
            return {"entries": len(self.entries), "bytes": self.bytes, "max_bytes": self.max_bytes}


def bytes_lru(max_bytes: int) -> Callable[[Callable[..., R]], Callable[..., R]]:
    """Decorator: cache a function of a text (plus hashable positional arguments), holding at most
    ``max_bytes`` bytes."""

    def wrap(fn: Callable[..., R]) -> Callable[..., R]:
        cache = BytesLRU(fn, max_bytes)
        wraps(fn)(cache)
        return cache

    return wrap

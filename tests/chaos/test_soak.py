"""Issue 11, kind 9: memory stays flat in a real process checking 5,000 distinct long comments.

Before, the checks' ``lru_cache``s (by entries, keyed on whole texts) and the near-duplicate
shingle cache (8,192 entries) let one worker process grow to hundreds of MB. The soak runs every
check (and the policy) in a separate Python process, as a worker's pool child does, and reads its
resident set size (``/proc/self/status``) after 1,000 comments (the caches full) and after 5,000.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from tests.support import ROOT

pytestmark = [pytest.mark.chaos, pytest.mark.timeout(600)]

SOAK = r"""
import json, random, sys
from tests.unit.checks_support import ctx, sub
from workers.pipeline import Pipeline

def rss_mb():
    for line in open("/proc/self/status"):
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024

words = ("river garden library bridge village harbour meadow kitchen orchard lantern window mountain valley "
         "station market chapel island forest letter journal painting recipe teacher farmer sailor").split()
rng = random.Random(11)
pipeline = Pipeline()
marks = {}
for i in range(1, 5001):
    body = f"comment {i}: " + " ".join(rng.choice(words) for _ in range(1300))  # ~9,000 characters
    pipeline.run(sub(body), ctx())
    if i in (1000, 2000, 3000, 4000, 5000):
        marks[i] = rss_mb()
print(json.dumps(marks))
"""


def test_rss_flat_over_5000_distinct_long_comments() -> None:
    out = subprocess.run(
        [sys.executable, "-c", SOAK], cwd=str(ROOT), capture_output=True, text=True, timeout=580, check=True
    )
    marks = {int(k): v for k, v in json.loads(out.stdout.strip().splitlines()[-1]).items()}
    growth = marks[5000] - marks[1000]
    print(f"RSS MB after 1000/2000/3000/4000/5000 comments: {marks}")
    # Flat: what the bounded caches may still add once full is noise (allocator, interned strings).
    assert growth < 40, marks

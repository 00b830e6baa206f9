"""What every benchmark shares: a rate measured against its baseline, interleaved round by
round in the same process, so both see the same machine noise; reported as medians."""

from __future__ import annotations

import itertools
import statistics
import time
from collections.abc import Callable


def _rate(step: Callable[[int], object], counter: itertools.count, seconds: float,
          batch: int) -> float:
    done = 0
    begin = time.perf_counter()
    deadline = begin + seconds
    while True:
        for _ in range(batch):
            step(next(counter))
        done += batch
        now = time.perf_counter()
        if now >= deadline:
            return done / (now - begin)


def compare(subject: Callable[[int], object], baseline: Callable[[int], object], *,
            seconds: float, rounds: int, batch: int = 200) -> dict[str, list[float] | float]:
    """Calls per second of subject(i) and baseline(i), i = 0, 1, 2, ... (a seed or an index).

    Each is warmed once first, as a running server has it warm.
    """
    subject(0)
    baseline(0)
    cs, cb = itertools.count(1), itertools.count(1)
    subj, base = [], []
    for _ in range(rounds):
        subj.append(_rate(subject, cs, seconds, batch))
        base.append(_rate(baseline, cb, seconds, batch))
    return {
        "subject": [round(x) for x in subj],
        "baseline": [round(x) for x in base],
        "subject_median": round(statistics.median(subj)),
        "baseline_median": round(statistics.median(base)),
    }

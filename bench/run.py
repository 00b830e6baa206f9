"""`cso-trainer bench`: every benchmark, printed as figures (and JSON with --json).

Benchmarks measure; they never pass or fail. Each one measures its baseline in the same run,
interleaved, so the ratio holds even on a noisy machine.
"""

from __future__ import annotations

import json
import os
import platform
import sys
from collections.abc import Callable

from sop.library import load_library


def _benchmarks(quick: bool) -> list[tuple[str, Callable[[], dict]]]:
    seconds = 0.3 if quick else 1.0
    rounds = 3 if quick else 7
    lib = load_library()
    out: list[tuple[str, Callable[[], dict]]] = []

    from bench.scoring import bench_scoring

    out.append(("scoring", lambda: bench_scoring(lib, seconds, rounds)))
    from bench.generate import bench_generate

    out.append(("generate", lambda: bench_generate(seconds)))
    from bench.page import bench_page
    from bench.store import bench_store

    out.append(("page", lambda: bench_page(quick=quick)))
    from bench.export import bench_export

    out.append(("export", lambda: bench_export(quick=quick)))
    out.append(("store", lambda: bench_store(quick=quick)))
    return out


def _pin_one_core() -> str:
    """Measure on one core, as the issue asks; report which."""
    try:
        cpus = os.sched_getaffinity(0)
        # for processes a benchmark starts (the store's concurrent writers): every core
        os.environ["CSO_BENCH_CPUS"] = ",".join(str(c) for c in sorted(cpus))
        core = min(cpus)
        os.sched_setaffinity(0, {core})
        return f"core {core}"
    except (AttributeError, OSError):
        return "unpinned"


def run(as_json: bool = False, quick: bool = False) -> int:
    pinned = _pin_one_core()
    results = {
        "machine": {"python": platform.python_version(), "cpus": os.cpu_count(),
                    "pinned": pinned, "quick": quick},
        "benchmarks": [],
    }
    for name, fn in _benchmarks(quick):
        print(f"... {name}", file=sys.stderr, flush=True)
        results["benchmarks"].append(fn())
    if as_json:
        print(json.dumps(results, indent=2, ensure_ascii=False))
        return 0
    m = results["machine"]
    print(f"Python {m['python']}, {m['cpus']} CPU, diukur pada {m['pinned']}")
    for b in results["benchmarks"]:
        print(f"\n[{b['name']}]")
        for k, v in b.items():
            if k != "name":
                print(f"  {k}: {v}")
    return 0

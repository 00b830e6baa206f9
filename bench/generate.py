"""Benchmark: calls generated per second, against raw Faker calls for the same fields.

Both run in the same process and are interleaved round by round, so they see the same machine.
The baseline reseeds one Faker `id_ID` generator and asks it for a name, an address, a phone
number and an e-mail: the least a seeded generator of the same people must do.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable

from faker import Factory

from scenarios.generator import generate_call
from scenarios.library import default_sop_library, load_scenarios
from sop.library import Library


def _rate(step: Callable[[int], object], seconds: float, start_seed: int) -> tuple[float, int]:
    done = 0
    seed = start_seed
    begin = time.perf_counter()
    deadline = begin + seconds
    while True:
        for _ in range(200):
            step(seed)
            seed += 1
        done += 200
        now = time.perf_counter()
        if now >= deadline:
            return done / (now - begin), seed


def bench_generate(seconds: float = 1.0, *, rounds: int = 5,
                   library: Library | None = None) -> dict:
    """Calls/s of `generate_call` (all scenarios in turn) and raw Faker calls/s, as a dict."""
    lib = library if library is not None else default_sop_library()
    scenarios = [s for s in load_scenarios(sop_library=lib)]
    if not scenarios:
        raise RuntimeError("tidak ada skenario yang valid")
    pairs = [(s, lib.find_case(s.case)[0]) for s in scenarios]
    n = len(pairs)

    def generate(seed: int) -> None:
        scenario, sop = pairs[seed % n]
        generate_call(scenario, seed, sop=sop)

    fake = Factory.create("id_ID")

    def raw_faker(seed: int) -> None:
        fake.seed_instance(seed)
        fake.name()
        fake.address()
        fake.phone_number()
        fake.email()

    generate(0)  # build the per-scenario plans and the thread's Faker, as a server has them
    raw_faker(0)
    per_round = max(seconds / rounds, 0.05)
    gen, raw = [], []
    seed_g = seed_r = 1
    for _ in range(rounds):
        rate, seed_g = _rate(generate, per_round, seed_g)
        gen.append(rate)
        rate, seed_r = _rate(raw_faker, per_round, seed_r)
        raw.append(rate)
    g, r = statistics.median(gen), statistics.median(raw)
    return {
        "name": "generate",
        "unit": "calls/s",
        "calls_per_s_median": round(g),
        "calls_per_s_rounds": [round(x) for x in gen],
        "baseline_raw_faker_per_s_median": round(r),
        "baseline_raw_faker_per_s_rounds": [round(x) for x in raw],
        "baseline_fields": ["name", "address", "phone_number", "email"],
        "ratio_generate_over_raw_faker": round(g / r, 2),
        "target_calls_per_s": 5_000,
        "scenarios": n,
    }

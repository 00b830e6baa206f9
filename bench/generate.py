"""Benchmark: calls generated per second, against raw Faker calls for the same fields.

Both run in the same process and are interleaved round by round, so they see the same machine.
The baseline reseeds one Faker `id_ID` generator and asks it for a name, an address, a phone
number and an e-mail: the least a seeded generator of the same people must do.
"""

from __future__ import annotations

from faker import Factory

from bench.common import compare
from scenarios.generator import generate_call
from scenarios.library import default_sop_library, load_scenarios
from sop.library import Library


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

    r = compare(generate, raw_faker, seconds=max(seconds / rounds, 0.05), rounds=rounds)
    return {
        "name": "generate",
        "unit": "calls/s",
        "calls_per_s_median": r["subject_median"],
        "calls_per_s_rounds": r["subject"],
        "baseline_raw_faker_per_s_median": r["baseline_median"],
        "baseline_raw_faker_per_s_rounds": r["baseline"],
        "baseline_fields": ["name", "address", "phone_number", "email"],
        "ratio_generate_over_raw_faker": round(r["subject_median"] / r["baseline_median"], 2),
        "target_calls_per_s": 5_000,
        "scenarios": n,
    }

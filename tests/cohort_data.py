"""Shared set-up for the cohort tests: people, and real scored attempts of chosen calls."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

from scenarios.practice import add_reply, finish_call, start_call
from scenarios.simulate import cso_script
from store import create_user, save_attempt
from tests.qa_data import content

# two scenarios of two cases that a perfect CSO passes and a careless one fails
JUMLAH = ("tagihan-jumlah-ibu-sopan", "tagihan.jumlah")
TETAP = ("invoice-tetap-kesal", "invoice.email.tetap")
T0 = datetime(2026, 10, 5, 1, 0, tzinfo=UTC)  # 5 Okt 2026 08.00 WIB


def people(db) -> dict:
    spec = {"pelatih": ["trainer"], "pelatih2": ["trainer"], "andi": ["trainee"],
            "budi": ["trainee"], "citra": ["trainee"], "qa1": ["qa"], "admin1": ["admin"]}
    return {name: create_user(db, username=name, display_name=name.title(), roles=roles)
            for name, roles in spec.items()}


def take_call(db, trainee_id: int, scenario_id: str, seed: int, *, good: bool,
              finished: datetime, exam_id: str | None = None,
              rubric_version: str | None = None) -> int:
    """One call of `scenario_id` with `seed`, answered well (passes) or carelessly (fails),
    finished at `finished`, saved as the Latihan page saves it."""
    c = content()
    scenario = c.scenarios.get(scenario_id)
    sop = c.library.find_case(scenario.case)[0]
    started = finished - timedelta(minutes=4)
    mode = "ujian" if exam_id else "latihan"
    pc = start_call(scenario, seed, sop=sop, mode=mode, exam_id=exam_id, now=started)
    replies, apkt = cso_script(pc.call, 1.0 if good else 0.0, random.Random(seed))
    for text in replies:
        if pc.ended:
            break
        pc = add_reply(pc, text, rules=c.rules, now=started + timedelta(minutes=1))
    done = finish_call(pc, apkt, scorer=c.scorer, trainee_id=trainee_id, now=finished,
                       rubric_version=rubric_version or f"{sop.id}@r1")
    assert done.result.passed == good
    return save_attempt(db, attempt=done.attempt)

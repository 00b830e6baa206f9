"""Shared set-up for the QA tests: people with roles and realistic simulated attempts."""

from __future__ import annotations

from datetime import UTC, datetime
from functools import cache

from scenarios.simulate import Content, SimTrainee, simulate
from store import create_user, save_attempt

END = datetime(2025, 6, 27, 10, 0, tzinfo=UTC)  # a Friday; simulated weeks end here


@cache
def content() -> Content:
    return Content.load()


def people(db) -> dict:
    """qa1, qa2 (QA), pelatih (trainer), andi and budi (trainees), admin1 (admin)."""
    spec = {
        "qa1": ["qa"],
        "qa2": ["qa"],
        "pelatih": ["trainer"],
        "andi": ["trainee"],
        "budi": ["trainee"],
        "admin1": ["admin"],
    }
    return {
        name: create_user(db, username=name, display_name=name.title(), roles=roles)
        for name, roles in spec.items()
    }


def add_attempts(db, trainees, n: int, *, seed: int = 5, weeks: int = 4) -> list[int]:
    """`n` simulated attempts of the given users (skill spread), saved one by one."""
    sims = [SimTrainee(u.id, 0.35 + 0.5 * i / max(1, len(trainees) - 1), 0.02)
            for i, u in enumerate(trainees)]
    return [
        save_attempt(db, attempt=a)
        for a in simulate(content(), sims, n, seed=seed, weeks=weeks, end=END)
    ]

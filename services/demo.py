"""Demo data: demo trainee accounts with a skill each, and the database filled with their
simulated attempts (scenarios/simulate.py, scored with the database's current content, written
by store/demo.py)."""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import datetime
from typing import Any

from faker import Faker
from sqlalchemy import func, select

from scenarios.simulate import Content, SimTrainee, simulate
from services.content import dialogue_rules_of, scorer_of
from store.content_io import import_shipped
from store.content_snapshot import content_snapshot
from store.db import Database
from store.demo import as_row, insert_attempts
from store.errors import StoreError
from store.models import Attempt, User
from store.users import create_user

DEMO_PREFIX = "demo.peserta"
MAX_ATTEMPTS = 10_000_000
MAX_WEEKS = 520  # ten years of weeks; more overflows the calendar


def content_of_database(db: Database) -> Content:
    """The database's current content (the shipped files imported first when missing),
    as the pages score: attempts record its rubric versions."""
    import_shipped(db)
    snap = content_snapshot(db)
    if not snap.scenarios.active():
        raise StoreError("scenarios", "tidak ada skenario aktif untuk data demo")
    return Content(snap.sops, snap.scenarios, dialogue_rules_of(snap), scorer_of(snap),
                   snap.rubric_version)


# ---------------------------------------------------------------- trainees
def demo_trainees(db: Database, k: int, *, seed: int = 7) -> list[SimTrainee]:
    """K demo trainee accounts (created when missing, without a password) with a skill each.

    Skills spread from weak (about 0.3) to strong (about 0.95), the same for the same seed.
    """
    if not 1 <= k <= 1000:
        raise StoreError("trainees", "harus 1..1000")
    fake = Faker("id_ID")
    fake.seed_instance(seed)
    r = random.Random(seed)
    with db.session() as s:
        existing = dict(s.execute(select(User.username, User.id)
                                  .where(User.username.like(f"{DEMO_PREFIX}%"))).all())
    out = []
    for i in range(1, k + 1):
        username = f"{DEMO_PREFIX}{i:02d}"
        name = fake.name()
        user_id = existing.get(username)
        if user_id is None:
            user_id = create_user(db, username=username, display_name=name,
                                  roles=["trainee"]).id
        base = 0.3 + 0.65 * ((i - 1) / max(1, k - 1)) if k > 1 else 0.7
        skill = min(0.95, max(0.25, base + r.uniform(-0.05, 0.05)))
        out.append(SimTrainee(user_id, skill, growth=r.uniform(0.0, 0.03)))
    return out


# ---------------------------------------------------------------- the whole job
def seed_demo_attempts(
    db: Database,
    n: int,
    *,
    trainees: int = 12,
    weeks: int = 8,
    seed: int = 1,
    batch: int = 500,
    content: Content | None = None,
    on_progress: Callable[[int, int], None] | None = None,
    end: datetime | None = None,
    extra_trainee_ids: list[int] | None = None,
) -> int:
    """Fill the database with `n` simulated attempts of `trainees` demo trainees; return n.

    `extra_trainee_ids` (e.g. the demo mode's trainee login) take calls too, so that a demo
    trainee sees their own progress. Written in transactions of `batch` attempts.
    """
    if not 1 <= n <= MAX_ATTEMPTS:
        raise StoreError("attempts", f"harus 1..{MAX_ATTEMPTS}")
    if not 1 <= weeks <= MAX_WEEKS:
        raise StoreError("weeks", f"harus 1..{MAX_WEEKS}")
    content = content or content_of_database(db)
    people = demo_trainees(db, trainees)
    people += [SimTrainee(i, 0.6, 0.03) for i in extra_trainee_ids or []]
    done = 0
    rows: list[dict[str, Any]] = []
    if on_progress:
        on_progress(0, n)
    for attempt in simulate(content, people, n, seed=seed, weeks=weeks, end=end):
        rows.append(as_row(attempt))
        if len(rows) >= batch:
            insert_attempts(db, rows)
            done += len(rows)
            rows = []
            if on_progress:
                on_progress(done, n)
    if rows:
        insert_attempts(db, rows)
        done += len(rows)
        if on_progress:
            on_progress(done, n)
    return done


DEMO_START_ATTEMPTS = 400


def seed_first_start(db: Database, n: int = DEMO_START_ATTEMPTS) -> int:
    """Demo mode, first start: a small set of simulated attempts when there are none yet, some
    of them by the demo trainee logins (peserta1, peserta2) so their progress is not empty.
    Returns how many were added (0 when the database already has attempts)."""
    with db.session() as s:
        if s.scalar(select(func.count()).select_from(Attempt)):
            return 0
        logins = list(s.scalars(select(User.id).where(User.username.in_(("peserta1", "peserta2")))
                                .order_by(User.id)))
    return seed_demo_attempts(db, n, trainees=8, weeks=8, extra_trainee_ids=logins)

"""Benchmark: the QA dashboard at scale, on SQLite and on PostgreSQL.

For N demo attempts (default 1,000,000; quick 20,000) in a fresh database of each kind:
- the time of each dashboard aggregate query (the SQL GROUP BY the page runs: by trainee, case,
  scenario, criterion, week, weakest criteria per trainee, trainee x case matrix, totals) with no
  filter (the whole table) and with a typical filter (the last four weeks), and of the QA list's
  first page and count; target under 1 s each. Baseline, in the same run: a plain pandas
  groupby of the same rows already in memory (the time to read them into memory is given too);
- attempt inserts per second through `save_attempt` (validation, one transaction per attempt,
  fact rows) from 20 concurrent writer processes, with the row count checked afterwards
  (target 500/s or more, 0 lost);
- the peak memory (max RSS) of this process (resource.getrusage).

The attempts are realistic: a pool of simulated attempts (real generated calls, the dialogue
rules, the real scorer, scenarios.simulate) is spread over 500 trainees and 52 weeks. The bulk load
writes rows straight through the database driver (COPY on PostgreSQL) to save time; it is not
what is measured. PostgreSQL runs when CSO_BENCH_POSTGRES_URL or CSO_TEST_POSTGRES_URL is set, in
a schema of its own that is dropped afterwards; the SQLite file is deleted afterwards.
"""

from __future__ import annotations

import contextlib
import json
import multiprocessing as mp
import os
import queue
import random
import resource
import shutil
import statistics
import sys
import tempfile
import time
import types
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pandas as pd
from sqlalchemy import create_engine, func, select

from store.access import Requester
from store.dashboard import (
    AGGREGATES,
    QaFilter,
    count_qa_attempts,
    fact_rows,
    list_qa_attempts,
    totals,
)
from store.db import Database, normalise_url
from store.models import Attempt

QA = Requester.of(0, {"qa"})
TRAINEES = 500
WEEKS = 52
WRITERS = 20
ROUNDS = 3

ATTEMPT_COLUMNS = ("id", "trainee_id", "scenario_id", "scenario_version", "case_id", "sop_id",
                   "seed", "mode", "exam_id", "call", "transcript", "apkt", "score",
                   "max_score", "passed", "result", "rubric_version", "started_at",
                   "finished_at", "created_at")
FACT_COLUMNS = ("attempt_id", "trainee_id", "case_id", "scenario_id", "mode", "finished_at",
                "week", "auto_percent", "auto_passed", "percent", "passed", "rubric_version",
                "overrides", "reviewed_by", "reviewed_at")
CRIT_COLUMNS = ("attempt_id", "criterion_id", "trainee_id", "case_id", "scenario_id", "mode",
                "finished_at", "week", "attempt_passed", "reviewed", "critical", "sop_ref",
                "max_points", "auto_ok", "auto_points", "ok", "points", "overridden")


def _peak_mb() -> float:
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def _log(msg: str) -> None:
    print(f"    {msg}", file=sys.stderr, flush=True)


# ---------------------------------------------------------------- the data
def _pool(size: int) -> list[dict[str, Any]]:
    """Simulated attempts (validated rows) to spread over the trainees and weeks."""
    from scenarios.simulate import Content, SimTrainee, simulate
    from store.demo import as_row

    content = Content.load()
    sims = [SimTrainee(i, 0.3 + 0.65 * i / 49, 0.0) for i in range(1, 51)]
    return [as_row(a) for a in simulate(content, sims, size, seed=99, weeks=1)]


def _rows(pool: list[dict], n: int, end: datetime, first_user: int) -> Iterator[tuple]:
    """(attempt tuple, fact tuple, criterion tuples) for attempt ids 1..n."""
    r = random.Random(5)
    dumped = [
        {k: json.dumps(p[k], ensure_ascii=False) for k in ("call", "transcript", "apkt", "result")}
        for p in pool
    ]
    span = WEEKS * 7 * 86400
    for i in range(1, n + 1):
        k = r.randrange(len(pool))
        p, d = pool[k], dumped[k]
        trainee = first_user + r.randrange(TRAINEES)
        finished = end - timedelta(seconds=r.randrange(span))
        started = finished - (p["finished_at"] - p["started_at"])
        exam = f"bench-{trainee}" if p["mode"] == "ujian" else None
        attempt = (i, trainee, p["scenario_id"], p["scenario_version"], p["case_id"],
                   p["sop_id"], p["seed"], p["mode"], exam, d["call"], d["transcript"],
                   d["apkt"], p["score"], p["max_score"], p["passed"], d["result"],
                   p["rubric_version"], started, finished, finished)
        fact, crits = fact_rows(
            attempt_id=i, trainee_id=trainee, case_id=p["case_id"],
            scenario_id=p["scenario_id"], mode=p["mode"], finished_at=finished,
            score=p["score"], max_score=p["max_score"], passed=p["passed"], result=p["result"],
            rubric_version=p["rubric_version"],
        )
        yield (attempt, tuple(fact[c] for c in FACT_COLUMNS),
               [tuple(c[x] for x in CRIT_COLUMNS) for c in crits])


def _users(db: Database) -> int:
    """TRAINEES trainee accounts (bulk); the id of the first."""
    from store.models import User, UserRole

    now = datetime.now(UTC)
    with db.transaction() as s:
        ids = list(s.scalars(
            User.__table__.insert().returning(User.id, sort_by_parameter_order=True),
            [{"username": f"bench{i:04d}", "display_name": f"Peserta Uji {i:04d}",
              "password_hash": None, "disabled": False, "must_change_password": False,
              "created_at": now, "updated_at": now} for i in range(TRAINEES)],
        ))
        s.execute(UserRole.__table__.insert(), [{"user_id": i, "role": "trainee"} for i in ids])
    return ids[0]


def _load(db: Database, pool: list[dict], n: int, end: datetime) -> float:
    """Bulk-load n attempts with their facts; seconds taken."""
    first = _users(db)
    t0 = time.perf_counter()
    batch = 20_000
    rows = _rows(pool, n, end, first)
    done = 0
    while done < n:
        part = [next(rows) for _ in range(min(batch, n - done))]
        if db.is_sqlite:
            _load_sqlite(db, part)
        else:
            _load_postgres(db, part)
        done += len(part)
        if done % 200_000 == 0 or done == n:
            _log(f"{done:,}/{n:,} percobaan dimuat ({time.perf_counter() - t0:.0f} s)")
    with db.engine.begin() as conn:
        if db.is_sqlite:
            conn.exec_driver_sql("ANALYZE")
        else:
            conn.exec_driver_sql(
                "SELECT setval(pg_get_serial_sequence('attempts', 'id'), "
                "(SELECT max(id) FROM attempts))")
            conn.exec_driver_sql("ANALYZE")
    return time.perf_counter() - t0


def _sqlite_value(v: Any) -> Any:
    if isinstance(v, datetime):
        return v.astimezone(UTC).replace(tzinfo=None).isoformat(sep=" ", timespec="microseconds")
    if hasattr(v, "isoformat"):
        return v.isoformat()
    return v


def _load_sqlite(db: Database, part: list[tuple]) -> None:
    def sql(table: str, cols: tuple) -> str:
        return f"INSERT INTO {table} ({', '.join(cols)}) VALUES ({', '.join('?' * len(cols))})"

    raw = db.engine.raw_connection()
    try:
        cur = raw.cursor()
        cur.execute("BEGIN IMMEDIATE")
        cur.executemany(sql("attempts", ATTEMPT_COLUMNS),
                        [tuple(map(_sqlite_value, a)) for a, _, _ in part])
        cur.executemany(sql("attempt_facts", FACT_COLUMNS),
                        [tuple(map(_sqlite_value, f)) for _, f, _ in part])
        cur.executemany(sql("criterion_facts", CRIT_COLUMNS),
                        [tuple(map(_sqlite_value, c)) for _, _, cs in part for c in cs])
        cur.execute("COMMIT")
    finally:
        raw.close()


def _load_postgres(db: Database, part: list[tuple]) -> None:
    raw = db.engine.raw_connection()
    try:
        with raw.cursor() as cur:
            for table, cols, rows in (
                ("attempts", ATTEMPT_COLUMNS, (a for a, _, _ in part)),
                ("attempt_facts", FACT_COLUMNS, (f for _, f, _ in part)),
                ("criterion_facts", CRIT_COLUMNS, (c for _, _, cs in part for c in cs)),
            ):
                with cur.copy(f"COPY {table} ({', '.join(cols)}) FROM STDIN") as copy:
                    for row in rows:
                        copy.write_row(row)
        raw.commit()
    finally:
        raw.close()


# ---------------------------------------------------------------- the queries
def _time(fn: Callable[[], Any], rounds: int = ROUNDS) -> tuple[float, float]:
    """(first run, median of the next `rounds`) in seconds."""
    t0 = time.perf_counter()
    fn()
    first = time.perf_counter() - t0
    runs = []
    for _ in range(rounds):
        t0 = time.perf_counter()
        fn()
        runs.append(time.perf_counter() - t0)
    return first, statistics.median(runs)


def _pandas_baseline(db: Database) -> tuple[dict[str, Callable[[], Any]], float, int]:
    """The same aggregates as plain pandas groupbys over the rows in memory."""
    t0 = time.perf_counter()
    with db.engine.connect() as conn:
        a = pd.read_sql_query(
            "SELECT trainee_id, case_id, scenario_id, week, percent, passed FROM attempt_facts",
            conn)
        c = pd.read_sql_query(
            "SELECT trainee_id, criterion_id, ok, points, max_points FROM criterion_facts", conn)
    a["passed"] = a["passed"].astype(bool)
    c["ok"] = c["ok"].astype(bool)
    read = time.perf_counter() - t0
    size = int(a.memory_usage(deep=True).sum() + c.memory_usage(deep=True).sum())

    def att(keys):
        return lambda: a.groupby(keys).agg(attempts=("percent", "size"),
                                           passed=("passed", "sum"),
                                           mean_percent=("percent", "mean"))

    def crit(keys):
        return lambda: c.groupby(keys).agg(results=("ok", "size"), ok=("ok", "sum"),
                                           points=("points", "sum"),
                                           max_points=("max_points", "sum"))

    fns = {
        "totals": lambda: (len(a), a["passed"].sum(), a["percent"].mean()),
        "by_trainee": att(["trainee_id"]),
        "by_case": att(["case_id"]),
        "by_scenario": att(["case_id", "scenario_id"]),
        "by_criterion": crit(["criterion_id"]),
        "weekly": att(["week"]),
        "weakest_by_trainee": crit(["trainee_id", "criterion_id"]),
        "mastery": att(["trainee_id", "case_id"]),
    }
    return fns, read, size


def _queries(db: Database, where: QaFilter) -> dict[str, Callable[[], Any]]:
    def run(fn):
        def go():
            with db.session() as s:
                return fn(s, QA, where)
        return go

    out = {"totals": run(totals)}
    out.update({name: run(fn) for name, fn in AGGREGATES.items()})
    out["qa_list_first_page"] = lambda: list_qa_attempts(db, requester=QA, where=where,
                                                         limit=50)
    out["qa_list_count"] = lambda: count_qa_attempts(db, requester=QA, where=where)
    return out


# ---------------------------------------------------------------- concurrent writers
def _writer(url: str, connect_args: dict, attempts: list[dict], ready: Any, go: Any,
            out: Any) -> None:
    from store.attempts import save_attempt

    _unpin()
    db = Database(url, connect_args=connect_args)
    saved = 0
    errors = []
    try:
        with db.session() as s:  # connected and warm before the clock starts: one attempt
            save_attempt(s, attempt=attempts[0])  # saved and rolled back (nothing kept)
            s.rollback()
        ready.put(1)
        go.wait()
        for a in attempts:
            try:
                save_attempt(db, attempt=a)
                saved += 1
            except Exception as exc:  # noqa: BLE001 - counted and reported, not hidden
                errors.append(f"{type(exc).__name__}: {exc}"[:200])
        out.put((saved, errors[:3], time.perf_counter()))
    finally:
        db.dispose()


def _unpin() -> None:
    """A writer runs on every core the benchmark had before `cso-trainer bench` pinned itself
    to one (bench.run keeps them in CSO_BENCH_CPUS); the pin is for the timed loops only."""
    cpus = os.environ.get("CSO_BENCH_CPUS")
    if cpus and hasattr(os, "sched_setaffinity"):
        try:
            os.sched_setaffinity(0, {int(c) for c in cpus.split(",")})
        except (OSError, ValueError):
            pass


def _get(q: Any, procs: list, timeout: float) -> Any:
    """The next item from a writer, or an error as soon as a writer died (never a hang)."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            return q.get(timeout=1)
        except queue.Empty:
            dead = [p for p in procs if p.exitcode not in (None, 0)]
            if dead or time.monotonic() > deadline:
                for p in procs:
                    p.terminate()
                why = (f"{len(dead)} proses penulis berhenti (exit {dead[0].exitcode})" if dead
                       else f"penulis tidak menjawab dalam {timeout:.0f} s")
                raise RuntimeError(why) from None


@contextlib.contextmanager
def _plain_main() -> Iterator[None]:
    """Start spawned processes without re-running the parent's __main__: after the page
    benchmark, __main__ is a page script AppTest ran from a folder that is deleted by now
    (FileNotFoundError: .../trivial.py in every child). The writers need only bench.store."""
    saved = sys.modules["__main__"]
    sys.modules["__main__"] = types.ModuleType("__main__")
    try:
        yield
    finally:
        sys.modules["__main__"] = saved


def _concurrent_inserts(db: Database, pool: list[dict], per_writer: int,
                        first_user: int) -> dict[str, Any]:
    with db.session() as s:
        before = s.scalar(select(func.count()).select_from(Attempt))
    r = random.Random(11)
    now = datetime.now(UTC)
    jobs = []
    for w in range(WRITERS):
        mine = []
        for _ in range(per_writer):
            a = dict(pool[r.randrange(len(pool))])
            a["trainee_id"] = first_user + r.randrange(TRAINEES)
            a["exam_id"] = f"bench-{w}" if a["mode"] == "ujian" else None
            a["finished_at"] = now - timedelta(minutes=r.randrange(600))
            a["started_at"] = a["finished_at"] - timedelta(minutes=5)
            mine.append(a)
        jobs.append(mine)
    ctx = mp.get_context("spawn")
    out, ready, go = ctx.Queue(), ctx.Queue(), ctx.Event()
    url = db.url.render_as_string(hide_password=False)
    procs = [ctx.Process(target=_writer, args=(url, db.connect_args, job, ready, go, out))
             for job in jobs]
    with _plain_main():
        for p in procs:
            p.start()
    for _ in procs:  # every writer has imported, connected and is waiting
        _get(ready, procs, 600)
    t0 = time.perf_counter()
    go.set()
    results = [_get(out, procs, 3600) for _ in procs]
    elapsed = max(x[2] for x in results) - t0
    for p in procs:
        p.join(timeout=60)
    with db.session() as s:
        after = s.scalar(select(func.count()).select_from(Attempt))
    saved = sum(x[0] for x in results)
    sent = WRITERS * per_writer
    return {
        "writers": WRITERS,
        "attempts_sent": sent,
        "attempts_saved": saved,
        "rows_added": after - before,
        "lost": sent - (after - before),
        "errors": [e for x in results for e in x[1]][:5],
        "seconds": round(elapsed, 2),
        "inserts_per_s": round((after - before) / elapsed),
        "note": "20 processes started and connected first, then all released at once; "
                "each saves its attempts with save_attempt (one transaction per attempt)",
    }


# ---------------------------------------------------------------- one database
def _bench_one(kind: str, db: Database, pool: list[dict], n: int, per_writer: int,
               end: datetime) -> dict[str, Any]:
    _log(f"{kind}: skema")
    db.upgrade()
    _log(f"{kind}: memuat {n:,} percobaan")
    load_s = _load(db, pool, n, end)
    with db.session() as s:
        first_user = s.scalar(select(func.min(Attempt.trainee_id)))
        count = s.scalar(select(func.count()).select_from(Attempt))
    last4 = QaFilter(finished_from=end - timedelta(weeks=4))
    results: dict[str, Any] = {"attempts": count, "bulk_load_s": round(load_s, 1)}
    _log(f"{kind}: kueri dashboard")
    base, read_s, frame_bytes = _pandas_baseline(db)
    for label, where in (("all", QaFilter()), ("last_4_weeks", last4)):
        rows = {}
        for name, fn in _queries(db, where).items():
            first, median = _time(fn)
            rows[name] = {"first_s": round(first, 3), "median_s": round(median, 3)}
            if label == "all" and name in base:
                rows[name]["pandas_in_memory_s"] = round(_time(base[name])[1], 3)
        results[f"queries_{label}"] = rows
    slowest = max(v["median_s"] for part in ("queries_all", "queries_last_4_weeks")
                  for v in results[part].values())
    results["slowest_query_median_s"] = slowest
    results["pandas_read_into_memory_s"] = round(read_s, 2)
    results["pandas_frames_mb"] = round(frame_bytes / 2**20, 1)
    _log(f"{kind}: {WRITERS} penulis bersamaan")
    results["concurrent_inserts"] = _concurrent_inserts(db, pool, per_writer, first_user)
    results["peak_rss_mb_so_far"] = _peak_mb()
    return results


def bench_store(quick: bool = False, *, n: int | None = None) -> dict[str, Any]:
    """The benchmark as a dict (see the module docstring)."""
    n = n or (20_000 if quick else 1_000_000)
    per_writer = 50 if quick else 250
    end = datetime(2025, 6, 27, 10, 0, tzinfo=UTC)
    t0 = time.perf_counter()
    pool = _pool(min(n, 2_000 if quick else 20_000))
    pool_s = time.perf_counter() - t0
    out: dict[str, Any] = {
        "name": "store",
        "attempts": n,
        "trainees": TRAINEES,
        "weeks": WEEKS,
        "simulated_pool": len(pool),
        "simulated_pool_s": round(pool_s, 1),
        "targets": {"query_s": 1.0, "inserts_per_s": 500, "lost": 0},
    }
    folder = tempfile.mkdtemp(prefix="cso-bench-")
    db = Database(f"sqlite:///{os.path.join(folder, 'bench.db')}")
    try:
        out["sqlite"] = _bench_one("sqlite", db, pool, n, per_writer, end)
        out["sqlite"]["file_mb"] = round(sum(
            os.path.getsize(os.path.join(folder, f)) for f in os.listdir(folder)) / 2**20)
    finally:
        db.dispose()
        shutil.rmtree(folder, ignore_errors=True)

    url = os.environ.get("CSO_BENCH_POSTGRES_URL") or os.environ.get("CSO_TEST_POSTGRES_URL")
    if url:
        schema = f"bench_{uuid.uuid4().hex[:10]}"
        admin = create_engine(normalise_url(url))
        with admin.begin() as conn:
            conn.exec_driver_sql(f"CREATE SCHEMA {schema}")
        pg = Database(url, connect_args={"options": f"-c search_path={schema}"})
        try:
            out["postgresql"] = _bench_one("postgresql", pg, pool, n, per_writer, end)
        finally:
            pg.dispose()
            with admin.begin() as conn:
                conn.exec_driver_sql(f"DROP SCHEMA {schema} CASCADE")
            admin.dispose()
    else:
        out["postgresql"] = "tidak diukur: CSO_BENCH_POSTGRES_URL / CSO_TEST_POSTGRES_URL kosong"
    out["peak_rss_mb"] = _peak_mb()
    return out


if __name__ == "__main__":
    quick = "--quick" in sys.argv
    print(json.dumps(bench_store(quick), indent=2, ensure_ascii=False, default=str))

"""The database layer: migrations, SQLite settings, attempts saved whole or not at all, who may
read which attempt, progress figures, and concurrent writers. Runs on SQLite and, when
CSO_TEST_POSTGRES_URL is set, on PostgreSQL too (see the `db` fixture in conftest.py)."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import func, select

from scoring.scorer import Scorer
from sop.library import load_library
from store import (
    AccessDenied,
    AttemptFilter,
    Database,
    NewAttempt,
    Requester,
    StoreError,
    count_attempts,
    create_user,
    get_attempt,
    list_attempts,
    normalise_url,
    progress,
    save_attempt,
)
from store.models import Attempt, Base, User

ROOT = Path(__file__).resolve().parent.parent
T0 = datetime(2025, 3, 3, 8, 0, tzinfo=UTC)
IDPEL = "532100123456"
EMAIL = "siti.rahayu@example.co.id"


def make_user(db, username, *roles):
    return create_user(
        db, username=username, display_name=username.title(), roles=roles or ["trainee"]
    )


def attempt_data(
    trainee_id,
    *,
    case_id="invoice.email.tetap",
    percent=80.0,
    passed=True,
    finished=T0,
    **overrides,
):
    """A plain attempt as the Latihan page would save it (result in the scorer's shape)."""
    data = {
        "trainee_id": trainee_id,
        "scenario_id": f"{case_id}.sopan",
        "scenario_version": "3f2a9c1e",
        "case_id": case_id,
        "sop_id": "pln123.tagihan_invoice",
        "seed": 42,
        "mode": "latihan",
        "call": {"customer": {"idpel": IDPEL, "name": "Siti Rahayu"}},
        "transcript": [
            {"role": "pelanggan", "text": "Saya mau invoice dikirim ke email.", "at": finished},
        ],
        "apkt": {"action": "forward_unit", "idpel": IDPEL, "email": EMAIL},
        "score": percent,
        "max_score": 100.0,
        "passed": passed,
        "result": {
            "case": case_id,
            "score": percent,
            "max_score": 100.0,
            "passed": passed,
            "criteria": [],
        },
        "started_at": finished - timedelta(minutes=4),
        "finished_at": finished,
    }
    data.update(overrides)
    return data


def count_rows(db, model) -> int:
    with db.session() as s:
        return s.scalar(select(func.count()).select_from(model))


# ---------------------------------------------------------------- schema and settings
def test_migrations_create_the_schema_on_an_empty_database_and_can_run_again(empty_db):
    assert empty_db.table_names() == []
    assert empty_db.current_revision() is None

    empty_db.upgrade()
    assert {"users", "user_roles", "attempts", "audit_log"} <= set(empty_db.table_names())
    assert empty_db.current_revision() == empty_db.head_revision()

    user = make_user(empty_db, "sari")
    empty_db.upgrade()  # every app start calls this: no error, nothing lost
    assert empty_db.current_revision() == empty_db.head_revision()
    assert count_rows(empty_db, User) == 1
    assert get_attempt(empty_db, 1, requester=user.requester) is None


def test_the_migrations_build_exactly_the_schema_the_models_describe(db):
    with db.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    assert diff == []


START_APP = """
import json, sys
from store.db import Database
Database(sys.argv[1], connect_args=json.loads(sys.argv[2])).upgrade()
"""


def test_app_processes_starting_at_once_migrate_once(empty_db):
    url = empty_db.url.render_as_string(hide_password=False)
    args = [sys.executable, "-c", START_APP, url, json.dumps(empty_db.connect_args)]
    starts = [subprocess.Popen(args, cwd=ROOT, stderr=subprocess.PIPE, text=True) for _ in range(4)]
    outcomes = [(p.wait(timeout=120), p.stderr.read()) for p in starts]
    for p in starts:
        p.stderr.close()

    assert outcomes == [(0, "")] * 4
    assert empty_db.current_revision() == empty_db.head_revision()
    assert "attempts" in empty_db.table_names()


def test_sqlite_runs_in_wal_mode_with_busy_timeout_and_foreign_keys(tmp_path):
    database = Database(f"sqlite:///{tmp_path / 'new' / 'folder' / 'cso.db'}")
    database.upgrade()
    assert (tmp_path / "new" / "folder" / "cso.db").is_file()  # folder made on first start
    assert database.journal_mode() == "wal"
    with database.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() == 10_000
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
    database.dispose()


def test_the_database_comes_from_cso_database_url(tmp_path, monkeypatch):
    monkeypatch.setenv("CSO_DATABASE_URL", f"sqlite:///{tmp_path / 'elsewhere.db'}")
    database = Database()
    assert database.url.database == str(tmp_path / "elsewhere.db")
    database.dispose()


def test_cso_trainer_db_upgrade_prepares_the_database(tmp_path, monkeypatch, capsys):
    from cli import main

    monkeypatch.setenv("CSO_DATABASE_URL", f"sqlite:///{tmp_path / 'data' / 'cso.db'}")
    database = Database()
    head = database.head_revision()
    assert main(["db", "upgrade"]) == 0
    assert f"(kosong) -> {head}" in capsys.readouterr().err
    assert main(["db", "upgrade"]) == 0
    assert f"{head} -> {head}" in capsys.readouterr().err
    assert "attempts" in database.table_names()
    database.dispose()


def test_postgresql_urls_always_use_psycopg_3():
    assert normalise_url("postgresql://u@db:5432/cso").drivername == "postgresql+psycopg"
    assert normalise_url("postgres://u@db/cso").drivername == "postgresql+psycopg"
    assert normalise_url("postgresql+psycopg://u@db/cso").drivername == "postgresql+psycopg"
    assert normalise_url("sqlite:///data/x.db").drivername == "sqlite"


# ---------------------------------------------------------------- saving attempts
def test_an_attempt_comes_back_with_every_field(db):
    trainee = make_user(db, "budi")
    replies = [
        "Selamat pagi, dengan Budi di PLN 123, ada yang bisa dibantu?",
        "Bapak dapat melihat tagihan setiap bulan di website www.pln.co.id.",
        "Baik Pak, permintaan Invoice Bapak kami teruskan ke Unit PLN terkait.",
    ]
    apkt = {
        "action": "forward_unit",
        "sub_issue_type": None,
        "idpel": IDPEL,
        "email": EMAIL,
        "keterangan": "Pelanggan tetap minta Invoice via email",
    }
    result = Scorer(load_library()).score_data(
        {
            "case": "invoice.email.tetap",
            "customer": {"idpel": IDPEL, "email": EMAIL},
            "replies": replies,
            "apkt": apkt,
        }
    )
    transcript = [
        {"role": "pelanggan", "text": "Halo, saya mau Invoice dikirim ke email.", "at": T0}
    ]
    transcript += [
        {"role": "cso", "text": r, "at": T0 + timedelta(seconds=20 * (i + 1))}
        for i, r in enumerate(replies)
    ]
    new = NewAttempt(
        trainee_id=trainee.id,
        scenario_id="invoice.email.tetap.terburu_buru",
        scenario_version="sha256:9b1d",
        case_id="invoice.email.tetap",
        sop_id="pln123.tagihan_invoice",
        seed=2**40 + 7,
        mode="ujian",
        exam_id="ujian-2025-03-03-budi",
        call={
            "customer": {"idpel": IDPEL, "name": "Budi Santoso", "alamat": "Jl. Melati 5"},
            "bills": [{"bulan": "2025-02", "jumlah": 345_000, "jatuh_tempo": "2025-02-20"}],
        },
        transcript=transcript,
        apkt=apkt,
        score=result.score,
        max_score=result.max_score,
        passed=result.passed,
        result=result,
        rubric_version="pln123.tagihan_invoice@1",
        started_at=T0,
        finished_at=T0 + timedelta(minutes=3, seconds=5),
    )

    attempt_id = save_attempt(db, attempt=new)
    back = get_attempt(db, attempt_id, requester=trainee.requester)

    assert back is not None and back.id == attempt_id
    assert back.model_dump(exclude={"id", "created_at"}) == new.model_dump()
    assert back.result["criteria"] == result.to_dict()["criteria"]
    assert back.transcript[2].text == replies[1]
    assert back.transcript[2].at == T0 + timedelta(seconds=40)
    assert back.started_at.tzinfo is not None and back.finished_at == new.finished_at
    assert back.percent == result.percent


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"score": 120.0}, "max_score"),
        ({"mode": "ujian"}, "exam_id"),
        ({"mode": "praktik"}, "mode"),
        ({"started_at": datetime(2025, 3, 3, 8, 0)}, "started_at"),
        ({"finished_at": T0 - timedelta(hours=1)}, "finished_at"),
        ({"transcript": [{"role": "cso", "text": "halo"}]}, "transcript[0].at"),
        ({"result": {"case": "invoice.email.tetap", "passed": False}}, "result"),
        ({"call": {"customer": object()}}, "call"),
        ({"call": {"customer": {"name": "Siti\x00"}}}, "call"),
        ({"transcript": [{"role": "cso", "text": "halo\x00", "at": T0}]}, "transcript[0].text"),
        ({"case_id": ""}, "case_id"),
        ({"seed": -1}, "seed"),
        ({"trainee_id": 999}, "trainee_id"),
    ],
)
def test_an_invalid_attempt_is_refused_by_name_and_nothing_is_written(db, change, field):
    trainee = make_user(db, "budi")
    data = attempt_data(trainee.id) | change

    with pytest.raises(StoreError) as err:
        save_attempt(db, attempt=data)
    assert err.value.field == field
    assert count_rows(db, Attempt) == 0


def test_an_error_inside_a_transaction_leaves_nothing_half_written(db):
    trainee = make_user(db, "budi")
    with pytest.raises(RuntimeError), db.transaction() as s:
        save_attempt(s, attempt=attempt_data(trainee.id))
        make_user(s, "rina")
        raise RuntimeError("koneksi putus")

    assert count_rows(db, Attempt) == 0
    assert count_rows(db, User) == 1

    with db.transaction() as s:  # the same work without the error is kept
        save_attempt(s, attempt=attempt_data(trainee.id))
        make_user(s, "rina")
    assert count_rows(db, Attempt) == 1
    assert count_rows(db, User) == 2


# ---------------------------------------------------------------- who may see what
def test_a_trainee_sees_only_their_own_attempts_and_qa_sees_all(db):
    budi, rina = make_user(db, "budi"), make_user(db, "rina")
    qa, trainer, admin = (
        make_user(db, "qa1", "qa"),
        make_user(db, "pelatih", "trainer"),
        make_user(db, "admin", "admin"),
    )
    own = save_attempt(db, attempt=attempt_data(budi.id))
    other = save_attempt(db, attempt=attempt_data(rina.id, finished=T0 + timedelta(hours=1)))
    as_budi = budi.requester

    assert get_attempt(db, own, requester=as_budi) is not None
    assert get_attempt(db, other, requester=as_budi) is None
    assert [a.id for a in list_attempts(db, requester=as_budi)] == [own]
    assert list_attempts(db, requester=as_budi, where=AttemptFilter(trainee_id=rina.id)) == []
    assert count_attempts(db, requester=as_budi) == 1
    assert count_attempts(db, requester=as_budi, where=AttemptFilter(trainee_id=rina.id)) == 0
    with pytest.raises(AccessDenied):
        progress(db, requester=as_budi, trainee_id=rina.id)

    for staff in (qa, trainer, admin):
        assert get_attempt(db, other, requester=staff.requester).trainee_id == rina.id
        assert [a.id for a in list_attempts(db, requester=staff.requester)] == [other, own]
        assert progress(db, requester=staff.requester, trainee_id=rina.id).attempts == 1
    # a trainee who is also QA (several roles) sees everything too
    assert count_attempts(db, requester=Requester.of(budi.id, ["trainee", "qa"])) == 2


def test_attempt_lists_filter_as_qa_asks(db):
    budi, rina = make_user(db, "budi"), make_user(db, "rina")
    qa = make_user(db, "qa1", "qa").requester
    ids = {
        "b1": save_attempt(db, attempt=attempt_data(budi.id, finished=T0)),
        "b2": save_attempt(
            db,
            attempt=attempt_data(
                budi.id,
                case_id="tagihan.jumlah",
                percent=40,
                passed=False,
                finished=T0 + timedelta(days=1),
            ),
        ),
        "r1": save_attempt(
            db,
            attempt=attempt_data(
                rina.id, mode="ujian", exam_id="ujian-1", finished=T0 + timedelta(days=2)
            ),
        ),
        "r2": save_attempt(
            db,
            attempt=attempt_data(
                rina.id, case_id="tagihan.jumlah", finished=T0 + timedelta(days=3)
            ),
        ),
    }

    def found(**where):
        return [a.id for a in list_attempts(db, requester=qa, where=AttemptFilter(**where))]

    assert found() == [ids["r2"], ids["r1"], ids["b2"], ids["b1"]]  # newest first
    assert found(trainee_id=budi.id) == [ids["b2"], ids["b1"]]
    assert found(case_id="tagihan.jumlah") == [ids["r2"], ids["b2"]]
    assert found(scenario_id="tagihan.jumlah.sopan") == [ids["r2"], ids["b2"]]
    assert found(passed=False) == [ids["b2"]]
    assert found(mode="ujian") == [ids["r1"]]
    assert found(exam_id="ujian-1") == [ids["r1"]]
    assert found(finished_from=T0 + timedelta(days=1), finished_to=T0 + timedelta(days=3)) == [
        ids["r1"],
        ids["b2"],
    ]
    page = list_attempts(db, requester=qa, limit=2, offset=1)
    assert [a.id for a in page] == [ids["r1"], ids["b2"]]
    row = page[1]
    assert (row.trainee_username, row.trainee_name, row.percent, row.passed) == (
        "budi",
        "Budi",
        40.0,
        False,
    )


# ---------------------------------------------------------------- progress
def test_progress_per_case_and_the_weakest_case(db):
    budi, rina = make_user(db, "budi"), make_user(db, "rina")
    known = [  # case, percent, passed
        ("invoice.email.tetap", 100, True),
        ("invoice.email.tetap", 80, True),
        ("invoice.email.tetap", 50, False),
        ("tagihan.jumlah", 90, True),
        ("website.panduan", 40, False),
        ("website.panduan", 70, True),
    ]
    for i, (case_id, percent, passed) in enumerate(known):
        save_attempt(
            db,
            attempt=attempt_data(
                budi.id,
                case_id=case_id,
                percent=percent,
                passed=passed,
                finished=T0 + timedelta(hours=i),
            ),
        )
    save_attempt(
        db, attempt=attempt_data(rina.id, case_id="tagihan.jumlah", percent=10, passed=False)
    )

    p = progress(db, requester=budi.requester, trainee_id=budi.id)

    by_case = {c.case_id: c for c in p.cases}
    assert list(by_case) == ["invoice.email.tetap", "tagihan.jumlah", "website.panduan"]
    tetap = by_case["invoice.email.tetap"]
    assert (tetap.attempts, tetap.passed, tetap.best_percent) == (3, 2, 100.0)
    assert tetap.pass_rate == pytest.approx(2 / 3)
    assert tetap.mean_percent == pytest.approx(76.7)
    assert tetap.last_finished_at == T0 + timedelta(hours=2)
    assert by_case["tagihan.jumlah"].attempts == 1  # rina's attempt is not counted
    assert by_case["tagihan.jumlah"].mean_percent == 90.0
    assert by_case["website.panduan"].pass_rate == 0.5
    assert p.weakest.case_id == "website.panduan"  # 50 % passed, mean 55 (tetap: 67 %)
    assert p.attempts == 6 and p.pass_rate == pytest.approx(4 / 6)
    assert progress(db, requester=budi.requester, trainee_id=budi.id, mode="ujian").cases == []


def test_progress_of_a_trainee_without_attempts_is_empty(db):
    baru = make_user(db, "baru")
    p = progress(db, requester=baru.requester, trainee_id=baru.id)
    assert (p.cases, p.weakest, p.attempts, p.pass_rate) == ([], None, 0, 0.0)


# ---------------------------------------------------------------- concurrency
def test_twenty_concurrent_writers_lose_no_attempt(db):
    trainees = [make_user(db, f"peserta{i:02d}") for i in range(20)]
    per_thread = 25
    errors = []

    def write(trainee):
        try:
            for n in range(per_thread):
                save_attempt(
                    db, attempt=attempt_data(trainee.id, seed=n, finished=T0 + timedelta(seconds=n))
                )
        except Exception as exc:  # noqa: BLE001 - collected and asserted below
            errors.append(exc)

    threads = [threading.Thread(target=write, args=(t,)) for t in trainees]
    for t in threads:
        t.start()
    for t in threads:
        t.join()

    assert errors == []
    assert count_rows(db, Attempt) == 20 * per_thread
    qa = Requester.of(trainees[0].id, ["qa"])
    for trainee in trainees:
        mine = AttemptFilter(trainee_id=trainee.id)
        assert count_attempts(db, requester=qa, where=mine) == per_thread

"""The Angkatan page (trainer) and Tugas saya (trainee) in AppTest."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from store.cohorts import (
    ExamSpec,
    create_assignment,
    create_cohort,
    list_cohorts,
    my_tasks,
    start_exam,
)
from tests.accounts import app_as, database, user_id
from tests.cohort_data import JUMLAH, TETAP, take_call

SOP = "pln123.tagihan_invoice"


def _exam(certification: bool = True) -> tuple[int, int]:
    """A cohort of peserta1 and peserta2 led by trainer1 with an open certification exam."""
    db = database()
    trainer = user_id("trainer1")
    cid = create_cohort(db, actor_id=trainer, name="Angkatan Oktober 2026",
                        start_date=date(2026, 10, 5), sop_id=SOP,
                        trainee_ids=[user_id("peserta1"), user_id("peserta2")],
                        trainer_ids=[trainer])  # fmt: skip
    spec = ExamSpec.model_validate({
        "calls": [{"scenario_id": JUMLAH[0], "case_id": JUMLAH[1], "seed": 11},
                  {"scenario_id": TETAP[0], "case_id": TETAP[1], "seed": 12}],
        "time_limit_min": 60, "attempts_allowed": 2, "pass_case": 70, "pass_overall": 75})
    now = datetime.now(UTC)
    aid = create_assignment(db, actor_id=trainer, cohort_id=cid, kind="ujian",
                            title="Ujian sertifikasi", spec=spec, certification=certification,
                            opens_at=now - timedelta(hours=1),
                            due_at=now + timedelta(days=7))  # fmt: skip
    return cid, aid


def certified_cohort() -> int:
    """The cohort of `_exam`, with peserta1's exam sat and passed: its id."""
    cid, aid = _exam()
    p1 = user_id("peserta1")
    sitting = start_exam(database(), actor_id=p1, assignment_id=aid)
    for item in sitting.items:
        take_call(database(), p1, item.scenario_id, item.seed, good=True,
                  exam_id=sitting.exam_id, finished=datetime.now(UTC),
                  rubric_version=f"{SOP}@r1")  # fmt: skip
    return cid


def _text(at) -> str:
    return " ".join(m.value for m in at.markdown).replace("\\", "")


def _html(at) -> str:
    return "".join(e.proto.body for e in at.get("html"))


# ---------------------------------------------------------------- trainee
def test_a_trainee_with_an_exam_lands_on_tugas_saya_and_starts_it(fresh_app_db):
    cid, aid = _exam()
    at = app_as("peserta1").run()  # the start page "/"
    assert not at.exception
    assert at.title[0].value == "Tugas saya"
    assert [m.value for m in at.metric] == ["1", "0", "0"]
    card = _text(at)
    assert "Ujian sertifikasi" in card and "Angkatan Oktober 2026" in card
    assert "belum mulai" in card
    assert "2 panggilan ujian" in card and "batas waktu 60 menit" in card
    start = at.button(key=f"tugas-ujian-{aid}")
    assert start.label == "Mulai ujian (sisa 2 kesempatan)"
    at = start.click().run()
    assert not at.exception
    assert at.title[0].value == "Ujian · panggilan 1 dari 2"
    (task,) = my_tasks(database(), user_id("peserta1"))
    assert task.state.status == "berjalan" and task.state.attempts_left == 1

    at = app_as("peserta1", url_path="tugas").run()  # back on the page: continue, not restart
    assert "Ujian ke-1 sedang berjalan" in at.info[0].value
    assert at.button(key=f"tugas-lanjut-{aid}").label == "Lanjutkan ujian"


def test_a_trainee_without_tasks_still_lands_on_the_sop(fresh_app_db):
    at = app_as("peserta2").run()
    assert at.title[0].value == "Basis Pengetahuan SOP"
    at = app_as("peserta2", url_path="tugas").run()
    assert "Belum ada tugas" in at.info[0].value


def test_an_overdue_practice_set_is_marked(fresh_app_db):
    db = database()
    cid = create_cohort(db, actor_id=None, name="Angkatan lama", start_date=date(2026, 1, 5),
                        sop_id=SOP, trainee_ids=[user_id("peserta1")])  # fmt: skip
    create_assignment(db, actor_id=None, cohort_id=cid, kind="latihan", title="Latihan dasar",
                      spec={"cases": [JUMLAH[1]], "calls": 3, "min_score": 80},
                      opens_at=datetime(2026, 1, 5, tzinfo=UTC),
                      due_at=datetime(2026, 1, 12, 10, tzinfo=UTC))  # fmt: skip
    at = app_as("peserta1", url_path="tugas").run()
    assert [m.value for m in at.metric] == ["1", "1", "0"]
    assert "Terlambat: batasnya 12 Jan 2026 17.00 WIB." in [w.value for w in at.warning]
    assert "3 panggilan latihan (Menanyakan jumlah tagihan)" in _text(at)


# ---------------------------------------------------------------- trainer
def test_a_trainer_creates_a_cohort_with_the_form(fresh_app_db):
    at = app_as("trainer1", url_path="angkatan").run()
    assert not at.exception and at.title[0].value == "Angkatan"
    at.text_input[0].input("Angkatan November 2026")
    trainees = at.multiselect[0]
    trainees.set_value([o for o in _options(trainees) if "peserta1" in o.username])
    at.button[0].click()  # Buat angkatan (the form's submit)
    at.run()
    assert not at.exception
    assert "Angkatan November 2026 dibuat." in [s.value for s in at.success]
    (cohort,) = list_cohorts(database())
    assert [m.username for m in cohort.trainees] == ["peserta1"]
    assert [m.username for m in cohort.trainers] == ["trainer1"]


def _options(widget):
    from store.cohorts import users_with_role

    return users_with_role(database(), "trainee" if "Peserta" in widget.label else "trainer")


def test_the_matrix_and_the_certification_of_a_cohort(fresh_app_db):
    certified_cohort()
    at = app_as("trainer1", url_path="angkatan").run()
    assert not at.exception
    table = _html(at)
    assert 'data-status="selesai"' in table and 'data-status="belum_mulai"' in table
    assert "Dewi Lestari" in table  # peserta1's name
    assert "/qa?attempt=" not in table  # trainer1 has no QA role: numbers, no links
    certs = at.dataframe[0].value
    assert list(certs["Status"]) == ["belum", "siap melayani"] or \
        list(certs["Status"]) == ["siap melayani", "belum"]
    ready = certs[certs["Status"] == "siap melayani"].iloc[0]
    assert ready["Nama pengguna"] == "peserta1" and ready["Versi SOP"] == "versi 1"
    assert ready["Nilai"] == "100,0"
    labels = [b.proto.label for b in at.get("download_button")]
    assert labels == ["Unduh sertifikat (PDF)", "Unduh laporan (PDF)", "Unduh laporan (Excel)"]

    at.multiselect(key="angkatan-filter-status").set_value(["selesai"]).run()
    table = _html(at)
    assert "peserta1" in table and "peserta2" not in table


def test_a_qa_trainer_gets_links_from_the_cells_to_the_attempts(fresh_app_db):
    from store import set_roles

    set_roles(database(), user_id=user_id("trainer1"), roles=["trainer", "qa"], actor_id=None)
    cid, aid = _exam()
    p1 = user_id("peserta1")
    sitting = start_exam(database(), actor_id=p1, assignment_id=aid)
    first = take_call(database(), p1, sitting.items[0].scenario_id, sitting.items[0].seed,
                      good=True, exam_id=sitting.exam_id, finished=datetime.now(UTC))
    at = app_as("trainer1", url_path="angkatan").run()
    assert f'href="/qa?attempt={first}"' in _html(at)

"""Issue 10, "Flow" and "Language and look": each defect found by trying the pages as new users,
shown by a test that failed before its fix (AppTest here; tests/test_e2e_workflow.py for what
only a browser shows)."""

from __future__ import annotations

import pytest

from store import get_user_by_username
from store.auth import authenticate, create_account
from tests.accounts import PASSWORD, app_as, database, user_id
from tests.test_access import seen
from tests.test_qa_page import qa_db  # noqa: F401, F811 - the fixture


# ---------------------------------------------------------------- 7, 8: the Pengguna page
def users_page():
    return app_as("admin1", url_path="pengguna").run()


def edit_part(at, username: str) -> int:
    uid = user_id(username)
    at.segmented_control(key="users_section").set_value("Ubah pengguna").run()
    at.selectbox(key="users_selected").set_value(uid).run()
    return uid


def test_the_users_page_stays_on_the_part_in_use_after_every_action(fresh_app_db):
    at = users_page()
    assert at.segmented_control(key="users_section").value == "Tambah pengguna"
    uid = edit_part(at, "peserta2")
    at.multiselect(key=f"roles_{uid}").set_value(["trainee", "trainer"]).run()  # mid-edit
    assert at.segmented_control(key="users_section").value == "Ubah pengguna"
    at.button(key=f"save_roles_{uid}").click().run()
    assert seen(at.success[0].value).startswith("Peran peserta2")
    assert at.segmented_control(key="users_section").value == "Ubah pengguna"
    assert at.selectbox(key="users_selected").value == uid  # the same account, still open
    assert not [b for b in at.button if b.key and b.key.startswith("FormSubmitter:user_add")]
    at.text_input(key=f"email_{uid}").input("ani@pln.co.id")
    at.button(key=f"save_email_{uid}").click().run()
    assert at.segmented_control(key="users_section").value == "Ubah pengguna"
    at.segmented_control(key="users_section").set_value("Riwayat perubahan").run()
    at.run()
    assert at.segmented_control(key="users_section").value == "Riwayat perubahan"


def test_a_password_reset_and_disabling_wait_for_confirmation(fresh_app_db):
    at = users_page()
    uid = edit_part(at, "peserta2")
    at.button(key=f"reset_{uid}").click().run()
    assert not at.code  # nothing happened yet
    assert authenticate(database(), username="peserta2", password=PASSWORD, client="a").ok
    assert "Atur ulang kata sandi peserta2?" in seen(at.warning[0].value)
    at.button(key=f"cancel_reset_{uid}").click().run()
    assert not at.warning and not at.code
    assert authenticate(database(), username="peserta2", password=PASSWORD, client="a").ok

    at.button(key=f"toggle_{uid}").click().run()
    assert not get_user_by_username(database(), "peserta2").disabled
    assert "Nonaktifkan akun peserta2?" in seen(at.warning[0].value)
    at.button(key=f"confirm_toggle_{uid}").click().run()
    assert get_user_by_username(database(), "peserta2").disabled
    assert seen(at.success[0].value) == "Akun peserta2 dinonaktifkan."
    assert not at.warning  # the question is gone once answered

    at.button(key=f"reset_{uid}").click().run()
    at.button(key=f"confirm_reset_{uid}").click().run()
    assert at.code  # the temporary password, once confirmed
    assert not authenticate(database(), username="peserta2", password=PASSWORD, client="c").ok


def _login(at, username: str, password: str) -> None:
    at.text_input(key="login_username").input(username)
    at.text_input(key="login_password").input(password)
    at.button(key="FormSubmitter:login-Masuk").click().run()


def test_a_new_account_is_told_it_is_a_first_sign_in_not_a_reset(fresh_app_db):
    from store.auth import reset_password

    create_account(database(), username="baru", display_name="Baru", roles=["trainee"],
                   password="Sementara-123", must_change_password=True, actor_id=None)  # fmt: skip
    at = app_as(None).run()
    _login(at, "baru", "Sementara-123")
    assert at.title[0].value == "Ganti kata sandi"
    message = at.info[0].value
    assert "pertama kali" in message and "diatur ulang" not in message

    temp = reset_password(database(), user_id=user_id("peserta1"), actor_id=None)
    at = app_as(None).run()
    _login(at, "peserta1", temp)
    assert "diatur ulang oleh admin" in at.info[0].value


# ---------------------------------------------------------------- 11: Progres saya
def test_progres_saya_reopens_a_past_attempt_with_its_whole_feedback(fresh_app_db):
    from tests.test_practice_page import _attempt, open_page, shown

    _attempt("peserta1", "invoice-tetap-kesal", passed=False)
    _attempt("peserta1", "invoice-tetap-kesal", passed=True)
    at = open_page(url_path="progres")
    box = at.selectbox(key="progres-buka")
    assert len(box.options) == 2 and box.value is None
    failed = [o for o in box.options if o.endswith("TIDAK LULUS")]
    assert len(failed) == 1 and "Minta Invoice via email, tetap ingin dikirim email" in failed[0]
    failed_attempt = latest_attempt("peserta1", passed=False)
    box.set_value(failed_attempt.id)
    at.run()
    assert not at.exception, at.exception
    text = shown(at)
    assert "TIDAK LULUS" in {m.value for m in at.metric}  # the score of that attempt
    assert "Penilaian per kriteria SOP" in [h.value for h in at.subheader]
    assert "Bukti" in text  # the criteria with their evidence
    assert [b for b in at.button if (b.key or "").startswith("latihan-sop-progres-")]
    assert any(e.label == "Transkrip dan formulir APKT" for e in at.expander)


def latest_attempt(username: str, *, passed: bool):
    from store import AttemptFilter, Requester, list_attempts

    uid = user_id(username)
    rows = list_attempts(database(), requester=Requester.of(uid, ["trainee"]),
                         where=AttemptFilter(trainee_id=uid), limit=50)
    return next(a for a in rows if a.passed == passed)


# ---------------------------------------------------------------- 13: the QA list
def test_the_qa_list_pages_through_every_attempt_with_labels(qa_db, monkeypatch):  # noqa: F811
    from store.dashboard import list_qa_attempts
    from views import qa_page

    monkeypatch.setattr(qa_page, "PAGE_SIZE", 15)  # 40 attempts: pages of 15, 15 and 10
    at = app_as("qa1", url_path="qa").run()
    assert not at.exception, at.exception
    assert len(at.dataframe[0].value) == 15
    assert at.caption[0].value.startswith("40 percobaan sesuai filter, ditampilkan 1–15")
    at.number_input(key="qa-page-no").set_value(3).run()
    table = at.dataframe[0].value
    qa = get_user_by_username(database(), "qa1").requester
    every = list_qa_attempts(database(), requester=qa, limit=100)
    assert list(table["ID"]) == [a.attempt_id for a in every[30:]]  # the oldest ones too
    assert "ditampilkan 31–40" in at.caption[0].value
    # labels, not ids
    assert not table["Kasus"].str.contains(r"^[a-z_]+\.[a-z_.]+$").any()
    assert set(table["Mode"]) <= {"Latihan", "Ujian"} and set(table["Lulus"]) <= {"ya", "tidak"}
    # a new filter starts again at the first page
    at.selectbox(key="qa-f-mode").set_value("Latihan").run()
    pages = [w for w in at.number_input if w.key == "qa-page-no"]
    assert not pages or pages[0].value == 1
    assert at.caption[0].value.split(",")[1].strip().startswith(("ditampilkan 1–", "semua"))


# ---------------------------------------------------------------- 14: the export
def test_the_export_files_are_built_when_asked_never_on_a_rerun(qa_db, monkeypatch):  # noqa: F811
    from views import qa_tools

    calls = {"tables": 0, "csv": 0, "xlsx": 0}

    def counted(name, fn):
        def run(*args, **kwargs):
            calls[name] += 1
            return fn(*args, **kwargs)
        return run

    monkeypatch.setattr(qa_tools, "export_tables", counted("tables", qa_tools.export_tables))
    monkeypatch.setattr(qa_tools, "to_csv_bytes", counted("csv", qa_tools.to_csv_bytes))
    monkeypatch.setattr(qa_tools, "to_xlsx_bytes", counted("xlsx", qa_tools.to_xlsx_bytes))
    at = app_as("qa1", url_path="qa").run()
    at.segmented_control(key="qa-section").set_value("Ekspor").run()
    assert calls == {"tables": 0, "csv": 0, "xlsx": 0}
    at.button(key="qa-export-prepare").click().run()
    assert calls["tables"] == 1
    built = dict(calls)
    at.run()
    at.selectbox(key="qa-export-table").set_value("by_case").run()
    assert calls == built  # reruns read and write nothing
    assert calls["xlsx"] == 0  # the workbook only when its button is pressed (deferred)
    names = [b.proto.label for b in at.get("download_button")]
    assert names == ["CSV: Per kasus", "Excel: semua tabel"]


# ---------------------------------------------------------------- 15: cso-trainer bench
def _child_ok() -> None:
    pass


def test_bench_writers_start_even_when_main_was_a_deleted_page_script(tmp_path, monkeypatch):
    """After the page benchmark, __main__ is AppTest's script in a deleted folder; a spawned
    writer re-ran it and died (FileNotFoundError: .../trivial.py) and the bench then hung."""
    import multiprocessing as mp
    import sys
    import types

    from bench.store import _get, _plain_main

    gone = types.ModuleType("__main__")
    gone.__file__ = str(tmp_path / "trivial.py")  # never written: deleted by now
    monkeypatch.setitem(sys.modules, "__main__", gone)
    ctx = mp.get_context("spawn")
    child = ctx.Process(target=_child_ok)
    with _plain_main():
        child.start()
    child.join(timeout=120)
    assert child.exitcode == 0
    assert sys.modules["__main__"] is gone  # put back

    dead = ctx.Process(target=sys.exit, args=(3,))  # a writer that dies is an error, not a hang
    with _plain_main():
        dead.start()
    dead.join(timeout=120)
    with pytest.raises(RuntimeError, match="penulis berhenti"):
        _get(ctx.Queue(), [dead], timeout=60)


def test_bench_writers_run_on_every_core_not_the_pinned_one(monkeypatch):
    import os

    from bench.store import _unpin

    every = os.sched_getaffinity(0)
    monkeypatch.setenv("CSO_BENCH_CPUS", ",".join(map(str, sorted(every))))
    try:
        os.sched_setaffinity(0, {min(every)})  # as bench.run pins itself
        _unpin()
        assert os.sched_getaffinity(0) == every
    finally:
        os.sched_setaffinity(0, every)


# ---------------------------------------------------------------- 17: the dashboards
def test_dashboards_show_labels_counts_weekly_ticks_and_indonesian_months(qa_db):  # noqa: F811
    import json

    at = app_as("qa1", url_path="qa").run()
    at.segmented_control(key="qa-section").set_value("Dashboard").run()
    assert not at.exception, at.exception
    for frame in at.dataframe:  # every table behind a chart: no ids
        for col in ("Kasus", "Kriteria", "Skenario"):
            if col in frame.value:
                ids = frame.value[col].astype(str).str.fullmatch(r"[a-z0-9_-]+(\.[a-z0-9_-]+)+")
                assert not ids.any(), col
    specs = [json.loads(c.proto.spec) for c in at.get("vega_lite_chart")]
    text = json.dumps(specs)
    weekly = next(s for s in specs if "Minggu (mulai Senin)" in json.dumps(s))
    axis = json.dumps(weekly)
    ticks = weekly["encoding"]["x"]["axis"]["values"]
    weeks = next(f.value for f in at.dataframe if "Minggu (Senin)" in f.value.columns)
    assert len(ticks) == len(weeks) <= 12  # a tick on every week (a few weeks here)
    assert "'Okt'" in axis  # Indonesian month names, not Vega's English ones
    bars = [s for s in specs if '"text": {"field": "n"' in json.dumps(s)]
    assert len(bars) >= 5  # every bar chart writes its number of attempts (n = ...)
    assert '"opacity"' in text  # bars of few attempts are pale
    assert '"labelLimit": 0' in text  # no label is cut


# ---------------------------------------------------------------- 16: Indonesian everywhere
def test_one_indonesian_format_for_dates_numbers_and_yes_no():
    from datetime import UTC, datetime

    from core import fmt

    at = datetime(2025, 10, 5, 7, 3, tzinfo=UTC)  # 14.03 in Jakarta
    assert fmt.waktu(at) == "5 Okt 2025 14.03 WIB"
    assert fmt.tanggal(at) == "5 Okt 2025" and fmt.tanggal(at, panjang=True) == "5 Oktober 2025"
    assert fmt.persen(71.94) == "71,9 %" and fmt.angka(3401, 0) == "3.401"
    assert fmt.angka(1234567.891, 2) == "1.234.567,89" and fmt.persen(None) == "–"
    assert fmt.ya_tidak(True) == "ya" and fmt.ya_tidak(False) == "tidak"
    assert fmt.stempel(datetime(2025, 10, 5, 17, 30, tzinfo=UTC)) == "20251006-0030"  # WIB


def test_csv_exports_write_yes_and_no_in_indonesian(qa_db):  # noqa: F811
    from store.dashboard import QaFilter
    from store.export import export_tables, to_csv_bytes

    qa = get_user_by_username(database(), "qa1").requester
    tables = export_tables(database(), requester=qa, where=QaFilter(), tables=["attempts",
                                                                            "criteria"])
    for key, df in tables.items():
        text = to_csv_bytes(key, df).decode("utf-8-sig")
        assert "True" not in text and "False" not in text, key
        assert ",ya," in text or ",tidak," in text


def test_store_messages_do_not_repeat_their_label():
    from store.errors import StoreError
    from views.auth import store_message

    assert seen(store_message(StoreError("password", "Kata sandi minimal 8 karakter."))) == (
        "Kata sandi minimal 8 karakter.")
    assert seen(store_message(StoreError("email", "bukan alamat email"))).startswith(
        "Email SSO: ")


def test_the_user_history_reads_as_words_not_json(fresh_app_db):
    at = users_page()
    uid = edit_part(at, "peserta2")
    at.button(key=f"toggle_{uid}").click().run()
    at.button(key=f"confirm_toggle_{uid}").click().run()
    at.segmented_control(key="users_section").set_value("Riwayat perubahan").run()
    history = at.dataframe[1].value
    row = history.iloc[0]
    assert (row["Sebelum"], row["Sesudah"]) == ("aktif", "nonaktif")
    assert not history["Sesudah"].str.contains(r"[{}\"]").any()


def test_scenario_facts_are_shown_by_their_labels(fresh_app_db):
    at = app_as("trainer1", url_path="skenario").run()
    facts = " ".join(at.dataframe[0].value["Fakta"])
    assert "has_account" not in facts and "=" not in facts
    assert "Pelanggan sudah punya akun" in facts


def test_the_qa_sections_speak_indonesian_not_override(qa_db):  # noqa: F811
    at = app_as("qa1", url_path="qa").run()
    at.segmented_control(key="qa-section").set_value("Penilaian ulang").run()
    text = " ".join(m.value for m in at.markdown)
    assert "koreksi QA" in text and "override" not in text
    at.segmented_control(key="qa-section").set_value("Dashboard").run()
    metrics = {m.label: m.value for m in at.metric}
    assert "," in metrics["Rata-rata skor"] and metrics["Rata-rata skor"].endswith(" %")

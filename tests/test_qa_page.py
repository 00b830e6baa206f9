"""The QA page in AppTest, signed in: filters, opening an attempt, overriding a criterion with a
comment, marking it reviewed, calibration, dashboards, rescoring and exports; refused to the
other roles."""

from __future__ import annotations

import io

import openpyxl
import pytest

from services.demo import seed_demo_attempts
from sop.groups import SERVICE_MARK
from sop.models import SERVICE_CRITERIA
from store import get_user_by_username
from store.dashboard import QaFilter, count_qa_attempts, list_qa_attempts
from store.export import to_xlsx_bytes
from store.reviews import review, trainee_notes
from tests.accounts import app_as, database, user_id
from tests.qa_data import END, content
from views.auth import REFUSAL


@pytest.fixture
def qa_db(fresh_app_db):
    db = database()
    seed_demo_attempts(db, 40, trainees=3, weeks=4, end=END,
                       extra_trainee_ids=[user_id("peserta1")])
    assert user_id("qa2")  # the second demo QA account: the blind calibration reviewer
    return db


def qa_page(username="qa1"):
    return app_as(username, url_path="qa").run()


def first_attempt(db):
    qa = get_user_by_username(db, "qa1").requester
    return list_qa_attempts(db, requester=qa, limit=1)[0]


def test_qa_sees_the_filtered_attempts(qa_db):
    at = qa_page()
    assert not at.exception
    assert at.title[0].value == "QA: percobaan peserta"
    table = at.dataframe[0].value
    assert len(table) == 40
    assert {"Skor (%)", "Skor disesuaikan (%)", "Ditinjau oleh"} <= set(table.columns)
    assert at.caption[0].value.startswith("40 percobaan")

    at.selectbox(key="qa-f-result").set_value("Tidak lulus").run()
    failed = count_qa_attempts(qa_db, requester=get_user_by_username(qa_db, "qa1").requester,
                               where=QaFilter(passed=False))
    assert 0 < failed < 40
    assert set(at.dataframe[0].value["Lulus"]) == {"tidak"}
    assert len(at.dataframe[0].value) == failed

    peserta1 = user_id("peserta1")
    at.selectbox(key="qa-f-result").set_value("Semua")
    at.selectbox(key="qa-f-trainee").set_value(peserta1).run()
    assert set(at.dataframe[0].value["Peserta"]) == {"Dewi Lestari (demo) (peserta1)"}


def test_qa_opens_an_attempt_overrides_a_criterion_and_sees_the_adjusted_score(qa_db):
    a = first_attempt(qa_db)
    at = qa_page()
    at.selectbox(key="qa-attempt").set_value(a.attempt_id).run()
    assert not at.exception
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Skor otomatis"] == metrics["Skor disesuaikan QA"] == f"{a.auto_percent:g}%"
    assert metrics["Ditinjau oleh"] == "belum"
    r = review(qa_db, requester=get_user_by_username(qa_db, "qa1").requester,
               attempt_id=a.attempt_id, library=content().library)
    panel = " ".join(m.value for m in at.markdown)
    assert r.attempt.call["idpel"] in panel  # the data panel of that seed
    texts = [t.value for t in at.text]
    assert all(t.text in texts for t in r.attempt.transcript)  # the whole transcript
    assert any(c.evidence in texts for c in r.criteria)

    crit = r.criteria[-1]
    # without a comment: refused, nothing saved
    at.selectbox(key="qa-ov-criterion").set_value(crit.id)
    at.radio(key="qa-ov-ok").set_value("Tidak terpenuhi" if crit.ok else "Terpenuhi")
    at.form_submit_button[0].click().run()
    assert "Komentar" in at.error[0].value and "wajib" in at.error[0].value
    assert not review(qa_db, requester=get_user_by_username(qa_db, "qa1").requester,
                      attempt_id=a.attempt_id, library=content().library).overrides

    at.text_area(key="qa-ov-comment").input("Dinilai ulang oleh QA: <b>cek</b> transkrip.")
    at.form_submit_button[0].click().run()
    assert not at.exception
    assert at.success[0].value.startswith("Penilaian QA untuk")
    metrics = {m.label: m.value for m in at.metric}
    new = crit.max if not crit.ok else 0
    adjusted = round(100 * (r.automatic.score - crit.auto_points + new)
                     / r.automatic.max_score, 1)
    assert metrics["Skor otomatis"] == f"{a.auto_percent:g}%"
    assert metrics["Skor disesuaikan QA"] == f"{adjusted:g}%"
    assert metrics["Ditinjau oleh"] == "Agus Setiawan (demo)"
    assert "Komentar: Dinilai ulang oleh QA: <b>cek</b> transkrip." in [t.value for t in at.text]
    # the trainee reads the comment on their attempt
    owner = r.attempt.trainee_id
    notes = trainee_notes(qa_db, requester=get_user_by_username(qa_db, "qa1").requester,
                          trainee_id=owner)
    assert notes[0].comment == "Dinilai ulang oleh QA: <b>cek</b> transkrip."


def test_the_attempt_shows_the_service_standard_apart_and_qa_can_override_it(qa_db):
    a = first_attempt(qa_db)
    qa = get_user_by_username(qa_db, "qa1").requester
    r = review(qa_db, requester=qa, attempt_id=a.attempt_id, library=content().library)
    assert {c.id for c in r.criteria if c.service} == set(SERVICE_CRITERIA)
    at = qa_page()
    at.selectbox(key="qa-attempt").set_value(a.attempt_id).run()
    assert not at.exception
    headings = [h.value for h in at.subheader]
    assert headings.index("Penilaian per kriteria SOP") < headings.index(
        "Standar layanan pelatihan")
    box = at.get_by_key("qa-layanan")
    assert any(w.value.startswith(f"**{SERVICE_MARK}**") for w in box.warning)
    for c in r.criteria:
        card = at.get_by_key(f"qa-crit-{c.id}")
        captions = [x.value for x in card.caption]
        if c.service:  # inside the service section, without an SOP step
            assert any(x.key == f"qa-crit-{c.id}" for x in box.container)
            assert not any(x.startswith("Langkah SOP") for x in captions)
            assert "Standar layanan pelatihan (bukan langkah SOP)" in captions
        else:
            assert not any(x.key == f"qa-crit-{c.id}" for x in box.container)
            assert f"Langkah SOP {c.sop_ref}" in captions
    # the override form marks service criteria, and overriding one works as for the others
    ov = at.selectbox(key="qa-ov-criterion")
    assert ov.format_func("service_closing").endswith("· standar layanan")
    assert not ov.format_func("apkt_action").endswith("standar layanan")
    crit = r.criterion("service_closing")
    ov.set_value("service_closing")
    at.radio(key="qa-ov-ok").set_value("Tidak terpenuhi" if crit.ok else "Terpenuhi")
    at.text_area(key="qa-ov-comment").input("Penutup sudah disampaikan dengan kata lain.")
    at.form_submit_button[0].click().run()
    assert not at.exception
    assert at.success[0].value == "Penilaian QA untuk Menutup panggilan disimpan."
    after = review(qa_db, requester=qa, attempt_id=a.attempt_id, library=content().library)
    closing = after.criterion("service_closing")
    assert closing.overridden and closing.service and closing.ok is not crit.ok
    new = crit.max if not crit.ok else 0
    adjusted = round(100 * (r.automatic.score - crit.auto_points + new)
                     / r.automatic.max_score, 1)
    assert {m.label: m.value for m in at.metric}["Skor disesuaikan QA"] == f"{adjusted:g}%"
    card = at.get_by_key("qa-crit-service_closing")
    assert any(w.value.startswith("**Penilaian QA:**") for w in card.warning)


def test_mark_reviewed_and_ask_for_a_blind_calibration(qa_db):
    a = first_attempt(qa_db)
    at = qa_page()
    at.selectbox(key="qa-attempt").set_value(a.attempt_id).run()
    at.text_input(key="qa-mark-note").input("Sudah sesuai.")
    next(b for b in at.form_submit_button if b.label == "Tandai ditinjau").click().run()
    assert at.success[0].value == "Percobaan ditandai sudah ditinjau."
    next(b for b in at.form_submit_button if b.label == "Kirim permintaan kalibrasi").click()
    at.run()
    assert at.success[0].value == "Permintaan kalibrasi dikirim."

    # the second reviewer scores blind on the Kalibrasi section
    at2 = qa_page("qa2")
    at2.segmented_control(key="qa-section").set_value("Kalibrasi").run()
    assert not at2.exception
    next(b for b in at2.button if b.label == "Nilai buta").click().run()
    assert "penilaian peninjau lain tidak ditampilkan" in " ".join(m.value for m in at2.markdown)
    next(b for b in at2.form_submit_button if b.label == "Kirim penilaian buta").click().run()
    assert at2.success[0].value == "Penilaian buta terkirim."
    table = at2.dataframe[0].value
    assert list(table["Peninjau pertama"]) == ["Agus Setiawan (demo)"]
    assert list(table["Kesepakatan (%)"]) == [100.0]  # both kept the automatic verdicts


def test_dashboard_section_draws_charts_with_tables(qa_db):
    at = qa_page()
    at.segmented_control(key="qa-section").set_value("Dashboard").run()
    assert not at.exception
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Percobaan"] == "40"
    labels = [e.label for e in at.expander]
    for name in ("tren per minggu", "per kasus", "per kriteria", "per skenario", "per peserta",
                 "kriteria terlemah per peserta", "matriks penguasaan"):
        assert f"Tabel: {name}" in labels
    charts = at.get("vega_lite_chart")
    assert len(charts) == 8  # per criterion: the SOP's and the service standard's apart
    assert "Per kriteria SOP (terlemah di atas)" in [h.value for h in at.subheader]
    box = at.get_by_key("qa-dash-layanan")
    assert any("Standar layanan pelatihan" in m.value for m in box.markdown)
    assert any(SERVICE_MARK in c.value for c in box.caption)
    table = next(d.value for d in at.dataframe if "Kelompok" in d.value.columns
                 and "Tingkat terpenuhi (%)" in d.value.columns and "Peserta" not in d.value)
    assert set(table["Kelompok"]) == {"SOP", "Standar layanan"}
    from views.qa_common import criterion_label  # the table shows labels, not ids

    assert set(table.loc[table["Kelompok"] == "Standar layanan", "Kriteria"]) == {
        criterion_label(c) for c in SERVICE_CRITERIA}


def test_rescore_and_export_sections(qa_db):
    at = qa_page()
    at.segmented_control(key="qa-section").set_value("Penilaian ulang").run()
    at.button(key="qa-rescore").click().run()
    assert not at.exception
    assert at.success[0].value.startswith("40 diperiksa")

    at.segmented_control(key="qa-section").set_value("Ekspor").run()
    at.selectbox(key="qa-f-mode").set_value("Latihan").run()
    at.button(key="qa-export-prepare").click().run()
    assert not at.exception
    latihan = count_qa_attempts(qa_db, requester=get_user_by_username(qa_db, "qa1").requester,
                                where=QaFilter(mode="latihan"))
    assert any(f"Percobaan: {latihan} baris" in c.value for c in at.caption)
    tables = at.session_state["qa-export"][1]
    book = openpyxl.load_workbook(io.BytesIO(to_xlsx_bytes(tables)), read_only=True)
    assert len(list(book["Percobaan"].values)) - 1 == latihan


@pytest.mark.parametrize("username", ["peserta1", "trainer1", "admin1"])
def test_the_qa_page_is_refused_to_other_roles(qa_db, username):
    at = qa_page(username)
    assert not at.exception
    assert at.error[0].value == REFUSAL
    assert not at.title or at.title[0].value != "QA: percobaan peserta"
    assert not at.dataframe


def test_the_trainee_sees_the_qa_comment_on_progres_saya(qa_db):
    from store.reviews import override_criterion

    qa = get_user_by_username(qa_db, "qa1").requester
    mine = list_qa_attempts(qa_db, requester=qa, where=QaFilter(trainee_id=user_id("peserta1")),
                            limit=1)[0]
    r = review(qa_db, requester=qa, attempt_id=mine.attempt_id, library=content().library)
    crit = r.criteria[0]
    override_criterion(qa_db, requester=qa, attempt_id=mine.attempt_id, criterion_id=crit.id,
                       ok=not crit.ok, comment="Perhatikan tindakan APKT <i>ini</i>.",
                       library=content().library)
    at = app_as("peserta1", url_path="progres").run()
    assert not at.exception
    assert "Catatan QA" in [h.value for h in at.subheader]
    notes = next(d.value for d in at.dataframe if "Komentar" in d.value.columns)
    assert list(notes["Komentar"]) == ["Perhatikan tindakan APKT <i>ini</i>."]
    assert list(notes["Oleh"])[0].startswith("Agus Setiawan (demo)")
    # another trainee sees no such section
    other = app_as("peserta2", url_path="progres").run()
    assert "Catatan QA" not in [h.value for h in other.subheader]

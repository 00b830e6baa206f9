"""The Skenario page in AppTest: create, edit with an error and fix it, preview, save, history,
restore; a concurrent edit refused; bad input kept on screen and never saved; retire; coverage;
rubric versions."""

from __future__ import annotations

import re

import pytest

from scenarios.authoring import set_values
from services.content import scorer_of
from store import create_user
from store.content_snapshot import content_snapshot, scenario_catalog
from store.versions import get_version, list_versions
from tests.accounts import app_as, database

SC = "tagihan-jumlah-ibu-sopan"
NEW = "tagihan-jumlah-pak-rt"


def seen(markdown: str) -> str:
    return re.sub(r"\\(.)", r"\1", markdown)


def texts(elements) -> list[str]:
    return [seen(e.value) for e in elements]


def page(username: str = "trainer1"):
    at = app_as(username, url_path="skenario").run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def run(at):
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def open_in_editor(at, scenario_id: str):
    at.selectbox(key="sk.pick").set_value(scenario_id)
    run(at)
    at.button(key="sk.b-open").click()
    return run(at)


def save(at, reason: str):
    at.text_input(key="sk.reason").input(reason)
    run(at)
    at.button(key="sk.save").click()
    return run(at)


def test_a_trainer_creates_fixes_previews_saves_and_restores_a_scenario(fresh_app_db):
    at = page()
    assert seen(at.title[0].value) == "Skenario latihan"
    at.selectbox(key="sk.new_case").set_value("tagihan.jumlah")
    run(at)
    at.button(key="sk.b-new").click()
    run(at)
    assert at.subheader[0].value == "Skenario baru"
    assert not at.error  # a blank form does not open in red (issue 10 item 12)
    at.button(key="sk.validate").click()
    run(at)
    errors = texts(at.error)
    assert "ID skenario: wajib diisi" in errors
    assert "Kalimat pembuka pelanggan: minimal satu kalimat" in errors
    assert at.button(key="sk.save").disabled  # nothing can be saved while invalid

    at.text_input(key="sk.f.id").input(NEW)
    at.text_input(key="sk.f.title").input("Pak RT menanyakan tagihan")
    at.text_area(key="sk.f.persona.description").input("Ketua RT yang teliti.")
    at.text_area(key="sk.f.opening").input(
        "Selamat pagi, Mbak. Tagihan listrik saya bulan {mont} berapa ya?")
    at.text_area(key="sk.f.reactions.greeting").input("Pagi. Saya mau tanya jumlah tagihan.")
    at.text_area(key="sk.f.reactions.off_topic").input("Maaf, maksudnya?\nTagihan saya berapa?")
    run(at)
    errors = texts(at.error)
    assert any(e.startswith("Kalimat pembuka pelanggan, kalimat ke-1: placeholder {mont} "
                            "tidak dikenal") for e in errors)
    assert at.button(key="sk.save").disabled
    at.text_area(key="sk.f.opening").input(
        "Selamat pagi, Mbak. Tagihan listrik saya bulan {month} berapa ya?\n"
        "Pagi, Mbak. Saya mau tahu tagihan listrik bulan ini.")
    run(at)
    assert "Skenario valid." in texts(at.success) and not at.error
    assert "- Pagi, Mbak. Saya mau tahu tagihan listrik bulan ini." in at.text_area(
        key="sk.yaml").value

    # preview: the data panel and the opening line as the trainee sees them, then a reply
    at.number_input(key="sk.seed").set_value(7)
    run(at)
    panel = " ".join(m.value for m in at.markdown)
    assert "Data pelanggan" in panel and "IDPEL" in panel and "Tagihan" in panel
    chat = [t.value for t in at.text]
    assert chat[0].startswith(("Selamat pagi, Mbak. Tagihan listrik saya bulan ", "Pagi, Mbak."))
    at.text_area(key="sk.replies").input("Selamat pagi, Bapak. Ada yang bisa saya bantu?")
    run(at)
    chat = [t.value for t in at.text]
    assert chat[1] == "Selamat pagi, Bapak. Ada yang bisa saya bantu?"
    assert chat[2] == "Pagi. Saya mau tanya jumlah tagihan."  # the greeting reaction written

    save(at, "skenario baru untuk pelatihan")
    assert f"Skenario {NEW} dibuat sebagai versi 1." in texts(at.success)
    assert at.subheader[0].value == f"Mengubah {NEW} (berdasarkan versi 1)"
    assert scenario_catalog(database()).get(NEW).title == "Pak RT menanyakan tagihan"

    at.selectbox(key="sk.f.difficulty").set_value("sulit")
    run(at)
    save(at, "lebih sulit")
    assert f"Skenario {NEW} disimpan sebagai versi 2." in texts(at.success)

    at.radio(key="sk.view").set_value("Riwayat")
    run(at)
    history = at.dataframe[0].value
    assert list(history["Versi"]) == [2, 1]
    assert list(history["Oleh"]) == ["Rina Wulandari (demo)"] * 2
    assert list(history["Alasan"]) == ["lebih sulit", "skenario baru untuk pelatihan"]
    assert 'difficulty: "sedang" → "sulit"' in [t.value.lstrip("• ") for t in at.text]
    assert "+difficulty: sulit" in at.code[0].value

    at.text_input(key=f"sk-h-{NEW}-reason").input("kembali ke sedang")
    run(at)
    at.button(key=f"sk-h-{NEW}-restore-btn").click()
    run(at)
    assert "Versi 1 dipulihkan sebagai versi 3." in texts(at.success)
    assert list(at.dataframe[0].value["Versi"]) == [3, 2, 1]
    versions = list_versions(database(), "scenario", NEW)
    assert versions[0].text == versions[2].text and versions[0].restored_from == 1
    at.radio(key="sk.view").set_value("Editor")
    run(at)
    assert at.selectbox(key="sk.f.difficulty").value == "sedang"  # the editor shows version 3


def test_a_save_based_on_an_older_version_is_refused_and_the_text_stays(fresh_app_db):
    create_user(database(), username="trainer2", display_name="Yusuf Hidayat",
                roles=["trainer"])
    rina, yusuf = page("trainer1"), page("trainer2")
    open_in_editor(rina, SC)
    open_in_editor(yusuf, SC)
    rina.text_input(key="sk.f.title").input("Judul dari Rina")
    run(rina)
    save(rina, "judul Rina")
    assert "disimpan sebagai versi 2" in " ".join(texts(rina.success))

    yusuf.text_input(key="sk.f.title").input("Judul dari Yusuf")
    run(yusuf)
    save(yusuf, "judul Yusuf")
    refusal = [e for e in texts(yusuf.error) if "sudah diubah" in e]
    assert len(refusal) == 1
    assert refusal[0].startswith("Skenario sudah diubah oleh Rina Wulandari (demo) pada ")
    assert refusal[0].endswith("WIB (versi 2); muat ulang dulu.")
    assert "title: Judul dari Yusuf" in yusuf.text_area(key="sk.yaml").value  # kept on screen
    assert yusuf.text_input(key="sk.f.title").value == "Judul dari Yusuf"
    assert yusuf.button(key="sk.save").disabled
    assert "title: Judul dari Rina" in get_version(database(), "scenario", SC).text
    assert len(list_versions(database(), "scenario", SC)) == 2

    yusuf.button(key="sk.reload").click()
    run(yusuf)
    assert yusuf.text_input(key="sk.f.title").value == "Judul dari Rina"
    assert yusuf.subheader[0].value == f"Mengubah {SC} (berdasarkan versi 2)"


BAD_INPUT = {
    "unknown case": ("yaml", lambda t: set_values(t, {("case",): "tagihan.tidak_ada"}),
                     "Kasus SOP: kasus 'tagihan.tidak_ada' tidak ada di SOP"),
    "empty customer line": ("yaml", lambda t: t.replace("opening:\n", 'opening:\n  - ""\n', 1),
                            "Kalimat pembuka pelanggan, kalimat ke-1: kalimat tidak boleh "
                            "kosong"),
    "YAML that does not parse": ("yaml", lambda t: t + "reactions: [tidak ditutup\n",
                                 "(yaml): YAML tidak valid"),
    "a 1 MB field": ("form", "x" * 1_048_576,
                     "Deskripsi persona: terlalu panjang (maksimal 1000 karakter)"),
}


@pytest.mark.parametrize("case", BAD_INPUT, ids=list(BAD_INPUT))
def test_bad_input_gives_a_clear_message_saves_nothing_and_loses_nothing(fresh_app_db, case):
    where, change, message = BAD_INPUT[case]
    at = open_in_editor(page(), SC)
    original = at.text_area(key="sk.yaml").value
    if where == "yaml":
        typed = change(original)
        at.text_area(key="sk.yaml").input(typed)
    else:
        typed = change
        at.text_area(key="sk.f.persona.description").input(typed)
    run(at)
    errors = texts(at.error)
    assert any(message in e for e in errors), errors
    at.text_input(key="sk.reason").input("coba simpan")
    run(at)
    assert at.button(key="sk.save").disabled  # a save only happens when the scenario is valid
    assert [v.number for v in list_versions(database(), "scenario", SC)] == [1]
    if where == "yaml":
        assert at.text_area(key="sk.yaml").value == typed  # what was typed stays
    else:
        assert at.text_area(key="sk.f.persona.description").value == typed
        assert typed in at.text_area(key="sk.yaml").value
    if case == "YAML that does not parse":
        assert any("formulir dinonaktifkan" in w for w in texts(at.warning))


def test_a_retired_scenario_leaves_practice_and_coverage_shows_the_gap(fresh_app_db):
    at = page()
    catalog = scenario_catalog(database())
    tetap = [s.id for s in catalog.by_case("invoice.email.tetap")]
    for sid in tetap:
        at.selectbox(key="sk.pick").set_value(sid)
        run(at)
        at.text_input(key="sk.retire_reason").input("diganti")
        run(at)
        at.button(key="sk.b-status").click()
        run(at)
        assert f"Skenario {sid} dinonaktifkan" in " ".join(texts(at.success))
    table = at.dataframe[0].value
    assert set(table[table["ID"].isin(tetap)]["Status"]) == {"nonaktif"}
    assert not scenario_catalog(database()).by_case("invoice.email.tetap")

    at.radio(key="sk.view").set_value("Cakupan SOP")
    run(at)
    assert "Kasus tanpa skenario aktif: invoice.email.tetap" in texts(at.error)
    cov = at.dataframe[0].value
    row = cov[cov["Kasus"] == "Minta Invoice via email, tetap ingin dikirim email"].iloc[0]
    assert (row["Total"], row["Keterangan"]) == (0, "KASUS TANPA SKENARIO")


def test_rubric_weights_are_saved_as_a_version_that_scores_from_then_on(fresh_app_db):
    at = page()
    at.radio(key="sk.view").set_value("Rubrik & asumsi")
    run(at)
    at.selectbox(key="rb.case").set_value("tagihan.jumlah")
    run(at)
    i = 0  # tagihan.jumlah is the first case
    at.number_input(key=f"rb.f.{i}.bill_amount.weight").set_value(60.0)
    at.checkbox(key=f"rb.f.{i}.bill_amount.critical").check()
    at.selectbox(key=f"rb.f.{i}.action").set_value("none")
    run(at)
    assert "SOP dan rubrik valid." in texts(at.success)
    at.text_input(key="rb.reason").input("jumlah tagihan wajib disebut")
    run(at)
    at.button(key="rb.save").click()
    run(at)
    assert any("Rubrik disimpan sebagai versi 2 (pln123.tagihan_invoice@r2)" in s
               for s in texts(at.success))
    snap = content_snapshot(database())
    assert snap.rubric_version("pln123.tagihan_invoice") == "pln123.tagihan_invoice@r2"
    case = snap.sops.find_case("tagihan.jumlah")[1]
    assert case.rubric.criteria["bill_amount"].weight == 60
    assert case.rubric.criteria["bill_amount"].critical
    assert case.expected.action == "none"


def test_service_standard_weights_are_edited_apart_and_saved_as_a_new_version(fresh_app_db):
    from sop.groups import SERVICE_MARK

    at = page()
    at.radio(key="sk.view").set_value("Rubrik & asumsi")
    run(at)
    box = at.get_by_key("rb-layanan")  # its own section, marked as not SOP text
    assert any(w.value.startswith(f"**{SERVICE_MARK}**") for w in box.warning)
    assert "Standar layanan pelatihan" in seen(box.markdown[0].value)
    assert any("(standar layanan pelatihan)" in c.value for c in at.caption)  # in the case total
    weight = at.number_input(key="rb.f.svc.service_greeting.weight")
    assert weight.value == 5.0
    assert at.checkbox(key="rb.f.svc.service_conduct.critical").value
    # a bad value: the problem under the field, the value kept, nothing saved
    weight.set_value(-5.0)
    run(at)
    field = at.get_by_key("rb-svc-service_greeting")
    assert "service_standard.criteria.service_greeting.weight: minimal 0" in texts(field.error)
    assert at.number_input(key="rb.f.svc.service_greeting.weight").value == -5.0
    assert at.button(key="rb.save").disabled
    # a good one, and the closing made critical: saved as a new SOP version
    at.number_input(key="rb.f.svc.service_greeting.weight").set_value(15.0)
    at.checkbox(key="rb.f.svc.service_closing.critical").check()
    run(at)
    assert "SOP dan rubrik valid." in texts(at.success)
    assert not at.get_by_key("rb-svc-service_greeting").error
    at.text_input(key="rb.reason").input("salam pembuka lebih berat")
    run(at)
    at.button(key="rb.save").click()
    run(at)
    assert any("Rubrik disimpan sebagai versi 2 (pln123.tagihan_invoice@r2)" in x
               for x in texts(at.success))
    snap = content_snapshot(database())
    sop, case = snap.sops.find_case("tagihan.jumlah")
    std = sop.service_standard.criteria
    assert std["service_greeting"].weight == 15 and std["service_closing"].critical
    assert std["service_conduct"].critical and std["service_verification"].weight == 5
    assert sop.rubric_for(case)["service_greeting"].weight == 15
    # the app's scorer uses the new version from then on
    result = scorer_of(snap).score_data({
        "case": "tagihan.jumlah",
        "customer": {"idpel": "532100123456", "name": "Budi", "bill_amount": 345000},
        "replies": ["Halo"],
        "apkt": {"action": "issue_closed", "idpel": "532100123456", "keterangan": "x"},
    })
    greeting = result.criterion("service_greeting")
    assert greeting.max == 15 and greeting.group == "layanan"
    assert "service_closing" in result.critical_failed


def test_a_trainer_adds_a_phrasing_in_the_browser_and_the_app_reads_with_it(fresh_app_db):
    at = page()
    at.radio(key="sk.view").set_value("Rubrik & asumsi")
    run(at)
    at.selectbox(key="rb.f.acts.act").set_value("hold")
    run(at)
    # the box to try a reply reads it with the draft: not a hold yet
    at.text_input(key="rb.f.acts.try").input("Datanya saya telusuri dulu ya Kak")
    run(at)
    assert "Tidak ada tindakan yang terbaca." in texts(at.caption)
    area = at.text_area(key="rb.f.acts.hold.-")
    area.input(area.value + "\nsaya|sy telusuri")
    run(at)
    assert any(t.startswith("hold [disampaikan]") for t in texts(at.text))
    assert "SOP dan rubrik valid." in texts(at.success)
    at.text_input(key="rb.reason").input("frasa menunggu baru")
    run(at)
    at.button(key="rb.save").click()
    run(at)
    assert any("Rubrik disimpan sebagai versi 2" in x for x in texts(at.success))
    # the app's reader (scorer and simulated customer) uses the saved phrasing
    snap = content_snapshot(database())
    acts = scorer_of(snap).read("tagihan.jumlah", ["Datanya saya telusuri dulu ya Kak"])[0]
    assert "hold" in {a.act for a in acts}

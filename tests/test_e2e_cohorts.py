"""Cohorts in a real headless Chromium against `streamlit run serve.py` (a server of its own,
so its cohort and exam meet no other test): a trainer creates a cohort and a certification
exam, the trainee finds it first after signing in and passes it on the Latihan page, and the
trainer sees the trainee "siap melayani" in the matrix and downloads the certificate and the
cohort report (PDF and Excel)."""

from __future__ import annotations

import random
import subprocess

import pytest
from openpyxl import load_workbook
from playwright.sync_api import expect

from scenarios.practice import start_call
from scenarios.simulate import cso_script
from tests.e2e import ARTIFACTS, open_app, screenshot, streamlit_server, wait_idle
from tests.qa_data import content
from tests.test_e2e_practice import CUSTOMER_LINES, choose, say, widget

pytestmark = pytest.mark.browser

SCENARIO = "tagihan-jumlah-ibu-sopan"
OPTION = "Ibu rumah tangga menanyakan tagihan bulan ini · Menanyakan jumlah tagihan"
SEED = 11
ACTIONS = {"issue_closed": "Issue Closed di CC PLN 123"}
TRAINER = ("trainer1", "demo-pln-123")
TRAINEE = ("peserta1", "demo-pln-123")


@pytest.fixture(scope="module")
def own_server(tmp_path_factory):
    with streamlit_server(tmp_path_factory.mktemp("cohort-server")) as url:
        yield url


def pick(page, key: str, option: str) -> None:
    """Choose `option` in the select or multiselect whose key is `key`."""
    box = widget(page, key).locator("input")
    box.click()
    box.press_sequentially(option[:24])  # long lists draw only their first options
    page.get_by_role("option", name=option, exact=True).click()
    page.keyboard.press("Escape")
    wait_idle(page)


def fill(page, key: str, value: str) -> None:
    box = page.locator(f".st-key-{key} input")
    box.fill(value)
    box.press("Tab")


def test_a_trainer_certifies_a_trainee_through_a_cohort_exam(browser, own_server):
    trainer = browser.new_context(viewport={"width": 1400, "height": 900}, locale="id-ID")
    trainee = browser.new_context(viewport={"width": 1400, "height": 900}, locale="id-ID")
    try:
        _run(trainer.new_page(), trainee.new_page(), own_server)
    finally:
        trainer.close()
        trainee.close()


def _run(tp, sp, url: str) -> None:
    for page in (tp, sp):
        page.set_default_timeout(30_000)
    # ---- the trainer: a cohort of peserta1, then a one-call certification exam
    open_app(tp, url, "angkatan", login=TRAINER)
    expect(tp.get_by_role("heading", name="Angkatan")).to_be_visible()
    fill(tp, "angkatan-baru-nama", "Angkatan Oktober 2026")
    pick(tp, "angkatan-baru-peserta", "Dewi Lestari (demo) (peserta1)")
    tp.get_by_role("button", name="Buat angkatan").click()
    wait_idle(tp)
    expect(tp.get_by_text("Angkatan Oktober 2026 dibuat.")).to_be_visible()

    tp.get_by_role("tab", name="Tugas baru").click()
    fill(tp, "angkatan-tugas-judul", "Ujian sertifikasi")
    pick(tp, "angkatan-tugas-ujian-skenario", OPTION)
    fill(tp, "angkatan-tugas-seed", str(SEED))
    tp.get_by_text("Ujian sertifikasi (lulus = siap melayani)").click()
    tp.get_by_role("button", name="Buat tugas").click()
    wait_idle(tp)
    expect(tp.get_by_text("Tugas Ujian sertifikasi dibuat.")).to_be_visible()

    # ---- the trainee: "Tugas saya" first, the exam started there, passed on Latihan
    open_app(sp, url, "", login=TRAINEE)
    expect(sp.get_by_role("heading", name="Tugas saya")).to_be_visible()
    expect(sp.get_by_text("1 panggilan ujian (Menanyakan jumlah tagihan)", exact=False)) \
        .to_be_visible()
    screenshot(sp, "angkatan-tugas-saya")
    sp.get_by_role("button", name="Mulai ujian (sisa 1 kesempatan)").click()
    wait_idle(sp)
    expect(sp.get_by_role("heading", name="Ujian · panggilan 1 dari 1")).to_be_visible()
    expect(sp.locator(CUSTOMER_LINES)).to_have_count(1)
    c = content()
    scenario = c.scenarios.get(SCENARIO)
    call = start_call(scenario, SEED, sop=c.library.find_case(scenario.case)[0]).call
    replies, apkt = cso_script(call, 1.0, random.Random(SEED))
    assert apkt["idpel"] in sp.locator(".st-key-latihan-data").inner_text()  # the same call
    for reply in replies:
        if sp.get_by_text("Pelanggan sudah menutup percakapan").count():
            break
        say(sp, reply)
    choose(sp, "latihan.apkt.action.", ACTIONS[apkt["action"]])
    widget(sp, "latihan.apkt.idpel.").locator("input").fill(apkt["idpel"])
    widget(sp, "latihan.apkt.keterangan.").locator("textarea").fill(apkt["keterangan"])
    sp.get_by_role("button", name="Simpan APKT & akhiri panggilan").click()
    wait_idle(sp)
    expect(sp.get_by_role("heading", name="Hasil ujian")).to_be_visible(timeout=30_000)
    expect(sp.get_by_text("Panggilan 1: Menanyakan jumlah tagihan · LULUS")).to_be_visible()
    screenshot(sp, "angkatan-ujian-selesai")

    # ---- the trainer: the matrix, the certification and the papers
    open_app(tp, url, "angkatan", login=TRAINER)
    cell = tp.locator("table.cso-matriks td[data-status]")
    expect(cell).to_have_count(1)
    expect(cell).to_have_attribute("data-status", "selesai")
    expect(cell).to_contain_text("1/1")
    screenshot(tp, "angkatan-matriks")
    tp.get_by_role("tab", name="Sertifikasi & laporan").click()
    expect(tp.get_by_text("1 dari 1")).to_be_visible()
    ARTIFACTS.mkdir(exist_ok=True)
    files = {}
    for name, label in (("sertifikat.pdf", "Unduh sertifikat (PDF)"),
                        ("laporan.pdf", "Unduh laporan (PDF)"),
                        ("laporan.xlsx", "Unduh laporan (Excel)")):
        with tp.expect_download() as got:
            tp.get_by_role("button", name=label).click()
        path = ARTIFACTS / f"angkatan-{name}"
        got.value.save_as(path)
        files[name] = path
    screenshot(tp, "angkatan-sertifikasi")
    assert files["sertifikat.pdf"].read_bytes().startswith(b"%PDF")
    assert files["laporan.pdf"].read_bytes().startswith(b"%PDF")
    text = subprocess.run(["pdftotext", "-layout", str(files["sertifikat.pdf"]), "-"],
                          capture_output=True, text=True, check=True).stdout  # fmt: skip
    assert "SERTIFIKAT" in text and "Dewi Lestari (demo)" in text and "SIAP MELAYANI" in text
    subprocess.run(["pdftoppm", "-png", "-r", "60", "-singlefile", str(files["sertifikat.pdf"]),
                    str(ARTIFACTS / "angkatan-sertifikat")], check=True)  # fmt: skip
    book = load_workbook(files["laporan.xlsx"])
    rows = [[c.value for c in r] for r in book["Sertifikasi"].iter_rows(min_row=5)]
    assert [(r[1], r[2]) for r in rows] == [("peserta1", "siap melayani")]
    detail = [[c.value for c in r] for r in book["Per kasus"].iter_rows(min_row=2)]
    assert [r[5:8] for r in detail] == [["Menanyakan jumlah tagihan", "100,0", "lulus"]]

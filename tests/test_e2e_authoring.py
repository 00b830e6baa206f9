"""A trainer writes a scenario in the browser; a trainee then takes a call generated from it.

Real headless Chromium against `streamlit run app.py` (demo mode, demo accounts)."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.e2e import open_app, screenshot, wait_idle

pytestmark = pytest.mark.browser

TRAINER = ("trainer1", "demo-pln-123")
OPENING = ("Selamat siang, Mbak. Saya Pak Darto. Invoice bulan ini kok tidak pernah masuk ke "
           "email saya, kenapa ya?")
CASE_TITLE = "Permasalahan Invoice lainnya"


def choose(page, label: str, option: str) -> None:
    page.get_by_role("combobox", name=label, exact=True).click()
    page.get_by_role("option", name=option).click()
    wait_idle(page)


def type_in(page, label, text: str) -> None:
    box = page.get_by_role("textbox", name=label)
    box.fill(text)
    box.press("Tab")  # a text area sends its value when it loses focus
    wait_idle(page)


def test_a_trainer_creates_a_scenario_and_a_trainee_takes_a_call_from_it(browser, server_url):
    trainer = browser.new_context(viewport={"width": 1400, "height": 900}, locale="id-ID")
    page = trainer.new_page()
    page.set_default_timeout(30_000)
    open_app(page, server_url, "skenario", login=TRAINER)
    expect(page.get_by_role("heading", name="Skenario latihan")).to_be_visible()

    choose(page, "Kasus untuk skenario baru", f"invoice.keluhan.lainnya — {CASE_TITLE}")
    page.get_by_role("button", name="Skenario baru").click()
    wait_idle(page)
    expect(page.get_by_role("heading", name="Skenario baru")).to_be_visible()
    expect(page.get_by_role("button", name="Simpan versi baru")).to_be_disabled()

    type_in(page, "ID skenario", "invoice-tidak-diterima-pak-darto")
    type_in(page, "Judul", "Invoice tidak pernah masuk, Pak Darto")
    choose(page, "Tingkat kesulitan", "Mudah")
    type_in(page, "Deskripsi persona", "Pensiunan guru yang tertib mengarsip tagihan.")
    type_in(page, re.compile("^Alternatif kalimat pembuka"), OPENING)
    type_in(page, re.compile(r"\(`?greeting`?\)"), "Siang, Mbak. Invoice saya tidak pernah masuk.")
    expect(page.get_by_text("1 masalah; perbaiki dulu sebelum menyimpan.")).to_be_visible()
    expect(page.get_by_text("Reaksi off_topic: perlu minimal satu kalimat"))\
        .to_be_visible()
    screenshot(page, "e2e-authoring-editor-error")
    type_in(page, re.compile(r"\(`?off_topic`?\)"), "Maaf, maksudnya bagaimana, Mbak?")
    expect(page.get_by_text("Skenario valid.")).to_be_visible()

    preview = page.locator(".st-key-sk-preview-chat")
    expect(preview.get_by_text(OPENING)).to_be_visible()
    expect(page.locator(".st-key-latihan-data")).to_contain_text("IDPEL")
    type_in(page, "Coba balasan CSO (satu per baris)", "Selamat siang, Bapak.")
    expect(preview.get_by_text("Siang, Mbak. Invoice saya tidak pernah masuk.")).to_be_visible()

    type_in(page, "Alasan perubahan", "skenario baru: Invoice tidak masuk")
    page.get_by_role("button", name="Simpan versi baru").click()
    wait_idle(page)
    expect(page.get_by_text("Skenario invoice-tidak-diterima-pak-darto dibuat sebagai versi 1."))\
        .to_be_visible()
    screenshot(page, "e2e-authoring-saved")
    page.get_by_text("Cakupan SOP", exact=True).click()
    wait_idle(page)
    expect(page.get_by_text("Semua 7 kasus dan 11 varian punya skenario aktif.")).to_be_visible()
    screenshot(page, "e2e-authoring-coverage")
    page.get_by_text("Rubrik & asumsi", exact=True).click()
    wait_idle(page)
    expect(page.get_by_text("SOP dan rubrik valid.")).to_be_visible()
    screenshot(page, "e2e-authoring-rubric")
    trainer.close()

    trainee = browser.new_context(viewport={"width": 1400, "height": 900}, locale="id-ID")
    page = trainee.new_page()
    page.set_default_timeout(30_000)
    open_app(page, server_url, "latihan")  # the demo trainee
    page.get_by_text("Pilih kasus").click()
    wait_idle(page)
    choose(page, "Kasus", CASE_TITLE)
    choose(page, "Tingkat kesulitan", "Mudah")  # only the new scenario is "mudah" here
    page.get_by_role("button", name="Mulai panggilan").click()
    wait_idle(page)
    expect(page.get_by_text(OPENING)).to_be_visible()
    expect(page.locator(".st-key-latihan-data")).to_contain_text("IDPEL")
    screenshot(page, "e2e-authoring-trainee-call")
    trainee.close()

"""Meaning, not words, in a real Chromium: four `invoice.email.tetap` calls as trainees type them.
Forwarding with no offer of the website, or with the website only named in an excuse, and a rude
call all fail; the correct call of the same case passes. The customer reacts to what was done:
it insists on e-mail only after the website is offered and complains about rudeness."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.e2e import open_app, screenshot, wait_idle
from tests.test_e2e_practice import CUSTOMER_LINES, choose, say, status, widget

pytestmark = pytest.mark.browser

CASE_TITLE = "Minta Invoice via email, tetap ingin dikirim email"
GREETING = ("Selamat siang, dengan Rina dari PLN 123, boleh saya minta IDPEL dan alamat email "
            "Bapak/Ibu?")
OFFER = ("Sebelumnya kami informasikan, tagihan dan Invoice setiap bulan bisa dilihat sendiri di "
         "website www.pln.co.id, bersedia mencoba?")
FORWARD = ("Baik, karena tetap ingin via email, permintaan kami teruskan ke Unit PLN. Petugas "
           "Unit akan menghubungi Bapak/Ibu.")
EXCUSE = "krn website www.pln.co.id sedang gangguan, langsung sy teruskan ke unit ya"
PLAIN_FORWARD = "Baik, permintaan Invoice-nya langsung kami teruskan ke Unit PLN ya."
CLOSE = "Terima kasih telah menghubungi PLN 123, selamat siang."
RUDE = ["Wah itu bukan urusan saya, tanya tetangga saja", "Sorry, can you speak English?"]


def start_tetap_call(page, url: str) -> None:
    open_app(page, url, "latihan")
    page.get_by_text("Pilih kasus", exact=True).click()
    wait_idle(page)
    choose(page, "latihan.start.case", CASE_TITLE)
    page.get_by_role("button", name="Mulai panggilan").click()
    wait_idle(page)
    expect(page.locator(CUSTOMER_LINES)).to_have_count(1)


def call_with_data(page, url: str) -> tuple[str, str]:
    """Start the call, greet and ask for the data: (IDPEL, e-mail) as the customer gave them."""
    start_tetap_call(page, url)
    say(page, GREETING)
    return given(page, r"\b\d{12}\b"), given(page, r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")


def last_customer_line(page) -> str:
    return page.locator(CUSTOMER_LINES).last.inner_text()


def given(page, pattern: str) -> str:
    """The first value the customer said that matches `pattern`."""
    text = "\n".join(page.locator(CUSTOMER_LINES).all_inner_texts())
    found = re.search(pattern, text)
    assert found, text
    return found.group(0)


def submit_forward(page, idpel: str, email: str) -> None:
    choose(page, "latihan.apkt.action.", "Teruskan ke Unit PLN via APKT")
    # typed as a quick trainee does, field after field without waiting: each field is saved
    # when it is left and the runs overlap; the tab must not take its own saves for another's
    for field, value in (("idpel", idpel), ("email", email)):
        box = widget(page, f"latihan.apkt.{field}.").locator("input")
        box.fill(value)
        box.press("Tab")
    widget(page, "latihan.apkt.keterangan.").locator("textarea").fill(
        "Pelanggan tetap minta Invoice bulanan via email.")
    page.get_by_role("button", name="Simpan APKT & akhiri panggilan").click()
    wait_idle(page)
    expect(page.get_by_role("heading", name="Hasil panggilan")).to_be_visible(timeout=30_000)


def criterion(page, cid: str) -> str:
    return page.locator(f"[class*='st-key-latihan-crit-latihan-{cid}']").inner_text()


def test_the_correct_tetap_call_passes(browser_page, server_url):
    page = browser_page
    idpel, email = call_with_data(page, server_url)
    say(page, OFFER)
    assert re.search(r"email|Invoice", last_customer_line(page), re.I)  # still insists
    say(page, FORWARD)
    say(page, CLOSE)
    submit_forward(page, idpel, email)
    assert status(page) == "LULUS"
    assert "balasan 2" in criterion(page, "website_offered_first")
    screenshot(page, "paham-tetap-benar")


@pytest.mark.parametrize("middle,name", [
    (PLAIN_FORWARD, "paham-tetap-tanpa-tawaran"),
    (EXCUSE, "paham-tetap-website-hanya-disebut"),
])
def test_forwarding_without_offering_the_website_fails(browser_page, server_url, middle, name):
    page = browser_page
    idpel, email = call_with_data(page, server_url)
    say(page, middle)
    # the customer was offered nothing, so says nothing about the website
    assert "website" not in last_customer_line(page).lower()
    say(page, CLOSE)
    submit_forward(page, idpel, email)
    assert status(page) == "TIDAK LULUS"
    expect(page.get_by_text("kriteria kritis tidak terpenuhi", exact=False)).to_be_visible()
    assert "tidak ditawarkan" in criterion(page, "website_offered_first")
    screenshot(page, name)


def test_a_rude_call_fails_and_the_customer_complains(browser_page, server_url):
    page = browser_page
    idpel, email = call_with_data(page, server_url)
    say(page, OFFER)
    say(page, RUDE[0])
    complaint = last_customer_line(page)
    say(page, RUDE[1])
    supervisor = last_customer_line(page)
    assert complaint != supervisor and re.search(r"atasan|supervisor|pimpinan", supervisor, re.I)
    say(page, FORWARD)
    submit_forward(page, idpel, email)
    assert status(page) == "TIDAK LULUS"
    conduct = page.locator("[class*='st-key-latihan-crit-latihan-service_conduct']").inner_text()
    assert "bukan urusan saya" in conduct
    screenshot(page, "paham-tetap-kasar")

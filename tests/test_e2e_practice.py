"""The Latihan page in a real headless Chromium against `streamlit run app.py`: a trainee signs
in, takes an `invoice.email.setuju_web` call by typing in the chat and filling in the APKT form,
and sees the score; markup typed into the chat stays text and runs nothing."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.e2e import open_app, screenshot, wait_idle
from tests.test_practice import ASK_DATA, FIRST_STEPS, GREETING, LOGIN_SEARCH, OFFER, VERIFY

pytestmark = pytest.mark.browser

CASE_TITLE = "Minta Invoice via email, bersedia memakai website"
# Steps for both kinds of customer in one reply, so the call passes whatever the facts are.
BOTH_BRANCHES = ("Kalau sudah punya akun, isi email dan password lalu klik Masuk. Kalau belum "
                 "punya akun, klik Daftar Akun, isi datanya, lalu klik Setuju dengan syarat dan "
                 "ketentuan.")
CLOSE = "Terima kasih telah menghubungi PLN 123, selamat siang."
REPLIES = [GREETING, ASK_DATA, OFFER, FIRST_STEPS, BOTH_BRANCHES, VERIFY, LOGIN_SEARCH, CLOSE]
CSO_LINES = "[aria-label='Chat message from cso']"
CUSTOMER_LINES = "[aria-label='Chat message from pelanggan']"


def widget(page, key: str):
    """The element of the widget whose key starts with `key` (the APKT form's keys end with
    the call number; dots become dashes in the class name)."""
    return page.locator(f"[class*='st-key-{key.replace('.', '-')}']")


def choose(page, key: str, option: str) -> None:
    """Pick `option` in the selectbox whose key starts with `key`."""
    widget(page, key).locator("input").click()
    page.keyboard.press("ArrowDown")
    page.get_by_role("option", name=option, exact=True).click()
    wait_idle(page)


def start_setuju_web_call(page, url: str) -> str:
    """Open Latihan, choose the case by its title, start; return the IDPEL on the data panel."""
    open_app(page, url, "latihan")
    expect(page.get_by_role("heading", name="Latihan")).to_be_visible()
    page.get_by_text("Pilih kasus", exact=True).click()
    wait_idle(page)
    choose(page, "latihan.start.case", CASE_TITLE)
    page.get_by_role("button", name="Mulai panggilan").click()
    wait_idle(page)
    expect(page.locator(CUSTOMER_LINES)).to_have_count(1)  # the customer speaks first
    panel = page.locator(".st-key-latihan-data").inner_text()
    assert "Tagihan" in panel and "Jatuh tempo" in panel and re.search(r"Rp\s\d", panel)
    return re.search(r"\b\d{12}\b", panel).group(0)


def say(page, text: str) -> None:
    """Type a reply into the chat input and send it; wait for the customer's answer."""
    before = page.locator(CSO_LINES).count()
    box = page.locator("[data-testid='stChatInputTextArea']")
    box.fill(text)
    box.press("Enter")
    expect(page.locator(CSO_LINES)).to_have_count(before + 1)
    expect(page.locator(CUSTOMER_LINES)).to_have_count(before + 2)
    wait_idle(page)


def submit_apkt(page, action: str, idpel: str) -> None:
    choose(page, "latihan.apkt.action.", action)
    widget(page, "latihan.apkt.idpel.").locator("input").fill(idpel)
    widget(page, "latihan.apkt.keterangan.").locator("textarea").fill(
        "Pelanggan minta Invoice via email; dipandu melihat tagihan di www.pln.co.id.")
    page.get_by_role("button", name="Simpan APKT & akhiri panggilan").click()
    wait_idle(page)
    # each field left is kept first (a rerun each), then the call is scored: allow for that
    expect(page.get_by_role("heading", name="Hasil panggilan")).to_be_visible(timeout=30_000)


def status(page) -> str:
    return page.locator("[data-testid='stMetricValue']").nth(2).inner_text().strip()


def test_a_trainee_takes_a_setuju_web_call_and_sees_a_passing_score(browser_page, server_url):
    page = browser_page
    idpel = start_setuju_web_call(page, server_url)
    screenshot(page, "latihan-panggilan-awal")
    for reply in REPLIES:
        say(page, reply)
    expect(page.get_by_text("Pelanggan sudah menutup percakapan")).to_be_visible()
    screenshot(page, "latihan-percakapan")
    submit_apkt(page, "Issue Closed di CC PLN 123", idpel)
    assert status(page) == "LULUS"
    expect(page.locator("[data-testid='stMetricValue']").nth(1)).to_have_text("100%")
    # evidence in the trainee's own words, the SOP step verbatim, and its link
    expect(page.get_by_text('balasan 3: "', exact=False).first).to_be_visible()
    expect(page.get_by_text("Jika Pelanggan bersedia, maka CSO membuat laporan APKT Issue "
                            "Closed", exact=False).first).to_be_visible()
    screenshot(page, "latihan-hasil-lulus")
    # the step opens on the SOP page in the same session (no new login)
    page.get_by_role("button", name="Buka langkah 2a di halaman SOP").first.click()
    expect(page.get_by_text("dibuka dari hasil latihan")).to_be_visible()
    expect(page.locator("#langkah-2a")).to_be_attached()
    expect(page.get_by_text("Dibuka dari latihan")).to_be_visible()
    screenshot(page, "latihan-buka-sop")


def test_a_wrong_apkt_action_shows_a_failing_score(browser_page, server_url):
    page = browser_page
    idpel = start_setuju_web_call(page, server_url)
    for reply in REPLIES[:4]:
        say(page, reply)
    submit_apkt(page, "Teruskan ke Unit PLN via APKT", idpel)
    assert status(page) == "TIDAK LULUS"
    expect(page.get_by_text("kriteria kritis tidak terpenuhi", exact=False)).to_be_visible()
    screenshot(page, "latihan-hasil-tidak-lulus")
    # the same call again: the customer starts over and the APKT form is empty again
    page.get_by_role("button", name="Ulangi panggilan ini").click()
    wait_idle(page)
    expect(page.locator(CUSTOMER_LINES)).to_have_count(1)
    assert idpel in page.locator(".st-key-latihan-data").inner_text()
    expect(widget(page, "latihan.apkt.idpel.").locator("input")).to_have_value("")
    expect(widget(page, "latihan.apkt.keterangan.").locator("textarea")).to_have_value("")


def test_the_apkt_form_shows_errors_next_to_fields_and_keeps_the_input(browser_page,
                                                                       server_url):
    page = browser_page
    start_setuju_web_call(page, server_url)
    choose(page, "latihan.apkt.action.", "KELUHAN ke Unit PLN via APKT")
    expect(widget(page, "latihan.apkt.sub_issue_type.")).to_be_visible()
    widget(page, "latihan.apkt.idpel.").locator("input").fill("5321")
    widget(page, "latihan.apkt.email.").locator("input").fill("budi@")
    page.get_by_role("button", name="Simpan APKT & akhiri panggilan").click()
    wait_idle(page)
    expect(page.get_by_text("IDPEL harus tepat 12 digit angka (terisi 4 digit).")).to_be_visible()
    expect(page.get_by_text("Format email tidak valid", exact=False)).to_be_visible()
    expect(widget(page, "latihan.apkt.idpel.").locator("input")).to_have_value("5321")
    expect(widget(page, "latihan.apkt.email.").locator("input")).to_have_value("budi@")
    screenshot(page, "latihan-formulir-salah")


def test_markup_typed_in_the_chat_is_shown_as_text_and_runs_nothing(browser_page, server_url):
    page = browser_page
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    start_setuju_web_call(page, server_url)
    nasty = ["<script>alert(1)</script>", "<img src=x onerror=alert(1)> **tebal**"]
    for text in nasty:
        say(page, text)
    page.wait_for_timeout(500)
    lines = [t.strip() for t in page.locator(CSO_LINES).all_inner_texts()]
    assert lines == nasty
    assert page.locator("[data-testid='stMain'] img[src='x']").count() == 0
    assert page.locator("[data-testid='stMain'] script:text('alert')").count() == 0
    assert page.locator(f"{CSO_LINES} strong").count() == 0
    assert dialogs == []
    screenshot(page, "latihan-markup-sebagai-teks")


def _progress_figures(page) -> list[str]:
    page.get_by_role("link", name="Progres saya").click()
    wait_idle(page)
    expect(page.get_by_role("heading", name="Progres saya")).to_be_visible()
    figures = page.locator("[data-testid='stMetricValue']")
    expect(figures.first).to_be_visible(timeout=30_000)  # drawn after the heading
    return figures.all_inner_texts()


def test_progress_page_counts_the_call_and_trains_the_weakest_case(browser_page, server_url):
    page = browser_page
    open_app(page, server_url, "latihan", login=("peserta2", "demo-pln-123"))
    before = int(_progress_figures(page)[0])
    page.get_by_role("link", name="Latihan").click()
    wait_idle(page)
    screenshot(page, "latihan-mulai")
    page.get_by_text("Pilih kasus", exact=True).click()
    wait_idle(page)
    choose(page, "latihan.start.case", "Menanyakan jumlah tagihan")
    page.get_by_role("button", name="Mulai panggilan").click()
    wait_idle(page)
    say(page, GREETING)
    idpel = re.search(r"\b\d{12}\b", page.locator(".st-key-latihan-data").inner_text()).group(0)
    submit_apkt(page, "Tanpa laporan APKT", idpel)
    assert status(page) == "TIDAK LULUS"
    assert int(_progress_figures(page)[0]) == before + 1
    expect(page.get_by_role("heading", name="Per kasus SOP")).to_be_visible()
    expect(page.locator("[data-testid='stDataFrame']")).to_have_count(2)
    weakest = page.locator(".st-key-progres-terlemah").inner_text()
    title = re.search(r"Kasus terlemah:\s*(.+?)\s·", weakest).group(1)
    screenshot(page, "progres-saya")
    page.get_by_role("button", name="Latih kasus terlemah").click()
    wait_idle(page)
    expect(page.get_by_role("heading", name="Latihan")).to_be_visible()
    expect(page.get_by_text(f"Kasus: {title}", exact=False)).to_be_visible()
    expect(page.locator(CUSTOMER_LINES)).to_have_count(1)
    assert page.url.endswith("/latihan")

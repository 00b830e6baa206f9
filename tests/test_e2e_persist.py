"""Staying signed in and keeping work, in real headless Chromium against `streamlit run serve.py`
(app.py with the cookie routes, as bin/start runs it): a reload mid-call keeps the transcript
and the APKT form; a new tab is signed in; logout in one tab signs the other out at its next
action; a restarted server keeps the sign-in and the call; a scenario draft survives a reload;
a link to an attempt opens for QA and is refused to a trainee; a spoiled cookie gets the login
page. The token never shows in a URL, the page or the server's log."""

from __future__ import annotations

import re
import sqlite3

import pytest
from playwright.sync_api import expect

from tests.e2e import (
    ARTIFACTS,
    DEMO_TRAINEE,
    free_port,
    open_app,
    screenshot,
    session_cookie,
    sign_in,
    streamlit_server,
    wait_idle,
)
from tests.test_e2e_practice import (
    CSO_LINES,
    CUSTOMER_LINES,
    choose,
    say,
    start_setuju_web_call,
    widget,
)

pytestmark = pytest.mark.browser

GREETING = "Selamat siang, dengan Dewi di PLN 123, ada yang bisa saya bantu?"
OFFER = "Invoice bisa Bapak/Ibu lihat sendiri di website www.pln.co.id, bersedia?"
NOTE = "Pelanggan minta Invoice via email; ditawarkan melihat tagihan di website."
ENDED = "Sesi Anda sudah diakhiri"
QA_LOGIN = ("qa1", "demo-pln-123")
TRAINER = ("trainer1", "demo-pln-123")


def new_page(browser):
    context = browser.new_context(viewport={"width": 1400, "height": 900}, locale="id-ID")
    page = context.new_page()
    page.set_default_timeout(30_000)
    return context, page


def signed_in_as(page, name: str) -> None:
    # generous: the first run of a just-started server builds its caches first
    expect(page.locator("[data-testid='stSidebar']").get_by_text(name)).to_be_visible(
        timeout=60_000)
    expect(page.locator(".st-key-login_username")).to_have_count(0)


def fill(page, key: str, text: str) -> None:
    """Type into a form field and leave it (a field is sent, and kept, when it is left)."""
    box = widget(page, key).locator("input, textarea").first
    box.fill(text)
    box.press("Tab")
    wait_idle(page)


def transcript(page) -> list[str]:
    return [t.strip() for t in page.locator(
        "[data-testid='stChatMessage']").all_inner_texts()]  # fmt: skip


def call_in_progress(page, url: str) -> tuple[str, list[str]]:
    """A call with two replies and a half-filled APKT form; (IDPEL, transcript)."""
    idpel = start_setuju_web_call(page, url)
    say(page, GREETING)
    say(page, OFFER)
    choose(page, "latihan.apkt.action.", "Issue Closed di CC PLN 123")
    fill(page, "latihan.apkt.idpel.", idpel)
    fill(page, "latihan.apkt.keterangan.", NOTE)
    return idpel, transcript(page)


def assert_call_is_back(page, idpel: str, lines: list[str]) -> None:
    expect(page.get_by_text(re.compile(r"Panggilan dilanjutkan \(tersimpan \d\d:\d\d WIB\)"))) \
        .to_be_visible()
    expect(page.locator(CSO_LINES)).to_have_count(2)
    expect(page.locator(CUSTOMER_LINES)).to_have_count(3)
    assert transcript(page) == lines
    assert idpel in page.locator(".st-key-latihan-data").inner_text()
    expect(widget(page, "latihan.apkt.idpel.").locator("input")).to_have_value(idpel)
    expect(widget(page, "latihan.apkt.keterangan.").locator("textarea")).to_have_value(NOTE)
    expect(widget(page, "latihan.apkt.action.").locator("input")).to_have_value(
        "Issue Closed di CC PLN 123")
    expect(page.get_by_text(re.compile(r"^Draf tersimpan \d\d:\d\d WIB$"))).to_be_visible()


def assert_token_hidden(page, token: str, log_text: str) -> None:
    assert token not in page.url
    assert token not in page.content()
    assert token not in log_text


# ---------------------------------------------------------------- reload, new tab, logout
def test_a_reload_mid_call_keeps_the_transcript_and_the_form(browser, server_url,
                                                             server_data_dir):
    context, page = new_page(browser)
    idpel, lines = call_in_progress(page, server_url)
    cookie = session_cookie(context)
    assert cookie["httpOnly"] and cookie["sameSite"] == "Lax" and not cookie["secure"]
    screenshot(page, "persist-1-sebelum-muat-ulang")

    page.reload(wait_until="domcontentloaded")
    wait_idle(page)
    signed_in_as(page, "Dewi Lestari (demo)")
    assert_call_is_back(page, idpel, lines)
    screenshot(page, "persist-2-setelah-muat-ulang")
    page.locator(".st-key-latihan-apkt").screenshot(path=str(ARTIFACTS / "persist-3-formulir.png"))
    logs = "".join(p.read_text(errors="replace") for p in server_data_dir.glob("*.log"))
    assert_token_hidden(page, cookie["value"], logs)

    say(page, "Apakah Bapak sudah punya akun di website PLN?")  # the call goes on
    expect(page.locator(CSO_LINES)).to_have_count(3)
    context.close()


def test_a_new_tab_is_signed_in(browser, server_url):
    context, page = new_page(browser)
    open_app(page, server_url)  # the login form, as peserta1
    cookie = session_cookie(context)
    tab = context.new_page()
    tab.goto(f"{server_url}/progres", wait_until="domcontentloaded")
    wait_idle(tab)
    signed_in_as(tab, "Dewi Lestari (demo)")
    expect(tab.get_by_role("heading", name="Progres saya")).to_be_visible()
    assert cookie["value"] not in tab.url
    context.close()


def test_logout_in_one_tab_signs_the_other_out_at_its_next_action(browser, server_url):
    context, first = new_page(browser)
    open_app(first, server_url)
    session_cookie(context)
    second = context.new_page()
    second.goto(f"{server_url}/sop", wait_until="domcontentloaded")
    wait_idle(second)
    signed_in_as(second, "Dewi Lestari (demo)")

    first.get_by_role("button", name="Keluar", exact=True).click()
    wait_idle(first)
    expect(first.get_by_role("heading", name="Masuk")).to_be_visible()

    second.locator("[data-testid='stSidebar']").get_by_role("link", name="Progres saya").click()
    wait_idle(second)
    expect(second.get_by_role("heading", name="Masuk")).to_be_visible()
    expect(second.get_by_text(ENDED)).to_be_visible()
    expect(second.get_by_role("heading", name="Progres saya")).to_have_count(0)
    screenshot(second, "persist-4-tab-lain-keluar")
    # the browser no longer holds the cookie either
    first.wait_for_timeout(500)
    assert not [c for c in context.cookies() if c["name"] == "cso_sesi"]
    context.close()


def test_a_spoiled_cookie_gets_the_login_page_and_no_traceback(browser, server_url):
    context, page = new_page(browser)
    for value in ("bukan-token-yang-sah-sama-sekali-1234567890", "%3Cscript%3E", "x"):
        context.add_cookies([{"name": "cso_sesi", "value": value, "url": server_url}])
        page.goto(f"{server_url}/latihan", wait_until="domcontentloaded")
        wait_idle(page)
        expect(page.get_by_role("heading", name="Masuk")).to_be_visible()
        expect(page.locator("[data-testid='stException']")).to_have_count(0)
    sign_in(page, *DEMO_TRAINEE)  # and signing in works as ever, on the page asked for
    expect(page.get_by_role("heading", name="Latihan")).to_be_visible()
    context.close()


# ---------------------------------------------------------------- a restarted server
def test_a_restarted_server_keeps_the_sign_in_and_the_call(browser, tmp_path):
    data, port = tmp_path / "data", free_port()
    context, page = new_page(browser)
    with streamlit_server(data, port=port) as url:
        idpel, lines = call_in_progress(page, url)
        session_cookie(context)
    # the server is down; the same server starts again on the same port and database
    with streamlit_server(data, port=port) as url:
        page.reload(wait_until="domcontentloaded")
        wait_idle(page)
        signed_in_as(page, "Dewi Lestari (demo)")
        assert_call_is_back(page, idpel, lines)
        screenshot(page, "persist-5-setelah-server-dimulai-ulang")
    context.close()


# ---------------------------------------------------------------- the trainer's draft
def test_a_scenario_draft_survives_a_reload(browser, server_url):
    context, page = new_page(browser)
    open_app(page, server_url, "skenario", login=TRAINER)
    page.get_by_role("button", name="Skenario baru").click()
    wait_idle(page)
    expect(page.get_by_role("heading", name="Skenario baru")).to_be_visible()
    box = page.get_by_role("textbox", name="ID skenario")
    box.fill("tagihan-jumlah-draf-bu-lurah")
    box.press("Tab")
    wait_idle(page)
    about = page.get_by_role("textbox", name="Deskripsi persona")
    about.fill("Bu Lurah yang sedang rapat, ingin jawaban singkat.")
    about.press("Tab")
    wait_idle(page)
    assert "bagian=editor" in page.url

    page.reload(wait_until="domcontentloaded")
    wait_idle(page)
    expect(page.get_by_role("heading", name="Skenario baru")).to_be_visible()
    expect(page.get_by_text(re.compile(r"Draf skenario dipulihkan \(tersimpan \d\d:\d\d WIB\)")))\
        .to_be_visible()
    expect(page.get_by_role("textbox", name="ID skenario")).to_have_value(
        "tagihan-jumlah-draf-bu-lurah")
    expect(page.get_by_role("textbox", name="Deskripsi persona")).to_have_value(
        "Bu Lurah yang sedang rapat, ingin jawaban singkat.")
    expect(page.get_by_text(re.compile(r"Draf tersimpan \d\d:\d\d WIB · belum menjadi versi")))\
        .to_be_visible()
    screenshot(page, "persist-6-draf-skenario")
    context.close()


# ---------------------------------------------------------------- a link to an attempt
def _an_attempt(server_data_dir) -> int:
    with sqlite3.connect(server_data_dir / "cso_trainer.db") as conn:
        return int(conn.execute("SELECT max(id) FROM attempts").fetchone()[0])


def test_a_link_to_an_attempt_opens_it_for_qa_and_is_refused_to_a_trainee(
    browser, server_url, server_data_dir
):
    attempt = _an_attempt(server_data_dir)
    link = f"{server_url}/qa?attempt={attempt}"

    context, page = new_page(browser)  # a colleague, not signed in yet, opens the link
    page.goto(link, wait_until="domcontentloaded")
    wait_idle(page)
    expect(page.get_by_role("heading", name="Masuk")).to_be_visible()
    sign_in(page, *QA_LOGIN)
    expect(page.get_by_role("heading", name="QA: percobaan peserta")).to_be_visible()
    expect(page.locator(".st-key-qa-review")).to_be_visible()
    expect(page.locator(".st-key-qa-attempt input")).to_have_value(
        re.compile(rf"^#{attempt} · "))
    assert page.url.endswith(f"/qa?attempt={attempt}")
    screenshot(page, "persist-7-tautan-percobaan-qa")
    page.reload(wait_until="domcontentloaded")  # and it stays open
    wait_idle(page)
    expect(page.locator(".st-key-qa-review")).to_be_visible()
    context.close()

    context, page = new_page(browser)
    page.goto(link, wait_until="domcontentloaded")
    wait_idle(page)
    sign_in(page, *DEMO_TRAINEE)
    expect(page.get_by_text("Anda tidak memiliki akses ke halaman ini.")).to_be_visible()
    expect(page.locator(".st-key-qa-review")).to_have_count(0)
    expect(page.get_by_role("heading", name="QA: percobaan peserta")).to_have_count(0)
    screenshot(page, "persist-8-tautan-percobaan-peserta-ditolak")
    context.close()


def test_two_tabs_on_one_call_one_continues_and_the_other_says_so(browser, server_url):
    context, first = new_page(browser)
    start_setuju_web_call(first, server_url)
    say(first, GREETING)
    session_cookie(context)
    second = context.new_page()
    second.goto(f"{server_url}/latihan", wait_until="domcontentloaded")
    wait_idle(second)
    expect(second.get_by_text(re.compile("Panggilan dilanjutkan"))).to_be_visible()
    say(second, OFFER)  # the second tab goes on with the call
    box = first.locator("[data-testid='stChatInputTextArea']")
    box.fill("Balasan dari tab pertama yang tertinggal.")
    box.press("Enter")
    wait_idle(first)
    expect(first.get_by_text("Panggilan ini sedang dilanjutkan di tab atau perangkat lain"))\
        .to_be_visible()
    screenshot(first, "persist-9-dua-tab")
    first.get_by_role("button", name="Lanjutkan di tab ini").click()
    wait_idle(first)
    expect(first.locator(CSO_LINES)).to_have_count(2)  # the other tab's reply, not its own
    expect(first.get_by_text("Balasan dari tab pertama yang tertinggal.")).to_have_count(0)
    context.close()


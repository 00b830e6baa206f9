"""Signing in, refusals and signing out in real headless Chromium against `streamlit run app.py`
(demo mode, demo accounts; see tests/e2e.py)."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.e2e import DEMO_TRAINEE, open_app, screenshot, sign_in, wait_idle

pytestmark = pytest.mark.browser

REFUSAL = "Anda tidak memiliki akses ke halaman ini."


def sidebar(page):
    return page.locator("[data-testid='stSidebar']")


def test_a_trainee_who_opens_the_qa_url_sees_a_refusal(browser_page, server_url):
    page = browser_page
    open_app(page, server_url)  # signs in through the real login form as peserta1
    menu = sidebar(page)
    expect(menu.get_by_role("link", name="SOP")).to_be_visible()
    expect(menu.get_by_role("link", name="Latihan")).to_be_visible()
    expect(menu.get_by_role("link", name="QA")).to_have_count(0)
    expect(menu.get_by_text("Dewi Lestari (demo)")).to_be_visible()
    screenshot(page, "e2e-auth-sidebar-peserta")

    # typing the address starts a new session, still signed in (the cookie): the refusal
    open_app(page, server_url, "qa", login=None)
    expect(page.get_by_text(REFUSAL)).to_be_visible()
    expect(page.get_by_role("heading", name="QA: percobaan peserta")).to_have_count(0)
    expect(page.locator("[data-testid='stDataFrame']")).to_have_count(0)
    assert page.url.rstrip("/").endswith("/qa")
    screenshot(page, "e2e-auth-qa-ditolak")

    open_app(page, server_url, "pengguna")
    expect(page.get_by_text(REFUSAL)).to_be_visible()

    # a browser that never signed in: the login form, then the page asked for
    other = page.context.browser.new_context(locale="id-ID").new_page()
    open_app(other, server_url, "qa", login=None)
    expect(other.get_by_role("heading", name="Masuk")).to_be_visible()
    sign_in(other, *DEMO_TRAINEE)
    expect(other.get_by_text(REFUSAL)).to_be_visible()
    assert other.url.rstrip("/").endswith("/qa")
    other.context.close()


def test_keluar_signs_out_in_one_click(browser_page, server_url):
    page = browser_page
    open_app(page, server_url)
    page.get_by_role("button", name="Keluar", exact=True).click()
    wait_idle(page)
    expect(page.get_by_role("heading", name="Masuk")).to_be_visible()
    expect(page.get_by_role("link", name="SOP")).to_have_count(0)  # no menu
    expect(page.get_by_role("button", name="Keluar", exact=True)).to_have_count(0)
    expect(page.get_by_role("heading", name="Basis Pengetahuan SOP")).to_have_count(0)
    screenshot(page, "e2e-auth-keluar")


def test_a_wrong_password_shows_the_generic_message(browser_page, server_url):
    page = browser_page
    open_app(page, server_url, login=None)
    expect(page.get_by_text("Mode demo.")).to_be_visible()  # the demo says so plainly
    sign_in(page, "trainer1", "bukan-kata-sandinya")
    expect(page.get_by_text("Nama pengguna atau kata sandi salah.")).to_be_visible()
    expect(page.get_by_role("button", name="Keluar")).to_have_count(0)
    screenshot(page, "e2e-auth-salah")
    sign_in(page, "pengguna-tidak-ada", "bukan-kata-sandinya")
    expect(page.get_by_text("Nama pengguna atau kata sandi salah.")).to_be_visible()


def test_markup_in_a_display_name_shows_as_text_and_runs_nothing(
    browser_page, server_url, server_data_dir
):
    from store import Database, get_user_by_username
    from store.auth import create_account

    name = "<script>alert(1)</script><img src=x onerror=alert(1)> **tebal**"
    db = Database(f"sqlite:///{server_data_dir / 'cso_trainer.db'}")
    try:
        if get_user_by_username(db, "nama.aneh") is None:
            create_account(db, username="nama.aneh", display_name=name, roles=["trainee"],
                           password="Sandi-Aneh-123")  # fmt: skip
    finally:
        db.dispose()

    page = browser_page
    dialogs = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    open_app(page, server_url, login=("nama.aneh", "Sandi-Aneh-123"))
    expect(sidebar(page).get_by_text(name)).to_be_visible()  # literally, markup and all
    expect(page.locator("[data-testid='stSidebar'] img[src='x']")).to_have_count(0)
    page.wait_for_timeout(500)
    assert dialogs == []

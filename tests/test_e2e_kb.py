"""The SOP page in real headless Chromium against `streamlit run app.py`."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.e2e import ARTIFACTS, open_app, screenshot, wait_idle

pytestmark = pytest.mark.browser


def test_search_with_a_typo_jumps_to_the_step(browser_page, server_url):
    page = browser_page
    open_app(page, server_url)
    expect(page.get_by_role("heading", name="Basis Pengetahuan SOP")).to_be_visible()

    page.get_by_role("tab", name="Glosarium").click()  # searching from another tab
    wait_idle(page)
    box = page.get_by_label("Cari langkah atau istilah")
    box.fill("pelayanan pelangan")
    box.press("Enter")
    wait_idle(page)

    expect(page.get_by_role("tab", name="Langkah")).to_have_attribute("aria-selected", "true")
    link = page.get_by_role("link", name="Langkah 4b")
    expect(link).to_be_visible()
    step = page.locator("#langkah-4b")
    expect(step).not_to_be_in_viewport()  # far down the page before the jump
    link.click()
    expect(step).to_be_in_viewport()
    expect(step).to_contain_text("4b")
    card = page.locator("[class*='st-key-sop-hit-sub-4b']")
    expect(card).to_contain_text('Pilih Menu: "Pelayanan Pelanggan"')
    expect(card).to_contain_text("Hasil pencarian")
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "e2e-lompat-4b.png"))  # the window after the jump
    screenshot(page, "e2e-cari-4b")  # the whole page with results and the highlighted card


def test_flowchart_renders_with_every_apkt_action(browser_page, server_url):
    page = browser_page
    open_app(page, server_url)
    page.get_by_role("tab", name="Diagram alur").click()
    wait_idle(page)
    chart = page.locator("[data-testid='stGraphVizChart'] svg").first
    expect(chart).to_be_visible()
    for text in ("Issue Closed di CC PLN 123", "Teruskan ke Unit PLN via APKT",
                 "KELUHAN ke Unit PLN via APKT", "(asumsi pelatihan)"):  # fmt: skip
        expect(chart.get_by_text(text).first).to_be_visible()
    screenshot(page, "e2e-diagram")

"""Issue 10 in a real headless Chromium: what only a browser shows (where the page is scrolled,
what fits on the screen)."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.e2e import screenshot
from tests.test_e2e_practice import REPLIES, say, start_setuju_web_call, submit_apkt
from views.sop_page import anchor

pytestmark = pytest.mark.browser

MAIN_SCROLL = "() => document.querySelector(\"[data-testid='stMain']\").scrollTop"


def test_the_result_opens_at_its_top_and_buka_langkah_lands_on_the_step(browser_page,
                                                                        server_url):
    page = browser_page
    idpel = start_setuju_web_call(page, server_url)
    for reply in REPLIES:
        say(page, reply)
    submit_apkt(page, "Issue Closed di CC PLN 123", idpel)  # clicked at the bottom of the call
    score = page.locator("[data-testid='stMetricValue']").first
    expect(score).to_be_in_viewport()
    page.wait_for_timeout(800)
    assert page.evaluate(MAIN_SCROLL) == 0  # item 9: from the top, the score on screen
    expect(page.get_by_role("heading", name="Hasil panggilan")).to_be_in_viewport()
    screenshot(page, "alur-hasil-dari-atas")

    # item 10: the SOP page opens on the step itself, without "lompat ke langkah"
    button = page.get_by_role("button", name=re.compile(r"^Buka langkah .+ di halaman SOP$")).last
    step_id = re.search(r"Buka langkah (\S+) di", button.inner_text()).group(1)
    button.scroll_into_view_if_needed()
    button.click()
    step = page.locator(f"#{anchor(step_id)}")
    expect(step).to_be_in_viewport(timeout=10_000)
    page.wait_for_timeout(800)
    box = step.bounding_box()
    assert box is not None and 0 <= box["y"] < 450  # near the top of the 900 px window
    assert page.evaluate(MAIN_SCROLL) > 0
    page.screenshot(path="test-artifacts/alur-buka-langkah.png")


def test_progres_saya_shows_the_whole_table_and_reopens_an_attempt(browser_page, server_url):
    from tests.e2e import open_app

    page = browser_page
    idpel = start_setuju_web_call(page, server_url)  # one attempt of its own, quickly done
    say(page, REPLIES[0])
    submit_apkt(page, "Issue Closed di CC PLN 123", idpel)
    open_app(page, server_url, "progres")
    expect(page.get_by_role("heading", name="Percobaan saya")).to_be_visible()
    table = page.locator("[data-testid='stDataFrame']").nth(1)
    table.scroll_into_view_if_needed()
    page.wait_for_timeout(500)
    table.screenshot(path="test-artifacts/alur-progres-tabel.png")
    page.locator(".st-key-progres-buka").click()
    page.get_by_role("option").first.click()
    expect(page.locator(".st-key-progres-umpan-balik")).to_be_visible()
    expect(page.locator(".st-key-progres-umpan-balik")
           .get_by_text("Penilaian per kriteria SOP")).to_be_visible()
    screenshot(page, "alur-progres-buka-percobaan")


def test_the_qa_list_fits_its_columns_at_1400_px(browser_page, server_url):
    from tests.e2e import open_app

    page = browser_page
    from store.auth import DEMO_PASSWORD

    open_app(page, server_url, "qa", login=("qa1", DEMO_PASSWORD))
    expect(page.get_by_role("heading", name="QA: percobaan peserta")).to_be_visible(
        timeout=30_000)
    grid = page.locator("[data-testid='stDataFrame']").first
    expect(grid).to_be_visible()
    page.wait_for_timeout(800)
    overflow = grid.evaluate(
        "g => { const s = g.querySelector('.dvn-scroller'); "
        "return s ? s.scrollWidth - s.clientWidth : -1; }")
    grid.screenshot(path="test-artifacts/alur-qa-daftar.png")
    assert 0 <= overflow <= 2  # every column on screen, no sideways scrolling


def test_the_dashboards_read_well(browser_page, server_url):
    from store.auth import DEMO_PASSWORD
    from tests.e2e import open_app, wait_idle

    page = browser_page
    open_app(page, server_url, "qa", login=("qa1", DEMO_PASSWORD))
    page.locator(".st-key-qa-section").get_by_text("Dashboard", exact=True).click()
    wait_idle(page)
    expect(page.get_by_role("heading", name="Tren per minggu")).to_be_visible()
    page.wait_for_timeout(2000)  # the charts draw after the run
    screenshot(page, "alur-qa-dashboard")


def test_the_sop_flowchart_and_source_text_read_well(browser_page, server_url):
    from tests.e2e import open_app, wait_idle

    page = browser_page
    open_app(page, server_url, "sop")
    page.get_by_role("tab", name="Teks asli").click()
    wait_idle(page)
    caption = page.locator("[data-testid='stCaptionContainer']", has_text="Ditampilkan tanpa "
                           "format").first.inner_text()
    assert "seeds/" not in caption and ".txt" not in caption
    assert caption.count("Teks asli SOP") == 1  # said once
    page.get_by_role("tab", name="Diagram alur").click()
    wait_idle(page)
    page.wait_for_timeout(1500)
    chart = page.locator("[data-testid='stGraphVizChart'] svg").first
    chart.scroll_into_view_if_needed()
    # the labels as drawn: at least 12 px on the screen, readable without zooming
    sizes = chart.evaluate("svg => [...svg.querySelectorAll('text')].map(t => "
                           "t.getBoundingClientRect().height)")
    page.screenshot(path="test-artifacts/alur-sop-diagram.png")
    assert sizes and sorted(sizes)[len(sizes) // 2] >= 12, sorted(sizes)[:5]

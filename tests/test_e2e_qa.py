"""QA in real headless Chromium against `streamlit run app.py` (demo mode: demo accounts and the
demo attempts that `cso-trainer demo-setup` seeds on first start): QA signs in, opens an
attempt, overrides a criterion with a comment and sees the adjusted score beside the automatic
one; the dashboards draw."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.e2e import open_app, screenshot, wait_idle

pytestmark = pytest.mark.browser

QA_LOGIN = ("qa1", "demo-pln-123")  # store.auth.DEMO_ACCOUNTS / DEMO_PASSWORD


def metric_value(page, label: str):
    box = page.locator("[data-testid='stMetric']").filter(has_text=label)
    return box.locator("[data-testid='stMetricValue']")


def metric(page, label: str) -> str:
    return metric_value(page, label).inner_text().strip()


def test_qa_overrides_a_criterion_with_a_comment_and_sees_the_adjusted_score(
    browser_page, server_url
):
    page = browser_page
    open_app(page, server_url, "qa", login=QA_LOGIN)
    expect(page.get_by_role("heading", name="QA: percobaan peserta")).to_be_visible()
    expect(page.locator("[data-testid='stDataFrame']").first).to_be_visible()
    expect(page.get_by_text(re.compile(r"^\d+ percobaan sesuai filter"))).to_be_visible()
    screenshot(page, "e2e-qa-daftar")

    # open the newest attempt
    page.locator(".st-key-qa-attempt [role='combobox']").click()
    page.keyboard.press("ArrowDown")
    page.get_by_role("option", name=re.compile(r"^#\d+ ·")).first.click()
    wait_idle(page)
    expect(page.get_by_text("Data pelanggan")).to_be_visible()
    expect(page.get_by_text("Percakapan")).to_be_visible()
    expect(page.get_by_text("Formulir APKT")).to_be_visible()
    automatic = metric(page, "Skor otomatis")
    assert metric(page, "Skor disesuaikan QA") == automatic
    screenshot(page, "e2e-qa-tinjauan")

    # the APKT action criterion: give it the other verdict, with a comment
    card = page.locator(".st-key-qa-crit-apkt_action").inner_text()
    now_ok = "tidak terpenuhi" not in card.split("\n")[0]
    form = page.locator("[data-testid='stForm']").filter(has_text="Ubah penilaian kriteria")
    form.locator(".st-key-qa-ov-ok").get_by_text(
        "Tidak terpenuhi" if now_ok else "Terpenuhi", exact=True).click()
    comment = "Tindakan APKT dicek ulang oleh QA; lihat catatan pelatihan."
    form.locator(".st-key-qa-ov-comment textarea").fill(comment)
    form.get_by_role("button", name="Simpan penilaian QA").click()
    wait_idle(page)

    saved = "Penilaian QA untuk Tindakan APKT sesuai SOP disimpan."
    expect(page.get_by_text(saved)).to_be_visible()
    expect(page.get_by_text(f"Komentar: {comment}")).to_be_visible()
    expect(metric_value(page, "Skor disesuaikan QA")).not_to_have_text(automatic)
    expect(metric_value(page, "Skor otomatis")).to_have_text(automatic)
    expect(metric_value(page, "Ditinjau oleh")).to_have_text("Agus Setiawan (demo)")
    page.locator(".st-key-qa-crit-apkt_action").scroll_into_view_if_needed()
    screenshot(page, "e2e-qa-override")

    # the dashboards draw their charts
    page.locator(".st-key-qa-section").get_by_text("Dashboard", exact=True).click()
    wait_idle(page)
    expect(page.get_by_role("heading", name="Tren per minggu")).to_be_visible()
    expect(page.locator("[data-testid='stVegaLiteChart']").first).to_be_visible()
    page.wait_for_timeout(1500)  # let Vega draw before the picture
    screenshot(page, "e2e-qa-dashboard")

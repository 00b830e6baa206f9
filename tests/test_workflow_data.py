"""Issue 10, "Data and trust": one source of content (the database's current versions) for the
pages and the command line, one rubric-version scheme, the editor after a restore, QA actions
after an override, the adjusted score for trainees, and the rubric history after a save."""

from __future__ import annotations

import re

import pytest

from scenarios.authoring import set_values
from store.content import get_version, import_shipped, list_versions, save_scenario
from tests.accounts import app_as, database, user_id

SC = "tagihan-jumlah-ibu-sopan"


def texts(elements) -> list[str]:
    return [re.sub(r"\\(.)", r"\1", e.value) for e in elements]


def run(at):
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


# ---------------------------------------------------------------- 3. the editor after a restore
def test_the_editor_shows_the_restored_version_after_a_restore_in_riwayat(fresh_app_db):
    db = database()
    import_shipped(db)
    v1 = get_version(db, "scenario", SC)
    save_scenario(db, text=set_values(v1.text, {("title",): "Judul kedua"}),
                  base_version=v1.number, author_id=user_id("trainer1"), reason="judul",
                  item_id=SC)
    at = run(app_as("trainer1", url_path="skenario"))
    at.selectbox(key="sk.pick").set_value(SC)
    run(at)
    at.button(key="sk.b-open").click()
    run(at)
    assert at.text_input(key="sk.f.title").value == "Judul kedua"
    at.radio(key="sk.view").set_value("Riwayat")
    run(at)
    at.text_input(key=f"sk-h-{SC}-reason").input("kembali ke judul lama")
    run(at)
    at.button(key=f"sk-h-{SC}-restore-btn").click()  # the older version, 1
    run(at)
    assert f"Versi {v1.number} dipulihkan sebagai versi 3." in texts(at.success)
    at.radio(key="sk.view").set_value("Editor")
    run(at)
    restored = get_version(db, "scenario", SC)
    assert restored.number == 3 and restored.text == v1.text
    assert at.subheader[0].value == f"Mengubah {SC} (berdasarkan versi 3)"
    assert at.text_input(key="sk.f.id").value == SC
    assert at.text_input(key="sk.f.title").value == v1.text.split("title: ")[1].split("\n")[0]
    assert at.text_area(key="sk.f.opening").value.strip()
    assert at.text_area(key="sk.yaml").value == v1.text
    # typing a title changes only the title
    at.text_input(key="sk.f.title").input("Judul ketiga")
    run(at)
    assert at.text_area(key="sk.yaml").value == set_values(v1.text,
                                                           {("title",): "Judul ketiga"})


# ---------------------------------------------------------------- 6. rubric history after a save
def test_the_rubric_history_compares_the_new_version_with_the_one_before_after_a_save(
        fresh_app_db):
    at = run(app_as("trainer1", url_path="skenario"))
    at.radio(key="sk.view").set_value("Rubrik & asumsi")
    run(at)
    assert "Kedua versi sama persis." in texts(at.caption)  # one version only
    at.number_input(key="rb.f.0.bill_amount.weight").set_value(60.0)
    at.text_input(key="rb.reason").input("bobot jumlah tagihan")
    run(at)
    at.button(key="rb.save").click()
    run(at)
    assert "Kedua versi sama persis." not in texts(at.caption)
    assert "**Perubahan dari versi 1 ke versi 2**" in texts(at.markdown)
    assert len(list_versions(database(), "sop", "pln123.tagihan_invoice")) == 2


# ---------------------------------------------------------------- in Chromium (marker browser)
TRAINER = ("trainer1", "demo-pln-123")  # store.auth.DEMO_ACCOUNTS / DEMO_PASSWORD


@pytest.mark.browser
def test_chromium_the_editor_shows_the_restored_version(browser_page, server_url):
    from playwright.sync_api import expect

    from tests.e2e import open_app, screenshot, wait_idle

    page = browser_page

    def type_in(label, text: str) -> None:
        box = page.get_by_role("textbox", name=label, exact=True)
        box.fill(text)
        box.press("Tab")
        wait_idle(page)

    open_app(page, server_url, "skenario", login=TRAINER)
    page.locator(".st-key-sk-pick input").fill(SC)
    page.get_by_role("option", name=re.compile(SC)).first.click()
    wait_idle(page)
    page.get_by_role("button", name="Ubah").first.click()
    wait_idle(page)
    old_title = page.get_by_role("textbox", name="Judul", exact=True).input_value()
    assert old_title
    type_in("Judul", "Judul sementara untuk uji pemulihan")
    type_in("Alasan perubahan", "uji pemulihan")
    page.get_by_role("button", name="Simpan versi baru").click()
    wait_idle(page)

    page.locator(".st-key-sk-view").get_by_text("Riwayat", exact=True).click()
    wait_idle(page)
    type_in("Alasan", "kembali ke judul lama")
    page.locator(f".st-key-sk-h-{SC}-restore-btn button").click()  # the version before
    wait_idle(page)
    expect(page.get_by_text(re.compile(r"^Versi \d+ dipulihkan sebagai versi \d+\.$")))\
        .to_be_visible()
    page.locator(".st-key-sk-view").get_by_text("Editor", exact=True).click()
    wait_idle(page)
    expect(page.get_by_role("textbox", name="ID skenario")).to_have_value(SC)
    expect(page.get_by_role("textbox", name="Judul", exact=True)).to_have_value(old_title)
    expect(page.get_by_role("textbox", name="Deskripsi persona")).not_to_have_value("")
    expect(page.get_by_role("textbox", name=re.compile("^Alternatif kalimat pembuka")))\
        .not_to_have_value("")
    screenshot(page, "issue10-editor-after-restore")
    page.get_by_role("tab", name="YAML").click()
    yaml_box = page.locator(".st-key-sk-yaml textarea")
    expect(yaml_box).to_have_value(re.compile(f"id: {SC}\n.*title: ", re.S))
    assert f"title: {old_title}" in yaml_box.input_value()
    page.get_by_role("tab", name="Formulir").click()
    type_in("Judul", "Judul setelah pemulihan")
    page.get_by_role("tab", name="YAML").click()
    text = yaml_box.input_value()
    assert f"id: {SC}" in text and "title: Judul setelah pemulihan" in text
    assert "persona:" in text and "opening:" in text


QA_LOGIN = ("qa1", "demo-pln-123")


@pytest.mark.browser
def test_chromium_qa_marks_reviewed_and_asks_calibration_after_an_override(
        browser_page, server_url):
    from playwright.sync_api import expect

    from tests.e2e import open_app, screenshot, wait_idle

    page = browser_page
    open_app(page, server_url, "qa", login=QA_LOGIN)
    page.locator(".st-key-qa-attempt [role='combobox']").click()
    page.keyboard.press("ArrowDown")
    page.get_by_role("option", name=re.compile(r"^#\d+ ·")).nth(1).click()
    wait_idle(page)
    heading = page.get_by_role("heading", name=re.compile(r"^Percobaan #\d+ · "))
    title = heading.inner_text()

    # an override that changes the score
    card = page.locator(".st-key-qa-crit-apkt_action").inner_text()
    now_ok = "tidak terpenuhi" not in card.split("\n")[0]
    form = page.locator("[data-testid='stForm']").filter(has_text="Ubah penilaian kriteria")
    form.locator(".st-key-qa-ov-ok").get_by_text(
        "Tidak terpenuhi" if now_ok else "Terpenuhi", exact=True).click()
    form.locator(".st-key-qa-ov-comment textarea").fill("Tindakan APKT dicek ulang.")
    form.get_by_role("button", name="Simpan penilaian QA").click()
    wait_idle(page)
    expect(page.get_by_text("Penilaian QA untuk Tindakan APKT sesuai SOP disimpan.")).to_be_visible()
    expect(heading).to_have_text(title)

    # then the note and "Tandai ditinjau": saved, and the same attempt stays open
    mark = page.locator("[data-testid='stForm']").filter(has_text="Tandai sudah ditinjau")
    mark.locator(".st-key-qa-mark-note input").fill("Catatan setelah override.")
    mark.get_by_role("button", name="Tandai ditinjau").click()
    wait_idle(page)
    expect(page.get_by_text("Percobaan ditandai sudah ditinjau.")).to_be_visible()
    expect(heading).to_have_text(title)
    page.get_by_text(re.compile(r"^Jejak perubahan")).click()
    expect(page.get_by_text("Catatan setelah override.").first).to_be_attached()

    # and a calibration request
    page.get_by_text(re.compile(r"^Kalibrasi \(\d+\)$")).click()
    page.get_by_role("button", name="Kirim permintaan kalibrasi").click()
    wait_idle(page)
    expect(page.get_by_text("Permintaan kalibrasi dikirim.")).to_be_visible()
    expect(heading).to_have_text(title)
    screenshot(page, "issue10-qa-after-override")

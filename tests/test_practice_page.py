"""The "Latihan" and "Progres saya" pages in AppTest, signed in: a whole call from the opening
line to the score, the APKT form's checks, exam mode, progress figures, and text shown as text."""

from __future__ import annotations

import pytest

from scenarios.practice import check_apkt, finish_call
from sop.groups import SERVICE_MARK
from sop.models import SERVICE_CRITERIA
from store import AttemptFilter, Requester, get_attempt, list_attempts, save_attempt
from tests.accounts import app_as, database, user_id
from tests.test_practice import (
    FORWARD,
    GREETING,
    SCENARIOS,
    SCORER,
    SOP,
    good_form,
    good_replies,
    play,
)
from views import practice_page as page

SAMPLE_CASE = {  # one case per APKT action, and the rest
    "issue_closed": "invoice.email.setuju_web",
    "forward_unit": "invoice.email.tetap",
    "keluhan": "invoice.keluhan.koreksi_email",
}


# ---------------------------------------------------------------- helpers: what a trainee does
def open_page(username: str = "peserta1", url_path: str = "latihan"):
    at = app_as(username, url_path=url_path)
    at.run()
    assert not at.exception, at.exception
    return at


def start(at, case: str | None = None, *, mode: str = "latihan", size: int | None = None):
    if case is not None:
        at.radio(key=page.K_KIND).set_value(page.CHOSEN).run()
        at.selectbox(key=page.K_CASE).set_value(case)
    if mode == "ujian":
        at.radio(key=page.K_MODE).set_value("ujian").run()
        if size is not None:
            at.segmented_control(key=page.K_SIZE).set_value(size)
    at.button(key="latihan-mulai").click().run()
    assert not at.exception, at.exception
    return at.session_state[page.K_CALL]


def say(at, text: str) -> None:
    at.chat_input(key=page.K_CHAT).set_value(text).run()
    assert not at.exception, at.exception


def fkey(at, field: str) -> str:
    """The key of an APKT form field of the current call."""
    return page.form_key(field, at.session_state[page.K_CALL_NO])


def fill_and_submit(at, form: dict) -> None:
    at.selectbox(key=fkey(at, "action")).set_value(form["action"]).run()
    if form.get("sub_issue_type") and form["action"] == "keluhan":
        at.selectbox(key=fkey(at, "sub_issue_type")).set_value(form["sub_issue_type"])
    at.text_input(key=fkey(at, "idpel")).input(form.get("idpel") or "")
    at.text_input(key=fkey(at, "email")).input(form.get("email") or "")
    at.text_area(key=fkey(at, "keterangan")).input(form.get("keterangan") or "")
    at.button(key="latihan-simpan").click().run()
    assert not at.exception, at.exception


def chat_lines(at) -> list[tuple[str, str]]:
    return [(m.name, "".join(t.value for t in m.text)) for m in at.chat_message]


def shown(at) -> str:
    """Every piece of text on the page (markdown, text, captions, alerts, metrics)."""
    parts = [e.value for e in (*at.markdown, *at.text, *at.caption, *at.title, *at.subheader)]
    parts += [e.value for e in (*at.success, *at.error, *at.info, *at.warning)]
    parts += [f"{m.label} {m.value}" for m in at.metric]
    return "\n".join(str(p) for p in parts)


def confirm_idpel(call) -> str:
    return f"Baik, saya konfirmasi IDPEL {call.idpel} atas nama {call.name}, betul?"


ASK_EMAIL = "Boleh dibantu alamat email yang dituju untuk Invoice-nya?"


def full_replies(call) -> list[str]:
    """The SOP's replies and the service standard: greeting with the CSO's name, the IDPEL
    confirmed, a closing; where the APKT form carries an e-mail, the customer is asked for it
    (the form may only carry an address the customer gave)."""
    replies = good_replies(call)
    ask = [ASK_EMAIL] if SOP.case(call.case).expected.action in ("forward_unit", "keluhan") \
        else []
    return [replies[0], confirm_idpel(call), *ask, *replies[1:]]


def latest_attempt(username: str):
    uid = user_id(username)
    rows = list_attempts(database(), requester=Requester.of(uid, ["trainee"]),
                         where=AttemptFilter(trainee_id=uid), limit=1)
    return rows[0] if rows else None


# ---------------------------------------------------------------- a whole call
def test_the_start_screen_offers_random_calls_cases_by_title_and_both_modes():
    at = open_page()
    assert at.title[0].value == "Latihan"
    assert at.radio(key=page.K_KIND).options == ["Panggilan acak", "Pilih kasus"]
    assert "Minta Invoice via email, bersedia memakai website" in \
        at.selectbox(key=page.K_CASE).options
    assert at.radio(key=page.K_MODE).options == ["Latihan", "Ujian"]


@pytest.mark.parametrize("action", sorted(SAMPLE_CASE))
def test_a_whole_call_from_opening_line_to_a_passing_score(action):
    at = open_page()
    pc = start(at, SAMPLE_CASE[action])
    call = pc.call
    # the data panel as the CSO's application shows it
    panel = shown(at).replace("\u00a0", " ")
    assert call.idpel in panel and call.meter_number in panel
    assert call.name in panel.replace("\\", "")
    last = call.bills[-1]
    assert f"Rp {last.amount:,}".replace(",", ".") in panel.replace("\\", "")
    assert "Belum dibayar" in panel and "Jatuh tempo" in panel
    # the customer speaks first
    assert chat_lines(at) == [("pelanggan", call.opening)]
    replies = full_replies(call)
    for i, reply in enumerate(replies, 1):
        say(at, reply)
        lines = chat_lines(at)
        assert lines[2 * i - 1] == ("cso", reply)  # each reply gets the customer's answer
        assert lines[2 * i][0] == "pelanggan" and lines[2 * i][1]
    assert at.chat_input(key=page.K_CHAT).disabled  # the customer said goodbye
    fill_and_submit(at, good_form(call))
    assert at.title[0].value == "Hasil panggilan"
    text = shown(at)
    assert "LULUS" in text and "TIDAK LULUS" not in text and "100%" in text
    assert [h.value for h in at.subheader][:2] == ["Penilaian per kriteria SOP",
                                                   "Standar layanan pelatihan"]
    saved = latest_attempt("peserta1")
    assert saved.case_id == SAMPLE_CASE[action] and saved.passed and saved.mode == "latihan"
    # the rubric version in the database that scored it (shipped content is version 1)
    record = get_attempt(database(), saved.id,
                         requester=Requester.of(user_id("peserta1"), ["trainee"]))
    assert record.rubric_version == "pln123.tagihan_invoice@r1"


def test_feedback_shows_evidence_the_sop_step_verbatim_and_links_it():
    at = open_page()
    pc = start(at, "invoice.email.tetap")
    for reply in good_replies(pc.call):
        say(at, reply)
    fill_and_submit(at, good_form(pc.call))
    text = shown(at)
    assert SOP.step("2b").text in [t.value for t in at.text]  # quoted verbatim
    labels = [b.label for b in at.button]
    assert "Buka langkah 2b di halaman SOP" in labels and "Buka langkah 2a di halaman SOP" in labels
    evidence = [t.value for t in at.text if t.value.startswith("balasan")]
    assert any("akan menghubungi" in e for e in evidence)  # the trainee's own words
    assert "Tindakan APKT sesuai SOP" in text and "30/30 poin" in text


def test_the_service_standard_is_shown_apart_marked_not_sop_text_and_without_sop_steps():
    at = open_page()
    pc = start(at, "invoice.email.tetap")
    # no name in the greeting, no IDPEL, no closing: the SOP itself is followed (the e-mail
    # for the APKT form is asked for)
    for reply in ["Halo, ada yang bisa dibantu?", "Boleh alamat email untuk invoice-nya?",
                  *good_replies(pc.call)[2:-1]]:
        say(at, reply)
    fill_and_submit(at, good_form(pc.call))
    headings = [h.value for h in at.subheader]
    assert headings.index("Penilaian per kriteria SOP") < headings.index(
        "Standar layanan pelatihan")
    box = at.get_by_key("latihan-layanan-latihan")  # the service standard's own section
    assert any(w.value.startswith(f"**{SERVICE_MARK}**") for w in box.warning)
    assert "standar layanan pelatihan" in SERVICE_MARK.lower()
    assert "bukan teks SOP" in SERVICE_MARK
    labels = [m.value.replace("\\", "") for m in box.markdown]
    for cid in SERVICE_CRITERIA:  # every service criterion is in that section, none outside
        assert at.get_by_key(f"latihan-crit-latihan-{cid}")
        assert any(SOP.criteria[cid].label in x for x in labels)
        with pytest.raises(KeyError):
            at.button(key=f"latihan-sop-latihan-{cid}")
    assert not box.button  # no "Buka langkah" for the service standard
    assert all("Langkah SOP" not in m.value for m in box.markdown)
    assert any("bukan langkah SOP" in c.value for c in box.caption)
    # the SOP criteria keep their SOP step and its button, outside that section
    assert at.button(key="latihan-sop-latihan-unit_followup").label == \
        "Buka langkah 2b di halaman SOP"
    result = at.session_state[page.K_DONE]["result"]
    failed = {c.id for c in result.criteria if not c.ok}
    assert {"service_verification", "service_closing"} <= failed
    assert result.passed  # not critical: the SOP was followed
    assert "LULUS" in shown(at) and "TIDAK LULUS" not in shown(at)


def test_unprofessional_language_fails_the_call_in_the_service_section():
    at = open_page()
    pc = start(at, "invoice.email.tetap")
    replies = full_replies(pc.call)
    for reply in [*replies[:2], "Wah itu bukan urusan saya Pak, tanya tetangga saja.",
                  *replies[2:]]:
        if at.chat_input(key=page.K_CHAT).disabled:
            break
        say(at, reply)
    fill_and_submit(at, good_form(pc.call))
    text = shown(at)
    assert "TIDAK LULUS" in text and "kriteria kritis tidak terpenuhi" in text
    result = at.session_state[page.K_DONE]["result"]
    assert "service_conduct" in result.critical_failed
    box = at.get_by_key("latihan-layanan-latihan")
    conduct = next(m.value for m in box.markdown if "Bahasa profesional" in m.value)
    assert ":red[" in conduct and "kritis" in conduct
    assert any("bukan urusan saya" in t.value for t in box.text)  # the evidence, as text


def test_the_sop_step_button_opens_the_step_on_the_sop_page_in_the_same_session():
    at = open_page()
    pc = start(at, "invoice.email.tetap")
    for reply in good_replies(pc.call):
        say(at, reply)
    fill_and_submit(at, good_form(pc.call))
    next(b for b in at.button if b.label == "Buka langkah 2b di halaman SOP").click().run()
    assert at.title[0].value == "Basis Pengetahuan SOP"
    assert any("Langkah **2b** dibuka dari hasil latihan" in i.value for i in at.info)
    assert at.session_state["sop_focus"] == "2b"


def test_a_wrong_action_shows_tidak_lulus_and_the_scenarios_hint():
    at = open_page()
    pc = start(at, "invoice.email.setuju_web")
    say(at, GREETING)
    say(at, FORWARD)
    fill_and_submit(at, {**good_form(pc.call), "action": "forward_unit"})
    text = shown(at)
    assert "TIDAK LULUS" in text and "kriteria kritis tidak terpenuhi" in text
    result = at.session_state[page.K_DONE]["result"]
    failed = {c.id for c in result.criteria if not c.ok}
    hints = [h for cid, h in pc.scenario.hints.items() if cid in failed]
    assert hints  # every setuju_web scenario has a hint for the website offer or steps
    # shown as text: escaped, with an invisible break in "www." so it is no link
    shown_hints = [i.value.replace("\\", "").replace("\u200b", "") for i in at.info]
    assert all(h in shown_hints for h in hints)
    assert not latest_attempt("peserta1").passed


def test_retry_gives_the_same_call_and_new_call_another():
    at = open_page()
    first = start(at, "tagihan.jumlah")
    fill_and_submit(at, good_form(first.call))
    at.button(key="latihan-ulangi").click().run()
    again = at.session_state[page.K_CALL]
    assert (again.scenario.id, again.seed) == (first.scenario.id, first.seed)
    assert chat_lines(at) == [("pelanggan", first.call.opening)]
    assert at.text_input(key=fkey(at, "idpel")).value == ""  # a fresh form
    fill_and_submit(at, good_form(again.call))
    at.button(key="latihan-baru").click().run()
    new = at.session_state[page.K_CALL]
    assert new.call.case == "tagihan.jumlah" and new.seed != first.seed


# ---------------------------------------------------------------- the APKT form
def test_the_form_checks_its_fields_next_to_them_and_keeps_what_was_typed():
    at = open_page()
    pc = start(at, "invoice.keluhan.koreksi_email")
    at.selectbox(key=fkey(at, "action")).set_value("issue_closed").run()
    with pytest.raises(KeyError):
        at.selectbox(key=fkey(at, "sub_issue_type"))  # only for KELUHAN
    fill_and_submit(at, {"action": "keluhan", "idpel": "53210012", "email": "budi@",
                         "keterangan": "Koreksi email"})
    text = shown(at).replace("\\", "")
    assert "IDPEL harus tepat 12 digit angka (terisi 8 digit)" in text
    assert "Format email tidak valid" in text
    assert "Pilih Sub Issue Type untuk KELUHAN ke Unit PLN via APKT" in text
    assert at.text_input(key=fkey(at, "idpel")).value == "53210012"
    assert at.text_input(key=fkey(at, "email")).value == "budi@"
    assert at.text_area(key=fkey(at, "keterangan")).value == "Koreksi email"
    assert at.session_state[page.K_CALL] is pc  # the call goes on
    assert not at.metric
    at.selectbox(key=fkey(at, "sub_issue_type")).set_value("koreksi_email_invoice")
    at.text_input(key=fkey(at, "idpel")).input(pc.call.idpel)
    at.text_input(key=fkey(at, "email")).input(pc.call.email)
    at.button(key="latihan-simpan").click().run()
    assert at.title[0].value == "Hasil panggilan" and "LULUS" in shown(at)


def test_what_the_trainee_types_is_shown_as_text_never_as_markup():
    at = open_page()
    start(at, "tagihan.jumlah")
    nasty = "<script>alert(1)</script> **tebal** <img src=x onerror=alert(1)> [a](javascript:x)"
    say(at, nasty)
    assert ("cso", nasty) in chat_lines(at)
    assert nasty in [t.value for t in at.text]  # st.text: shown literally
    for md in at.markdown:  # nothing typed went into Markdown
        assert "<script>" not in md.value and "tebal" not in md.value


# ---------------------------------------------------------------- exam mode
def test_an_exam_hides_scores_and_hints_until_the_end_then_sums_up_per_call():
    at = open_page()
    pc = start(at, "invoice.email.setuju_web", mode="ujian", size=3)
    exam_ids = set()
    for n in range(1, 4):
        assert at.title[0].value == f"Ujian · panggilan {n} dari 3"
        assert not at.metric and "LULUS" not in shown(at)
        exam_ids.add(pc.exam_id)
        for reply in good_replies(pc.call) if n == 1 else [GREETING]:
            say(at, reply)
        form = good_form(pc.call)
        if n == 2:
            form.update(action="none")
        fill_and_submit(at, form)
        if n < 3:
            assert f"Panggilan {n} dari 3 tersimpan" in shown(at)
            assert not at.metric and "LULUS" not in shown(at)
            pc = at.session_state[page.K_CALL]
    assert at.title[0].value == "Hasil ujian"
    assert len(exam_ids) == 1
    for i in range(3):  # each call's result has the service standard apart, without SOP steps
        box = at.get_by_key(f"latihan-layanan-ujian{i}")
        assert any(w.value.startswith(f"**{SERVICE_MARK}**") for w in box.warning)
        assert not box.button
    table = at.dataframe[0].value
    assert list(table["No"]) == [1, 2, 3]
    assert list(table["Hasil"]) == ["LULUS", "TIDAK LULUS", "TIDAK LULUS"]
    assert {m.label: m.value for m in at.metric}["Panggilan lulus"] == "1 / 3"
    done = at.session_state[page.K_EXAM].done
    hints = [h for d in done for cid, h in d["pc"].scenario.hints.items()
             if not d["result"].criterion(cid).ok]
    assert hints  # every setuju_web scenario has a hint on the website criteria ...
    page_text = shown(at).replace("\\", "")
    assert not any(h in page_text for h in hints)  # ... and no hint is shown in an exam
    uid = user_id("peserta1")
    rows = list_attempts(database(), requester=Requester.of(uid, ["trainee"]),
                         where=AttemptFilter(trainee_id=uid, exam_id=exam_ids.pop()))
    assert len(rows) == 3 and {r.mode for r in rows} == {"ujian"}
    at.button(key="latihan-ujian-selesai").click().run()
    assert at.button(key="latihan-mulai")


def test_an_exam_can_be_stopped_and_shows_the_calls_done():
    at = open_page()
    pc = start(at, "tagihan.jumlah", mode="ujian", size=5)
    fill_and_submit(at, good_form(pc.call))
    at.button(key="latihan-stop").click().run()
    assert at.title[0].value == "Hasil ujian"
    assert "1 dari 5 panggilan diselesaikan" in shown(at)
    assert len(at.dataframe[0].value) == 1


def test_trainers_may_practise_too():
    at = open_page("trainer1")
    pc = start(at, "tagihan.jumlah")
    fill_and_submit(at, good_form(pc.call))
    assert at.title[0].value == "Hasil panggilan"
    assert latest_attempt("trainer1").case_id == "tagihan.jumlah"


# ---------------------------------------------------------------- "Progres saya"
def _attempt(username: str, scenario_id: str, *, passed: bool) -> None:
    pc = play(scenario_id, replies=full_replies(play(scenario_id, replies=[]).call))
    form = good_form(pc.call) if passed else {**good_form(pc.call), "action": "none"}
    done = finish_call(pc, check_apkt(form, sop=SOP).apkt, scorer=SCORER,
                       trainee_id=user_id(username))
    save_attempt(database(), attempt=done.attempt)


def test_progress_shows_own_attempts_and_every_case_and_trains_the_weakest(fresh_app_db):
    for sc in SCENARIOS.by_case("tagihan.jumlah")[:2]:
        _attempt("peserta1", sc.id, passed=True)
    _attempt("peserta1", "invoice-tetap-kesal", passed=True)
    _attempt("peserta1", "invoice-tetap-kesal", passed=False)
    _attempt("peserta2", "koreksi-email-salah-ketik", passed=False)  # someone else's
    at = open_page(url_path="progres")
    assert at.title[0].value == "Progres saya"
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Percobaan"] == "4" and metrics["Tingkat lulus"] == "75 %"
    assert metrics["Kasus dicoba"] == "2 / 7"
    per_case = at.dataframe[0].value.set_index("Kasus")
    assert len(per_case) == 7  # never-tried cases too
    tetap = per_case.loc["Minta Invoice via email, tetap ingin dikirim email"]
    assert (tetap["Percobaan"], tetap["Lulus"], tetap["Tingkat lulus (%)"]) == (2, 1, 50.0)
    assert per_case.loc["Menanyakan jumlah tagihan", "Rata-rata skor (%)"] == 100.0
    assert per_case.loc["Koreksi alamat email Invoice", "Percobaan"] == 0
    mine = at.dataframe[1].value
    assert len(mine) == 4 and set(mine["Lulus"]) == {"LULUS", "TIDAK LULUS"}
    assert mine["Tanggal"].str.endswith("WIB").all()
    # the weakest case: the first never-tried one in SOP order
    assert "Minta Invoice via email, bersedia memakai website" in shown(at).replace("\\", "")
    at.button(key="progres-latih").click().run()
    assert not at.exception
    pc = at.session_state[page.K_CALL]
    assert pc.call.case == "invoice.email.setuju_web" and pc.mode == "latihan"
    assert chat_lines(at) == [("pelanggan", pc.call.opening)]


def test_progress_of_a_new_trainee_is_empty_but_lists_every_case(fresh_app_db):
    at = open_page("peserta2", url_path="progres")
    assert {m.label: m.value for m in at.metric}["Percobaan"] == "0"
    assert len(at.dataframe[0].value) == 7
    assert "Belum ada percobaan" in shown(at)

"""A practice session as pure functions: choosing a call, the conversation, the APKT form, the
attempt, feedback, exam sets and the weakest case (scenarios/practice.py)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest

from scenarios.dialogue import load_dialogue_rules
from scenarios.generator import Call, rupiah
from scenarios.library import default_sop_library, load_scenarios
from scenarios.practice import (
    ApktInput,
    CaseRow,
    ExamProgress,
    PracticeError,
    add_reply,
    case_choices,
    case_progress,
    check_apkt,
    choose_scenario,
    exam_set,
    exam_summary,
    feedback,
    finish_call,
    start_call,
    sub_issue_actions,
    verdict,
    weakest_case,
)
from scoring.scorer import Scorer
from store import save_attempt, validate_attempt
from store.users import create_user

T0 = datetime(2025, 5, 12, 3, 0, tzinfo=UTC)
SOPS = default_sop_library()
SCENARIOS = load_scenarios(sop_library=SOPS)
RULES = load_dialogue_rules(SOPS)
SCORER = Scorer(SOPS)
SOP = SOPS.sops["pln123.tagihan_invoice"]

# ---------------------------------------------------------------- what a good CSO says
# (shared with the page tests: tests/test_practice_page.py and tests/test_e2e_practice.py)
GREETING = "Selamat siang, dengan Rina dari PLN 123, ada yang bisa dibantu?"
OFFER = ("Sebelumnya, informasi tagihan dan rincian rekening bisa dilihat di website "
         "www.pln.co.id, bersedia mencoba?")
ASK_ACCOUNT = "Apakah sudah punya akun di website PLN?"
FIRST_STEPS = ("Silakan buka www.pln.co.id, pilih menu Pelayanan Pelanggan, lalu di paling "
               "bawah Informasi Tagihan Listrik / Pembelian Token.")
REGISTER = "Klik Daftar Akun, isi datanya, lalu klik Setuju dengan syarat dan ketentuan."
VERIFY = "Sistem mengirim verifikasi ke email, silakan buka email dan klik konfirmasi."
LOGIN_SEARCH = ("Setelah itu login dengan user dan password, lalu masukkan IDPEL di kolom "
                "pencarian.")
LOGIN_ONLY = ("Isi email dan password lalu klik Masuk, kemudian masukkan IDPEL di kolom "
              "pencarian.")
ADVICE = ("Kalau email sudah dipakai ID pelanggan lain, silakan pakai email lain atau ke kantor "
          "PLN terdekat.")
FORWARD = ("Baik, permintaan Invoice kami teruskan ke Unit PLN. Petugas Unit akan menghubungi "
           "Anda.")
KELUHAN = "Baik, keluhan Invoice ini kami teruskan ke Unit PLN melalui APKT."
CLOSE = "Terima kasih telah menghubungi PLN 123, selamat siang."
ASK_DATA = "Boleh saya minta IDPEL dan alamat email Bapak/Ibu?"


def good_replies(call: Call) -> list[str]:
    """Replies that follow the SOP for the call's case and facts."""
    has_account = call.facts.get("has_account")
    used = call.facts.get("email_used_elsewhere")
    if has_account:
        steps = [FIRST_STEPS, LOGIN_ONLY]
    else:
        steps = [FIRST_STEPS, REGISTER, *([ADVICE] if used else []), VERIFY, LOGIN_SEARCH]
    if call.case == "tagihan.jumlah":
        body = [f"Tagihan bulan {call.asked_month} sebesar {rupiah(call.bill_amount)}.",
                "Informasi tagihan juga bisa dilihat di aplikasi PLN Mobile atau www.pln.co.id."]
    elif call.case == "invoice.email.setuju_web":
        body = [OFFER, *steps]
    elif call.case == "invoice.email.tetap":
        body = [OFFER, FORWARD]
    elif call.case == "website.panduan":
        body = steps
    else:
        body = [KELUHAN]
    return [GREETING, ASK_DATA, *body, CLOSE]


def good_form(call: Call) -> dict[str, str | None]:
    """The APKT form a good CSO fills in for the call (values as typed in the form)."""
    case = SOP.case(call.case)
    return {"action": case.expected.action, "sub_issue_type": case.expected.sub_issue_type,
            "idpel": call.idpel, "email": call.email,
            "keterangan": f"Pelanggan {call.name}: {case.title}."}


def play(scenario_id: str, seed: int = 11, replies: list[str] | None = None, **kw):
    scenario = SCENARIOS.get(scenario_id)
    pc = start_call(scenario, seed, sop=SOP, now=T0, **kw)
    for i, reply in enumerate(good_replies(pc.call) if replies is None else replies):
        if pc.ended:
            break
        pc = add_reply(pc, reply, rules=RULES, now=T0 + timedelta(seconds=30 * (i + 1)))
    return pc


# ---------------------------------------------------------------- choosing a call
def test_every_case_can_be_chosen_by_its_indonesian_title_in_sop_order():
    choices = case_choices(SOPS, SCENARIOS)
    assert [c for c, _ in choices] == [c.id for c in SOP.cases]
    assert ("invoice.email.setuju_web", "Minta Invoice via email, bersedia memakai website") \
        in choices


def test_a_chosen_case_and_difficulty_give_a_scenario_of_that_case_and_level():
    for case_id, _ in case_choices(SOPS, SCENARIOS):
        levels = {s.difficulty for s in SCENARIOS.by_case(case_id)}
        for level in levels:
            s = choose_scenario(SCENARIOS, seed=5, case_id=case_id, difficulty=level)
            assert (s.case, s.difficulty) == (case_id, level)


def test_random_calls_reach_every_case_and_are_reproducible():
    seen = {choose_scenario(SCENARIOS, seed=i).case for i in range(200)}
    assert seen == {c.id for c in SOP.cases}
    assert choose_scenario(SCENARIOS, seed=42) is choose_scenario(SCENARIOS, seed=42)


def test_no_scenario_for_a_choice_is_a_clear_error():
    missing = {"mudah", "sedang", "sulit"} - {
        s.difficulty for s in SCENARIOS.by_case("tagihan.jumlah")}
    with pytest.raises(PracticeError, match="Belum ada skenario aktif untuk kasus 'nope'"):
        choose_scenario(SCENARIOS, seed=1, case_id="nope")
    with pytest.raises(PracticeError, match="tidak dikenal"):
        choose_scenario(SCENARIOS, seed=1, difficulty="ekstrem")
    for level in missing:
        with pytest.raises(PracticeError, match=level):
            choose_scenario(SCENARIOS, seed=1, case_id="tagihan.jumlah", difficulty=level)


# ---------------------------------------------------------------- the conversation
def test_a_call_starts_with_the_customers_opening_line():
    pc = start_call(SCENARIOS.get("invoice-setuju-web-tanpa-akun"), 3, sop=SOP, now=T0)
    assert [(x.role, x.text, x.at) for x in pc.transcript] == [
        ("pelanggan", pc.call.opening, T0)]
    assert pc.replies == [] and not pc.ended and pc.mode == "latihan"


def test_each_reply_gets_the_dialogue_rules_answer_with_timestamps():
    pc = play("invoice-setuju-web-tanpa-akun", replies=[GREETING, OFFER])
    roles = [x.role for x in pc.transcript]
    assert roles == ["pelanggan", "cso", "pelanggan", "cso", "pelanggan"]
    assert pc.replies == [GREETING, OFFER]
    assert pc.transcript[4].reactions == ("website_setuju",)
    answer = pc.transcript[4].text.lower()
    assert "caranya" in answer or "langkahnya" in answer
    s30, s60 = T0 + timedelta(seconds=30), T0 + timedelta(seconds=60)
    assert [x.at for x in pc.transcript] == [T0, s30, s30, s60, s60]


def test_add_reply_leaves_the_old_call_as_it_was():
    before = play("invoice-tetap-kesal", replies=[GREETING])
    after = add_reply(before, OFFER, rules=RULES, now=T0)
    assert len(before.transcript) == 3 and len(after.transcript) == 5
    assert before.replies == [GREETING]


def test_after_the_goodbye_no_more_replies_are_taken():
    pc = play("tagihan-jumlah-ibu-sopan", replies=[GREETING, CLOSE])
    assert pc.ended and pc.transcript[-1].reactions == ("goodbye",)
    with pytest.raises(PracticeError, match="formulir APKT"):
        add_reply(pc, "halo?", rules=RULES)


def test_a_reply_is_kept_exactly_as_typed_even_markup():
    nasty = "<script>alert(1)</script> **x** [a](javascript:alert(1))"
    pc = play("tagihan-jumlah-ibu-sopan", replies=[nasty])
    assert pc.transcript[1].text == nasty and pc.replies == [nasty]


def test_an_overlong_reply_is_refused_with_its_length():
    pc = play("tagihan-jumlah-ibu-sopan", replies=[])
    with pytest.raises(PracticeError, match="20001 karakter"):
        add_reply(pc, "a" * 20_001, rules=RULES)


def test_same_scenario_and_seed_replay_the_same_call_and_answers():
    a = play("invoice-setuju-web-punya-akun", seed=99)
    b = play("invoice-setuju-web-punya-akun", seed=99)
    assert a.call == b.call
    assert [x.text for x in a.transcript] == [x.text for x in b.transcript]


# ---------------------------------------------------------------- the APKT form
FORM = {"action": "keluhan", "sub_issue_type": "koreksi_email_invoice",
        "idpel": "532100123456", "email": "budi@example.co.id", "keterangan": "Koreksi email."}


def test_a_good_form_becomes_the_apkt_of_the_attempt():
    check = check_apkt(FORM, sop=SOP)
    assert check.ok and check.errors == {}
    assert check.apkt == FORM


def test_idpel_must_be_exactly_twelve_digits():
    for bad, message in [("", "Isi IDPEL"), ("53210012345", "terisi 11 digit"),
                         ("5321001234567", "terisi 13 digit"),
                         ("53210012345a", "hanya boleh berisi angka"),
                         ("5321 0012 3456", "hanya boleh berisi angka")]:
        check = check_apkt({**FORM, "idpel": bad}, sop=SOP)
        assert message in check.errors["idpel"], bad
        assert check.apkt is None
    assert check_apkt({**FORM, "idpel": "  532100123456 "}, sop=SOP).apkt["idpel"] == \
        "532100123456"


def test_email_must_look_like_an_email_when_given():
    for bad in ["budi", "budi@", "@example.com", "budi@example", "bu di@example.com",
                "budi@@example.com"]:
        check = check_apkt({**FORM, "email": bad}, sop=SOP)
        assert check.errors == {"email": "Format email tidak valid, contoh: nama@contoh.co.id"}
    check = check_apkt({**FORM, "action": "issue_closed", "email": ""}, sop=SOP)
    assert check.ok and check.apkt["email"] is None


def test_sub_issue_type_is_required_only_for_keluhan():
    assert sub_issue_actions(SOP) == {"keluhan"}
    check = check_apkt({**FORM, "sub_issue_type": None}, sop=SOP)
    assert check.errors == {
        "sub_issue_type": "Pilih Sub Issue Type untuk KELUHAN ke Unit PLN via APKT."}
    for action in ("issue_closed", "forward_unit", "none"):
        check = check_apkt({**FORM, "action": action}, sop=SOP)
        assert check.ok, action
        assert check.apkt["sub_issue_type"] is None  # hidden field: not carried over


def test_every_problem_is_reported_per_field_and_the_typed_values_are_kept():
    typed = {"action": "", "sub_issue_type": None, "idpel": "12 34",
             "email": "budi(at)mail", "keterangan": "  "}
    check = check_apkt(typed, sop=SOP)
    assert set(check.errors) == {"action", "idpel", "email", "keterangan"}
    assert check.errors["action"] == "Pilih tindakan APKT."
    assert check.values == typed  # what the trainee typed, untouched


def test_unknown_action_or_sub_issue_type_is_refused():
    assert check_apkt({**FORM, "action": "hapus"}, sop=SOP).errors == {
        "action": "Tindakan APKT tidak dikenal."}
    assert check_apkt({**FORM, "sub_issue_type": "x"}, sop=SOP).errors == {
        "sub_issue_type": "Sub Issue Type tidak dikenal."}


def test_the_form_model_is_pydantic_and_strips_spaces():
    form = ApktInput.model_validate({**FORM, "keterangan": "  ok  "}, context={"sop": SOP})
    assert form.keterangan == "ok"


# ---------------------------------------------------------------- scoring and the attempt
@pytest.mark.parametrize("scenario", [s.id for s in SCENARIOS.active()])
def test_following_the_sop_passes_every_shipped_scenario(scenario):
    for seed in (0, 11, 2**40 + 7, 2**63 - 1):  # the page draws seeds at random
        pc = play(scenario, seed=seed)
        assert pc.ended and pc.transcript[-1].reactions == ("goodbye",)
        check = check_apkt(good_form(pc.call), sop=SOP)
        done = finish_call(pc, check.apkt, scorer=SCORER, trainee_id=1,
                           now=T0 + timedelta(minutes=5))
        failed = [(c.id, c.evidence) for c in done.result.criteria if not c.ok]
        assert done.result.passed and done.result.percent == 100.0, (seed, failed)


def test_a_wrong_action_fails_the_attempt():
    pc = play("invoice-setuju-web-tanpa-akun")
    form = {**good_form(pc.call), "action": "forward_unit"}
    done = finish_call(pc, check_apkt(form, sop=SOP).apkt, scorer=SCORER, trainee_id=1)
    assert not done.result.passed and "apkt_action" in done.result.critical_failed
    assert verdict(done.result.passed) == "TIDAK LULUS"


def test_the_attempt_holds_everything_qa_needs_and_is_stored(db):
    user = create_user(db, username="sari", display_name="Sari", roles=["trainee"])
    pc = play("koreksi-email-salah-ketik", seed=5)
    apkt = check_apkt(good_form(pc.call), sop=SOP).apkt
    done = finish_call(pc, apkt, scorer=SCORER, trainee_id=user.id,
                       now=T0 + timedelta(minutes=4))
    a = done.attempt
    assert (a["scenario_id"], a["seed"], a["mode"], a["exam_id"]) == (
        "koreksi-email-salah-ketik", 5, "latihan", None)
    assert a["scenario_version"] == SCENARIOS.get("koreksi-email-salah-ketik").content_version
    assert a["call"]["idpel"] == pc.call.idpel and a["apkt"] == apkt
    assert [t["role"] for t in a["transcript"]][:2] == ["pelanggan", "cso"]
    assert all(t["at"] >= T0 for t in a["transcript"])
    assert a["result"]["passed"] is True and a["finished_at"] == T0 + timedelta(minutes=4)
    new = validate_attempt(a)
    attempt_id = save_attempt(db, attempt=new)
    assert attempt_id > 0


def test_an_exam_call_is_saved_as_ujian_with_its_exam_id():
    pc = play("tagihan-jumlah-ibu-sopan", mode="ujian", exam_id="ujian-1")
    done = finish_call(pc, check_apkt(good_form(pc.call), sop=SOP).apkt, scorer=SCORER,
                       trainee_id=1)
    assert (done.attempt["mode"], done.attempt["exam_id"]) == ("ujian", "ujian-1")
    validate_attempt(done.attempt)
    with pytest.raises(PracticeError, match="exam_id"):
        start_call(SCENARIOS.get("tagihan-jumlah-ibu-sopan"), 1, sop=SOP, mode="ujian")


# ---------------------------------------------------------------- feedback
def test_feedback_quotes_the_sop_step_and_gives_hints_in_practice_only():
    pc = play("invoice-setuju-web-tanpa-akun", replies=[GREETING, FORWARD])
    apkt = check_apkt({**good_form(pc.call), "action": "forward_unit"}, sop=SOP).apkt
    result = finish_call(pc, apkt, scorer=SCORER, trainee_id=1).result
    scenario = SCENARIOS.get("invoice-setuju-web-tanpa-akun")
    items = {f.id: f for f in feedback(result, sop=SOP, scenario=scenario, mode="latihan")}
    offered = items["website_offered_first"]
    assert not offered.ok and offered.step_id == "2a"
    assert offered.step_text == SOP.step("2a").text  # verbatim
    assert offered.hint == scenario.hints["website_offered_first"]
    assert offered.label == "Menawarkan website www.pln.co.id sebelum meneruskan permintaan"
    steps = items["website_steps"]
    assert steps.step_id == "4" and ("4a", SOP.step("4a").text) in steps.substeps
    exam = feedback(result, sop=SOP, scenario=scenario, mode="ujian")
    assert all(f.hint is None for f in exam)


# ---------------------------------------------------------------- exams
def test_an_exam_set_has_n_calls_of_different_cases_and_is_reproducible():
    five = exam_set(SCENARIOS, 5, seed=8)
    cases = [SCENARIOS.get(i.scenario_id).case for i in five.items]
    assert len(five) == 5 and len(set(cases)) == 5
    assert exam_set(SCENARIOS, 5, seed=8) == five
    assert exam_set(SCENARIOS, 5, seed=9) != five
    assert five.exam_id == "ujian-0000000000000008"
    ten = exam_set(SCENARIOS, 10, seed=8)
    assert {SCENARIOS.get(i.scenario_id).case for i in ten.items} == {c.id for c in SOP.cases}


def test_exam_progress_walks_the_set_and_finishes_after_the_last_call():
    exam = ExamProgress(exam_set(SCENARIOS, 3, seed=8))
    assert (len(exam), exam.index, exam.done, exam.finished) == (3, 0, [], False)
    assert exam.current == exam.exam.items[0]
    assert exam.record("erste") is True
    assert exam.current == exam.exam.items[1] and not exam.finished
    assert exam.record("zweite") is True
    assert exam.record("dritte") is False  # the last call: finished
    assert exam.finished and exam.index == 3 and exam.done == ["erste", "zweite", "dritte"]


def test_exam_progress_stops_early_and_its_copy_keeps_what_was_done():
    exam = ExamProgress(exam_set(SCENARIOS, 3, seed=8))
    exam.record("erste")
    before = exam.copy()
    exam.record("zweite")
    exam.stop()
    assert exam.finished and exam.done == ["erste", "zweite"]
    assert not before.finished and before.index == 1 and before.done == ["erste"]


def test_an_exam_of_one_case_uses_its_scenarios_in_turn():
    exam = exam_set(SCENARIOS, 3, seed=2, case_id="tagihan.jumlah")
    ids = [i.scenario_id for i in exam.items]
    assert len(set(ids)) == 3 and all(SCENARIOS.get(i).case == "tagihan.jumlah" for i in ids)


def test_exam_sizes_are_bounded():
    with pytest.raises(PracticeError, match="1..10"):
        exam_set(SCENARIOS, 0, seed=1)
    with pytest.raises(PracticeError, match="1..10"):
        exam_set(SCENARIOS, 11, seed=1)


def test_exam_summary_counts_passes_and_means_percent():
    good = finish_call(play("tagihan-jumlah-ibu-sopan"),
                       check_apkt(good_form(play("tagihan-jumlah-ibu-sopan").call), sop=SOP).apkt,
                       scorer=SCORER, trainee_id=1).result
    pc = play("tagihan-jumlah-ibu-sopan")
    bad = finish_call(pc, {**check_apkt(good_form(pc.call), sop=SOP).apkt, "action": "none"},
                      scorer=SCORER, trainee_id=1).result
    s = exam_summary([good, bad])
    assert (s.calls, s.passed, s.all_passed) == (2, 1, False)
    assert s.mean_percent == round((good.percent + bad.percent) / 2, 1)
    assert exam_summary([]).calls == 0


# ---------------------------------------------------------------- progress
@dataclass
class P:  # the shape of store.CaseProgress that case_progress reads
    case_id: str
    attempts: int
    passed: int
    pass_rate: float
    mean_percent: float


CASES = [(c.id, c.title) for c in SOP.cases]


def test_case_progress_lists_every_case_including_never_tried_ones():
    rows = case_progress(CASES, [P("invoice.email.tetap", 4, 3, 0.75, 81.5)])
    assert [r.case_id for r in rows] == [c for c, _ in CASES]
    tetap = next(r for r in rows if r.case_id == "invoice.email.tetap")
    assert (tetap.attempts, tetap.pass_rate, tetap.mean_percent) == (4, 0.75, 81.5)
    assert all(r.pass_rate is None for r in rows if r.case_id != "invoice.email.tetap")


def test_weakest_case_is_a_never_tried_one_first_then_the_lowest_pass_rate():
    ids = [c for c, _ in CASES]
    rows = case_progress(CASES, [P(c, 2, 2, 1.0, 100.0) for c in ids[1:]])
    assert weakest_case(rows, ids).case_id == ids[0]  # never tried
    per = [P(c, 2, 2, 1.0, 100.0) for c in ids]
    per[3] = P(ids[3], 4, 1, 0.25, 90.0)
    per[5] = P(ids[5], 4, 1, 0.25, 60.0)  # same pass rate, lower mean
    rows = case_progress(CASES, per)
    assert weakest_case(rows, ids).case_id == ids[5]
    # a case without a scenario to practise is never proposed
    assert weakest_case(rows, [i for i in ids if i != ids[5]]).case_id == ids[3]
    assert weakest_case([], ids) is None
    assert isinstance(rows[0], CaseRow)

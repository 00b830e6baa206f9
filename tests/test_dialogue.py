"""The simulated customer's rules, one by one, as pure functions.

The customer reacts to the acts of a reply (scoring.acts), never to stray words; complete calls
are in test_dialogue_transcripts.py."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from scenarios.dialogue import State, load_dialogue_rules, replay, respond, start
from scenarios.generator import fill, generate_call, rupiah
from scenarios.library import load_dialogue_data, load_scenarios
from scenarios.models import Scenario
from scoring.scorer import Scorer
from sop.library import load_library
from sop.yamlfile import ContentError

ROOT = Path(__file__).resolve().parent.parent
SOP_DIR = ROOT / "sop" / "library"

OFFER = "Sebelumnya Bapak/Ibu bisa melihat rincian tagihan di website www.pln.co.id, bersedia?"
ASK_ACCOUNT = "Apakah Bapak/Ibu sudah punya akun di website PLN?"
FIRST_STEPS = ("Silakan buka www.pln.co.id, pilih menu Pelayanan Pelanggan, lalu di paling "
               "bawah Informasi Tagihan Listrik / Pembelian Token.")
REGISTER = "Klik Daftar Akun, isi datanya, lalu klik Setuju dengan syarat dan ketentuan."
VERIFY = "Sistem mengirim verifikasi ke email, silakan buka email dan klik konfirmasi."
LOGIN_SEARCH = "Setelah itu login dengan user dan password, lalu masukkan IDPEL di kolom pencarian."
LOGIN_ONLY = "Isi email dan password lalu klik Masuk, kemudian masukkan IDPEL di kolom pencarian."
ADVICE = ("Kalau email sudah dipakai ID pelanggan lain, silakan pakai email lain atau ke kantor "
          "PLN terdekat.")
CLOSE = "Terima kasih telah menghubungi PLN 123, selamat siang."


@pytest.fixture(scope="module")
def sops():
    return load_library([SOP_DIR])


@pytest.fixture(scope="module")
def rules(sops):
    return load_dialogue_rules(sops)


@pytest.fixture(scope="module")
def shipped(sops):
    lib = load_scenarios([ROOT / "scenarios" / "library"], sop_library=sops)
    assert lib.problems == []
    return lib


@pytest.fixture(scope="module")
def talk(rules, shipped, sops):
    """talk(scenario id, *replies, seed=1) -> (call, answers)."""

    def run(scenario_id: str, *replies: str, seed: int = 1):
        scenario = shipped.get(scenario_id)
        call = generate_call(scenario, seed, sop=sops.find_case(scenario.case)[0])
        return call, replay(rules, scenario, call, list(replies))

    return run


def lines_of(scenario: Scenario, reaction: str, call) -> set[str]:
    return {fill(x, call) for x in scenario.reactions[reaction]}


# ---------------------------------------------------------------- website offer
def test_website_offer_makes_a_setuju_customer_agree_and_ask_how(talk, shipped):
    call, [a] = talk("invoice-setuju-web-tanpa-akun", OFFER)
    assert a.reactions == ("website_setuju",)
    assert "caranya" in a.line.lower() or "langkahnya" in a.line.lower()
    assert "web_offered" in a.state.flags and not a.ended


def test_website_offer_makes_a_tetap_customer_insist_on_email_every_time(talk, shipped):
    again = "Rinciannya bisa Bapak lihat sendiri lewat website www.pln.co.id, Pak."
    call, answers = talk("invoice-tetap-kesal", OFFER, again)
    assert [a.reactions for a in answers] == [("website_tetap",), ("website_tetap",)]
    expected = lines_of(shipped.get("invoice-tetap-kesal"), "website_tetap", call)
    assert {a.line for a in answers} <= expected
    assert answers[0].line != answers[1].line  # insists again, in other words


def test_website_steps_to_a_tetap_customer_are_refused_too(talk):
    _, [a] = talk("invoice-tetap-lansia", FIRST_STEPS)
    assert a.reactions == ("website_tetap",)


def test_website_mentioned_to_a_customer_asking_the_amount_is_noted(talk):
    _, [a] = talk("tagihan-jumlah-ibu-sopan", "Tagihan juga bisa dilihat di aplikasi PLN Mobile.")
    assert a.reactions == ("mobile_info",)
    _, [b] = talk("tagihan-jumlah-ibu-sopan", "Tagihan juga bisa dilihat di website www.pln.co.id.")
    assert b.reactions == ("website_info",) and "pln mobile" not in b.line.lower()


def test_a_channel_named_in_an_excuse_or_a_denial_is_no_offer(talk):
    excuse = "Mohon maaf, krn website sedang gangguan sy cek manual dulu ya, mohon ditunggu."
    _, [a] = talk("tagihan-jumlah-kesal-tagihan-naik", excuse)
    assert a.reactions == ("wait",) and "web_offered" not in a.state.flags
    _, [b] = talk("invoice-tetap-kesal",
                  "krn website sedang gangguan, langsung sy teruskan ke unit")
    assert b.reactions == ("forward",)
    _, [c] = talk("koreksi-email-salah-ketik", "Tagihan tidak bisa dilihat di website.")
    assert c.reactions == ("off_topic",)
    assert "website" not in c.line.lower()  # never "Kalau lihat di website bisa..." unoffered


def test_website_offered_to_a_complaint_brings_the_customer_back_to_it(talk):
    _, [a] = talk("koreksi-email-salah-ketik", OFFER)
    assert a.reactions == ("website_keluhan",)
    assert "email" in a.line.lower()


def test_a_negated_website_mention_is_not_an_offer(talk):
    # Read like the scorer: "tidak bisa lewat website" does not count.
    _, [a] = talk("invoice-tetap-kesal", "Mohon maaf, Invoice tidak bisa lewat website.")
    assert a.reactions == ("off_topic",)
    assert "web_offered" not in a.state.flags


def test_pln_mobile_is_not_the_website_offer_for_the_customer_nor_for_the_scorer(talk, sops):
    reply = "Tagihan bisa dilihat di aplikasi PLN Mobile, Pak."
    call, [a] = talk("invoice-setuju-web-tanpa-akun", reply)
    assert a.reactions == ("off_topic",) and "web_offered" not in a.state.flags
    result = Scorer(sops).score_data(call.attempt([reply], {"action": "issue_closed"}))
    assert not result.criterion("website_offered_first").ok


# ---------------------------------------------------------------- account question
def test_asking_for_an_account_is_no_website_step(talk):
    _, [a] = talk("panduan-web-tanpa-akun-lansia", ASK_ACCOUNT)
    assert a.reactions == ("account_no",)
    assert a.state.steps_heard == () and "web_offered" not in a.state.flags
    assert "alamatnya itu" not in a.line


def test_asking_for_an_account_is_answered_from_the_facts(talk, shipped):
    call, [_, a] = talk("invoice-setuju-web-punya-akun", OFFER, ASK_ACCOUNT)
    assert a.reactions == ("account_yes",)
    assert a.line in lines_of(shipped.get("invoice-setuju-web-punya-akun"), "account_yes", call)
    call, [_, b] = talk("invoice-setuju-web-email-terpakai", OFFER, ASK_ACCOUNT)
    assert b.reactions == ("account_no",)
    assert "belum" in b.line.lower()


def test_account_answer_comes_with_the_reaction_to_the_offer_in_the_same_reply(talk):
    _, [a] = talk("invoice-setuju-web-tanpa-akun", OFFER + " " + ASK_ACCOUNT)
    assert a.reactions == ("account_no", "website_setuju")


# ---------------------------------------------------------------- website steps
def test_steps_are_followed_until_every_needed_step_is_heard(talk, sops):
    _, answers = talk("invoice-setuju-web-tanpa-akun", OFFER, FIRST_STEPS, REGISTER, VERIFY,
                      LOGIN_SEARCH)
    assert [a.reactions[-1] for a in answers] == [
        "website_setuju", "steps_next", "steps_next", "steps_next", "steps_done"]
    path = sops.sops["pln123.tagihan_invoice"].criteria["website_steps"].paths["without_account"]
    assert answers[-1].state.steps_heard == tuple(path)
    assert answers[2].state.steps_heard == ("4a", "4b", "4c", "4e", "4f")


def test_customer_with_account_is_done_after_login_and_search(talk):
    _, answers = talk("panduan-web-punya-akun", FIRST_STEPS, LOGIN_ONLY)
    assert [a.reactions for a in answers] == [("steps_next",), ("steps_done",)]
    assert answers[-1].state.steps_heard == ("4a", "4b", "4c", "4d", "4j")


def test_registration_steps_to_a_customer_with_account_get_a_protest(talk):
    _, answers = talk("invoice-setuju-web-punya-akun", FIRST_STEPS, REGISTER)
    assert answers[-1].reactions == ("already_has_account",)
    assert "sudah punya akun" in answers[-1].line.lower()


def test_login_steps_to_a_customer_without_account_get_a_protest(talk):
    _, answers = talk("panduan-web-tanpa-akun-lansia", FIRST_STEPS, LOGIN_ONLY)
    assert answers[-1].reactions == ("no_account_yet",)
    assert "belum punya akun" in answers[-1].line.lower()


def test_login_after_registration_is_no_protest(talk):
    _, answers = talk("panduan-web-tanpa-akun-lansia", FIRST_STEPS, REGISTER, LOGIN_SEARCH)
    assert answers[-1].reactions == ("steps_next",)  # 4g and 4h still missing


def test_both_branches_in_one_reply_are_followed_without_protest(talk):
    both = ("Kalau sudah punya akun, klik Masuk. Kalau belum punya akun, klik Daftar Akun "
            "dulu.")
    for scenario in ("invoice-setuju-web-punya-akun", "panduan-web-tanpa-akun-lansia"):
        _, answers = talk(scenario, FIRST_STEPS, both)
        assert answers[-1].reactions == ("steps_next",), scenario
    _, answers = talk("invoice-setuju-web-punya-akun", FIRST_STEPS, both)
    assert answers[-1].state.steps_heard == ("4a", "4b", "4c", "4d")  # only its own branch


def test_the_bill_is_found_only_once_4j_is_given(talk):
    login = "Isi email dan password lalu klik Masuk."
    _, answers = talk("panduan-web-punya-akun", FIRST_STEPS, login,
                      "Ketik IDPEL di kolom pencarian ya Kak.")
    assert [a.reactions for a in answers] == [("steps_next",), ("steps_next",), ("steps_done",)]
    assert "4j" not in answers[1].state.steps_heard


def test_confirming_the_idpel_is_confirmed_not_taken_for_a_step(talk):
    call, _ = talk("invoice-setuju-web-punya-akun")
    _, answers = talk("invoice-setuju-web-punya-akun", OFFER, FIRST_STEPS,
                      f"Baik, IDPEL {call.idpel} ya Bu?")
    assert answers[-1].reactions == ("confirm_yes",)
    assert answers[-1].state.steps_heard == answers[-2].state.steps_heard
    call, _ = talk("tagihan-jumlah-kesal-tagihan-naik")
    _, [a] = talk("tagihan-jumlah-kesal-tagihan-naik", f"IDPEL {call.idpel} ya Pak?")
    assert a.reactions == ("confirm_yes",) and "aplikasi" not in a.line


def test_a_wrong_value_read_back_is_corrected(talk):
    call, _ = talk("koreksi-email-ganti-kantor")
    wrong = ("1" if call.idpel[0] != "1" else "2") + call.idpel[1:]
    call, [a] = talk("koreksi-email-ganti-kantor", f"IDPEL {wrong} ya Pak?")
    assert a.reactions == ("confirm_wrong", "give_idpel") and call.idpel in a.line


# ---------------------------------------------------------------- email used elsewhere
def test_registration_steps_to_an_email_used_elsewhere_customer_get_email_sudah_terdaftar(
    talk, shipped
):
    call, answers = talk("panduan-web-email-terpakai", FIRST_STEPS, REGISTER)
    assert answers[-1].reactions == ("email_used",)
    assert answers[-1].line in lines_of(shipped.get("panduan-web-email-terpakai"), "email_used",
                                        call)
    assert "terdaftar" in answers[-1].line or "dipakai" in answers[-1].line
    assert "email_used_told" in answers[-1].state.flags


def test_email_used_customer_is_stuck_until_advised_then_finishes(talk):
    _, answers = talk("invoice-setuju-web-email-terpakai", OFFER, FIRST_STEPS, REGISTER, VERIFY,
                      ADVICE, VERIFY, LOGIN_SEARCH)
    assert [a.reactions[-1] for a in answers] == [
        "website_setuju", "steps_next", "email_used", "email_used_again", "email_advice",
        "steps_next", "steps_done"]
    assert answers[2].line != answers[3].line


def test_still_refused_only_after_something_was_tried(rules, shipped, sops):
    """"Masih sama, tetap ditolak" never comes the first time the problem comes up."""
    for sid in ("panduan-web-email-terpakai", "invoice-setuju-web-email-terpakai"):
        scenario = shipped.get(sid)
        assert not any("masih" in x.lower() for x in scenario.reactions["email_used"])
        for seed in range(8):
            call = generate_call(scenario, seed, sop=sops.find_case(scenario.case)[0])
            first, again = replay(rules, scenario, call, [FIRST_STEPS + " " + REGISTER, VERIFY])
            assert first.reactions == ("email_used",) and "masih" not in first.line.lower()
            assert again.reactions == ("email_used_again",)
    assert not any("masih" in x.lower() for x in rules.data.defaults["email_used"])


def test_email_advice_given_before_the_problem_is_followed(talk):
    advise = ("Klik Daftar Akun dan isi data. Kalau emailnya sudah dipakai ID pelanggan lain, "
              "silakan pakai email lain.")
    _, answers = talk("panduan-web-email-terpakai", FIRST_STEPS, advise)
    assert answers[-1].reactions == ("steps_next",)
    assert "advice_heard" in answers[-1].state.flags


def test_email_used_default_line_says_email_sudah_terdaftar(rules, sops):
    scenario = Scenario.model_validate({
        "id": "uji", "title": "Uji", "case": "website.panduan", "difficulty": "mudah",
        "persona": {"style": "sopan", "description": "Uji."},
        "facts": {"has_account": False, "email_used_elsewhere": True},
        "opening": ["Caranya lihat tagihan di website?"],
        "reactions": {"greeting": ["Halo."], "off_topic": ["Maksudnya?"]},
    })
    call = generate_call(scenario, 0, sop=sops.sops["pln123.tagihan_invoice"])
    seen = set()
    for seed in range(12):  # the default alternatives, whichever the seed picks
        call_s = generate_call(scenario, seed, sop=sops.sops["pln123.tagihan_invoice"])
        ans = replay(rules, scenario, call_s, [FIRST_STEPS, REGISTER])[-1]
        assert ans.reactions == ("email_used",)
        seen.add(ans.line)
    assert any("email sudah terdaftar" in x for x in seen)
    assert len(seen) >= 2
    assert call.facts["email_used_elsewhere"] is True


# ---------------------------------------------------------------- data the customer gives
def test_asked_for_idpel_email_and_name_the_customer_gives_the_calls_data(talk):
    call, [a] = talk("invoice-tetap-lansia", "Boleh saya minta IDPEL dan alamat email Ibu?")
    assert a.reactions == ("give_idpel", "give_email")
    assert call.idpel in a.line and call.email in a.line
    call, [b] = talk("tagihan-jumlah-ibu-sopan", "Selamat pagi, dengan Ibu siapa saya berbicara?")
    assert b.reactions == ("give_name",) and call.name in b.line


def test_correction_customer_gives_the_new_email_and_names_the_old_one(talk, shipped):
    for seed in range(6):
        call, [a] = talk("koreksi-email-salah-ketik", "Email yang benar apa, Bu?", seed=seed)
        assert a.reactions == ("give_email",)
        assert call.email in a.line
        assert call.email_on_record != call.email


def test_questions_answered_before_are_not_repeated_next_to_something_new(talk):
    ask = "Boleh minta IDPEL-nya?"
    _, answers = talk("invoice-tetap-kesal", ask, ask + " " + OFFER, ask)
    assert answers[0].reactions == ("give_idpel",)
    assert answers[1].reactions == ("website_tetap",)
    assert answers[2].reactions == ("give_idpel",)  # asked alone again: answered again


# ---------------------------------------------------------------- amount, forwarding, hold
def test_stating_the_bill_amount_is_acknowledged_with_that_amount(talk):
    call, _ = talk("tagihan-jumlah-ibu-sopan")
    reply = f"Tagihan bulan {call.asked_month} sebesar {rupiah(call.bill_amount)}."
    call, [a] = talk("tagihan-jumlah-ibu-sopan", reply)
    assert a.reactions == ("amount_given",)
    assert rupiah(call.bill_amount) in a.line


def test_a_wrong_amount_is_disputed_and_never_thanked_for(talk):
    call, _ = talk("tagihan-jumlah-ibu-sopan")
    wrong = rupiah(call.bill_amount + 1000)
    for sid in ("tagihan-jumlah-ibu-sopan", "tagihan-jumlah-kesal-tagihan-naik",
                "tagihan-jumlah-bapak-terburu-buru"):
        _, answers = talk(sid, f"Tagihannya {wrong}.", "Ada lagi yang bisa dibantu?", CLOSE)
        assert [a.reactions for a in answers] == [
            ("amount_wrong",), ("amount_unresolved",), ("goodbye_unresolved",)], sid
        assert wrong in answers[0].line
        for a in answers:
            assert "terima kasih" not in a.line.lower() and "makasih" not in a.line.lower()
        assert answers[-1].ended and answers[-1].state.end_reason == "closing"


def test_the_right_amount_after_a_wrong_one_settles_it(talk):
    call, _ = talk("tagihan-jumlah-ibu-sopan")
    _, answers = talk("tagihan-jumlah-ibu-sopan", f"Tagihannya {rupiah(call.bill_amount + 1000)}.",
                      f"Maaf, yang benar {rupiah(call.bill_amount)}.", CLOSE)
    assert [a.reactions for a in answers] == [("amount_wrong",), ("amount_given",), ("goodbye",)]


def test_another_months_bill_named_with_its_month_is_no_mistake(talk):
    call, _ = talk("tagihan-jumlah-ibu-sopan")
    other = next(b for b in call.bills if b.month != call.asked_month)
    reply = f"Tagihan bulan {other.month} {rupiah(other.amount)}."
    _, [a] = talk("tagihan-jumlah-ibu-sopan", reply)
    assert a.reactions == ("off_topic",)  # not disputed, not acknowledged: asks again


def test_an_approximate_amount_gets_a_request_for_the_exact_one(talk):
    _, [a] = talk("tagihan-jumlah-ibu-sopan", "Tagihannya sekitar 300 ribuan Bu.")
    assert a.reactions == ("amount_approximate",)


def test_rudeness_complaint_then_supervisor_then_the_customer_hangs_up(talk):
    _, answers = talk("invoice-tetap-kesal", "Bukan urusan saya Pak.", "Dasar pelanggan rewel.",
                      "Terserah Bapak saja.", "Halo?")
    assert [a.reactions for a in answers] == [
        ("rude_complaint",), ("rude_supervisor",), ("rude_hangup",)]
    assert "atasan" in answers[1].line.lower()
    assert answers[-1].ended and answers[-1].state.end_reason == "rudeness"


def test_rudeness_among_good_replies_still_counts(talk):
    _, answers = talk("berhenti-invoice-pindah-rumah", "Sorry madam, can you speak English?",
                      "Mohon maaf atas ketidaknyamanannya Bu.", "Boleh minta IDPEL-nya?",
                      "Ibu cerewet sekali.")
    assert [a.reactions for a in answers] == [
        ("rude_complaint",), ("empathy",), ("give_idpel",), ("rude_supervisor",)]
    assert not answers[-1].ended


def test_forwarding_and_unit_followup_are_acknowledged(talk):
    _, answers = talk("invoice-tetap-kesal", "Baik, permintaan Bapak kami teruskan ke Unit PLN.",
                      "Nanti petugas Unit PLN akan menghubungi Bapak.")
    assert [a.reactions for a in answers] == [("forward",), ("unit_followup",)]
    assert {"forward_heard", "followup_heard"} <= answers[-1].state.flags


def test_a_denied_promise_is_not_acknowledged_as_one(talk):
    _, [a] = talk("invoice-tetap-lansia", "Unit tidak akan menghubungi Ibu.")
    assert a.reactions == ("off_topic",) and "followup_heard" not in a.state.flags


def test_hold_and_anything_else(talk):
    _, answers = talk("berhenti-invoice-pindah-rumah", "Mohon ditunggu, saya cek dulu ya Bu.",
                      "Ada lagi yang bisa saya bantu?", "Ada lagi, Bu?")
    assert [a.reactions for a in answers] == [("wait",), ("nothing_else",), ("nothing_else",)]


# ---------------------------------------------------------------- off-topic, greeting, silence
def test_off_topic_reply_makes_the_customer_repeat_or_clarify(talk, shipped):
    call, answers = talk("invoice-tidak-diterima-kesal", "Cuaca hari ini cerah sekali ya.",
                         "Saya suka kopi.", "Hmm.")
    expected = lines_of(shipped.get("invoice-tidak-diterima-kesal"), "off_topic", call)
    assert all(a.reactions == ("off_topic",) for a in answers)
    assert [a.line for a in answers] and {a.line for a in answers} <= expected
    assert len({a.line for a in answers}) == 3  # three different ways, not a loop of one line
    assert not answers[-1].ended


def test_greeting_only_makes_the_customer_restate_the_request(talk, shipped):
    call, [a] = talk("invoice-setuju-web-tanpa-akun", "Selamat siang, dengan Rina dari PLN 123.")
    assert a.reactions == ("greeting",)
    assert a.line in lines_of(shipped.get("invoice-setuju-web-tanpa-akun"), "greeting", call)
    assert "invoice" in a.line.lower()


def test_an_empty_reply_gets_are_you_still_there(talk):
    _, [a] = talk("tagihan-jumlah-ibu-sopan", "   ")
    assert a.reactions == ("silence",) and "halo" in a.line.lower()
    assert a.state.turn == 1


# ---------------------------------------------------------------- end of the call
def test_closing_gets_goodbye_and_ends_the_call(talk, rules, shipped):
    call, [a] = talk("invoice-tetap-lansia", CLOSE)
    assert a.reactions == ("goodbye",)
    assert a.ended and a.state.end_reason == "closing"
    with pytest.raises(ValueError, match="berakhir"):
        respond(rules, shipped.get("invoice-tetap-lansia"), call, a.state, "Halo?")


def test_turn_limit_from_the_data_ends_the_call_politely(talk, rules, shipped):
    scenario = shipped.get("invoice-tetap-lansia")
    assert scenario.max_turns is None and rules.data.max_turns == 12
    _, answers = talk("invoice-tetap-lansia", *(["Cuaca cerah."] * 15))
    assert len(answers) == 12
    assert [a.ended for a in answers] == [False] * 11 + [True]
    assert answers[-1].reactions == ("turn_limit",)
    assert answers[-1].state.end_reason == "turn_limit"


def test_a_scenario_may_set_its_own_turn_limit(talk, shipped):
    assert shipped.get("tagihan-jumlah-bapak-terburu-buru").max_turns == 8
    _, answers = talk("tagihan-jumlah-bapak-terburu-buru", *(["Hmm."] * 10))
    assert len(answers) == 8 and answers[-1].reactions == ("turn_limit",)


def test_closing_on_the_last_turn_is_a_goodbye_not_a_timeout(talk):
    _, answers = talk("tagihan-jumlah-bapak-terburu-buru", *(["Hmm."] * 7), CLOSE)
    assert answers[-1].reactions == ("goodbye",)


# ---------------------------------------------------------------- purity, determinism
def test_respond_is_pure_and_deterministic(rules, shipped, sops):
    scenario = shipped.get("invoice-setuju-web-tanpa-akun")
    call = generate_call(scenario, 5, sop=sops.find_case(scenario.case)[0])
    state = replay(rules, scenario, call, [OFFER])[-1].state
    before = state.to_dict()
    a = respond(rules, scenario, call, state, FIRST_STEPS)
    b = respond(rules, scenario, call, state, FIRST_STEPS)
    assert a == b
    assert state.to_dict() == before  # the old state is untouched
    assert a.state.turn == state.turn + 1
    with pytest.raises(AttributeError):
        state.turn = 9  # type: ignore[misc]


def test_the_seed_chooses_among_alternatives(rules, shipped, sops):
    scenario = shipped.get("invoice-tetap-kesal")
    lines = set()
    for seed in range(20):
        call = generate_call(scenario, seed, sop=sops.find_case(scenario.case)[0])
        lines.add(respond(rules, scenario, call, start(), OFFER).line)
    assert len(lines) == len(scenario.reactions["website_tetap"])


def test_state_survives_a_round_trip_through_a_dict(talk):
    _, answers = talk("invoice-setuju-web-email-terpakai", OFFER, FIRST_STEPS, REGISTER)
    state = answers[-1].state
    assert State.from_dict(state.to_dict()) == state


def test_a_full_call_answered_by_the_rules_scores_as_passed(talk, sops):
    replies = ["Selamat siang, dengan Rina dari PLN 123.", OFFER, ASK_ACCOUNT, FIRST_STEPS,
               REGISTER, VERIFY, LOGIN_SEARCH, CLOSE]
    call, answers = talk("invoice-setuju-web-tanpa-akun", *replies)
    assert answers[-1].ended and "steps_done" in answers[-1].state.said
    result = Scorer(sops).score_data(call.attempt(replies, {"action": "issue_closed"}))
    assert result.passed and result.criterion("website_steps").ok


# ---------------------------------------------------------------- cues shared with the SOP
def test_phrasings_come_from_the_sop_acts_section_not_a_copy(tmp_path, shipped):
    """Adding a phrasing to the SOP's website channel makes the customer hear it as an offer."""
    text = (SOP_DIR / "pln123_tagihan_invoice.yaml").read_text(encoding="utf-8")
    old = "  channels:\n    website:\n      - www pln co id\n"
    assert old in text
    text = text.replace(old, "  channels:\n    website:\n      - portal tagihan daring\n"
                        "      - www pln co id\n", 1)
    (tmp_path / "sop.yaml").write_text(text, encoding="utf-8")
    lib = load_library([tmp_path])
    assert lib.problems == []
    custom = load_dialogue_rules(lib)
    scenario = shipped.get("invoice-tetap-kesal")
    call = generate_call(scenario, 1, sop=lib.find_case(scenario.case)[0])
    reply = "Bapak bisa cek di portal tagihan daring."
    assert respond(custom, scenario, call, start(), reply).reactions == ("website_tetap",)
    default = load_dialogue_rules(load_library([SOP_DIR]))
    assert respond(default, scenario, call, start(), reply).reactions == ("off_topic",)


def test_read_gives_the_acts_as_the_scorer_reads_them(rules, sops):
    acts = rules.read("website.panduan", REGISTER)
    assert {(a.act, a.polarity, a.slot("step")) for a in acts} == {
        ("website_step", "said", "4e"), ("website_step", "said", "4f")}
    from scoring.acts import ActReader

    assert acts == ActReader(sops.sops["pln123.tagihan_invoice"]).read(REGISTER)
    assert rules.read("website.panduan", "  ") == []


def test_the_dialogue_keeps_no_cue_lists(rules):
    src = (ROOT / "scenarios" / "dialogue.py").read_text(encoding="utf-8")
    assert "triggers:" not in (ROOT / "scenarios" / "data" / "dialogue.yaml").read_text()
    assert not hasattr(rules.data, "triggers")
    for word in ('"teruskan"', '"akun"', '"ada lagi"', '"daftar"', '"bisa"'):
        assert word not in src.lower()  # no phrasings of its own


def test_broken_dialogue_data_names_file_line_and_field(tmp_path, sops):
    src = ROOT / "scenarios" / "data" / "dialogue.yaml"
    bad = tmp_path / "dialogue.yaml"
    shutil.copy(src, bad)
    text = bad.read_text(encoding="utf-8")
    bad.write_text(text.replace("  tagihan.jumlah: info", "  tagihan.jumlahh: info"),
                   encoding="utf-8")
    with pytest.raises(ContentError) as exc:
        load_dialogue_data(bad, sop_library=sops)
    [p] = exc.value.problems
    line = next(i for i, x in enumerate(bad.read_text().splitlines(), 1) if "jumlahh" in x)
    assert (p.file, p.line, p.field) == (str(bad), line, "stances.tagihan.jumlahh")
    assert "jumlahh" in p.message
    # a reaction-only placeholder anywhere else is refused, with its place
    bad.write_text(text.replace("    - Iya, saya tunggu.", "    - Iya, {stated_amount}."),
                   encoding="utf-8")
    with pytest.raises(ContentError) as exc:
        load_dialogue_data(bad, sop_library=sops)
    [p] = exc.value.problems
    assert p.field.startswith("defaults") and "amount_wrong" in p.message


def test_every_shipped_scenario_answers_every_kind_of_reply(rules, shipped, sops):
    script = ["Selamat pagi, dengan Rina dari PLN 123.", "Boleh dengan Bapak/Ibu siapa?",
              "Boleh minta IDPEL dan email?", OFFER, ASK_ACCOUNT, FIRST_STEPS, REGISTER, ADVICE,
              VERIFY, LOGIN_SEARCH, "Permintaan kami teruskan ke Unit PLN.", "", "Cuaca cerah.",
              "Ada lagi yang bisa dibantu?", CLOSE]
    for scenario in shipped:
        for seed in range(3):
            call = generate_call(scenario, seed, sop=sops.find_case(scenario.case)[0])
            answers = replay(rules, scenario, call, script)
            for a in answers:
                assert a.line.strip() and "{" not in a.line, (scenario.id, a)
            assert answers[-1].ended, scenario.id
            assert len(answers) == min(len(script), rules.max_turns(scenario))


def test_new_reactions_are_checked_in_scenario_files_with_file_line_and_field(sops):
    from scenarios.library import load_scenario_text

    path = ROOT / "scenarios" / "library" / "tagihan-jumlah-ibu-sopan.yaml"
    text = path.read_text(encoding="utf-8")
    # {stated_amount} is the amount the CSO said: only amount_wrong can fill it
    bad = text.replace("Wah, lumayan juga ya bulan ini. Baik, {bill_amount}. Terima kasih.",
                       "Baik, {stated_amount}.")
    with pytest.raises(ContentError) as exc:
        load_scenario_text(bad, "x.yaml", sop_library=sops)
    [p] = [q for q in exc.value.problems if q.field != "id"]  # the id is not the file name
    line = next(i for i, x in enumerate(bad.splitlines(), 1) if "{stated_amount}" in x)
    assert (p.file, p.line, p.field) == ("x.yaml", line, "reactions.amount_given[2]")
    assert "amount_wrong" in p.message
    # a reaction of another stance or another fact is refused where it stands
    text = (ROOT / "scenarios" / "library" / "invoice-tetap-kesal.yaml").read_text()
    bad = text.replace("  nothing_else:", "  amount_wrong:\n    - Lho, {stated_amount}?\n"
                       "  nothing_else:")
    with pytest.raises(ContentError) as exc:
        load_scenario_text(bad, "y.yaml", sop_library=sops)
    [p] = [q for q in exc.value.problems if q.field != "id"]  # the id is not the file name
    line = next(i for i, x in enumerate(bad.splitlines(), 1) if x == "  amount_wrong:")
    assert (p.line, p.field) == (line, "reactions.amount_wrong")


def test_the_editor_offers_the_new_reactions_where_they_apply(sops):
    from scenarios.authoring import REACTION_LABELS, relevant_reactions
    from scenarios.models import REACTIONS

    assert set(REACTION_LABELS) == set(REACTIONS)
    data = load_dialogue_data(sop_library=sops)
    info = relevant_reactions("tagihan.jumlah", {}, data)
    assert {"amount_wrong", "amount_unresolved", "goodbye_unresolved", "mobile_info",
            "confirm_yes", "rude_complaint", "rude_supervisor", "rude_hangup"} <= set(info)
    web = relevant_reactions("website.panduan", {"email_used_elsewhere": True}, data)
    assert "email_used_again" in web and "amount_wrong" not in web
    assert "email_used_again" not in relevant_reactions("website.panduan", {}, data)

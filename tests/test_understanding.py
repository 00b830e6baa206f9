"""Meaning, not words: the calls trainees reported in issue 9 get the verdict the SOP demands,
and replies are read into acts the way a PLN 123 QA analyst reads them."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from scoring.acts import ActReader
from scoring.corpus import CORPUS_DIR, evaluate, load_corpus
from scoring.scorer import Scorer
from sop.library import load_library

SOP_FILE = (Path(__file__).resolve().parent.parent / "sop" / "library"
            / "pln123_tagihan_invoice.yaml")
LIB = load_library()
SOP = LIB.sops["pln123.tagihan_invoice"]
READER = ActReader(SOP)
SCORER = Scorer(LIB)

IDPEL = "531120532920"
NEW_EMAIL = "siti.aminah@example.co.id"
OPEN = "Selamat siang, dengan Rina dari PLN 123, boleh dibantu IDPEL-nya Bu?"
CLOSE = "Terima kasih telah menghubungi PLN 123, selamat siang."


def keys(text: str) -> set[tuple]:
    return {a.key for a in READER.read(text)}


def attempt(case, replies, action, sub=None, *, facts=None, email=NEW_EMAIL, form_email=None,
            customer_lines=None, bill=345000):
    data = {
        "case": case,
        "facts": facts or {},
        "customer": {"idpel": IDPEL, "name": "Siti Aminah", "email": email,
                     "bill_amount": bill},
        "replies": replies,
        "apkt": {"action": action, "sub_issue_type": sub, "idpel": IDPEL,
                 "email": form_email if form_email is not None else email,
                 "keterangan": "permintaan pelanggan"},
    }
    if customer_lines is not None:
        data["customer_lines"] = customer_lines
    return SCORER.score_data(data)


def crit(result, cid):
    return next(c for c in result.criteria if c.id == cid)


# ---------------------------------------------------------------- the calls of issue 9
def test_website_named_in_an_excuse_is_not_offering_it():
    r = attempt("invoice.email.tetap",
                [OPEN, "krn website www.pln.co.id sedang gangguan, langsung sy teruskan", CLOSE],
                "forward_unit")
    c = crit(r, "website_offered_first")
    assert not c.ok and "hanya disebut, bukan ditawarkan" in c.evidence
    assert "website_offered_first" in r.critical_failed
    assert not r.passed


def test_forward_without_any_offer_fails_in_both_invoice_cases():
    fwd = ("Baik Bu, permintaan Invoice kami teruskan ke Unit PLN, petugas Unit akan "
           "menghubungi Ibu.")
    tetap = attempt("invoice.email.tetap", [OPEN, fwd, CLOSE], "forward_unit")
    setuju = attempt("invoice.email.setuju_web", [OPEN, fwd, CLOSE], "issue_closed")
    for r in (tetap, setuju):
        assert not r.passed
        assert "website_offered_first" in r.critical_failed


def test_offer_after_the_forward_is_too_late():
    r = attempt("invoice.email.tetap", [
        OPEN, "Baik, permintaan Ibu kami teruskan ke Unit PLN ya.",
        "Oh iya, sebenarnya Ibu juga bisa lihat tagihan di website www.pln.co.id.", CLOSE,
    ], "forward_unit")
    c = crit(r, "website_offered_first")
    assert not c.ok and "sebelum website ditawarkan" in c.evidence


def test_correct_tetap_call_passes_with_full_marks():
    r = attempt("invoice.email.tetap", [
        OPEN,
        "Sebelumnya kami informasikan, Ibu dapat melihat tagihan dan Invoice setiap bulan di "
        "website www.pln.co.id, lebih cepat tanpa menunggu kiriman.",
        "Baik Bu, karena Ibu tetap ingin dikirim via email, permintaan kami teruskan ke ULP, "
        "nanti petugas ULP yang menghubungi Ibu.",
        CLOSE,
    ], "forward_unit")
    assert r.passed and r.critical_failed == []
    assert r.score == r.max_score


def test_rude_call_that_never_asked_for_the_address_fails_and_shows_no_address():
    r = attempt(
        "invoice.keluhan.koreksi_email",
        ["Wah itu bukan urusan saya Pak, tanya tetangga saja", "ok",
         "Sorry sir, can you speak English?"],
        "keluhan", "koreksi_email_invoice",
        form_email="",
        customer_lines=["Email Invoice saya salah ketik, mau dikoreksi.", "Halo?",
                        "Maksudnya bagaimana?", "Lho, kok bahasa Inggris?"],
    )
    assert not r.passed
    assert "service_conduct" in r.critical_failed
    conduct = crit(r, "service_conduct")
    assert "bukan urusan saya" in conduct.evidence and "bahasa lain" in conduct.evidence
    data = crit(r, "apkt_data")
    assert not data.ok
    # The customer never said the new address: the feedback must not reveal it.
    assert all(NEW_EMAIL not in c.evidence for c in r.criteria)


def test_koreksi_email_needs_the_address_the_customer_gave():
    lines = ["Email Invoice saya salah ketik.", f"Yang benar {NEW_EMAIL}, Mbak."]
    good = attempt("invoice.keluhan.koreksi_email",
                   [OPEN, "Mau diganti jadi apa Bu alamat emailnya?",
                    "Baik, kami buatkan laporan keluhan ke Unit untuk koreksi email.", CLOSE],
                   "keluhan", "koreksi_email_invoice", customer_lines=lines)
    assert crit(good, "apkt_data").ok and good.passed
    typo = attempt("invoice.keluhan.koreksi_email",
                   [OPEN, "Email barunya apa Bu?", "Baik, kami teruskan ke Unit.", CLOSE],
                   "keluhan", "koreksi_email_invoice", customer_lines=lines,
                   form_email="siti.amina@example.co.id")
    assert not crit(typo, "apkt_data").ok
    # Today's attempt shape (no customer_lines) is scored as before: the address counts.
    old = attempt("invoice.keluhan.koreksi_email",
                  [OPEN, "Baik, kami teruskan ke Unit.", CLOSE], "keluhan",
                  "koreksi_email_invoice")
    assert crit(old, "apkt_data").ok


def test_wrong_action_is_one_mistake():
    r = attempt("invoice.keluhan.koreksi_email",
                [OPEN, "Baik Bu, kami teruskan ke Unit.", CLOSE], "forward_unit")
    assert r.critical_failed == ["apkt_action"]
    assert "sub_issue_type" not in [c.id for c in r.criteria]
    assert "Koreksi alamat email Invoice" in crit(r, "apkt_action").evidence


# ---------------------------------------------------------------- what a reply says
@pytest.mark.parametrize("text", [
    "Mohon maaf, tagihan tidak bisa lagi dilihat di aplikasi PLN Mobile untuk periode itu.",
    "tagihan bulan lalu gak bisa dicek lewat website maupun PLN Mobile pak",
    "krn website www.pln.co.id sedang gangguan, sy bacakan saja ya",
    "Bapak sudah punya akun di website PLN?",
])
def test_channel_named_without_offering_it_earns_nothing(text):
    r = attempt("tagihan.jumlah", [OPEN, "Tagihan Ibu bulan ini Rp 345.000.", text, CLOSE],
                "issue_closed")
    assert not crit(r, "self_service_channel").ok


@pytest.mark.parametrize("text", [
    "Untuk ke depannya Ibu bisa cek sendiri di aplikasi PLN Mobile ya.",
    "bs jg dicek di web pln.co.id bu 😊",
    "Tagihan juga tersedia di www.pln.co.id, silakan dicoba.",
    "Bukan hanya lewat 123, tagihan juga bisa dilihat di PLN Mobile.",
])
def test_channel_offered_earns_self_service(text):
    r = attempt("tagihan.jumlah", [OPEN, "Tagihan Ibu bulan ini Rp 345.000.", text, CLOSE],
                "issue_closed")
    assert crit(r, "self_service_channel").ok, crit(r, "self_service_channel").evidence


@pytest.mark.parametrize("text,ok", [
    ("Petugas ULP akan menghubungi Ibu dalam 2x24 jam.", True),
    ("nanti dari kantor PLN setempat yg follow up ke ibu ya", True),
    ("Unit akan kontak Ibu via telepon.", True),
    ("Unit tidak akan menghubungi Ibu, cukup ditunggu saja Invoicenya.", False),
    ("Nanti saya telepon balik ya Bu.", False),
])
def test_unit_followup_reads_who_does_what(text, ok):
    r = attempt("invoice.email.tetap", [
        OPEN, "Ibu dapat melihat Invoice di website www.pln.co.id setiap bulan.",
        "Baik, karena tetap ingin via email, kami teruskan ke Unit PLN. " + text, CLOSE,
    ], "forward_unit")
    assert crit(r, "unit_followup").ok is ok, crit(r, "unit_followup").evidence


@pytest.mark.parametrize("text", [
    "Tagihan Ibu bulan Mei sebesar tiga ratus empat puluh lima ribu rupiah.",
    "tagihannya Rp345.000,- bu",
    "totalnya 345 ribu ya bu",
    "tagihannya 345rb bu",
])
def test_amount_in_any_usual_form_earns_bill_amount(text):
    r = attempt("tagihan.jumlah", [OPEN, text, CLOSE], "issue_closed")
    assert crit(r, "bill_amount").ok


@pytest.mark.parametrize("text,amount", [
    ("tagihan bln april 1juta 85ribu", 1_085_000),
    ("tagihannya 1 juta 85 ribu pak", 1_085_000),
    ("Tagihan bulan ini 345 ribu 500 rupiah", 345_500),
    ("totalnya Rp. 1,085jt", 1_085_000),
    ("tagihan 1,2 juta", 1_200_000),
    ("tagihan 345k", 345_000),
    ("Yang Oktober 512.300, yang November belum terbit Pak", 512_300),
])
def test_amount_in_two_parts_or_decimals_is_one_amount(text, amount):
    got = [a.slot("amount") for a in READER.read(text) if a.act == "state_amount"]
    assert got == [amount], got


def test_the_exact_amount_after_an_approximation_is_read_exact():
    got = [(a.slot("amount"), a.slot("approximate")) for a in READER.read(
        "Hampir 200rb kok bu, tepatnya 187.300") if a.act == "state_amount"]
    assert got == [(200_000, True), (187_300, False)]
    got = [(a.slot("amount"), a.slot("approximate")) for a in READER.read(
        "kira2 300an ribu pak tagihannya") if a.act == "state_amount"]
    assert got == [(300_000, True)]


def test_a_meter_number_is_no_amount():
    assert not [a for a in READER.read("Nomor meternya 56123409877 kan kak?")
                if a.act == "state_amount"]


def test_approximate_or_wrong_amount_does_not_earn_bill_amount():
    for text in ("Tagihannya sekitar 350 ribuan Bu.", "Tagihan Ibu Rp 354.000."):
        r = attempt("tagihan.jumlah", [OPEN, text, CLOSE], "issue_closed")
        assert not crit(r, "bill_amount").ok


def test_website_steps_with_english_verbs_and_chat_spelling():
    replies = [
        OPEN, "Ibu bisa lihat sendiri di website www.pln.co.id ya",
        "buka www.pln.co.id, pilih menu Pelayanan Pelanggan, scroll paling bawah ke Informasi "
        "Tagihan Listrik / Pembelian Token",
        "karena blm punya akun, sign up dulu ya bu, trus agree syarat dan ketentuannya",
        "nanti sistem kirim link verifikasi ke email, cek inbox trus klik linknya",
        "abis itu sign in pake email & password yg barusan dibuat, trus search IDPEL di kolom "
        "pencarian",
        CLOSE,
    ]
    r = attempt("invoice.email.setuju_web", replies, "issue_closed",
                facts={"has_account": False})
    c = crit(r, "website_steps")
    assert c.ok, c.evidence
    assert r.passed


def test_steps_for_the_other_branch_neither_earn_nor_cost():
    replies = [
        OPEN, "Silakan buka www.pln.co.id, pilih Pelayanan Pelanggan, lalu Informasi Tagihan "
        "Listrik / Pembelian Token di paling bawah.",
        "Kalau belum punya akun, klik Daftar Akun dulu. Kalau sudah punya akun, isi email dan "
        "password lalu klik Masuk, kemudian ketik IDPEL di kolom pencarian.",
        CLOSE,
    ]
    r = attempt("website.panduan", replies, "issue_closed", facts={"has_account": True})
    assert crit(r, "website_steps").ok, crit(r, "website_steps").evidence


def test_unrelated_warning_in_a_long_reply_is_not_forwarding():
    r = attempt("invoice.email.setuju_web", [
        OPEN,
        "Ibu bisa melihat Invoice sendiri di website www.pln.co.id setiap bulan. Jangan teruskan "
        "kode OTP atau password ke siapa pun yang mengaku petugas PLN ya Bu.",
        CLOSE,
    ], "issue_closed")
    assert crit(r, "website_offered_first").ok
    assert not any(a.act == "announce_forward" for a in READER.read(
        "Jangan teruskan kode OTP atau password ke siapa pun yang mengaku petugas PLN ya Bu."))


def test_service_standard_is_apart_from_the_sop_criteria():
    r = attempt("tagihan.jumlah", ["Tagihan Ibu Rp 345.000, bisa juga dicek di PLN Mobile."],
                "issue_closed")
    groups = {c.id: c.group for c in r.criteria}
    assert groups["bill_amount"] == "sop"
    assert {k for k, g in groups.items() if g == "layanan"} == {
        "service_greeting", "service_verification", "service_closing", "service_conduct"}
    # No greeting, no IDPEL, no closing: points lost, but the attempt still passes.
    assert r.passed and r.score < r.max_score
    assert not crit(r, "service_greeting").ok and not crit(r, "service_closing").ok


# ---------------------------------------------------------------- the reader itself
@pytest.mark.parametrize("text,expected", [
    ("Kalau belum punya akun, klik Daftar Akun dulu",
     ("website_step", "conditional", "4e")),
    ("Bapak tidak perlu daftar akun lagi", ("website_step", "denied", "4e")),
    ("Sudah coba login di website, Pak?", ("website_step", "asked", "4d")),
    ("Mau diganti jadi apa Pak?", ("ask_data", "said", "email")),
    ("IDPEL 531120532920 ya Bu?", ("confirm_data", "said", "idpel")),
    ("Bapak sudah punya akun di website PLN?", ("ask_data", "said", "account")),
    ("Jika tetap ingin via email, permintaan bisa kami teruskan ke Unit.",
     ("announce_forward", "conditional", "unit")),
    ("tagihan tdk bisa lagi dilihat di aplikasi PLN Mobile",
     ("offer_channel", "denied", "pln_mobile")),
    ("Mohon ditunggu sebentar, saya cek dulu ya Bu", ("hold", "said", None)),
    ("Ada lagi yang bisa kami bantu?", ("ask_more", "said", None)),
    ("Laporan ini tidak kami teruskan ke unit ya bu, karena sudah selesai di sini.",
     ("announce_forward", "denied", "unit")),
    ("Tidak perlu ke kantor PLN Pak, cukup daftar ulang pakai email lain.",
     ("email_used_advice", "denied", "office")),
    ("Tidak perlu ke kantor PLN Pak, cukup daftar ulang pakai email lain.",
     ("email_used_advice", "said", "other_email")),
    ("Pilihannya dua Bu, ganti email atau ke kantor PLN terdekat.",
     ("email_used_advice", "said", "other_email")),
    ("Pelayanan Pelanggan → Informasi Tagihan Listrik / Pembelian Token → Masuk",
     ("website_step", "said", "4d")),
    ("Maaf ya Bu jadi nunggu, sistemnya agak lemot hari ini", ("empathy", "said", None)),
    ("Bukan kesalahan Ibu kok, sistem memang menolak email yang sudah terdaftar.",
     ("empathy", "said", None)),
    ("Kalau emailnya gak masuk, berarti Bapak yang salah ngetik alamatnya.",
     ("unprofessional", "said", None)),
    ("Okay, 530117782045, correct?", ("unprofessional", "said", None)),
    ("Pake otak dong Pak.", ("unprofessional", "said", None)),
    ("Buang-buang waktu saya aja.", ("unprofessional", "said", None)),
    ("Maaf Pak, alamat emailnya bisa dieja?", ("ask_data", "said", "email")),
    ("buka www.pln.co.id > Pelayanan Pelanggan > Daftar Akun > Setuju > cek email",
     ("website_step", "said", "4f")),
    ("slmt mlm pak, PLN 123 dgn Ilham ada yg bs dibantu", ("greet", "said", None)),
    ("blh idpel & email yg didaftarkan bu", ("ask_data", "said", "idpel")),
    ("Eh maaf Bu, maksud saya menu Pelayanan Pelanggan, bukan Layanan Online.",
     ("website_step", "said", "4b")),
])
def test_reader_reads_polarity_and_slots(text, expected):
    assert expected in keys(text), READER.read(text)


@pytest.mark.parametrize("text,absent", [
    ("Bapak sudah punya akun di website PLN?", ("offer_channel", "said", "website")),
    ("Bapak sudah punya akun di website PLN?", ("website_step", "said", "4a")),
    ("Mohon maaf, boleh minta IDPEL-nya?", ("empathy", "said", None)),
    ("Terima kasih, datanya sudah saya catat.", ("close", "said", None)),
    ("Nanti saya telepon balik ya Bu.", ("promise_contact", "said", "unit")),
    ("Noted Bu, request-nya kami follow up.", ("unprofessional", "said", None)),
    ("Bulan lalu permintaan Bapak sudah pernah diteruskan ke Unit, dan statusnya sudah selesai.",
     ("announce_forward", "said", "unit")),
    ("Terima kasih sudah bersedia mencoba lewat website ya Bu.",
     ("offer_channel", "said", "website")),
    ("Bapak tanpa perlu menyebutkan alamat, cukup nama dan ID pelanggan saja.",
     ("unprofessional", "said", None)),
    ("Emailnya dewi.lestari@example.co.id ya Bu? d-e-w-i titik l-e-s-t-a-r-i",
     ("unprofessional", "said", None)),
    ("Pak, kedepannya bisa cek sendiri ya, bisa via aplikasi PLN Mobile.",
     ("unprofessional", "said", None)),
])
def test_reader_does_not_read_what_is_not_done(text, absent):
    assert absent not in keys(text)


def test_amounts_in_words():
    from scoring.acts import words_number

    assert words_number("tiga ratus empat puluh lima ribu".split(), 0) == (345000, 6)
    assert words_number("satu juta dua ratus lima puluh ribu".split(), 0)[0] == 1_250_000
    assert words_number("satu koma dua juta".split(), 0)[0] == 1_200_000
    assert words_number("sebelas ribu lima ratus".split(), 0)[0] == 11_500


def test_amount_words_round_trip_with_num2words():
    num2words = pytest.importorskip("num2words").num2words
    from scoring.acts import words_number

    for n in (345000, 1_215_600, 87_050, 2_000_000, 999_999, 100_100, 12_345):
        words = num2words(n, lang="id").replace("-", " ").split()
        assert words_number(words, 0) == (n, len(words)), words


# ---------------------------------------------------------------- the corpus
def test_corpus_is_large_split_by_family_and_well_formed():
    examples = load_corpus(["tune", "holdout"])
    assert len(examples) >= 800
    tune = {e.family for e in examples if e.part == "tune"}
    holdout = {e.family for e in examples if e.part == "holdout"}
    assert tune and holdout and not tune & holdout
    assert len([e for e in examples if e.part == "holdout"]) >= 300
    acts = {k[0] for e in examples if e.part == "holdout" for k in e.acts}
    assert len(acts) == 15  # every act appears in the kept-apart part


def test_reader_on_the_kept_apart_part_has_no_weak_act():
    ev = evaluate(READER, load_corpus(["holdout"]))
    weak = {a: (round(s.precision, 2), round(s.recall, 2)) for a, s in ev.per_act.items()
            if s.support and min(s.precision, s.recall) < 0.6}
    assert not weak, weak


def test_acts_command_shows_a_reading_and_the_evaluation():
    out = subprocess.run([sys.executable, "-m", "cli", "acts", "--json",
                          "krn website sedang gangguan, langsung sy teruskan"],
                         capture_output=True, text=True, check=True)
    acts = json.loads(out.stdout)["acts"]
    assert [a["act"] for a in acts] == ["announce_forward"]
    ev = subprocess.run([sys.executable, "-m", "cli", "acts", "--eval", "--json"],
                        capture_output=True, text=True, check=True)
    data = json.loads(ev.stdout)
    assert data["part"] == "holdout" and data["examples"] >= 300
    assert set(data["acts"]) >= {"offer_channel", "website_step", "unprofessional"}
    assert (CORPUS_DIR / "holdout").is_dir()


def test_a_broken_phrasing_names_file_line_and_field(tmp_path):
    from sop.library import load_library as load

    src = (SOP_FILE).read_text(encoding="utf-8")
    bad = src.replace("    hold:\n      \"-\":\n", "    tahan:\n      \"-\":\n", 1)
    assert bad != src
    (tmp_path / "sop.yaml").write_text(bad, encoding="utf-8")
    lib = load([tmp_path])
    assert not lib.sops
    [problem] = lib.problems
    line = bad[: bad.index("    tahan:")].count("\n") + 1
    assert (problem.line, problem.field) == (line, "acts.phrases.tahan")
    assert "tidak dikenal" in problem.message


def test_a_trainer_adds_a_phrasing_without_code(tmp_path):
    from sop.library import load_library as load

    text = "Datanya saya telusuri dulu ya Kak"
    assert "hold" not in {a.act for a in READER.read(text)}
    src = SOP_FILE.read_text(encoding="utf-8").replace(
        "        - bersedia menunggu\n",
        "        - bersedia menunggu\n        - saya|sy telusuri\n", 1)
    (tmp_path / "sop.yaml").write_text(src, encoding="utf-8")
    sop = next(iter(load([tmp_path]).sops.values()))
    assert "hold" in {a.act for a in ActReader(sop).read(text)}


def test_a_reply_reads_the_same_whatever_the_hash_seed():
    """Overlapping phrasings of equal length must not be chosen by set order: the same reply
    gets the same reading (and so the same verdict) in every process."""
    import os

    code = (
        "import json; from sop.library import load_library; from scoring.acts import ActReader;"
        "from scoring.corpus import load_corpus;"
        "r = ActReader(next(iter(load_library().sops.values())));"
        "print(json.dumps([[a.key for a in r.read(e.text)] for e in load_corpus(['tune'])]))"
    )
    outs = {subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                           check=True, env={**os.environ, "PYTHONHASHSEED": seed},
                           cwd=Path(__file__).resolve().parents[1]).stdout
            for seed in ("1", "2", "3")}
    assert len(outs) == 1

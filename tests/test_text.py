"""How replies are read: words, canonical forms, cues, negation, amounts.

The scorer reads replies into acts (scoring/acts.py, phrasings in the SOP file); of
scoring/text.py it uses the word-normalising Reader (canonical forms, chat spellings, typos)
only. The cue functions below it (compile/find/first_hit/amounts) are tested as they are;
the same reading properties are checked again on the act reader, which is what scores a
trainee's replies today."""

from __future__ import annotations

import pytest

from scoring.acts import ActReader
from scoring.text import SYNONYMS, Reader, amounts, find, first_hit
from sop.library import load_library

CUES = ["www pln co id", "website", "pln mobile", "masuk", "login", "pelayanan pelanggan",
        "unit ... menghubungi", "daftar akun", "id pelanggan", "konfirmasi"]
R = Reader(CUES)
ACTS = ActReader(load_library().sops["pln123.tagihan_invoice"])


def hits(cue, text):
    return [(h.start, h.end) for h in find(R.compile(cue), R.read(text))]


def keys(text):
    """(act, polarity, key slot) of every act the scorer reads in one reply."""
    return {a.key for a in ACTS.read(text)}


def test_case_spaces_and_punctuation_do_not_matter():
    assert hits("www pln co id", "Buka   WWW.PLN.CO.ID!!") == [(1, 4)]
    assert hits("pelayanan pelanggan", "menu:'Pelayanan-Pelanggan'") == [(1, 2)]


def test_typos_of_long_words_are_tolerated_but_short_words_are_exact():
    assert R.canon("pelangan") == "pelanggan"
    assert R.canon("konfrimasi") == "konfirmasi"
    assert R.canon("masukkan") == "masukkan"
    assert hits("masuk", "masukkan password") == []
    assert hits("masuk", "lalu klik MASUK") == [(2, 2)]


def test_chat_spellings_map_to_one_word():
    assert {SYNONYMS[w] for w in ("tdk", "gak", "nggak", "tak")} == {"tidak"}
    assert R.canon(SYNONYMS["yg"]) == "yang" and R.canon(SYNONYMS["utk"]) == "untuk"


def test_gap_cue_allows_a_few_words_between():
    assert hits("unit ... menghubungi", "Unit PLN akan segera menghubungi Bapak") == [(0, 4)]
    far = "Unit PLN akan segera dalam waktu dekat ini menghubungi Bapak"
    assert hits("unit ... menghubungi", far) == []


@pytest.mark.parametrize("text", [
    "tidak bisa lewat website", "tdk bisa via website", "bukan melalui website",
    "jangan pakai website", "website sedang tidak bisa diakses", "gak bisa lewat website",
])
def test_negated_mentions_do_not_count(text):
    assert hits("website", text) == []


@pytest.mark.parametrize("text", [
    "kalau tidak punya akun daftar akun dulu",
    "tidak perlu ke kantor, cukup lewat website",
    "jika belum punya akun, silakan daftar akun",
])
def test_negation_of_something_else_does_not_cancel_a_cue(text):
    cue = "daftar akun" if "daftar" in text else "website"
    assert hits(cue, text) != []


def test_first_hit_is_the_earliest_across_replies():
    texts = [R.read("halo"), R.read("cek PLN Mobile atau website"), R.read("website")]
    h = first_hit([R.compile("website"), R.compile("pln mobile")], texts)
    assert (h.reply, h.start, h.cue) == (1, 1, "pln mobile")


def test_quote_keeps_the_words_as_typed():
    t = R.read("Silakan  buka WWW.PLN.CO.ID ya")
    assert t.quote(2, 5, context=0) == "...WWW.PLN.CO.ID..."


@pytest.mark.parametrize("text,value", [
    ("Rp 345.000", 345000), ("Rp345.000,-", 345000), ("345 ribu", 345000), ("345rb", 345000),
    ("Rp 1.234.567,00", 1234567), ("1,2 juta", 1200000), ("RP. 99.500", 99500),
])
def test_amount_formats(text, value):
    assert [a.value for a in amounts(text)] == [value]


def test_amounts_do_not_merge_unrelated_numbers():
    assert [a.value for a in amounts("tanggal 20, 345.000")] == [20, 345000]


# ---------------------------------------------------------------- the same, as acts
def test_acts_case_spaces_and_punctuation_do_not_matter():
    assert {("offer_channel", "said", "website"), ("website_step", "said", "4a")} <= keys(
        "Buka   WWW.PLN.CO.ID!!")
    assert ("website_step", "said", "4b") in keys("menu:'Pelayanan-Pelanggan'")


def test_acts_typos_are_tolerated_but_masukkan_is_not_the_masuk_button():
    assert ("website_step", "said", "4b") in keys("pilih menu pelayanan pelangan")
    assert ("website_step", "said", "4h") in keys("lakukan konfrimasi lewat email")
    entering = keys("masukkan IDPEL di kolom pencarian")
    assert ("website_step", "said", "4j") in entering
    assert ("website_step", "said", "4d") not in entering
    assert ("website_step", "said", "4d") in keys("lalu klik MASUK")


@pytest.mark.parametrize("text", [
    "Unit PLN akan segera menghubungi Bapak",
    # More words between the Unit and the promise are still the same promise.
    "Unit PLN akan segera dalam waktu dekat ini menghubungi Bapak",
])
def test_acts_unit_promise_with_words_between(text):
    assert ("promise_contact", "said", None) in keys(text), ACTS.read(text)


@pytest.mark.parametrize("text", [
    "tidak bisa lewat website", "tdk bisa via website", "bukan melalui website",
    "jangan pakai website", "website sedang tidak bisa diakses", "gak bisa lewat website",
])
def test_acts_negated_channel_is_no_offer(text):
    assert ("offer_channel", "said", "website") not in keys(text)
    assert ("website_step", "said", "4a") not in keys(text)


@pytest.mark.parametrize("text,expected", [
    ("kalau tidak punya akun daftar akun dulu", ("website_step", "conditional", "4e")),
    ("tidak perlu ke kantor, cukup lewat website", ("offer_channel", "said", "website")),
    ("jika belum punya akun, silakan daftar akun", ("website_step", "conditional", "4e")),
])
def test_acts_negation_of_something_else_does_not_cancel_an_act(text, expected):
    assert expected in keys(text)


def test_acts_evidence_keeps_the_words_as_typed():
    offer = next(a for a in ACTS.read("Silakan  buka WWW.PLN.CO.ID ya")
                 if a.act == "offer_channel")
    assert "WWW.PLN.CO.ID" in offer.evidence


@pytest.mark.parametrize("text,value", [
    ("Rp 345.000", 345000), ("Rp345.000,-", 345000), ("345 ribu", 345000), ("345rb", 345000),
    ("Rp 1.234.567,00", 1234567), ("1,2 juta", 1200000), ("RP. 99.500", 99500),
])
def test_acts_amount_formats(text, value):
    stated = [a for a in ACTS.read(text) if a.act == "state_amount"]
    assert [(a.polarity, a.slot("amount"), a.slot("approximate")) for a in stated] == [
        ("said", value, False)]


def test_acts_amounts_do_not_take_a_date_for_money():
    stated = [a.slot("amount") for a in ACTS.read("jatuh tempo tanggal 20, tagihannya 345.000")
              if a.act == "state_amount"]
    assert stated == [345000]

"""How replies are read: words, canonical forms, cues, negation, amounts."""

from __future__ import annotations

import pytest

from scoring.text import Reader, amounts, find, first_hit

CUES = ["www pln co id", "website", "pln mobile", "masuk", "login", "pelayanan pelanggan",
        "unit ... menghubungi", "daftar akun", "id pelanggan", "konfirmasi"]
R = Reader(CUES)


def hits(cue, text):
    return [(h.start, h.end) for h in find(R.compile(cue), R.read(text))]


def test_case_spaces_and_punctuation_do_not_matter():
    assert hits("www pln co id", "Buka   WWW.PLN.CO.ID!!") == [(1, 4)]
    assert hits("pelayanan pelanggan", "menu:'Pelayanan-Pelanggan'") == [(1, 2)]


def test_typos_of_long_words_are_tolerated_but_short_words_are_exact():
    assert R.canon("pelangan") == "pelanggan"
    assert R.canon("konfrimasi") == "konfirmasi"
    assert R.canon("masukkan") == "masukkan"
    assert hits("masuk", "masukkan password") == []
    assert hits("masuk", "lalu klik MASUK") == [(2, 2)]


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

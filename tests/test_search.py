"""Searching the SOP's steps and glossary, the way trainees type: typos, odd case, stray marks."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sop.search import MAX_QUERY, search


@pytest.mark.parametrize(
    ("query", "kind", "found"),
    [
        ("pelayanan pelangan", "langkah", "4b"),  # "Pelanggan" misspelt
        ("PELAYANAN   pelanggan!!", "langkah", "4b"),  # case, spaces, punctuation
        ("daftar akun", "langkah", "4e"),
        ("daftr akun", "langkah", "4e"),  # a letter dropped
        ("invoce email", "langkah", "2"),  # "Invoice" misspelt
        ("verifkasi email", "langkah", "4g"),
        ("berhenti berlanganan invoice", "langkah", "3"),
        ("koreksi emial", "langkah", "3"),  # letters swapped
        ("emial sudah dipakai", "langkah", "4-email-used"),
        ("informasi tagihan listrik/pembelian token", "langkah", "4c"),
        ("kolom pencarian", "langkah", "4j"),
        ("4c", "langkah", "4c"),  # a step id
        ("APKT", "glosarium", "APKT"),
        ("apkr", "glosarium", "APKT"),  # one typo in a short word
        ("pln mobil", "glosarium", "PLN Mobile"),
        ("jatuh tempo", "glosarium", "Jatuh tempo"),
    ],
)
def test_best_hit_for_real_queries(shipped_sop, query, kind, found):
    hits = search(shipped_sop, query)
    assert hits, f"nothing found for {query!r}"
    assert (hits[0].kind, hits[0].id) == (kind, found), [(h.kind, h.id, h.score) for h in hits]


def test_glossary_term_beats_steps_that_merely_mention_it(shipped_sop):
    hits = search(shipped_sop, "APKT")
    assert hits[0].kind == "glosarium" and hits[0].score == 100
    # the steps that use APKT are found too, below the term itself
    steps = {h.id for h in hits if h.kind == "langkah"}
    assert {"2a", "2b", "3"} <= steps


def test_hits_are_sorted_limited_and_scored_within_bounds(shipped_sop):
    hits = search(shipped_sop, "tagihan", limit=4)
    assert len(hits) == 4
    scores = [h.score for h in hits]
    assert scores == sorted(scores, reverse=True)
    assert all(0 < s <= 100 for s in scores)


def test_within_keeps_only_hits_close_to_the_best(shipped_sop):
    everything = search(shipped_sop, "pelayanan pelangan", limit=50)
    close = search(shipped_sop, "pelayanan pelangan", limit=50, within=15)
    assert close[0] == everything[0]
    assert len(close) < len(everything)
    assert all(h.score >= close[0].score - 15 for h in close)


def test_sub_step_hit_names_its_parent_and_quotes_the_step(shipped_sop):
    hit = search(shipped_sop, "pelayanan pelangan")[0]
    assert hit.parent == "4"
    assert hit.snippet == 'Pilih Menu: "Pelayanan Pelanggan"'
    glossary = search(shipped_sop, "IDPEL")[0]
    assert glossary.kind == "glosarium" and glossary.parent is None
    assert "12 digit" in glossary.snippet


def test_long_step_snippet_is_cut_around_the_match(shipped_sop):
    hit = next(h for h in search(shipped_sop, "tatap muka") if h.id == "2b")
    assert "tatap muka" in hit.snippet
    assert hit.snippet.startswith("...")
    assert len(hit.snippet) <= 150


@pytest.mark.parametrize("query", ["", "   ", "?!.,", "xyzzy qwrtp"])
def test_nothing_found_for_empty_or_unrelated_queries(shipped_sop, query):
    assert search(shipped_sop, query) == []


def test_huge_query_is_read_up_to_the_limit(shipped_sop):
    query = "pelayanan pelangan " + "x" * 1_000_000
    assert search(shipped_sop, query)[0].id == "4b"
    # words past the first MAX_QUERY characters are not read
    assert search(shipped_sop, "x" * MAX_QUERY + " pelayanan pelanggan") == []


@settings(max_examples=60, deadline=None)
@given(st.text(max_size=80), st.integers(min_value=-2, max_value=30))
def test_any_query_gives_sorted_hits_within_bounds(shipped_sop, query, limit):
    hits = search(shipped_sop, query, limit=limit)
    assert len(hits) <= max(limit, 0)
    assert all(0 <= h.score <= 100 and h.kind in ("langkah", "glosarium") for h in hits)
    assert [h.score for h in hits] == sorted((h.score for h in hits), reverse=True)

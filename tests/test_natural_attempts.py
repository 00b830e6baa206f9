"""Whole calls written by three QA analysts and a trainer from the SOP alone, without seeing the
reader (tests/data/natural_attempts*.jsonl: 70 + 84 + 70 + 70), each with their verdict per
criterion: the scorer agrees."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from scoring.scorer import Scorer
from sop.library import load_library

DATA = sorted((Path(__file__).parent / "data").glob("natural_attempts*.jsonl"))
CASES = [json.loads(line) for path in DATA
         for line in path.read_text(encoding="utf-8").splitlines() if line]
SCORER = Scorer(load_library())


def test_every_case_is_covered():
    assert len(CASES) >= 290
    assert len({c["case"] for c in CASES}) == 7


# Verdicts where the analyst and the product still differ, each with why. The test holds them
# to exactly this difference, so a change that settles one shows here.
KNOWN = {
    ("N3-W09", "website_steps"): "4c said before 4b in word order ('klik Informasi Tagihan "
                                 "Listrik ... yang ada di paling bawah menu Pelayanan "
                                 "Pelanggan'); the product counts word order within a reply",
    ("N3-W10", "service_conduct"): "a curt brush-off with no dismissive words ('Ya itu aja "
                                   "pak.') is not read as unprofessional",
}


@pytest.mark.parametrize("case", CASES, ids=[c["id"] for c in CASES])
def test_scorer_agrees_with_the_qa_analyst(case):
    attempt = {k: v for k, v in case.items() if k not in ("id", "note", "expected")}
    result = SCORER.score_data(attempt)
    expected = dict(case["expected"])
    passed = expected.pop("passed")
    got = {c.id: c.ok for c in result.criteria}
    wrong = {cid: (want, got.get(cid), next((c.evidence for c in result.criteria
                                              if c.id == cid), None))
             for cid, want in expected.items() if got.get(cid) != want}
    known = {cid for (cid_case, cid) in KNOWN if cid_case == case["id"]}
    assert set(wrong) == known, f"{case['note']}: {wrong}"
    assert set(got) == set(expected)
    if not known:
        assert result.passed is passed

"""Whole calls written by two QA analysts from the SOP alone, without seeing the reader
(tests/data/natural_attempts*.jsonl: 70 + 84), each with the analyst's verdict per criterion:
the scorer agrees."""

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
    assert len(CASES) >= 150
    assert len({c["case"] for c in CASES}) == 7


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
    assert not wrong, f"{case['note']}: {wrong}"
    assert set(got) == set(expected)
    assert result.passed is passed

"""QA's corrections grow the corpus: an override and its reply come out as a labelled example
in the corpus format, the wrongly read act taken away."""

from __future__ import annotations

import json

from scoring.corpus import load_file
from store.corpus_export import override_examples
from store.dashboard import QaFilter
from store.reviews import override_criterion, review
from tests.qa_data import add_attempts, content, people


def test_an_override_becomes_a_corrected_corpus_line(db, tmp_path):
    p = people(db)
    ids = add_attempts(db, [p["andi"]], 12, seed=3)
    qa = p["qa1"].requester
    lib = content().library
    scorer = content().scorer
    # an attempt where the reader credited an act-based criterion that quotes one reply
    target = None
    for attempt_id in ids:
        r = review(db, requester=qa, attempt_id=attempt_id, library=lib)
        for c in r.criteria:
            wanted = ("self_service_channel", "website_offered_first", "unit_followup",
                      "service_closing")
            if c.auto_ok and c.id in wanted and "balasan" in c.evidence:
                target = (attempt_id, c)
                break
        if target:
            break
    assert target is not None
    attempt_id, c = target
    override_criterion(db, requester=qa, attempt_id=attempt_id, criterion_id=c.id, ok=False,
                       comment="Bukan penawaran, hanya disebut.", library=lib)

    lines = override_examples(db, requester=qa, where=QaFilter(),
                              read=lambda case, text: scorer.read(case, [text])[0])
    assert len(lines) == 1
    path = tmp_path / "qa.jsonl"
    path.write_text(lines[0] + "\n", encoding="utf-8")
    [example] = load_file(path, "qa")  # the corpus loader accepts it
    data = json.loads(lines[0])
    assert data["qa"]["criterion"] == c.id and data["qa"]["qa_ok"] is False
    assert data["qa"]["comment"] == "Bukan penawaran, hanya disebut."
    earned = {"self_service_channel": "offer_channel", "website_offered_first": "offer_channel",
              "unit_followup": "promise_contact", "service_closing": "close"}[c.id]
    assert earned not in {a["act"] for a in data["acts"]}
    reply_no = data["qa"]["reply"]
    assert f"balasan {reply_no}" in c.evidence


def test_trainees_cannot_export_corrections(db):
    p = people(db)
    try:
        override_examples(db, requester=p["andi"].requester, where=QaFilter(),
                          read=lambda case, text: [])
    except Exception as exc:  # StoreError
        assert "QA" in str(exc)
    else:
        raise AssertionError("a trainee exported QA corrections")

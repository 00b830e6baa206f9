"""QA review: overrides with an append-only trail, reviewed-by, trainee notes, calibration and
rescoring with history. Runs on SQLite and (CSO_TEST_POSTGRES_URL) PostgreSQL."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import DBAPIError, IntegrityError

from scoring.scorer import Scorer
from services.rescoring import rescore
from sop.library import Library, load_sop_text
from store import AccessDenied, StoreError, get_attempt, list_audit
from store.calibration import (
    Verdict,
    agreement_rates,
    blind_review,
    calibration_report,
    calibration_reviewers,
    calibrations,
    may_request_calibration,
    request_calibration,
    submit_calibration,
)
from store.dashboard import QaFilter, count_qa_attempts, list_qa_attempts
from store.models import AttemptFact, CriterionFact, CriterionOverride
from store.rescoring import score_history
from store.reviews import mark_reviewed, override_criterion, review, trainee_notes
from tests.qa_data import add_attempts, content, people

LIB = content().library


@pytest.fixture
def setup(db):
    p = people(db)
    ids = add_attempts(db, [p["andi"], p["budi"]], 24)
    return db, p, ids


def first_with(db, ids, predicate):
    """The first attempt whose review satisfies predicate(review)."""
    for attempt_id in ids:
        r = review(db, requester=_qa(db), attempt_id=attempt_id, library=LIB)
        if predicate(r):
            return r
    raise AssertionError("no simulated attempt fits the test")


def _qa(db):
    from store import get_user_by_username

    return get_user_by_username(db, "qa1").requester


def a_failed_noncritical(r):
    return any(not c.ok and not c.critical for c in r.criteria)


# ---------------------------------------------------------------- review and overrides
def test_review_shows_what_the_trainee_saw_and_every_criterion(setup):
    db, p, ids = setup
    r = review(db, requester=p["qa1"].requester, attempt_id=ids[0], library=LIB)
    record = get_attempt(db, ids[0], requester=p["qa1"].requester)
    assert r.attempt == record
    assert r.attempt.call["idpel"] and r.attempt.call["bills"]  # the data panel of that seed
    assert [t.role for t in r.attempt.transcript][:2] == ["pelanggan", "cso"]
    assert r.attempt.apkt["action"]
    assert [c.id for c in r.criteria] == [c["id"] for c in record.result["criteria"]]
    assert all(c.evidence and c.sop_ref for c in r.criteria)
    assert r.adjusted == r.automatic and not r.overrides and not r.reviewed
    assert r.trainee_name in {"Andi", "Budi"}


def test_an_override_adjusts_the_score_beside_the_automatic_one_and_is_audited(setup):
    db, p, ids = setup
    before = first_with(db, ids, a_failed_noncritical)
    crit = next(c for c in before.criteria if not c.ok and not c.critical)
    after = override_criterion(
        db, requester=p["qa1"].requester, attempt_id=before.attempt.id, criterion_id=crit.id,
        ok=True, comment="Langkah disebut dengan kata lain; tetap sesuai SOP.", library=LIB,
    )
    changed = after.criterion(crit.id)
    assert changed.ok and changed.points == crit.max and changed.overridden
    assert changed.auto_ok is False and changed.auto_points == crit.auto_points
    assert after.automatic == before.automatic  # the automatic score is kept beside it
    assert after.adjusted.score == pytest.approx(before.automatic.score + crit.max
                                                 - crit.auto_points)
    assert [m.reviewer_name for m in after.marks] == ["Qa1"]  # reviewed by
    o = after.overrides[0]
    assert (o.old_ok, o.new_ok, o.reviewer_name) == (False, True, "Qa1")
    assert o.comment == "Langkah disebut dengan kata lain; tetap sesuai SOP."
    audit = list_audit(db, target_type="attempt", target_id=before.attempt.id)
    assert [a.action for a in audit] == ["attempt.override", "attempt.review"]
    assert audit[0].old["ok"] is False and audit[0].new["ok"] is True
    assert audit[0].actor_id == p["qa1"].id and audit[0].comment == o.comment

    # the QA list and the facts show the adjusted score and who reviewed it
    row = next(x for x in list_qa_attempts(db, requester=p["qa1"].requester, limit=100)
               if x.attempt_id == before.attempt.id)
    assert row.percent == pytest.approx(after.adjusted.percent, abs=0.01)
    assert row.auto_percent == pytest.approx(before.automatic.percent, abs=0.01)
    assert row.reviewer_name == "Qa1" and row.overrides == 1
    # the stored attempt itself is untouched
    assert get_attempt(db, before.attempt.id, requester=p["qa1"].requester) == before.attempt


def test_the_comment_is_mandatory_and_nothing_is_written_without_it(setup):
    db, p, ids = setup
    r = review(db, requester=p["qa1"].requester, attempt_id=ids[0], library=LIB)
    crit = r.criteria[0]
    for comment in ("", "   \n"):
        with pytest.raises(StoreError) as err:
            override_criterion(db, requester=p["qa1"].requester, attempt_id=ids[0],
                               criterion_id=crit.id, ok=not crit.ok, comment=comment,
                               library=LIB)
        assert err.value.field == "comment"
    with db.session() as s:
        assert s.scalar(select(func.count()).select_from(CriterionOverride)) == 0
    assert list_audit(db, target_type="attempt") == []


def test_bad_overrides_are_refused_with_the_field_named(setup):
    db, p, ids = setup
    r = first_with(db, ids, a_failed_noncritical)
    crit = next(c for c in r.criteria if not c.ok and not c.critical)
    qa = p["qa1"].requester
    cases = [
        ({"criterion_id": "tidak_ada", "ok": True}, "criterion_id"),
        ({"criterion_id": crit.id, "ok": True, "points": crit.max / 2}, "points"),
        ({"criterion_id": crit.id, "ok": False, "points": crit.max + 1}, "points"),
        ({"criterion_id": crit.id, "ok": False, "points": crit.auto_points}, "ok"),  # no change
    ]
    for kw, field in cases:
        with pytest.raises(StoreError) as err:
            override_criterion(db, requester=qa, attempt_id=r.attempt.id, comment="alasan",
                               library=LIB, **kw)
        assert err.value.field == field
    with pytest.raises(StoreError) as err:
        override_criterion(db, requester=qa, attempt_id=999_999, criterion_id=crit.id, ok=True,
                           comment="alasan", library=LIB)
    assert err.value.field == "attempt_id"


def test_only_qa_may_override_trainers_may_read_trainees_may_not(setup):
    db, p, ids = setup
    kw = dict(attempt_id=ids[0], criterion_id="apkt_action", ok=True, comment="x", library=LIB)
    for who in ("pelatih", "andi", "admin1"):
        with pytest.raises(AccessDenied):
            override_criterion(db, requester=p[who].requester, **kw)
        with pytest.raises(AccessDenied):
            mark_reviewed(db, requester=p[who].requester, attempt_id=ids[0], library=LIB)
    assert review(db, requester=p["pelatih"].requester, attempt_id=ids[0], library=LIB)
    with pytest.raises(AccessDenied):
        review(db, requester=p["andi"].requester, attempt_id=ids[0], library=LIB)
    with pytest.raises(AccessDenied):
        list_qa_attempts(db, requester=p["andi"].requester)


def test_an_override_cannot_be_edited_away(setup):
    db, p, ids = setup
    r = first_with(db, ids, a_failed_noncritical)
    crit = next(c for c in r.criteria if not c.ok and not c.critical)
    qa = p["qa1"].requester
    override_criterion(db, requester=qa, attempt_id=r.attempt.id, criterion_id=crit.id,
                       ok=True, comment="pertama", library=LIB)
    # the database refuses to change or delete an override, whatever the client
    for sql in ("UPDATE criterion_overrides SET comment = 'diubah'",
                "UPDATE criterion_overrides SET new_ok = :f",
                "DELETE FROM criterion_overrides",
                "DELETE FROM attempt_reviews"):
        with pytest.raises((IntegrityError, DBAPIError)) as err:
            with db.transaction() as s:
                s.execute(text(sql), {"f": False} if ":f" in sql else {})
        assert "append-only" in str(err.value)
    # a change of mind is a new override; the first one stays in the trail
    after = override_criterion(db, requester=p["qa2"].requester, attempt_id=r.attempt.id,
                               criterion_id=crit.id, ok=False, comment="kedua: tetap kurang",
                               library=LIB)
    assert [(o.comment, o.old_ok, o.new_ok) for o in after.overrides] == [
        ("pertama", False, True), ("kedua: tetap kurang", True, False)]
    assert after.criterion(crit.id).ok is False
    assert after.criterion(crit.id).override.reviewer_name == "Qa2"
    assert {m.reviewer_name for m in after.marks} == {"Qa1", "Qa2"}


def test_overriding_a_critical_criterion_changes_the_verdict(setup):
    db, p, ids = setup
    r = first_with(db, ids, lambda r: r.automatic.critical_failed == ("apkt_action",)
                   and r.automatic.percent + r.criterion("apkt_action").max >= r.pass_mark)
    assert not r.automatic.passed
    after = override_criterion(db, requester=p["qa1"].requester, attempt_id=r.attempt.id,
                               criterion_id="apkt_action", ok=True,
                               comment="Tindakan dicatat benar di sistem, salah pilih di form.",
                               library=LIB)
    assert after.adjusted.passed and not after.automatic.passed
    with db.session() as s:
        fact = s.get(AttemptFact, r.attempt.id)
        crit_rows = s.scalars(select(CriterionFact).where(
            CriterionFact.attempt_id == r.attempt.id)).all()
    assert fact.passed and not fact.auto_passed
    assert all(c.attempt_passed and c.reviewed for c in crit_rows)
    passed_ids = {x.attempt_id for x in list_qa_attempts(
        db, requester=p["qa1"].requester, where=QaFilter(passed=True), limit=1000)}
    assert r.attempt.id in passed_ids


def test_mark_reviewed_and_the_reviewed_filter(setup):
    db, p, ids = setup
    qa = p["qa1"].requester
    assert count_qa_attempts(db, requester=qa, where=QaFilter(reviewed=True)) == 0
    r = mark_reviewed(db, requester=qa, attempt_id=ids[3], library=LIB, comment="Sudah baik.")
    assert r.reviewed and r.marks[0].reviewer_name == "Qa1" and r.marks[0].comment == "Sudah baik."
    reviewed = list_qa_attempts(db, requester=qa, where=QaFilter(reviewed=True))
    assert [x.attempt_id for x in reviewed] == [ids[3]]
    assert count_qa_attempts(db, requester=qa, where=QaFilter(reviewed=False)) == len(ids) - 1


def test_the_trainee_reads_the_comment_on_their_own_attempt_only(setup):
    db, p, ids = setup
    r = first_with(db, ids, a_failed_noncritical)
    crit = next(c for c in r.criteria if not c.ok and not c.critical)
    override_criterion(db, requester=p["qa1"].requester, attempt_id=r.attempt.id,
                       criterion_id=crit.id, ok=True, comment="Bagus, sudah sesuai <b>SOP</b>.",
                       library=LIB)
    owner = p["andi"] if r.attempt.trainee_id == p["andi"].id else p["budi"]
    other = p["budi"] if owner is p["andi"] else p["andi"]
    notes = trainee_notes(db, requester=owner.requester, trainee_id=owner.id)
    assert [(n.attempt_id, n.criterion_id, n.comment, n.reviewer_name) for n in notes] == [
        (r.attempt.id, crit.id, "Bagus, sudah sesuai <b>SOP</b>.", "Qa1")]
    assert trainee_notes(db, requester=owner.requester, trainee_id=owner.id,
                         attempt_id=r.attempt.id)
    assert trainee_notes(db, requester=other.requester, trainee_id=other.id) == []
    with pytest.raises(AccessDenied):
        trainee_notes(db, requester=other.requester, trainee_id=owner.id)


# ---------------------------------------------------------------- calibration
def test_calibration_is_blind_and_reports_agreement_per_reviewer_pair(setup):
    db, p, ids = setup
    qa1, qa2 = p["qa1"].requester, p["qa2"].requester
    r = first_with(db, ids, a_failed_noncritical)
    crit = next(c for c in r.criteria if not c.ok and not c.critical)
    override_criterion(db, requester=qa1, attempt_id=r.attempt.id, criterion_id=crit.id,
                       ok=True, comment="cukup", library=LIB)
    cal = request_calibration(db, requester=qa1, attempt_id=r.attempt.id,
                              reviewer_id=p["qa2"].id)
    assert [c.id for c in calibrations(db, requester=qa2, reviewer_id=p["qa2"].id,
                                       pending=True)] == [cal.id]

    blind = blind_review(db, requester=qa2, calibration_id=cal.id, library=LIB)
    assert blind.blind and blind.overrides == [] and blind.marks == []
    assert blind.criterion(crit.id).ok is False  # qa1's override is not shown
    with pytest.raises(AccessDenied):
        blind_review(db, requester=qa1, calibration_id=cal.id, library=LIB)

    # qa2 agrees with the automatic verdict everywhere (so disagrees with qa1 on crit)
    verdicts = {c.id: Verdict(c.auto_ok, None if c.auto_ok else c.auto_points)
                for c in blind.criteria}
    with pytest.raises(StoreError) as err:
        submit_calibration(db, requester=qa2, calibration_id=cal.id,
                           verdicts=dict(list(verdicts.items())[:-1]), library=LIB)
    assert err.value.field == "verdicts"
    submit_calibration(db, requester=qa2, calibration_id=cal.id, verdicts=verdicts, library=LIB)
    with pytest.raises(StoreError):
        submit_calibration(db, requester=qa2, calibration_id=cal.id, verdicts=verdicts,
                           library=LIB)

    report = calibration_report(db, requester=qa1, calibration_id=cal.id)
    disagree = [x.criterion_id for x in report.lines if not x.agree]
    assert disagree == [crit.id]
    assert report.agreed == len(r.criteria) - 1
    assert report.rate == pytest.approx(100 * (len(r.criteria) - 1) / len(r.criteria), abs=0.1)

    # a second calibration of the same pair where they agree on everything
    r2 = review(db, requester=qa1, attempt_id=next(i for i in ids if i != r.attempt.id),
                library=LIB)
    cal2 = request_calibration(db, requester=qa1, attempt_id=r2.attempt.id,
                               reviewer_id=p["qa2"].id)
    submit_calibration(db, requester=qa2, calibration_id=cal2.id,
                       verdicts={c.id: c.auto_ok for c in r2.criteria if c.auto_ok}
                       | {c.id: Verdict(False, c.auto_points) for c in r2.criteria
                          if not c.auto_ok},
                       library=LIB)
    [pair] = agreement_rates(db, requester=qa1)
    assert (pair.first_name, pair.second_name, pair.calibrations) == ("Qa1", "Qa2", 2)
    assert pair.criteria == len(r.criteria) + len(r2.criteria)
    assert pair.agreed == pair.criteria - 1
    assert pair.rate == pytest.approx(100 * pair.agreed / pair.criteria, abs=0.1)


def test_calibration_needs_another_active_qa_reviewer(setup):
    db, p, ids = setup
    qa1 = p["qa1"].requester
    for reviewer, field in ((p["qa1"], "reviewer_id"), (p["pelatih"], "reviewer_id")):
        with pytest.raises(StoreError) as err:
            request_calibration(db, requester=qa1, attempt_id=ids[0], reviewer_id=reviewer.id)
        assert err.value.field == field
    request_calibration(db, requester=qa1, attempt_id=ids[0], reviewer_id=p["qa2"].id)
    with pytest.raises(StoreError):  # once per reviewer and attempt
        request_calibration(db, requester=qa1, attempt_id=ids[0], reviewer_id=p["qa2"].id)
    with pytest.raises(AccessDenied):
        request_calibration(db, requester=p["pelatih"].requester, attempt_id=ids[0],
                            reviewer_id=p["qa2"].id)



def test_the_reviewers_one_may_ask_are_other_active_qa_users_not_asked_yet(setup):
    db, p, ids = setup
    qa1 = p["qa1"].requester
    assert may_request_calibration(qa1)
    assert not may_request_calibration(p["pelatih"].requester)
    assert [u.id for u in calibration_reviewers(db, requester=qa1, attempt_id=ids[0])] == [
        p["qa2"].id]
    request_calibration(db, requester=qa1, attempt_id=ids[0], reviewer_id=p["qa2"].id)
    assert calibration_reviewers(db, requester=qa1, attempt_id=ids[0]) == []
    assert [u.id for u in calibration_reviewers(db, requester=qa1, attempt_id=ids[1])] == [
        p["qa2"].id]

# ---------------------------------------------------------------- rescoring
def changed_text(old: str, new: str) -> str:
    from pathlib import Path

    sop = next(iter(LIB.sops.values()))
    source = Path(LIB.files[sop.id]).read_text(encoding="utf-8")
    assert old in source
    return source.replace(old, new)


def changed_library(old: str, new: str) -> Library:
    sop = next(iter(LIB.sops.values()))
    path = LIB.files[sop.id]
    lib = Library()
    lib.add(load_sop_text(changed_text(old, new), path), path)
    return lib


OWN = {"version_of": lambda case_id: "uji@r2"}  # a scorer of the test's own names its version


def test_rescoring_with_a_changed_rubric_keeps_the_old_scores_in_history(setup):
    db, p, ids = setup
    qa = p["qa1"].requester
    # the trainer moves 10 points from the self-service mention to the bill amount, saved as
    # the SOP's next version in the database: rescoring uses it and records '<sop id>@r<n>'
    from store.content_io import import_shipped
    from store.content_snapshot import content_snapshot
    from store.versions import save_sop

    import_shipped(db)
    sop_id = next(iter(LIB.sops))
    base = content_snapshot(db).sop_numbers[sop_id]
    save_sop(db, text=changed_text(
        "bill_amount: {weight: 40}\n        self_service_channel: {weight: 30}",
        "bill_amount: {weight: 50}\n        self_service_channel: {weight: 20}"),
        base_version=base, author_id=None, reason="bobot jumlah tagihan", item_id=sop_id)
    lib2 = content_snapshot(db).sops
    label = f"{sop_id}@r{base + 1}"
    assert content_snapshot(db).rubric_version(sop_id) == label
    where = QaFilter(case_id="tagihan.jumlah")
    target = [x.attempt_id for x in list_qa_attempts(db, requester=qa, where=where, limit=1000)]
    assert target, "the simulated attempts include the bill amount case"
    originals = {i: get_attempt(db, i, requester=qa) for i in target}

    progress = []
    report = rescore(db, requester=qa, where=where,
                     on_progress=lambda done, total: progress.append((done, total)), batch=2)
    assert progress[0] == (0, len(target)) and progress[-1] == (len(target), len(target))
    assert report.checked == report.rescored == len(target)
    moved = [i for i, a in originals.items()
             if {c["id"]: c["ok"] for c in a.result["criteria"]}.get("bill_amount")
             != {c["id"]: c["ok"] for c in a.result["criteria"]}.get("self_service_channel")]
    assert report.changed == len(moved)

    for attempt_id, original in originals.items():
        history = score_history(db, requester=qa, attempt_id=attempt_id)
        assert [h.number for h in history] == [0, 1]
        assert history[0].score == original.score  # the old score stays
        assert history[1].rubric_version == label
        weights = {c["id"]: c["max"] for c in history[1].result["criteria"]}
        assert weights["bill_amount"] == 50 and weights["self_service_channel"] == 20
        assert get_attempt(db, attempt_id, requester=qa) == original  # not edited in place
        r = review(db, requester=qa, attempt_id=attempt_id, library=lib2)
        assert r.automatic.score == history[1].score and len(r.versions) == 2
        with db.session() as s:
            assert s.get(AttemptFact, attempt_id).auto_percent == pytest.approx(
                history[1].percent, abs=0.05)
    # other cases were not touched; a second run finds nothing left to do
    assert all(len(score_history(db, requester=qa, attempt_id=i)) == 1
               for i in ids if i not in originals)
    again = rescore(db, requester=qa, where=where)
    assert (again.checked, again.rescored) == (len(target), 0)
    assert [a.action for a in list_audit(db, target_type="attempts")] == ["attempts.rescore"] * 2


def test_an_override_keeps_counting_after_rescoring(setup):
    db, p, ids = setup
    qa = p["qa1"].requester
    r = first_with(db, ids, lambda r: r.attempt.case_id == "tagihan.jumlah")
    crit = r.criterion("self_service_channel")
    override_criterion(db, requester=qa, attempt_id=r.attempt.id, criterion_id=crit.id,
                       ok=not crit.ok, comment="koreksi QA", library=LIB)
    lib2 = changed_library("bill_amount: {weight: 40}\n        self_service_channel: {weight: 30}",
                           "bill_amount: {weight: 50}\n        self_service_channel: {weight: 20}")
    rescore(db, requester=qa, scorer=Scorer(lib2), where=QaFilter(case_id="tagihan.jumlah"),
            **OWN)
    after = review(db, requester=qa, attempt_id=r.attempt.id, library=lib2)
    now = after.criterion(crit.id)
    assert now.ok is (not crit.ok) and now.overridden and now.max == 20
    assert now.points == (20 if now.ok else 0)  # the QA verdict, on the new rubric's scale
    assert after.adjusted.max_score == 125  # 100 for the SOP criteria, 25 for the service standard


def test_only_qa_may_rescore(setup):
    db, p, _ = setup
    with pytest.raises(AccessDenied):
        rescore(db, requester=p["pelatih"].requester, scorer=Scorer(LIB))

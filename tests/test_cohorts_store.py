"""Cohorts, assignments and certification in the store (SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from store import Requester, list_audit, set_disabled, set_roles
from store.certification import certification_status, current_sop_versions
from store.cohorts import (
    ExamSpec,
    PracticeSpec,
    add_members,
    cohort_matrix,
    create_assignment,
    create_cohort,
    list_cohorts,
    my_tasks,
    remove_member,
    start_exam,
)
from store.errors import NoLongerAllowed, StoreError
from store.reviews import mark_reviewed
from tests.cohort_data import JUMLAH, T0, TETAP, people, take_call
from tests.qa_data import content

SOP = "pln123.tagihan_invoice"
DAY = timedelta(days=1)


def _cohort(db, p, *trainees):
    return create_cohort(db, actor_id=p["pelatih"].id, name="Angkatan Oktober 2026",
                         start_date=date(2026, 10, 5), sop_id=SOP,
                         trainee_ids=[p[t].id for t in trainees],
                         trainer_ids=[p["pelatih"].id])  # fmt: skip


def _exam(**over):
    spec = dict(calls=[{"scenario_id": JUMLAH[0], "case_id": JUMLAH[1], "seed": 11},
                       {"scenario_id": TETAP[0], "case_id": TETAP[1], "seed": 12}],
                time_limit_min=60, attempts_allowed=1, pass_case=70, pass_overall=75)
    spec.update(over)
    return ExamSpec.model_validate(spec)


# ---------------------------------------------------------------- membership
def test_a_trainer_makes_a_cohort_adds_and_removes_trainees_audited(db):
    p = people(db)
    cid = _cohort(db, p, "andi", "budi")
    assert add_members(db, actor_id=p["pelatih"].id, cohort_id=cid,
                       user_ids=[p["citra"].id, p["andi"].id]) == [p["citra"].id]
    assert remove_member(db, actor_id=p["pelatih"].id, cohort_id=cid, user_id=p["budi"].id)
    assert not remove_member(db, actor_id=p["pelatih"].id, cohort_id=cid, user_id=p["budi"].id)

    (cohort,) = list_cohorts(db)
    assert [m.username for m in cohort.trainees] == ["andi", "citra"]
    assert [m.username for m in cohort.trainers] == ["pelatih"]
    assert [c.id for c in list_cohorts(db, member_id=p["andi"].id)] == [cid]
    assert list_cohorts(db, member_id=p["budi"].id) == []
    actions = [(e.action, e.actor_id) for e in list_audit(db, target_type="cohort")]
    assert actions == [("cohort.create", p["pelatih"].id),
                       ("cohort.add_trainee", p["pelatih"].id),
                       ("cohort.remove_trainee", p["pelatih"].id)]


def test_cohort_writes_recheck_the_actor_and_the_members_roles(db):
    p = people(db)
    with pytest.raises(NoLongerAllowed):  # a trainee cannot plan
        _cohort_as(db, p["andi"].id, p)
    with pytest.raises(StoreError, match="bukan peserta aktif"):
        create_cohort(db, actor_id=p["admin1"].id, name="X", start_date=date(2026, 10, 5),
                      sop_id=SOP, trainee_ids=[p["qa1"].id])  # fmt: skip
    cid = _cohort_as(db, p["admin1"].id, p)  # an admin may
    # demoted while the page was open
    set_roles(db, user_id=p["pelatih"].id, roles=["trainee"], actor_id=None)
    with pytest.raises(NoLongerAllowed):
        add_members(db, actor_id=p["pelatih"].id, cohort_id=cid, user_ids=[p["citra"].id])
    set_disabled(db, user_id=p["pelatih2"].id, disabled=True, actor_id=None)
    with pytest.raises(NoLongerAllowed):
        remove_member(db, actor_id=p["pelatih2"].id, cohort_id=cid, user_id=p["andi"].id)
    assert [m.username for m in list_cohorts(db)[0].trainees] == ["andi"]
    assert len(list_audit(db, target_type="cohort")) == 1  # nothing of the refused writes
    with pytest.raises(StoreError, match="sudah ada"):
        _cohort_as(db, p["admin1"].id, p)


def _cohort_as(db, actor, p):
    return create_cohort(db, actor_id=actor, name="Angkatan A", start_date=date(2026, 10, 5),
                         sop_id=SOP, trainee_ids=[p["andi"].id])  # fmt: skip


# ---------------------------------------------------------------- assignment windows
def test_a_practice_set_counts_calls_inside_its_window_by_the_clock(db):
    p = people(db)
    cid = _cohort(db, p, "andi", "budi")
    aid = create_assignment(db, actor_id=p["pelatih"].id, cohort_id=cid, kind="latihan",
                            title="Latihan jumlah tagihan",
                            spec=PracticeSpec(cases=(JUMLAH[1],), calls=2, min_score=80),
                            opens_at=T0 + DAY, due_at=T0 + 8 * DAY)  # fmt: skip
    andi, budi = p["andi"].id, p["budi"].id

    def status(now, who):
        return cohort_matrix(db, cid, now=now).state(aid, who)

    assert status(T0, andi).status == "belum_dibuka"
    take_call(db, andi, *JUMLAH[:1], 1, good=True, finished=T0 + DAY / 2)  # before it opened
    assert status(T0 + 2 * DAY, andi).status == "belum_mulai"
    take_call(db, andi, *JUMLAH[:1], 2, good=True, finished=T0 + 2 * DAY)
    take_call(db, andi, TETAP[0], 3, good=True, finished=T0 + 2 * DAY)  # another case
    take_call(db, andi, JUMLAH[0], 4, good=False, finished=T0 + 3 * DAY)  # under the minimum
    state = status(T0 + 3 * DAY, andi)
    assert (state.status, state.done, state.needed) == ("berjalan", 1, 2)
    take_call(db, andi, JUMLAH[0], 5, good=True, finished=T0 + 4 * DAY)
    state = status(T0 + 9 * DAY, andi)
    assert (state.status, state.finished_at, state.late) == ("selesai", T0 + 4 * DAY, False)
    assert status(T0 + 7 * DAY, budi).status == "belum_mulai"
    assert status(T0 + 8 * DAY, budi).status == "terlambat"  # due at exactly this moment

    with pytest.raises(StoreError, match="sesudah"):
        create_assignment(db, actor_id=p["pelatih"].id, cohort_id=cid, kind="latihan",
                          title="x", spec={"calls": 1, "min_score": 50}, opens_at=T0,
                          due_at=T0)  # fmt: skip


# ---------------------------------------------------------------- exams
def test_exam_sittings_count_from_their_start_and_share_the_cohorts_seeds(db):
    p = people(db)
    cid = _cohort(db, p, "andi", "budi", "citra")
    aid = create_assignment(db, actor_id=p["pelatih"].id, cohort_id=cid, kind="ujian",
                            title="Ujian akhir", spec=_exam(), opens_at=T0,
                            due_at=T0 + 7 * DAY)  # fmt: skip
    andi, budi = p["andi"].id, p["budi"].id
    with pytest.raises(StoreError, match="belum dibuka"):
        start_exam(db, actor_id=andi, assignment_id=aid, now=T0 - DAY)
    with pytest.raises(NoLongerAllowed):  # a trainer cannot sit it for them
        start_exam(db, actor_id=p["pelatih"].id, assignment_id=aid, now=T0)

    first = start_exam(db, actor_id=andi, assignment_id=aid, now=T0 + DAY)
    other = start_exam(db, actor_id=budi, assignment_id=aid, now=T0 + DAY)
    assert [(i.scenario_id, i.seed) for i in first.items] == [(JUMLAH[0], 11), (TETAP[0], 12)]
    assert other.items == first.items and other.exam_id != first.exam_id

    # andi answers one call and walks away: the sitting is open until its time limit ...
    take_call(db, andi, JUMLAH[0], 11, good=True, finished=T0 + DAY + timedelta(minutes=10),
              exam_id=first.exam_id)  # fmt: skip
    state = cohort_matrix(db, cid, now=T0 + DAY + timedelta(minutes=30)).state(aid, andi)
    assert (state.status, state.done) == ("berjalan", 1)
    # ... then it is a failed sitting, and the only attempt allowed is used
    state = cohort_matrix(db, cid, now=T0 + 2 * DAY).state(aid, andi)
    assert (state.status, state.attempts_left) == ("gagal", 0)
    with pytest.raises(StoreError, match="sudah dipakai"):
        start_exam(db, actor_id=andi, assignment_id=aid, now=T0 + 2 * DAY)

    # budi answers both, the second after the hour: too late, not counted
    take_call(db, budi, JUMLAH[0], 11, good=True, finished=T0 + DAY + timedelta(minutes=20),
              exam_id=other.exam_id)  # fmt: skip
    take_call(db, budi, TETAP[0], 12, good=True, finished=T0 + DAY + timedelta(minutes=70),
              exam_id=other.exam_id)  # fmt: skip
    assert cohort_matrix(db, cid, now=T0 + 2 * DAY).state(aid, budi).status == "gagal"
    # citra never starts: overdue after the due date
    assert cohort_matrix(db, cid, now=T0 + 8 * DAY).state(aid, p["citra"].id).status == \
        "terlambat"


def test_a_second_sitting_after_a_failed_one_and_seeds_per_trainee(db):
    p = people(db)
    cid = _cohort(db, p, "andi", "budi")
    aid = create_assignment(db, actor_id=p["pelatih"].id, cohort_id=cid, kind="ujian",
                            title="Ujian", spec=_exam(attempts_allowed=2,
                                                      per_trainee_seeds=True),
                            opens_at=T0, due_at=T0 + 7 * DAY)  # fmt: skip
    andi = p["andi"].id
    one = start_exam(db, actor_id=andi, assignment_id=aid, now=T0 + DAY)
    budi_set = start_exam(db, actor_id=p["budi"].id, assignment_id=aid, now=T0 + DAY)
    assert [i.seed for i in one.items] != [i.seed for i in budi_set.items]
    assert [i.seed for i in one.items] != [11, 12]
    for item, good in zip(one.items, (True, False), strict=True):
        take_call(db, andi, item.scenario_id, item.seed, good=good, exam_id=one.exam_id,
                  finished=T0 + DAY + timedelta(minutes=5))  # fmt: skip
    state = cohort_matrix(db, cid, now=T0 + DAY + timedelta(minutes=6)).state(aid, andi)
    assert (state.status, state.attempts_left) == ("berjalan", 1)
    assert [c.passed for c in state.best.cases] == [True, False]
    two = start_exam(db, actor_id=andi, assignment_id=aid, now=T0 + 2 * DAY)
    assert two.items == one.items  # the same calls for the same trainee
    for item in two.items:
        take_call(db, andi, item.scenario_id, item.seed, good=True, exam_id=two.exam_id,
                  finished=T0 + 2 * DAY + timedelta(minutes=5))  # fmt: skip
    state = cohort_matrix(db, cid, now=T0 + 3 * DAY).state(aid, andi)
    assert (state.status, state.best.number, state.best.mean_percent) == ("selesai", 2, 100.0)
    with pytest.raises(StoreError, match="sudah lulus"):
        start_exam(db, actor_id=andi, assignment_id=aid, now=T0 + 3 * DAY)
    (task,) = my_tasks(db, andi, now=T0 + 3 * DAY)
    assert task.state.status == "selesai" and task.cohort_name == "Angkatan Oktober 2026"


# ---------------------------------------------------------------- certification
def test_certification_with_the_sop_version_and_a_newer_version(db):
    from store.content_io import import_shipped
    from store.versions import get_item, list_versions, save_sop

    import_shipped(db)
    assert current_sop_versions(db)[SOP] == 1
    p = people(db)
    cid = _cohort(db, p, "andi", "budi")
    aid = create_assignment(db, actor_id=p["pelatih"].id, cohort_id=cid, kind="ujian",
                            title="Ujian sertifikasi", spec=_exam(), certification=True,
                            opens_at=T0, due_at=T0 + 7 * DAY)  # fmt: skip
    sitting = start_exam(db, actor_id=p["andi"].id, assignment_id=aid, now=T0 + DAY)
    for item in sitting.items:
        take_call(db, p["andi"].id, item.scenario_id, item.seed, good=True,
                  exam_id=sitting.exam_id, finished=T0 + DAY + timedelta(minutes=8),
                  rubric_version=f"{SOP}@r1")  # fmt: skip
    by = {c.username: c for c in certification_status(db, now=T0 + 2 * DAY)}
    assert by["andi"].certified and by["andi"].label == "siap melayani"
    assert (by["andi"].certified_at, by["andi"].sop_version) == (T0 + DAY + timedelta(minutes=8),
                                                                 1)
    assert not by["budi"].certified and "belum mulai" in by["budi"].status_detail

    item = get_item(db, "sop", SOP)
    text = list_versions(db, "sop", SOP)[-1].text
    save_sop(db, text=text + "\n# revisi pelatihan\n", base_version=item.current_number,
             author_id=None, reason="revisi")  # fmt: skip
    (andi,) = certification_status(db, trainee_id=p["andi"].id, now=T0 + 2 * DAY)
    assert (andi.sop_version, andi.current_version, andi.outdated) == (1, 2, True)
    assert andi.label == "siap melayani (versi lama)"
    assert andi.to_json()["status"] == "siap melayani (versi lama)"


def test_certification_waits_for_qa_when_the_trainer_asks_for_it(db):
    p = people(db)
    cid = _cohort(db, p, "andi")
    aid = create_assignment(db, actor_id=p["pelatih"].id, cohort_id=cid, kind="ujian",
                            title="Ujian sertifikasi", spec=_exam(require_review=True),
                            certification=True, opens_at=T0, due_at=T0 + 7 * DAY)
    sitting = start_exam(db, actor_id=p["andi"].id, assignment_id=aid, now=T0 + DAY)
    ids = [take_call(db, p["andi"].id, i.scenario_id, i.seed, good=True,
                     exam_id=sitting.exam_id, finished=T0 + DAY + timedelta(minutes=5))
           for i in sitting.items]  # fmt: skip
    state = cohort_matrix(db, cid, now=T0 + 2 * DAY).state(aid, p["andi"].id)
    assert (state.status, state.detail) == ("berjalan", "menunggu tinjauan QA")
    assert not certification_status(db, current_versions={}, now=T0 + 2 * DAY)[0].certified
    qa = Requester.of(p["qa1"].id, ["qa"])
    for attempt_id in ids:
        mark_reviewed(db, requester=qa, attempt_id=attempt_id, library=content().library)
    (cert,) = certification_status(db, current_versions={}, now=T0 + 2 * DAY)
    assert cert.certified and cert.certified_at > T0 + DAY + timedelta(minutes=5)
    matrix = cohort_matrix(db, cid, now=T0 + 2 * DAY)
    reviewers = {r for c in matrix.state(aid, p["andi"].id).best.cases for r in c.reviewer_ids}
    assert reviewers == {p["qa1"].id}

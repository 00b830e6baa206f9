"""Cohorts (angkatan): a batch of trainees trained together for one SOP, with the trainers in
charge of it; assignments given to a cohort or to one trainee (a practice set or an exam, open
from one moment, due at another); exam sittings; and the status of every trainee on every
assignment, computed from the attempts they saved.

Every write re-reads the acting user's roles inside its own transaction
(`store.access.require_actor`: trainer or admin) and goes to the audit trail in the same
transaction. Reads take the moment to judge at (`now`, default the clock) so tests inject it.

Status of a trainee on an assignment (`STATUS_LABELS`):
- practice set: "selesai" when `calls` attempts of its cases or scenarios, finished after it
  opened, reached the minimum score (QA's adjustments count); "terlambat" when due and not
  done; "berjalan" when some were made; "belum_mulai"; "belum_dibuka" before it opens.
- exam: each sitting (`start_exam`) counts against the attempts allowed from the moment it
  starts, finished or abandoned. A sitting passes when every call of the set was finished
  within the time limit, the mean score of each case reaches the pass mark per case and the
  mean of all calls the overall pass mark (and, when the assignment asks for it, every call was
  reviewed by QA). "selesai": a sitting passed; "berjalan": a sitting still open, or waiting for
  QA's review, or one failed with attempts left; "gagal": every attempt allowed used and none
  passed; "terlambat": due, none passed, attempts left.
"""

from __future__ import annotations

import hashlib
import statistics
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from scenarios.generator import MAX_SEED
from scenarios.practice import ExamItem, ExamSet
from sop.yamlfile import field_name
from store.access import require_actor
from store.audit import record_audit
from store.db import Database, reading, writing
from store.errors import StoreError
from store.models import (
    Assignment,
    Attempt,
    AttemptFact,
    Cohort,
    CohortMember,
    ExamStart,
    User,
    UserRole,
)

# Who may plan cohorts: trainers, and admins.
PLANNERS = frozenset({"trainer", "admin"})
PLANNER_WHAT = "trainer atau admin"
MAX_NAME = 120
MAX_TITLE = 200

Status = Literal["belum_dibuka", "belum_mulai", "berjalan", "selesai", "terlambat", "gagal"]
STATUS_LABELS: dict[str, str] = {
    "selesai": "selesai",
    "berjalan": "berjalan",
    "terlambat": "terlambat",
    "gagal": "gagal",
    "belum_mulai": "belum mulai",
    "belum_dibuka": "belum dibuka",
}
KIND_LABELS = {"latihan": "Latihan", "ujian": "Ujian"}


def utcnow() -> datetime:
    return datetime.now(UTC)


def _now(now: datetime | None) -> datetime:
    if now is None:
        return utcnow()
    if now.tzinfo is None:
        raise StoreError("now", "waktu tanpa zona waktu")
    return now


# ---------------------------------------------------------------- records
@dataclass(frozen=True)
class Member:
    user_id: int
    username: str
    name: str
    added_at: datetime | None = None


@dataclass(frozen=True)
class CohortRecord:
    id: int
    name: str
    sop_id: str
    start_date: date
    created_at: datetime
    trainees: tuple[Member, ...]
    trainers: tuple[Member, ...]

    @property
    def trainee_ids(self) -> list[int]:
        return [m.user_id for m in self.trainees]


# ---------------------------------------------------------------- cohorts: writes
def _clean_name(name: str) -> str:
    text = " ".join((name or "").split())
    if not text:
        raise StoreError("name", "wajib diisi")
    if len(text) > MAX_NAME:
        raise StoreError("name", f"terlalu panjang (maksimal {MAX_NAME} karakter)")
    if any(ord(c) < 32 or ord(c) == 127 for c in text):
        raise StoreError("name", "berisi karakter kendali")
    return text


def _check_role(s: Session, user_ids: Iterable[int], role: str, field_: str) -> list[int]:
    ids = sorted(set(int(i) for i in user_ids))
    if not ids:
        return []
    have = set(s.scalars(
        select(UserRole.user_id).join(User, User.id == UserRole.user_id)
        .where(UserRole.user_id.in_(ids), UserRole.role == role, User.disabled.is_(False))
    ))  # fmt: skip
    missing = [i for i in ids if i not in have]
    if missing:
        what = "peserta" if role == "trainee" else "trainer"
        raise StoreError(field_, f"pengguna {missing} bukan {what} aktif")
    return ids


def create_cohort(
    db: Database | Session,
    *,
    actor_id: int | None,
    name: str,
    start_date: date,
    sop_id: str,
    trainee_ids: Iterable[int] = (),
    trainer_ids: Iterable[int] = (),
) -> int:
    """A new cohort with its trainees and trainers in charge; returns its id. Audited."""
    clean = _clean_name(name)
    if not sop_id:
        raise StoreError("sop_id", "wajib diisi")
    with writing(db) as s:
        require_actor(s, actor_id, PLANNERS, what=PLANNER_WHAT)
        if s.scalar(select(Cohort.id).where(Cohort.name == clean)) is not None:
            raise StoreError("name", f"angkatan '{clean}' sudah ada")
        trainees = _check_role(s, trainee_ids, "trainee", "trainee_ids")
        trainers = _check_role(s, trainer_ids, "trainer", "trainer_ids")
        row = Cohort(name=clean, start_date=start_date, sop_id=sop_id, created_by=actor_id)
        s.add(row)
        s.flush()
        for uid in trainees:
            s.add(CohortMember(cohort_id=row.id, user_id=uid, role="trainee", added_by=actor_id))
        for uid in trainers:
            s.add(CohortMember(cohort_id=row.id, user_id=uid, role="trainer", added_by=actor_id))
        s.flush()
        record_audit(s, actor_id=actor_id, action="cohort.create", target_type="cohort",
                     target_id=row.id, new={"name": clean, "start_date": start_date.isoformat(),
                                            "sop_id": sop_id, "trainees": trainees,
                                            "trainers": trainers})  # fmt: skip
        return row.id


def add_members(
    db: Database | Session,
    *,
    actor_id: int | None,
    cohort_id: int,
    user_ids: Iterable[int],
    role: str = "trainee",
) -> list[int]:
    """Add trainees (or trainers in charge) to a cohort; returns the ids newly added (members
    already in it are left as they are). One audit entry per person added."""
    if role not in ("trainee", "trainer"):
        raise StoreError("role", "harus 'trainee' atau 'trainer'")
    with writing(db) as s:
        require_actor(s, actor_id, PLANNERS, what=PLANNER_WHAT)
        _cohort_row(s, cohort_id)
        ids = _check_role(s, user_ids, role, "user_ids")
        have = set(s.scalars(select(CohortMember.user_id).where(
            CohortMember.cohort_id == cohort_id, CohortMember.role == role)))
        added = [i for i in ids if i not in have]
        for uid in added:
            s.add(CohortMember(cohort_id=cohort_id, user_id=uid, role=role, added_by=actor_id))
            record_audit(s, actor_id=actor_id, action=f"cohort.add_{role}", target_type="cohort",
                         target_id=cohort_id, new={"user_id": uid})  # fmt: skip
        s.flush()
        return added


def remove_member(
    db: Database | Session,
    *,
    actor_id: int | None,
    cohort_id: int,
    user_id: int,
    role: str = "trainee",
    comment: str | None = None,
) -> bool:
    """Remove a trainee (or trainer) from a cohort; False when they were not in it. Their
    attempts stay; they leave the cohort's matrix and reports. Audited."""
    with writing(db) as s:
        require_actor(s, actor_id, PLANNERS, what=PLANNER_WHAT)
        _cohort_row(s, cohort_id)
        gone = s.execute(delete(CohortMember).where(
            CohortMember.cohort_id == cohort_id, CohortMember.user_id == user_id,
            CohortMember.role == role)).rowcount  # fmt: skip
        if not gone:
            return False
        record_audit(s, actor_id=actor_id, action=f"cohort.remove_{role}", target_type="cohort",
                     target_id=cohort_id, old={"user_id": user_id}, comment=comment)
        return True


def _cohort_row(s: Session, cohort_id: int) -> Cohort:
    row = s.get(Cohort, cohort_id)
    if row is None:
        raise StoreError("cohort_id", f"angkatan {cohort_id} tidak ada")
    return row


# ---------------------------------------------------------------- cohorts: reads
def _members(s: Session, cohort_ids: Sequence[int]) -> dict[tuple[int, str], list[Member]]:
    out: dict[tuple[int, str], list[Member]] = {}
    if not cohort_ids:
        return out
    rows = s.execute(
        select(CohortMember.cohort_id, CohortMember.role, CohortMember.added_at, User.id,
               User.username, User.display_name)
        .join(User, User.id == CohortMember.user_id)
        .where(CohortMember.cohort_id.in_(cohort_ids))
        .order_by(User.display_name, User.username)
    )  # fmt: skip
    for cid, role, added, uid, username, name in rows:
        out.setdefault((cid, role), []).append(Member(uid, username, name, added))
    return out


def _records(s: Session, rows: Sequence[Cohort]) -> list[CohortRecord]:
    members = _members(s, [r.id for r in rows])
    return [
        CohortRecord(r.id, r.name, r.sop_id, r.start_date, r.created_at,
                     tuple(members.get((r.id, "trainee"), ())),
                     tuple(members.get((r.id, "trainer"), ())))  # fmt: skip
        for r in rows
    ]


def list_cohorts(
    db: Database | Session, *, member_id: int | None = None, role: str | None = None
) -> list[CohortRecord]:
    """Every cohort, newest start first; or those `member_id` belongs to (as `role`)."""
    stmt = select(Cohort).order_by(Cohort.start_date.desc(), Cohort.id.desc())
    if member_id is not None:
        sub = select(CohortMember.cohort_id).where(CohortMember.user_id == member_id)
        if role is not None:
            sub = sub.where(CohortMember.role == role)
        stmt = stmt.where(Cohort.id.in_(sub))
    with reading(db) as s:
        return _records(s, list(s.scalars(stmt)))


def get_cohort(db: Database | Session, cohort_id: int) -> CohortRecord | None:
    with reading(db) as s:
        row = s.get(Cohort, cohort_id)
        return None if row is None else _records(s, [row])[0]


def get_cohort_by_name(db: Database | Session, name: str) -> CohortRecord | None:
    with reading(db) as s:
        row = s.scalar(select(Cohort).where(Cohort.name == " ".join(name.split())))
        return None if row is None else _records(s, [row])[0]


# ---------------------------------------------------------------- assignments
class PracticeSpec(BaseModel):
    """A practice set: `calls` calls of these cases or scenarios (none named: any) that reach
    `min_score` percent."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    cases: tuple[str, ...] = ()
    scenarios: tuple[str, ...] = ()
    calls: int = Field(ge=1, le=200)
    min_score: float = Field(ge=0, le=100, allow_inf_nan=False)


class ExamCall(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    scenario_id: str = Field(min_length=1, max_length=120)
    case_id: str = Field(min_length=1, max_length=80)
    seed: int = Field(ge=0, le=MAX_SEED)


class ExamSpec(BaseModel):
    """An exam: a fixed set of calls (scenario, case, seed), a time limit per sitting (minutes,
    None: none), the attempts allowed, the pass marks (percent) per case and overall; the same
    seeds for every trainee unless `per_trainee_seeds`; `require_review`: a call counts only
    once QA reviewed it."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    calls: tuple[ExamCall, ...] = Field(min_length=1, max_length=10)
    time_limit_min: int | None = Field(default=None, ge=1, le=600)
    attempts_allowed: int = Field(default=1, ge=1, le=10)
    pass_case: float = Field(ge=0, le=100, allow_inf_nan=False)
    pass_overall: float = Field(ge=0, le=100, allow_inf_nan=False)
    per_trainee_seeds: bool = False
    require_review: bool = False

    @field_validator("calls")
    @classmethod
    def _different_scenarios(cls, v: tuple[ExamCall, ...]) -> tuple[ExamCall, ...]:
        ids = [c.scenario_id for c in v]
        if len(set(ids)) != len(ids):
            raise ValueError("setiap skenario hanya sekali dalam satu ujian")
        return v

    @property
    def cases(self) -> list[str]:
        return list(dict.fromkeys(c.case_id for c in self.calls))


@dataclass(frozen=True)
class AssignmentRecord:
    id: int
    cohort_id: int | None
    trainee_id: int | None
    kind: str
    title: str
    spec: PracticeSpec | ExamSpec
    certification: bool
    opens_at: datetime
    due_at: datetime
    created_at: datetime

    @property
    def exam(self) -> ExamSpec | None:
        return self.spec if isinstance(self.spec, ExamSpec) else None

    @property
    def practice(self) -> PracticeSpec | None:
        return self.spec if isinstance(self.spec, PracticeSpec) else None


def _parse_spec(kind: str, spec: Any) -> PracticeSpec | ExamSpec:
    model = {"latihan": PracticeSpec, "ujian": ExamSpec}.get(kind)
    if model is None:
        raise StoreError("kind", "harus 'latihan' atau 'ujian'")
    if isinstance(spec, model):
        return spec
    try:
        return model.model_validate(spec.model_dump() if isinstance(spec, BaseModel) else spec)
    except ValidationError as exc:
        err = exc.errors(include_url=False)[0]
        raise StoreError("spec." + field_name(err["loc"]), err["msg"]) from None


def _assignment_record(row: Assignment) -> AssignmentRecord:
    return AssignmentRecord(row.id, row.cohort_id, row.trainee_id, row.kind, row.title,
                            _parse_spec(row.kind, row.spec), row.certification, row.opens_at,
                            row.due_at, row.created_at)  # fmt: skip


def create_assignment(
    db: Database | Session,
    *,
    actor_id: int | None,
    kind: str,
    title: str,
    spec: PracticeSpec | ExamSpec | dict[str, Any],
    opens_at: datetime,
    due_at: datetime,
    cohort_id: int | None = None,
    trainee_id: int | None = None,
    certification: bool = False,
) -> int:
    """Give a practice set or an exam to a cohort or to one trainee; returns its id. Audited.
    `certification` (exams of a cohort only): passing it makes the trainee "siap melayani"."""
    parsed = _parse_spec(kind, spec)
    clean = " ".join((title or "").split())
    if not clean:
        raise StoreError("title", "wajib diisi")
    if len(clean) > MAX_TITLE:
        raise StoreError("title", f"terlalu panjang (maksimal {MAX_TITLE} karakter)")
    if (cohort_id is None) == (trainee_id is None):
        raise StoreError("target", "pilih satu angkatan atau satu peserta")
    for name, value in (("opens_at", opens_at), ("due_at", due_at)):
        if value.tzinfo is None:
            raise StoreError(name, "waktu tanpa zona waktu")
    if due_at <= opens_at:
        raise StoreError("due_at", "harus sesudah waktu dibuka")
    if certification and (kind != "ujian" or cohort_id is None):
        raise StoreError("certification", "hanya ujian untuk satu angkatan yang menjadi "
                                          "ujian sertifikasi")  # fmt: skip
    with writing(db) as s:
        require_actor(s, actor_id, PLANNERS, what=PLANNER_WHAT)
        if cohort_id is not None:
            _cohort_row(s, cohort_id)
        else:
            _check_role(s, [trainee_id], "trainee", "trainee_id")  # type: ignore[list-item]
        row = Assignment(cohort_id=cohort_id, trainee_id=trainee_id, kind=kind, title=clean,
                         spec=parsed.model_dump(mode="json"), certification=certification,
                         opens_at=opens_at, due_at=due_at, created_by=actor_id)  # fmt: skip
        s.add(row)
        s.flush()
        record_audit(s, actor_id=actor_id, action="assignment.create", target_type="assignment",
                     target_id=row.id, new={"kind": kind, "title": clean, "cohort_id": cohort_id,
                                            "trainee_id": trainee_id,
                                            "certification": certification,
                                            "opens_at": opens_at.isoformat(),
                                            "due_at": due_at.isoformat(),
                                            "spec": row.spec})  # fmt: skip
        return row.id


def get_assignment(db: Database | Session, assignment_id: int) -> AssignmentRecord | None:
    with reading(db) as s:
        row = s.get(Assignment, assignment_id)
        return None if row is None else _assignment_record(row)


def list_assignments(
    db: Database | Session, *, cohort_id: int | None = None, trainee_id: int | None = None
) -> list[AssignmentRecord]:
    """A cohort's assignments (cohort_id), or everything given to a trainee: their own and
    their cohorts' (trainee_id); by due date."""
    stmt = select(Assignment).order_by(Assignment.due_at, Assignment.id)
    if cohort_id is not None:
        stmt = stmt.where(Assignment.cohort_id == cohort_id)
    if trainee_id is not None:
        cohorts = select(CohortMember.cohort_id).where(
            CohortMember.user_id == trainee_id, CohortMember.role == "trainee")
        stmt = stmt.where((Assignment.trainee_id == trainee_id)
                          | Assignment.cohort_id.in_(cohorts))  # fmt: skip
    with reading(db) as s:
        return [_assignment_record(r) for r in s.scalars(stmt)]


def _is_target(s: Session, a: Assignment, trainee_id: int) -> bool:
    if a.trainee_id is not None:
        return a.trainee_id == trainee_id
    return s.get(CohortMember, (a.cohort_id, trainee_id, "trainee")) is not None


def trainee_seed(seed: int, trainee_id: int) -> int:
    """The seed of one call for one trainee when the exam asks for a seed per trainee."""
    digest = hashlib.sha256(f"{seed}|{trainee_id}".encode()).digest()
    return int.from_bytes(digest[:8], "big") % (MAX_SEED + 1)


def exam_set_for(a: AssignmentRecord, trainee_id: int, exam_id: str) -> ExamSet:
    """The calls of an assigned exam for one trainee: the cohort's seeds, or the trainee's."""
    spec = a.exam
    if spec is None:
        raise StoreError("assignment_id", "tugas ini bukan ujian")
    items = tuple(
        ExamItem(c.scenario_id, trainee_seed(c.seed, trainee_id) if spec.per_trainee_seeds
                 else c.seed)
        for c in spec.calls
    )  # fmt: skip
    return ExamSet(exam_id, items)


def exam_id_of(assignment_id: int, trainee_id: int, number: int) -> str:
    return f"tugas-{assignment_id}-{trainee_id}-{number}"


def start_exam(
    db: Database | Session,
    *,
    actor_id: int,
    assignment_id: int,
    now: datetime | None = None,
) -> ExamSet:
    """A new sitting of an assigned exam for the acting trainee: counted from now on against
    the attempts allowed, finished or not. Refused outside the open window, when every
    attempt allowed is used or when a sitting already passed. Returns the set of calls, with
    the exam id its attempts carry."""
    at = _now(now)
    with writing(db) as s:
        require_actor(s, actor_id, frozenset({"trainee"}), what="peserta")
        row = s.get(Assignment, assignment_id)
        if row is None or row.kind != "ujian" or not _is_target(s, row, actor_id):
            raise StoreError("assignment_id", "ujian ini tidak ditugaskan kepada Anda")
        a = _assignment_record(row)
        if at < a.opens_at:
            raise StoreError("assignment_id", "ujian ini belum dibuka")
        if at >= a.due_at:
            raise StoreError("assignment_id", "batas waktu ujian ini sudah lewat")
        state = _trainee_states(s, [a], [actor_id], at)[(a.id, actor_id)]
        if state.status == "selesai":
            raise StoreError("assignment_id", "Anda sudah lulus ujian ini")
        spec = a.exam
        assert spec is not None
        used = int(s.scalar(select(func.count(ExamStart.id)).where(
            ExamStart.assignment_id == a.id, ExamStart.trainee_id == actor_id)) or 0)
        if used >= spec.attempts_allowed:
            raise StoreError("assignment_id", f"semua {spec.attempts_allowed} kesempatan "
                                              "ujian ini sudah dipakai")  # fmt: skip
        number = used + 1
        exam_id = exam_id_of(a.id, actor_id, number)
        s.add(ExamStart(assignment_id=a.id, trainee_id=actor_id, number=number,
                        exam_id=exam_id, started_at=at))  # fmt: skip
        s.flush()
        return exam_set_for(a, actor_id, exam_id)


# ---------------------------------------------------------------- status per trainee
@dataclass(frozen=True)
class CallResult:
    """One attempt that counts for an assignment, with the score that counts (QA's
    adjustments included) and who reviewed it."""

    attempt_id: int
    scenario_id: str
    case_id: str
    percent: float
    passed: bool
    finished_at: datetime
    rubric_version: str | None
    reviewer_id: int | None
    reviewed_at: datetime | None
    in_time: bool = True


@dataclass(frozen=True)
class CaseResult:
    case_id: str
    percent: float | None  # mean of the case's calls in the sitting
    passed: bool | None  # None: not taken
    finished_at: datetime | None
    reviewer_ids: tuple[int, ...] = ()


@dataclass(frozen=True)
class Sitting:
    number: int
    exam_id: str
    started_at: datetime
    deadline: datetime  # time limit, or the due date, whichever comes first
    calls: tuple[CallResult, ...]
    cases: tuple[CaseResult, ...]
    complete: bool
    open: bool
    mean_percent: float | None
    passed: bool
    waiting_review: bool

    @property
    def finished_at(self) -> datetime | None:
        return max((c.finished_at for c in self.calls), default=None)


@dataclass(frozen=True)
class TraineeState:
    assignment_id: int
    trainee_id: int
    status: Status
    done: int  # calls counted (practice) or calls of the best sitting finished (exam)
    needed: int
    detail: str
    finished_at: datetime | None = None  # when it was done (selesai)
    late: bool = False  # done after the due date
    attempt_ids: tuple[int, ...] = ()
    sittings: tuple[Sitting, ...] = ()
    attempts_left: int | None = None
    best: Sitting | None = None  # the passed sitting, else the last one

    @property
    def label(self) -> str:
        return STATUS_LABELS[self.status]

    @property
    def open_sitting(self) -> Sitting | None:
        return next((x for x in self.sittings if x.open), None)


def _calls(s: Session, trainee_ids: Sequence[int], since: datetime,
           exam_ids: Sequence[str] | None = None) -> list[tuple[int, str | None, CallResult]]:
    stmt = (
        select(Attempt.id, Attempt.trainee_id, Attempt.exam_id, Attempt.mode,
               Attempt.scenario_id, Attempt.case_id, Attempt.finished_at,
               Attempt.rubric_version, Attempt.score, Attempt.max_score, Attempt.passed,
               AttemptFact.percent, AttemptFact.passed.label("fact_passed"),
               AttemptFact.reviewed_by, AttemptFact.reviewed_at)
        .outerjoin(AttemptFact, AttemptFact.attempt_id == Attempt.id)
        .where(Attempt.trainee_id.in_(trainee_ids))
        .order_by(Attempt.finished_at, Attempt.id)
    )  # fmt: skip
    if exam_ids is not None:
        stmt = stmt.where(Attempt.exam_id.in_(exam_ids))
    else:
        stmt = stmt.where(Attempt.mode == "latihan", Attempt.finished_at >= since)
    out = []
    for r in s.execute(stmt):
        percent = r.percent if r.percent is not None else 100.0 * r.score / r.max_score
        passed = r.fact_passed if r.fact_passed is not None else r.passed
        out.append((r.trainee_id, r.exam_id, CallResult(
            r.id, r.scenario_id, r.case_id, round(float(percent), 1), bool(passed),
            r.finished_at, r.rubric_version, r.reviewed_by, r.reviewed_at)))
    return out


def _practice_states(s: Session, a: AssignmentRecord, trainee_ids: Sequence[int],
                     now: datetime) -> dict[tuple[int, int], TraineeState]:
    spec = a.practice
    assert spec is not None
    per: dict[int, list[CallResult]] = {t: [] for t in trainee_ids}
    for trainee, _, call in _calls(s, trainee_ids, a.opens_at):
        if spec.cases or spec.scenarios:
            if call.case_id not in spec.cases and call.scenario_id not in spec.scenarios:
                continue
        per[trainee].append(call)
    out = {}
    for t in trainee_ids:
        calls = per[t]
        counted = [c for c in calls if c.percent >= spec.min_score]
        done = min(len(counted), spec.calls)
        ids = tuple(c.attempt_id for c in calls)
        detail = f"{done} dari {spec.calls} panggilan mencapai skor minimal"
        if len(counted) >= spec.calls:
            at = counted[spec.calls - 1].finished_at
            state = TraineeState(a.id, t, "selesai", done, spec.calls, detail, at,
                                 at > a.due_at, ids)  # fmt: skip
        elif now < a.opens_at:
            state = TraineeState(a.id, t, "belum_dibuka", 0, spec.calls, "belum dibuka")
        elif now >= a.due_at:
            state = TraineeState(a.id, t, "terlambat", done, spec.calls, detail, None, True, ids)
        elif calls:
            state = TraineeState(a.id, t, "berjalan", done, spec.calls, detail, None, False, ids)
        else:
            state = TraineeState(a.id, t, "belum_mulai", 0, spec.calls, detail)
        out[(a.id, t)] = state
    return out


def _sitting(spec: ExamSpec, start: ExamStart, calls: list[CallResult], due: datetime,
             now: datetime) -> Sitting:
    deadline = due
    if spec.time_limit_min is not None:
        deadline = min(due, start.started_at + timedelta(minutes=spec.time_limit_min))
    by_scenario: dict[str, CallResult] = {}
    for c in calls:  # the first finished call of each scenario of the set
        if c.scenario_id in {x.scenario_id for x in spec.calls}:
            in_time = c.finished_at <= deadline
            by_scenario.setdefault(c.scenario_id, replace(c, in_time=in_time))
    counted = [by_scenario[x.scenario_id] for x in spec.calls if x.scenario_id in by_scenario]
    timely = [c for c in counted if c.in_time]
    complete = len(timely) == len(spec.calls)
    cases = []
    for case in spec.cases:
        of_case = [c for c in timely if c.case_id == case]
        want = sum(1 for x in spec.calls if x.case_id == case)
        if len(of_case) < want:
            cases.append(CaseResult(case, _mean(of_case), False if of_case else None,
                                    max((c.finished_at for c in of_case), default=None),
                                    _reviewers(of_case)))  # fmt: skip
            continue
        mean = _mean(of_case)
        cases.append(CaseResult(case, mean, mean is not None and mean >= spec.pass_case,
                                max(c.finished_at for c in of_case), _reviewers(of_case)))
    mean_all = _mean(timely)
    scores_pass = complete and all(c.passed for c in cases) and (
        mean_all is not None and mean_all >= spec.pass_overall)
    waiting = scores_pass and spec.require_review and any(c.reviewer_id is None for c in timely)
    still_open = not complete and now < deadline
    return Sitting(start.number, start.exam_id, start.started_at, deadline, tuple(counted),
                   tuple(cases), complete, still_open, mean_all, scores_pass and not waiting,
                   waiting)  # fmt: skip


def _mean(calls: Sequence[CallResult]) -> float | None:
    return round(statistics.fmean(c.percent for c in calls), 1) if calls else None


def _reviewers(calls: Sequence[CallResult]) -> tuple[int, ...]:
    return tuple(sorted({c.reviewer_id for c in calls if c.reviewer_id is not None}))


def _exam_states(s: Session, a: AssignmentRecord, trainee_ids: Sequence[int],
                 now: datetime) -> dict[tuple[int, int], TraineeState]:
    spec = a.exam
    assert spec is not None
    starts = list(s.scalars(select(ExamStart).where(
        ExamStart.assignment_id == a.id, ExamStart.trainee_id.in_(trainee_ids))
        .order_by(ExamStart.number)))  # fmt: skip
    calls_of: dict[str, list[CallResult]] = {}
    if starts:
        for _, exam_id, call in _calls(s, trainee_ids, a.opens_at, [x.exam_id for x in starts]):
            calls_of.setdefault(exam_id or "", []).append(call)
    per: dict[int, list[Sitting]] = {t: [] for t in trainee_ids}
    for st in starts:
        per[st.trainee_id].append(_sitting(spec, st, calls_of.get(st.exam_id, []), a.due_at, now))
    out = {}
    n = len(spec.calls)
    for t in trainee_ids:
        sittings = tuple(per[t])
        left = spec.attempts_allowed - len(sittings)
        passed = next((x for x in sittings if x.passed), None)
        best = passed or (sittings[-1] if sittings else None)
        done = len([c for c in best.calls if c.in_time]) if best else 0
        ids = tuple(c.attempt_id for x in sittings for c in x.calls)
        common = dict(attempt_ids=ids, sittings=sittings, attempts_left=left, best=best)
        if passed is not None:
            at = passed.finished_at
            if spec.require_review:
                at = max([at] + [c.reviewed_at for c in passed.calls if c.reviewed_at])
            state = TraineeState(a.id, t, "selesai", done, n, f"lulus, rata-rata "
                                 f"{passed.mean_percent}", at, bool(at and at > a.due_at),
                                 **common)  # fmt: skip
        elif any(x.open for x in sittings):
            x = next(x for x in sittings if x.open)
            state = TraineeState(a.id, t, "berjalan", done, n,
                                 f"ujian ke-{x.number} sedang berjalan", **common)
        elif any(x.waiting_review for x in sittings):
            state = TraineeState(a.id, t, "berjalan", done, n, "menunggu tinjauan QA", **common)
        elif sittings and left <= 0:
            state = TraineeState(a.id, t, "gagal", done, n,
                                 f"tidak lulus dalam {len(sittings)} kesempatan", **common)
        elif now < a.opens_at:
            state = TraineeState(a.id, t, "belum_dibuka", 0, n, "belum dibuka", **common)
        elif now >= a.due_at:
            state = TraineeState(a.id, t, "terlambat", done, n, "belum lulus dan sudah lewat "
                                 "batas waktu", late=True, **common)  # fmt: skip
        elif sittings:
            state = TraineeState(a.id, t, "berjalan", done, n, f"belum lulus; sisa {left} "
                                 "kesempatan", **common)  # fmt: skip
        else:
            state = TraineeState(a.id, t, "belum_mulai", 0, n, f"{spec.attempts_allowed} "
                                 "kesempatan", **common)  # fmt: skip
        out[(a.id, t)] = state
    return out


def _trainee_states(s: Session, assignments: Sequence[AssignmentRecord],
                    trainee_ids: Sequence[int], now: datetime
                    ) -> dict[tuple[int, int], TraineeState]:
    out: dict[tuple[int, int], TraineeState] = {}
    for a in assignments:
        targets = list(trainee_ids) if a.trainee_id is None else [
            t for t in trainee_ids if t == a.trainee_id]
        if not targets:
            continue
        if a.kind == "latihan":
            out.update(_practice_states(s, a, targets, now))
        else:
            out.update(_exam_states(s, a, targets, now))
    return out


@dataclass(frozen=True)
class Matrix:
    """A cohort's trainees by its assignments: one state per (assignment id, trainee id)."""

    cohort: CohortRecord
    assignments: tuple[AssignmentRecord, ...]
    trainees: tuple[Member, ...]
    states: dict[tuple[int, int], TraineeState] = field(default_factory=dict)

    def state(self, assignment_id: int, trainee_id: int) -> TraineeState | None:
        return self.states.get((assignment_id, trainee_id))


def cohort_matrix(db: Database | Session, cohort_id: int, *,
                  now: datetime | None = None) -> Matrix:
    """The state of every trainee of the cohort on every assignment of the cohort (and the
    ones given to one of its trainees alone)."""
    at = _now(now)
    with reading(db) as s:
        cohort = get_cohort(s, cohort_id)
        if cohort is None:
            raise StoreError("cohort_id", f"angkatan {cohort_id} tidak ada")
        ids = cohort.trainee_ids
        rows = list(s.scalars(select(Assignment).where(
            (Assignment.cohort_id == cohort_id) | Assignment.trainee_id.in_(ids or [-1]))
            .order_by(Assignment.due_at, Assignment.id)))  # fmt: skip
        assignments = tuple(_assignment_record(r) for r in rows)
        states = _trainee_states(s, assignments, ids, at) if ids else {}
        return Matrix(cohort, assignments, cohort.trainees, states)


@dataclass(frozen=True)
class Task:
    """One assignment as the trainee's "Tugas saya" shows it."""

    assignment: AssignmentRecord
    state: TraineeState
    cohort_name: str | None

    @property
    def overdue(self) -> bool:
        return self.state.status == "terlambat"


def my_tasks(db: Database | Session, trainee_id: int, *,
             now: datetime | None = None) -> list[Task]:
    """Everything given to the trainee (own and their cohorts'), open ones first by due date,
    then the ones not yet open, then the ones done or failed."""
    at = _now(now)
    with reading(db) as s:
        assignments = list_assignments(s, trainee_id=trainee_id)
        states = _trainee_states(s, assignments, [trainee_id], at)
        names = {cid: name for cid, name in s.execute(select(Cohort.id, Cohort.name))}
    order = {"terlambat": 0, "berjalan": 1, "belum_mulai": 1, "belum_dibuka": 2,
             "selesai": 3, "gagal": 3}
    tasks = [Task(a, states[(a.id, trainee_id)], names.get(a.cohort_id)) for a in assignments
             if (a.id, trainee_id) in states]  # fmt: skip
    return sorted(tasks, key=lambda t: (order[t.state.status], t.assignment.due_at))


def user_names(db: Database | Session, ids: Iterable[int]) -> dict[int, str]:
    wanted = sorted(set(ids))
    if not wanted:
        return {}
    with reading(db) as s:
        return {uid: name or username for uid, username, name in s.execute(
            select(User.id, User.username, User.display_name).where(User.id.in_(wanted)))}


def users_with_role(db: Database | Session, role: str) -> list[Member]:
    """Active accounts holding `role` (the cohort form's choices)."""
    with reading(db) as s:
        rows = s.execute(
            select(User.id, User.username, User.display_name)
            .join(UserRole, UserRole.user_id == User.id)
            .where(UserRole.role == role, User.disabled.is_(False))
            .order_by(User.display_name, User.username))  # fmt: skip
        return [Member(uid, username, name) for uid, username, name in rows]

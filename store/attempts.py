"""Attempts: save one scored call, read attempts back as the requester may see them, progress.

Visibility: a trainee sees only their own attempts; trainers, QA and admins see every attempt.
`get_attempt` answers None both for a missing attempt and for one the requester may not see
(nobody learns that someone else's attempt exists); `progress` for another trainee raises
`AccessDenied`.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from pydantic import (
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    field_validator,
)
from sqlalchemy import Select, case, func, insert, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from sop.yamlfile import field_name
from store.access import ANY_ROLE, Requester, require_actor
from store.dashboard import fact_rows, insert_facts
from store.db import Database, reading, writing
from store.errors import AccessDenied, NoLongerAllowed, StoreError
from store.models import Attempt, AttemptFact, User

MAX_TURNS = 500
MAX_TEXT_CHARS = 20_000
MAX_JSON_CHARS = 1_000_000
NUL_MESSAGE = "berisi karakter NUL (\\x00), yang tidak dapat disimpan"

Mode = Literal["latihan", "ujian"]


# ---------------------------------------------------------------- input and output
class Turn(BaseModel):
    """One line of the conversation. Extra keys (e.g. the dialogue rule that fired) are kept."""

    model_config = ConfigDict(extra="allow")
    role: str = Field(min_length=1, max_length=20)
    text: str = Field(max_length=MAX_TEXT_CHARS)
    at: AwareDatetime

    @field_validator("role", "text")
    @classmethod
    def _text_without_nul(cls, v: str) -> str:
        return _no_nul(v)


def _has_nul(value: Any) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_has_nul(k) or _has_nul(v) for k, v in value.items())
    if isinstance(value, list | tuple):
        return any(_has_nul(v) for v in value)
    return False


def _no_nul(v: Any) -> Any:
    if isinstance(v, str) and "\x00" in v:
        raise ValueError(NUL_MESSAGE)
    return v


def _json_size_ok(value: Any) -> Any:
    try:
        dumped = json.dumps(value, ensure_ascii=False, allow_nan=False)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"tidak bisa disimpan sebagai JSON ({exc})") from None
    # JSON writes a NUL in any key or text as \u0000: without that escape there is none (the
    # walk through the whole value runs only when the text \u0000 appears)
    if "\\u0000" in dumped and _has_nul(value):
        raise ValueError(NUL_MESSAGE)
    size = len(dumped)
    if size > MAX_JSON_CHARS:
        raise ValueError(f"terlalu besar ({size} karakter JSON, maksimal {MAX_JSON_CHARS})")
    return value


class _AttemptFields(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    trainee_id: int = Field(gt=0)
    scenario_id: str = Field(min_length=1, max_length=120)
    scenario_version: str = Field(min_length=1, max_length=80)
    case_id: str = Field(min_length=1, max_length=80)
    sop_id: str = Field(min_length=1, max_length=80)
    seed: int = Field(ge=0, le=2**63 - 1)
    mode: Mode
    exam_id: str | None = Field(default=None, min_length=1, max_length=64, validate_default=True)
    call: dict[str, Any]
    transcript: list[Turn] = Field(max_length=MAX_TURNS)
    apkt: dict[str, Any]
    score: float = Field(ge=0, allow_inf_nan=False)
    max_score: float = Field(gt=0, allow_inf_nan=False)
    passed: bool
    result: dict[str, Any]
    rubric_version: str | None = Field(default=None, min_length=1, max_length=80)
    started_at: AwareDatetime
    finished_at: AwareDatetime
    # the call this attempt finishes (scenarios.practice.call_key); an attempt is stored once
    # per call key, so a save tried again (a busy database, a double click) never doubles it
    call_key: str | None = Field(default=None, pattern=r"^[0-9a-f]{16,64}$")


class NewAttempt(_AttemptFields):
    """A finished, scored call as `save_attempt` takes it. `result` is `ScoreResult.to_dict()`
    (a `ScoreResult` itself is accepted too)."""

    @field_validator("scenario_id", "scenario_version", "case_id", "sop_id", "rubric_version")
    @classmethod
    def _plain_text(cls, v: str | None) -> str | None:
        return _no_nul(v)

    @field_validator("exam_id")
    @classmethod
    def _exam_id_in_exams_only(cls, v: str | None, info: ValidationInfo) -> str | None:
        mode = info.data.get("mode")
        if mode == "ujian" and v is None:
            raise ValueError("wajib diisi untuk mode 'ujian'")
        if mode == "latihan" and v is not None:
            raise ValueError("harus kosong untuk mode 'latihan'")
        return _no_nul(v)

    @field_validator("call", "apkt")
    @classmethod
    def _json(cls, v: Any) -> Any:
        return _json_size_ok(v)

    @field_validator("transcript")
    @classmethod
    def _transcript_json(cls, v: list[Turn]) -> list[Turn]:
        _json_size_ok([t.model_dump(mode="json") for t in v])
        return v

    @field_validator("max_score")
    @classmethod
    def _not_below_score(cls, v: float, info: ValidationInfo) -> float:
        score = info.data.get("score")
        if score is not None and score > v:
            raise ValueError(f"lebih kecil dari score ({score})")
        return v

    @field_validator("result", mode="before")
    @classmethod
    def _score_result_as_dict(cls, v: Any) -> Any:
        return v.to_dict() if hasattr(v, "to_dict") else v

    @field_validator("result")
    @classmethod
    def _same_as_columns(cls, v: dict[str, Any], info: ValidationInfo) -> dict[str, Any]:
        expected = {k: info.data.get(k) for k in ("score", "max_score", "passed")}
        expected["case"] = info.data.get("case_id")
        for key, value in expected.items():
            if key in v and value is not None and v[key] != value:
                raise ValueError(f"{key} = {v[key]!r}, berbeda dari {value!r} pada percobaan")
        return _json_size_ok(v)

    @field_validator("finished_at")
    @classmethod
    def _after_start(cls, v: datetime, info: ValidationInfo) -> datetime:
        started = info.data.get("started_at")
        if started is not None and v < started:
            raise ValueError("lebih awal dari started_at")
        return v


class AttemptRecord(_AttemptFields):
    """An attempt as stored: the fields of `NewAttempt`, plus its id and created_at."""

    model_config = ConfigDict(extra="ignore", frozen=True, from_attributes=True)
    id: int
    created_at: AwareDatetime

    @property
    def percent(self) -> float:
        return round(100 * self.score / self.max_score, 1)


@dataclass(frozen=True)
class AttemptSummary:
    """One row of an attempt list: no transcript, call or result (those are large)."""

    id: int
    trainee_id: int
    trainee_username: str
    trainee_name: str
    scenario_id: str
    case_id: str
    mode: str
    exam_id: str | None
    score: float
    max_score: float
    passed: bool
    started_at: datetime
    finished_at: datetime
    # the score that counts: the automatic one (rescored, if it was) with QA's overrides;
    # equal to percent/passed when nobody changed anything
    final_percent: float | None = None
    final_passed: bool | None = None

    @property
    def percent(self) -> float:
        """The automatic score when the attempt was saved, 0..100."""
        return round(100 * self.score / self.max_score, 1)

    @property
    def adjusted_percent(self) -> float:
        return self.percent if self.final_percent is None else round(self.final_percent, 1)

    @property
    def adjusted_passed(self) -> bool:
        return self.passed if self.final_passed is None else self.final_passed

    @property
    def adjusted(self) -> bool:
        """QA (or a rescore) changed the score or the verdict."""
        return (self.adjusted_percent, self.adjusted_passed) != (self.percent, self.passed)


@dataclass(frozen=True)
class AttemptFilter:
    """What QA and the progress pages filter on; None means "any". Dates bound finished_at
    (from inclusive, to exclusive)."""

    trainee_id: int | None = None
    case_id: str | None = None
    scenario_id: str | None = None
    passed: bool | None = None
    mode: Mode | None = None
    exam_id: str | None = None
    finished_from: datetime | None = None
    finished_to: datetime | None = None


# ---------------------------------------------------------------- writing
def validate_attempt(data: NewAttempt | Mapping[str, Any]) -> NewAttempt:
    """Check an attempt; raise StoreError naming the first bad field."""
    raw = data.model_dump() if isinstance(data, NewAttempt) else data
    try:
        return NewAttempt.model_validate(raw)
    except ValidationError as exc:
        err = exc.errors(include_url=False)[0]
        raise StoreError(field_name(err["loc"]), err["msg"]) from None


def save_attempt(db: Database | Session, *, attempt: NewAttempt | Mapping[str, Any]) -> int:
    """Store one attempt in one transaction; return its id. Nothing is written on error.

    An attempt with a `call_key` already stored is not stored again: its id is returned (the
    same trainee's; another's is refused).

    Everything that needs no database (validation, the row, the fact rows) is done before the
    transaction, which then holds the write lock for a few statements only: the account check
    (one query), the call key check, one INSERT of the attempt (RETURNING its id), one of its
    fact row and one (executemany) of its criterion rows."""
    new = validate_attempt(attempt)
    values = new.model_dump(mode="json", exclude={"started_at", "finished_at"})
    values["started_at"], values["finished_at"] = new.started_at, new.finished_at
    fact, criteria = fact_rows(  # the narrow rows the QA filters and dashboards read
        attempt_id=0, trainee_id=new.trainee_id, case_id=new.case_id,
        scenario_id=new.scenario_id, mode=new.mode, finished_at=new.finished_at,
        score=new.score, max_score=new.max_score, passed=new.passed, result=values["result"],
        rubric_version=new.rubric_version,
    )  # fmt: skip
    with writing(db) as s:
        try:
            require_actor(s, new.trainee_id, ANY_ROLE)  # the account now, not at the start
        except NoLongerAllowed:
            if s.get(User, new.trainee_id) is None:
                raise StoreError("trainee_id", f"pengguna {new.trainee_id} tidak ada") from None
            raise
        if new.call_key is not None:
            saved = _saved_call(s, new)
            if saved is not None:
                return saved
        attempt_id = _insert_attempt(s, values)
        if attempt_id is None:  # a concurrent save of the same call got there first
            saved = _saved_call(s, new)
            if saved is None:
                raise StoreError("call_key", "tidak dapat disimpan (kunci panggilan bentrok)")
            return saved
        fact["attempt_id"] = attempt_id
        for c in criteria:
            c["attempt_id"] = attempt_id
        insert_facts(s, [fact], criteria)
        return attempt_id


def _insert_attempt(s: Session, values: dict[str, Any]) -> int | None:
    """INSERT the attempt, RETURNING its id; None when an attempt with its call key exists
    (a concurrent save of the same call: ON CONFLICT DO NOTHING, no savepoint needed)."""
    table = Attempt.__table__
    if values.get("call_key") is None:
        stmt = insert(table)
    else:
        dialect = s.get_bind().dialect.name
        if dialect == "postgresql":
            stmt = postgresql.insert(table).on_conflict_do_nothing(index_elements=["call_key"])
        elif dialect == "sqlite":
            stmt = sqlite.insert(table).on_conflict_do_nothing(index_elements=["call_key"])
        else:  # pragma: no cover - the app runs on these two
            stmt = insert(table)
    found = s.execute(stmt.returning(table.c.id), values).scalar_one_or_none()
    return None if found is None else int(found)


def _saved_call(s: Session, new: NewAttempt) -> int | None:
    found = s.execute(
        select(Attempt.id, Attempt.trainee_id).where(Attempt.call_key == new.call_key)
    ).one_or_none()
    if found is None:
        return None
    if found.trainee_id != new.trainee_id:
        raise StoreError("call_key", "sudah dipakai percobaan peserta lain")
    return int(found.id)


# ---------------------------------------------------------------- reading
def get_attempt(
    db: Database | Session, attempt_id: int, *, requester: Requester
) -> AttemptRecord | None:
    """The attempt, or None if it does not exist or the requester may not see it."""
    with reading(db) as s:
        row = s.get(Attempt, attempt_id)
        if row is None or not requester.may_see_trainee(row.trainee_id):
            return None
        return AttemptRecord.model_validate(row)


def list_attempts(
    db: Database | Session,
    *,
    requester: Requester,
    where: AttemptFilter | None = None,
    limit: int = 100,
    offset: int = 0,
) -> list[AttemptSummary]:
    """Attempts the requester may see, newest first."""
    stmt = (
        _filtered(_summary_select(), requester, where or AttemptFilter())
        .order_by(Attempt.finished_at.desc(), Attempt.id.desc())
        .limit(limit)
        .offset(offset)
    )
    with reading(db) as s:
        return [AttemptSummary(**row._asdict()) for row in s.execute(stmt)]


def count_attempts(
    db: Database | Session, *, requester: Requester, where: AttemptFilter | None = None
) -> int:
    stmt = _filtered(select(func.count(Attempt.id)), requester, where or AttemptFilter())
    with reading(db) as s:
        return int(s.scalar(stmt) or 0)


def _summary_select() -> Select[Any]:
    return select(
        Attempt.id,
        Attempt.trainee_id,
        User.username.label("trainee_username"),
        User.display_name.label("trainee_name"),
        Attempt.scenario_id,
        Attempt.case_id,
        Attempt.mode,
        Attempt.exam_id,
        Attempt.score,
        Attempt.max_score,
        Attempt.passed,
        Attempt.started_at,
        Attempt.finished_at,
        AttemptFact.percent.label("final_percent"),
        AttemptFact.passed.label("final_passed"),
    ).join(User, User.id == Attempt.trainee_id).outerjoin(
        AttemptFact, AttemptFact.attempt_id == Attempt.id)


def _filtered(stmt: Select[Any], requester: Requester, where: AttemptFilter) -> Select[Any]:
    if not requester.sees_all_attempts:
        stmt = stmt.where(Attempt.trainee_id == requester.id)
    equal = [
        (Attempt.trainee_id, where.trainee_id),
        (Attempt.case_id, where.case_id),
        (Attempt.scenario_id, where.scenario_id),
        (Attempt.passed, where.passed),
        (Attempt.mode, where.mode),
        (Attempt.exam_id, where.exam_id),
    ]
    for column, value in equal:
        if value is not None:
            stmt = stmt.where(column == value)
    if where.finished_from is not None:
        stmt = stmt.where(Attempt.finished_at >= where.finished_from)
    if where.finished_to is not None:
        stmt = stmt.where(Attempt.finished_at < where.finished_to)
    return stmt


# ---------------------------------------------------------------- progress
@dataclass(frozen=True)
class CaseProgress:
    case_id: str
    attempts: int
    passed: int
    pass_rate: float  # 0..1
    mean_percent: float  # mean of score / max_score, 0..100
    best_percent: float
    last_finished_at: datetime
    auto_passed: int | None = None  # the same by the automatic scores alone (before QA)
    auto_mean_percent: float | None = None


@dataclass(frozen=True)
class Progress:
    trainee_id: int
    cases: list[CaseProgress]  # by case id; only cases with at least one attempt
    weakest: CaseProgress | None  # lowest pass rate, then lowest mean score

    @property
    def attempts(self) -> int:
        return sum(c.attempts for c in self.cases)

    @property
    def pass_rate(self) -> float:
        return sum(c.passed for c in self.cases) / self.attempts if self.attempts else 0.0


def progress(
    db: Database | Session, *, requester: Requester, trainee_id: int, mode: Mode | None = None
) -> Progress:
    """Per case: attempts, pass rate, mean and best score (the scores that count: QA's
    adjustments included), the automatic pass count and mean beside them; the weakest case."""
    if not requester.may_see_trainee(trainee_id):
        raise AccessDenied("tidak boleh melihat progres peserta lain")
    auto = Attempt.score * 100.0 / Attempt.max_score
    percent = func.coalesce(AttemptFact.percent, auto)
    passed = func.coalesce(AttemptFact.passed, Attempt.passed)
    stmt = (
        select(
            Attempt.case_id,
            func.count(Attempt.id),
            func.sum(case((passed, 1), else_=0)),
            func.avg(percent),
            func.max(percent),
            func.max(Attempt.finished_at),
            func.sum(case((Attempt.passed, 1), else_=0)),
            func.avg(auto),
        )
        .outerjoin(AttemptFact, AttemptFact.attempt_id == Attempt.id)
        .where(Attempt.trainee_id == trainee_id)
        .group_by(Attempt.case_id)
        .order_by(Attempt.case_id)
    )
    if mode is not None:
        stmt = stmt.where(Attempt.mode == mode)
    with reading(db) as s:
        cases = [
            CaseProgress(
                case_id=case_id,
                attempts=n,
                passed=int(passed),
                pass_rate=int(passed) / n,
                mean_percent=round(float(mean), 1),
                best_percent=round(float(best), 1),
                last_finished_at=last,
                auto_passed=int(auto_passed),
                auto_mean_percent=round(float(auto_mean), 1),
            )
            for case_id, n, passed, mean, best, last, auto_passed, auto_mean in s.execute(stmt)
        ]
    weakest = min(cases, key=lambda c: (c.pass_rate, c.mean_percent, c.case_id), default=None)
    return Progress(trainee_id=trainee_id, cases=cases, weakest=weakest)

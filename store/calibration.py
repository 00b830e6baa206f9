"""Blind calibration of QA reviews.

`request_calibration` asks a second QA reviewer to score an attempt blind (`qa_reviewers` lists
who may be asked); `blind_review` shows them the attempt without anyone's overrides;
`submit_calibration` keeps their verdicts once; `calibration_report` compares them with the
first reviewer's adjusted verdicts, criterion by criterion; `agreement_rates` gives the rate
per reviewer pair. Only users with the `qa` role change anything here.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from sop.library import Library
from store.access import QA, Requester, require_actor
from store.audit import record_audit
from store.db import Database, reading, writing
from store.errors import AccessDenied, StoreError
from store.models import Attempt, Calibration, CalibrationScore, User
from store.reviews import (
    REVIEW_ROLE,
    Review,
    _clean_comment,
    _criteria,
    _current_result,
    _overrides,
    _points,
    _require_reader,
    _require_reviewer,
    _review,
)
from store.types import utcnow
from store.users import UserRecord, list_users


@dataclass(frozen=True)
class CalibrationRecord:
    id: int
    attempt_id: int
    requested_by: int
    requested_by_name: str
    reviewer_id: int
    reviewer_name: str
    requested_at: datetime
    submitted_at: datetime | None

    @property
    def done(self) -> bool:
        return self.submitted_at is not None


def request_calibration(
    db: Database | Session, *, requester: Requester, attempt_id: int, reviewer_id: int
) -> CalibrationRecord:
    """Ask another QA reviewer to score the attempt blind."""
    _require_reviewer(requester)
    if reviewer_id == requester.id:
        raise StoreError("reviewer_id", "pilih peninjau kedua selain Anda sendiri")
    with writing(db) as s:
        require_actor(s, requester.id, QA)  # the roles now, not when the page drew
        if s.get(Attempt, attempt_id) is None:
            raise StoreError("attempt_id", f"percobaan {attempt_id} tidak ada")
        other = s.get(User, reviewer_id)
        if other is None or other.disabled or REVIEW_ROLE not in other.role_names:
            raise StoreError("reviewer_id", "peninjau kedua harus pengguna QA yang aktif")
        exists = s.scalar(select(Calibration.id).where(
            Calibration.attempt_id == attempt_id, Calibration.reviewer_id == reviewer_id))
        if exists is not None:
            raise StoreError("reviewer_id", f"{other.display_name} sudah diminta menilai "
                                            "percobaan ini")
        cal = Calibration(attempt_id=attempt_id, requested_by=requester.id,
                          reviewer_id=reviewer_id, requested_at=utcnow())
        s.add(cal)
        s.flush()
        record_audit(s, actor_id=requester.id, action="attempt.calibration_request",
                     target_type="attempt", target_id=attempt_id,
                     new={"calibration": cal.id, "reviewer_id": reviewer_id})
        return _calibrations(s, [Calibration.id == cal.id])[0]


def may_request_calibration(requester: Requester) -> bool:
    """Whether the requester may ask for a blind calibration (QA only; trainers and admins
    read the reports)."""
    return REVIEW_ROLE in requester.roles


def calibration_reviewers(
    db: Database | Session, *, requester: Requester, attempt_id: int
) -> list[UserRecord]:
    """Who may be asked to score the attempt blind: active QA users other than the requester,
    not asked for this attempt yet (by username)."""
    with reading(db) as s:
        asked = set(s.scalars(select(Calibration.reviewer_id)
                              .where(Calibration.attempt_id == attempt_id)))
        return [u for u in list_users(s, role=REVIEW_ROLE, include_disabled=False)
                if u.id != requester.id and u.id not in asked]


def _calibrations(s: Session, conditions: list[Any]) -> list[CalibrationRecord]:
    submitted = (select(CalibrationScore.calibration_id, func.min(CalibrationScore.at).label("at"))
                 .group_by(CalibrationScore.calibration_id).subquery())
    asker, second = User.__table__.alias("asker"), User.__table__.alias("second")
    stmt = (
        select(Calibration.id, Calibration.attempt_id, Calibration.requested_by,
               asker.c.display_name, Calibration.reviewer_id, second.c.display_name,
               Calibration.requested_at, submitted.c.at)
        .join(asker, asker.c.id == Calibration.requested_by)
        .join(second, second.c.id == Calibration.reviewer_id)
        .outerjoin(submitted, submitted.c.calibration_id == Calibration.id)
        .where(*conditions)
        .order_by(Calibration.id)
    )
    return [CalibrationRecord(*r) for r in s.execute(stmt)]


def calibrations(
    db: Database | Session,
    *,
    requester: Requester,
    attempt_id: int | None = None,
    reviewer_id: int | None = None,
    pending: bool | None = None,
) -> list[CalibrationRecord]:
    """Calibration requests (oldest first), for one attempt and/or one second reviewer."""
    _require_reader(requester)
    conditions = []
    if attempt_id is not None:
        conditions.append(Calibration.attempt_id == attempt_id)
    if reviewer_id is not None:
        conditions.append(Calibration.reviewer_id == reviewer_id)
    with reading(db) as s:
        rows = _calibrations(s, conditions)
    if pending is not None:
        rows = [r for r in rows if r.done != pending]
    return rows


def _own_calibration(s: Session, requester: Requester, calibration_id: int) -> Calibration:
    cal = s.get(Calibration, calibration_id)
    if cal is None:
        raise StoreError("calibration_id", f"permintaan kalibrasi {calibration_id} tidak ada")
    if cal.reviewer_id != requester.id:
        raise AccessDenied("permintaan kalibrasi ini untuk peninjau lain")
    return cal


def blind_review(
    db: Database | Session, *, requester: Requester, calibration_id: int, library: Library
) -> Review:
    """The attempt for the second reviewer: automatic verdicts only, no overrides or marks."""
    _require_reviewer(requester)
    with reading(db) as s:
        cal = _own_calibration(s, requester, calibration_id)
        return _review(s, s.get(Attempt, cal.attempt_id), library, blind=True)


@dataclass(frozen=True)
class Verdict:
    ok: bool
    points: float | None = None
    comment: str | None = None


def submit_calibration(
    db: Database | Session,
    *,
    requester: Requester,
    calibration_id: int,
    verdicts: Mapping[str, Verdict | bool],
    library: Library,
) -> None:
    """Keep the second reviewer's verdict on every criterion of the attempt (once)."""
    _require_reviewer(requester)
    with writing(db) as s:
        require_actor(s, requester.id, QA)  # the roles now, not when the page drew
        cal = _own_calibration(s, requester, calibration_id)
        if s.scalar(select(func.count()).select_from(CalibrationScore)
                    .where(CalibrationScore.calibration_id == cal.id)):
            raise StoreError("calibration_id", "penilaian kalibrasi ini sudah dikirim")
        row = s.get(Attempt, cal.attempt_id)
        result, _ = _current_result(s, row)
        criteria = {c.id: c for c in _criteria(result, [])}
        missing = [c for c in criteria if c not in verdicts]
        extra = [c for c in verdicts if c not in criteria]
        if missing or extra:
            what = (f"belum dinilai: {', '.join(missing)}" if missing
                    else f"tidak dinilai pada percobaan ini: {', '.join(extra)}")
            raise StoreError("verdicts", what)
        at = utcnow()
        for cid, v in verdicts.items():
            v = v if isinstance(v, Verdict) else Verdict(bool(v))
            crit = criteria[cid]
            s.add(CalibrationScore(
                calibration_id=cal.id, criterion_id=cid, ok=bool(v.ok),
                points=_points(v.ok, v.points, crit.max), max_points=crit.max,
                comment=_clean_comment(v.comment, required=False), at=at,
            ))
        s.flush()
        record_audit(s, actor_id=requester.id, action="attempt.calibration_submit",
                     target_type="attempt", target_id=cal.attempt_id,
                     new={"calibration": cal.id,
                          "verdicts": {k: (v.ok if isinstance(v, Verdict) else bool(v))
                                       for k, v in verdicts.items()}})


@dataclass(frozen=True)
class CalibrationLine:
    criterion_id: str
    first_ok: bool
    first_points: float
    second_ok: bool
    second_points: float
    max_points: float
    second_comment: str | None

    @property
    def agree(self) -> bool:
        return self.first_ok == self.second_ok


@dataclass(frozen=True)
class CalibrationReport:
    calibration: CalibrationRecord
    lines: list[CalibrationLine] = field(default_factory=list)

    @property
    def agreed(self) -> int:
        return sum(1 for x in self.lines if x.agree)

    @property
    def rate(self) -> float | None:
        return round(100 * self.agreed / len(self.lines), 1) if self.lines else None


def calibration_report(
    db: Database | Session, *, requester: Requester, calibration_id: int
) -> CalibrationReport:
    """Where the first reviewer's adjusted verdicts and the blind second verdicts agree."""
    _require_reader(requester)
    with reading(db) as s:
        found = _calibrations(s, [Calibration.id == calibration_id])
        if not found:
            raise StoreError("calibration_id", f"permintaan kalibrasi {calibration_id} tidak ada")
        return CalibrationReport(found[0], _lines(s, found[0]))


def _lines(s: Session, cal: CalibrationRecord) -> list[CalibrationLine]:
    if not cal.done:
        return []
    row = s.get(Attempt, cal.attempt_id)
    result, _ = _current_result(s, row)
    first = {c.id: c for c in _criteria(result, _overrides(s, row.id))}
    second = s.scalars(select(CalibrationScore).where(CalibrationScore.calibration_id == cal.id)
                       .order_by(CalibrationScore.criterion_id))
    return [
        CalibrationLine(x.criterion_id, first[x.criterion_id].ok, first[x.criterion_id].points,
                        x.ok, x.points, x.max_points, x.comment)
        for x in second if x.criterion_id in first
    ]


@dataclass(frozen=True)
class PairAgreement:
    first_id: int
    first_name: str
    second_id: int
    second_name: str
    calibrations: int
    criteria: int
    agreed: int

    @property
    def rate(self) -> float:
        return round(100 * self.agreed / self.criteria, 1) if self.criteria else 0.0


def agreement_rates(db: Database | Session, *, requester: Requester) -> list[PairAgreement]:
    """Per reviewer pair (who asked, who scored blind): criteria compared and agreed."""
    _require_reader(requester)
    with reading(db) as s:
        pairs: dict[tuple[int, int], list] = {}
        for cal in _calibrations(s, []):
            if not cal.done:
                continue
            lines = _lines(s, cal)
            key = (cal.requested_by, cal.reviewer_id)
            entry = pairs.setdefault(key, [cal.requested_by_name, cal.reviewer_name, 0, 0, 0])
            entry[2] += 1
            entry[3] += len(lines)
            entry[4] += sum(1 for x in lines if x.agree)
    return [PairAgreement(a, v[0], b, v[1], v[2], v[3], v[4])
            for (a, b), v in sorted(pairs.items())]

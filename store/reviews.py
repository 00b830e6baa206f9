"""QA review of attempts: overrides with an append-only trail and "reviewed by".

- `review(...)` shows an attempt as QA reviews it: what the trainee saw (the call snapshot,
  the transcript, the APKT form), every criterion with its automatic verdict, evidence and SOP
  step, the QA verdict where a criterion was overridden, and the automatic score beside the
  adjusted one.
- `override_criterion` gives a criterion a new verdict (ok, points) with a mandatory comment.
  Nothing is edited in place: each override is a new row (database triggers refuse UPDATE and
  DELETE), the newest one per criterion counts, and the audit log gets an entry in the same
  transaction. The trainee reads the comments with `trainee_notes`.

Blind calibration is in store/calibration.py, rescoring and the score history in
store/rescoring.py (services/rescoring.py picks the current scorer). Only users with the `qa`
role change anything here; trainers and admins may read.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from sop.groups import GROUP_SERVICE, GROUP_SOP, result_group
from sop.library import Library
from store.access import QA, Requester, require_actor
from store.attempts import AttemptRecord
from store.audit import record_audit
from store.db import Database, reading, writing
from store.errors import AccessDenied, StoreError
from store.models import (
    Attempt,
    AttemptFact,
    AttemptReview,
    CriterionFact,
    CriterionOverride,
    ScoreVersion,
    User,
)
from store.types import utcnow

REVIEW_ROLE = "qa"
MAX_COMMENT = 2_000
CSO_ROLES = frozenset({"cso", "agent", "peserta", "trainee", "petugas"})


# ---------------------------------------------------------------- rubric versions
# A score records the rubric that gave it as '<sop id>@r<n>': the SOP's version number in the
# database (store.content_snapshot.ContentSnapshot.rubric_version), the one scheme of every
# page, QA, the exports and the command line; migration 0007 rewrote the older '@v' labels.


def scoring_input(call: Mapping[str, Any], transcript: Iterable[Mapping[str, Any]],
                  apkt: Mapping[str, Any], case_id: str) -> dict[str, Any]:
    """The scorer's input, rebuilt from what an attempt stores (call snapshot, transcript, form).
    """
    customer = call.get("customer") or {
        k: call.get(k) for k in ("idpel", "name", "email", "bill_amount", "email_on_record")
    }
    customer = {k: v for k, v in customer.items() if v is not None}
    lines = list(transcript)
    out = {
        "case": case_id,
        "facts": dict(call.get("facts") or {}),
        "customer": customer,
        "replies": [t["text"] for t in lines if str(t.get("role")).lower() in CSO_ROLES],
        "apkt": dict(apkt),
    }
    if "customer" not in call:  # a generated call: the transcript holds the customer's lines
        out["customer_lines"] = [t["text"] for t in lines
                                 if str(t.get("role")).lower() not in CSO_ROLES]
    return out


# ---------------------------------------------------------------- records
@dataclass(frozen=True)
class OverrideRecord:
    id: int
    criterion_id: str
    reviewer_id: int
    reviewer_name: str
    at: datetime
    old_ok: bool
    old_points: float
    new_ok: bool
    new_points: float
    max_points: float
    comment: str


@dataclass(frozen=True)
class ReviewMark:
    reviewer_id: int
    reviewer_name: str
    at: datetime
    percent: float
    passed: bool
    comment: str | None


@dataclass(frozen=True)
class ScoreVersionRecord:
    number: int  # 0 = the score given when the attempt was saved
    at: datetime
    rubric_version: str | None
    score: float
    max_score: float
    passed: bool
    result: dict[str, Any]
    actor_name: str | None = None

    @property
    def percent(self) -> float:
        return round(100 * self.score / self.max_score, 1)


@dataclass(frozen=True)
class CriterionView:
    id: str
    sop_ref: str
    critical: bool
    max: float
    auto_ok: bool
    auto_points: float
    evidence: str
    ok: bool  # adjusted (the newest override, or the automatic verdict)
    points: float
    override: OverrideRecord | None  # the override that counts, if any
    group: str = GROUP_SOP  # "sop", or "layanan": the service standard (not SOP text)

    @property
    def service(self) -> bool:
        return self.group == GROUP_SERVICE

    @property
    def overridden(self) -> bool:
        return self.override is not None


@dataclass(frozen=True)
class Score:
    score: float
    max_score: float
    passed: bool
    critical_failed: tuple[str, ...]

    @property
    def percent(self) -> float:
        return round(100 * self.score / self.max_score, 1) if self.max_score else 0.0


@dataclass(frozen=True)
class Review:
    attempt: AttemptRecord
    trainee_name: str
    trainee_username: str
    pass_mark: float
    criteria: list[CriterionView]
    automatic: Score
    adjusted: Score
    overrides: list[OverrideRecord]  # oldest first: the whole trail
    marks: list[ReviewMark]  # "reviewed by", oldest first
    versions: list[ScoreVersionRecord]  # oldest first; the last one is the current
    blind: bool = False  # a calibration view: nobody's overrides shown

    @property
    def reviewed(self) -> bool:
        return bool(self.marks)

    def criterion(self, criterion_id: str) -> CriterionView | None:
        return next((c for c in self.criteria if c.id == criterion_id), None)


# ---------------------------------------------------------------- access
def _require_reader(requester: Requester) -> None:
    if not requester.sees_all_attempts:
        raise AccessDenied("hanya QA, trainer dan admin yang dapat membuka tinjauan")


def _require_reviewer(requester: Requester) -> None:
    if REVIEW_ROLE not in requester.roles:
        raise AccessDenied("hanya pengguna dengan peran QA yang dapat meninjau percobaan")


def _clean_comment(comment: str | None, *, required: bool) -> str | None:
    text = (comment or "").strip()
    if not text:
        if required:
            raise StoreError("comment", "wajib diisi: jelaskan alasan perubahan penilaian")
        return None
    if len(text) > MAX_COMMENT:
        raise StoreError("comment", f"terlalu panjang ({len(text)} karakter, maksimal "
                                    f"{MAX_COMMENT})")
    if "\x00" in text:
        raise StoreError("comment", "berisi karakter NUL (\\x00), yang tidak dapat disimpan")
    return text


def _pass_mark(library: Library, case_id: str) -> float:
    found = library.find_case(case_id)
    if found is None:
        raise StoreError("case_id", f"kasus '{case_id}' tidak ada di SOP yang dimuat")
    return float(found[1].rubric.pass_mark)


# ---------------------------------------------------------------- computing the adjusted score
def _current_result(s: Session, row: Attempt) -> tuple[dict[str, Any], list[ScoreVersion]]:
    versions = list(s.scalars(
        select(ScoreVersion).where(ScoreVersion.attempt_id == row.id).order_by(ScoreVersion.id)
    ))
    return (versions[-1].result if versions else row.result), versions


def _overrides(s: Session, attempt_id: int) -> list[OverrideRecord]:
    rows = s.execute(
        select(CriterionOverride, User.display_name)
        .join(User, User.id == CriterionOverride.reviewer_id)
        .where(CriterionOverride.attempt_id == attempt_id)
        .order_by(CriterionOverride.id)
    )
    return [
        OverrideRecord(o.id, o.criterion_id, o.reviewer_id, name, o.at, o.old_ok, o.old_points,
                       o.new_ok, o.new_points, o.max_points, o.comment)
        for o, name in rows
    ]


def _criteria(result: Mapping[str, Any], overrides: list[OverrideRecord]) -> list[CriterionView]:
    latest = {o.criterion_id: o for o in overrides}  # oldest first: the newest wins
    out = []
    for c in result.get("criteria", []):
        o = latest.get(c["id"])
        out.append(CriterionView(
            id=c["id"], sop_ref=str(c.get("sop_ref") or ""), critical=bool(c.get("critical")),
            max=float(c["max"]), auto_ok=bool(c["ok"]), auto_points=float(c["points"]),
            evidence=str(c.get("evidence") or ""),
            ok=o.new_ok if o else bool(c["ok"]),
            points=_override_points(o, float(c["max"])) if o else float(c["points"]),
            override=o,
            group=result_group(c),
        ))
    return out


def _override_points(o: OverrideRecord, maximum: float) -> float:
    """An override's points on the current rubric (a rescore may have changed the maximum)."""
    if abs(o.max_points - maximum) < 1e-9:
        return o.new_points
    if o.new_ok:
        return maximum
    return round(min(maximum, o.new_points * maximum / o.max_points), 2) if o.max_points else 0.0


def _score(criteria: list[CriterionView], pass_mark: float, *, adjusted: bool) -> Score:
    ok = [(c.ok if adjusted else c.auto_ok) for c in criteria]
    pts = [(c.points if adjusted else c.auto_points) for c in criteria]
    total = round(sum(pts), 2)
    maximum = round(sum(c.max for c in criteria), 2)
    failed = tuple(c.id for c, good in zip(criteria, ok, strict=True) if c.critical and not good)
    percent = 100 * total / maximum if maximum else 0.0
    return Score(total, maximum, not failed and percent + 1e-9 >= pass_mark, failed)


def _refresh_facts(s: Session, row: Attempt, library: Library) -> Score:
    """Bring the fact rows of one attempt up to date with its current score and overrides."""
    result, versions = _current_result(s, row)
    overrides = _overrides(s, row.id)
    criteria = _criteria(result, overrides)
    pass_mark = _pass_mark(library, row.case_id)
    auto = Score(float(result["score"]), float(result["max_score"]), bool(result["passed"]),
                 tuple(result.get("critical_failed") or ()))
    adjusted = _score(criteria, pass_mark, adjusted=True) if overrides else auto
    mark = s.execute(
        select(AttemptReview.reviewer_id, AttemptReview.at)
        .where(AttemptReview.attempt_id == row.id)
        .order_by(AttemptReview.id.desc()).limit(1)
    ).first()
    rubric = versions[-1].rubric_version if versions else row.rubric_version
    s.execute(
        update(AttemptFact).where(AttemptFact.attempt_id == row.id).values(
            auto_percent=round(auto.percent, 2), auto_passed=auto.passed,
            percent=round(100 * adjusted.score / adjusted.max_score, 2),
            passed=adjusted.passed, rubric_version=rubric, overrides=len(overrides),
            reviewed_by=mark.reviewer_id if mark else None,
            reviewed_at=mark.at if mark else None,
        )
    )
    s.execute(
        update(CriterionFact).where(CriterionFact.attempt_id == row.id)
        .values(attempt_passed=adjusted.passed, reviewed=mark is not None)
    )
    for c in criteria:
        s.execute(
            update(CriterionFact)
            .where(CriterionFact.attempt_id == row.id, CriterionFact.criterion_id == c.id)
            .values(auto_ok=c.auto_ok, auto_points=c.auto_points, ok=c.ok, points=c.points,
                    max_points=c.max, critical=c.critical, sop_ref=c.sop_ref,
                    overridden=c.overridden)
        )
    return adjusted


def _load_for_change(s: Session, attempt_id: int) -> Attempt:
    # Lock the attempt's fact row: two reviewers changing one attempt take turns (PostgreSQL;
    # SQLite writers already take turns).
    s.execute(select(AttemptFact.attempt_id).where(AttemptFact.attempt_id == attempt_id)
              .with_for_update())
    row = s.get(Attempt, attempt_id)
    if row is None:
        raise StoreError("attempt_id", f"percobaan {attempt_id} tidak ada")
    return row


# ---------------------------------------------------------------- reading a review
def review(
    db: Database | Session, *, requester: Requester, attempt_id: int, library: Library
) -> Review | None:
    """The attempt as QA reviews it, or None if there is no such attempt."""
    _require_reader(requester)
    with reading(db) as s:
        row = s.get(Attempt, attempt_id)
        if row is None:
            return None
        return _review(s, row, library, blind=False)


def _review(s: Session, row: Attempt, library: Library, *, blind: bool) -> Review:
    result, versions = _current_result(s, row)
    overrides = [] if blind else _overrides(s, row.id)
    criteria = _criteria(result, overrides)
    pass_mark = _pass_mark(library, row.case_id)
    trainee = s.get(User, row.trainee_id)
    marks = [] if blind else [
        ReviewMark(m.reviewer_id, name, m.at, m.percent, m.passed, m.comment)
        for m, name in s.execute(
            select(AttemptReview, User.display_name)
            .join(User, User.id == AttemptReview.reviewer_id)
            .where(AttemptReview.attempt_id == row.id).order_by(AttemptReview.id)
        )
    ]
    history = [ScoreVersionRecord(0, row.finished_at, row.rubric_version, row.score,
                                  row.max_score, row.passed, row.result)]
    names = _user_names(s, [v.actor_id for v in versions if v.actor_id])
    history += [
        ScoreVersionRecord(i, v.at, v.rubric_version, v.score, v.max_score, v.passed, v.result,
                           names.get(v.actor_id) if v.actor_id else "sistem")
        for i, v in enumerate(versions, start=1)
    ]
    auto = Score(float(result["score"]), float(result["max_score"]), bool(result["passed"]),
                 tuple(result.get("critical_failed") or ()))
    return Review(
        attempt=AttemptRecord.model_validate(row),
        trainee_name=trainee.display_name if trainee else str(row.trainee_id),
        trainee_username=trainee.username if trainee else "",
        pass_mark=pass_mark,
        criteria=criteria,
        automatic=auto,
        adjusted=_score(criteria, pass_mark, adjusted=True) if overrides else auto,
        overrides=overrides,
        marks=marks,
        versions=history,
        blind=blind,
    )


def _user_names(s: Session, ids: Iterable[int]) -> dict[int, str]:
    ids = sorted(set(ids))
    if not ids:
        return {}
    return dict(s.execute(select(User.id, User.display_name).where(User.id.in_(ids))).all())


# ---------------------------------------------------------------- overrides and marks
def override_criterion(
    db: Database | Session,
    *,
    requester: Requester,
    attempt_id: int,
    criterion_id: str,
    ok: bool,
    comment: str,
    library: Library,
    points: float | None = None,
) -> Review:
    """Give one criterion a QA verdict. `points` defaults to the full points when `ok` and to 0
    otherwise; partial points are for a criterion not met. Returns the review after it.

    The override is a new row; the attempt is marked reviewed by the requester if it was not.
    """
    _require_reviewer(requester)
    text = _clean_comment(comment, required=True)
    with writing(db) as s:
        require_actor(s, requester.id, QA)  # the roles now, not when the page drew
        row = _load_for_change(s, attempt_id)
        result, _ = _current_result(s, row)
        current = {c.id: c for c in _criteria(result, _overrides(s, row.id))}
        crit = current.get(criterion_id)
        if crit is None:
            raise StoreError("criterion_id", f"kriteria '{criterion_id}' tidak dinilai pada "
                                             f"percobaan ini; yang ada: {', '.join(current)}")
        new_points = _points(ok, points, crit.max)
        if crit.ok == bool(ok) and abs(crit.points - new_points) < 1e-9:
            raise StoreError("ok", "penilaian baru sama dengan penilaian yang berlaku")
        entry = CriterionOverride(
            attempt_id=row.id, criterion_id=criterion_id, reviewer_id=requester.id,
            at=utcnow(), old_ok=crit.ok, old_points=crit.points, new_ok=bool(ok),
            new_points=new_points, max_points=crit.max, comment=text,
        )
        s.add(entry)
        s.flush()
        record_audit(
            s, actor_id=requester.id, action="attempt.override", target_type="attempt",
            target_id=row.id,
            old={"criterion": criterion_id, "ok": crit.ok, "points": crit.points},
            new={"criterion": criterion_id, "ok": bool(ok), "points": new_points},
            comment=text,
        )
        adjusted = _refresh_facts(s, row, library)
        already = s.scalar(select(func.count()).select_from(AttemptReview).where(
            AttemptReview.attempt_id == row.id, AttemptReview.reviewer_id == requester.id))
        if not already:
            _mark(s, row, requester, adjusted, None)
            _refresh_facts(s, row, library)
        return _review(s, row, library, blind=False)


def _points(ok: bool, points: float | None, maximum: float) -> float:
    if points is None:
        return maximum if ok else 0.0
    try:
        value = float(points)
    except (TypeError, ValueError):
        raise StoreError("points", "harus berupa angka") from None
    if not 0 <= value <= maximum:
        raise StoreError("points", f"harus 0..{maximum:g}")
    if ok and abs(value - maximum) > 1e-9:
        raise StoreError("points", f"kriteria yang terpenuhi bernilai penuh ({maximum:g})")
    return round(value, 2)


def _mark(s: Session, row: Attempt, requester: Requester, adjusted: Score,
          comment: str | None) -> None:
    s.add(AttemptReview(attempt_id=row.id, reviewer_id=requester.id, at=utcnow(),
                        percent=adjusted.percent, passed=adjusted.passed, comment=comment))
    s.flush()
    record_audit(s, actor_id=requester.id, action="attempt.review", target_type="attempt",
                 target_id=row.id, new={"percent": adjusted.percent, "passed": adjusted.passed},
                 comment=comment)


def mark_reviewed(
    db: Database | Session,
    *,
    requester: Requester,
    attempt_id: int,
    library: Library,
    comment: str | None = None,
) -> Review:
    """Mark the attempt as reviewed by the requester (with the adjusted score of this moment)."""
    _require_reviewer(requester)
    text = _clean_comment(comment, required=False)
    with writing(db) as s:
        require_actor(s, requester.id, QA)  # the roles now, not when the page drew
        row = _load_for_change(s, attempt_id)
        adjusted = _refresh_facts(s, row, library)
        _mark(s, row, requester, adjusted, text)
        _refresh_facts(s, row, library)
        return _review(s, row, library, blind=False)


# ---------------------------------------------------------------- what the trainee reads
@dataclass(frozen=True)
class TraineeNote:
    attempt_id: int
    case_id: str
    finished_at: datetime
    criterion_id: str
    old_ok: bool
    new_ok: bool
    old_points: float
    new_points: float
    max_points: float
    comment: str
    reviewer_name: str
    at: datetime


def trainee_notes(
    db: Database | Session,
    *,
    requester: Requester,
    trainee_id: int,
    attempt_id: int | None = None,
    limit: int = 200,
) -> list[TraineeNote]:
    """QA comments on a trainee's attempts, newest first (the trainee may read their own).

    Calibration verdicts are never shown: they are for QA only.
    """
    if not requester.may_see_trainee(trainee_id):
        raise AccessDenied("tidak boleh melihat catatan peserta lain")
    o = CriterionOverride
    stmt = (
        select(o.attempt_id, Attempt.case_id, Attempt.finished_at, o.criterion_id, o.old_ok,
               o.new_ok, o.old_points, o.new_points, o.max_points, o.comment,
               User.display_name, o.at)
        .join(Attempt, Attempt.id == o.attempt_id)
        .join(User, User.id == o.reviewer_id)
        .where(Attempt.trainee_id == trainee_id)
        .order_by(o.id.desc())
        .limit(limit)
    )
    if attempt_id is not None:
        stmt = stmt.where(o.attempt_id == attempt_id)
    with reading(db) as s:
        return [TraineeNote(*r) for r in s.execute(stmt)]

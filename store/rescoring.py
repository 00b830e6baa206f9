"""Rescoring: attempts scored again with another scorer, and the history of their scores.

`rescore` takes the scorer and the rubric version names from its caller (services/rescoring.py
gives the database's current content); a new score becomes a new `score_versions` row and the
earlier ones stay (`score_history`). QA overrides keep counting on top of the new automatic
verdicts. Only users with the `qa` role rescore; trainers and admins may read the history.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from scoring.attempt import AttemptError
from store.access import QA, Requester, require_actor
from store.audit import record_audit
from store.dashboard import QaFilter, _where
from store.db import Database, reading
from store.models import Attempt, AttemptFact, CriterionFact, ScoreVersion
from store.reviews import (
    ScoreVersionRecord,
    _current_result,
    _load_for_change,
    _refresh_facts,
    _require_reader,
    _require_reviewer,
    scoring_input,
)
from store.types import utcnow

if TYPE_CHECKING:
    from scoring.scorer import Scorer

@dataclass
class RescoreReport:
    checked: int = 0
    rescored: int = 0  # a new score version was written
    changed: int = 0  # ... and its score or verdict differs from the one before
    skipped: list[tuple[int, str]] = field(default_factory=list)  # (attempt id, why)


def require_rescorer(requester: Requester) -> None:
    """Refuse (AccessDenied) a requester who may not rescore: only QA does."""
    _require_reviewer(requester)


def rescore(
    db: Database,
    *,
    requester: Requester,
    scorer: Scorer,
    version_of: Callable[[str], str],
    where: QaFilter | None = None,
    only_other_rubric: bool = True,
    on_progress: Callable[[int, int], None] | None = None,
    batch: int = 200,
) -> RescoreReport:
    """Score the filtered attempts again with `scorer`, whose rubric version for a case is
    `version_of(case_id)` (services.rescoring.rescore gives the database's current content).

    With `only_other_rubric`, attempts already scored by that version are skipped. An attempt
    whose new result differs from its current one gets a new score version; earlier scores stay
    in the history, and QA overrides keep counting on top of the new automatic verdicts. Work is
    committed in batches of `batch` attempts; `on_progress(done, total)` follows it.
    """
    _require_reviewer(requester)
    with db.session() as s:
        stmt = _where(select(AttemptFact.attempt_id), AttemptFact, requester, where or QaFilter())
        ids = list(s.scalars(stmt.order_by(AttemptFact.attempt_id)))
    report = RescoreReport()
    total = len(ids)
    if on_progress:
        on_progress(0, total)
    for start in range(0, total, batch):
        chunk = ids[start:start + batch]
        with db.transaction() as s:
            require_actor(s, requester.id, QA)
            for attempt_id in chunk:
                _rescore_one(s, attempt_id, requester, scorer, only_other_rubric, version_of,
                             report)
        if on_progress:
            on_progress(min(start + batch, total), total)
    with db.transaction() as s:
        require_actor(s, requester.id, QA)
        record_audit(s, actor_id=requester.id, action="attempts.rescore", target_type="attempts",
                     target_id="filter",
                     new={"checked": report.checked, "rescored": report.rescored,
                          "changed": report.changed, "skipped": len(report.skipped),
                          "filter": {k: (v.isoformat() if isinstance(v, datetime) else v)
                                     for k, v in (where or QaFilter()).as_dict().items()}})
    return report


def _rescore_one(s: Session, attempt_id: int, requester: Requester, scorer: Scorer,
                 only_other_rubric: bool, version_of: Callable[[str], str],
                 report: RescoreReport) -> None:
    row = _load_for_change(s, attempt_id)
    report.checked += 1
    found = scorer.library.find_case(row.case_id)
    if found is None:
        report.skipped.append((row.id, f"kasus '{row.case_id}' tidak ada di SOP"))
        return
    version = version_of(row.case_id)
    current, versions = _current_result(s, row)
    current_version = versions[-1].rubric_version if versions else row.rubric_version
    if only_other_rubric and current_version == version:
        return
    try:
        new = scorer.score_data(scoring_input(row.call, row.transcript, row.apkt, row.case_id))
    except AttemptError as exc:
        report.skipped.append((row.id, str(exc)))
        return
    result = new.to_dict()
    if result == current:
        return  # the same score: nothing new for the history
    s.add(ScoreVersion(attempt_id=row.id, at=utcnow(), actor_id=requester.id,
                       rubric_version=version, score=new.score, max_score=new.max_score,
                       passed=new.passed, result=result))
    s.flush()
    report.rescored += 1
    if (new.score, new.max_score, new.passed) != (current["score"], current["max_score"],
                                                  current["passed"]):
        report.changed += 1
    _sync_criteria(s, row, result)
    _refresh_facts(s, row, scorer.library)


def _sync_criteria(s: Session, row: Attempt, result: Mapping[str, Any]) -> None:
    """A new rubric may add or drop criteria: make the fact rows match the new result."""
    have = set(s.scalars(select(CriterionFact.criterion_id)
                         .where(CriterionFact.attempt_id == row.id)))
    want = {c["id"]: c for c in result.get("criteria", [])}
    for gone in have - set(want):
        s.query(CriterionFact).filter_by(attempt_id=row.id, criterion_id=gone).delete()
    fact = s.get(AttemptFact, row.id)
    for cid in set(want) - have:
        c = want[cid]
        s.add(CriterionFact(
            attempt_id=row.id, criterion_id=cid, trainee_id=row.trainee_id, case_id=row.case_id,
            scenario_id=row.scenario_id, mode=row.mode, finished_at=row.finished_at,
            week=fact.week, attempt_passed=fact.passed, reviewed=fact.reviewed_by is not None,
            critical=bool(c.get("critical")), sop_ref=str(c.get("sop_ref") or ""),
            max_points=float(c["max"]), auto_ok=bool(c["ok"]), auto_points=float(c["points"]),
            ok=bool(c["ok"]), points=float(c["points"]), overridden=False,
        ))
    s.flush()


def score_history(
    db: Database | Session, *, requester: Requester, attempt_id: int
) -> list[ScoreVersionRecord]:
    """Every automatic score of an attempt, oldest first (0 = when it was saved)."""
    _require_reader(requester)
    with reading(db) as s:
        row = s.get(Attempt, attempt_id)
        if row is None:
            return []
        history = [ScoreVersionRecord(0, row.finished_at, row.rubric_version, row.score,
                                      row.max_score, row.passed, row.result)]
        versions = s.scalars(select(ScoreVersion).where(ScoreVersion.attempt_id == row.id)
                             .order_by(ScoreVersion.id))
        history += [ScoreVersionRecord(i, v.at, v.rubric_version, v.score, v.max_score,
                                       v.passed, v.result)
                    for i, v in enumerate(versions, start=1)]
        return history

"""Demo data written to the database: simulated attempts (scenarios/simulate.py) as rows,
inserted in bulk with their dashboard facts. Creating the demo trainees and the whole job are
services/demo.py."""

from __future__ import annotations

from typing import Any

from sqlalchemy import insert

from store.attempts import validate_attempt
from store.dashboard import fact_rows, insert_facts
from store.db import Database
from store.models import Attempt


def as_row(attempt: dict[str, Any]) -> dict[str, Any]:
    """A validated attempt as a row for a bulk insert into `attempts`."""
    new = validate_attempt(attempt)
    row = new.model_dump(mode="json", exclude={"started_at", "finished_at"})
    row["started_at"] = new.started_at
    row["finished_at"] = new.finished_at
    return row


def insert_attempts(db: Database, rows: list[dict[str, Any]]) -> list[int]:
    """Insert validated attempt rows (see `as_row`) and their facts in one transaction."""
    if not rows:
        return []
    with db.transaction() as s:
        ids = list(s.scalars(
            insert(Attempt).returning(Attempt.id, sort_by_parameter_order=True), rows
        ))
        facts, criteria = [], []
        for attempt_id, row in zip(ids, rows, strict=True):
            a, c = fact_rows(
                attempt_id=attempt_id, trainee_id=row["trainee_id"], case_id=row["case_id"],
                scenario_id=row["scenario_id"], mode=row["mode"],
                finished_at=row["finished_at"], score=row["score"],
                max_score=row["max_score"], passed=row["passed"], result=row["result"],
                rubric_version=row.get("rubric_version"),
            )
            facts.append(a)
            criteria.extend(c)
        insert_facts(s, facts, criteria)
    return ids

"""QA filters and dashboard figures, computed in the database over narrow fact rows.

Every saved attempt gets one `attempt_facts` row and one `criterion_facts` row per criterion
result (`fact_rows`, written in the transaction of `save_attempt`). They carry the filter columns
(trainee, case, scenario, mode, finish time and its week, passed, reviewed), the current
automatic figures and the adjusted ones (after QA overrides); store.reviews keeps them up to
date. Aggregates are SQL GROUP BY over these rows (indexed for the filters), never over the
large JSON columns of `attempts`; the results come back as small pandas DataFrames.

Per-criterion figures carry the criterion's `group` ("sop", or "layanan" for the service
standard), so QA sees the service standard apart from the SOP criteria.

Weeks start on Monday in WIB (Asia/Jakarta, UTC+7), the contact center's local time.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, fields
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pandas as pd
from sqlalchemy import Integer, Select, cast, func, select
from sqlalchemy.orm import Session, aliased

from sop.groups import criterion_group
from store.access import Requester
from store.db import Database, reading
from store.errors import AccessDenied, StoreError
from store.models import MODES, AttemptFact, CriterionFact, User

WIB = timedelta(hours=7)
ROUND = 1


def local_date(moment: datetime) -> date:
    """The calendar date of a moment in WIB."""
    return (moment.astimezone(UTC) + WIB).date()


def week_of(moment: datetime) -> date:
    """The Monday (WIB) of the week of a moment."""
    day = local_date(moment)
    return day - timedelta(days=day.weekday())


def day_start(day: date) -> datetime:
    """Midnight WIB of a calendar date, as an aware UTC datetime (for date-range filters)."""
    return datetime(day.year, day.month, day.day, tzinfo=UTC) - WIB


# ---------------------------------------------------------------- the filter
@dataclass(frozen=True)
class QaFilter:
    """The QA page's filters; None means "any". `finished_from` is inclusive, `finished_to`
    exclusive; `passed` is the adjusted verdict; `reviewed` whether anyone reviewed it."""

    trainee_id: int | None = None
    case_id: str | None = None
    scenario_id: str | None = None
    passed: bool | None = None
    mode: str | None = None
    reviewed: bool | None = None
    finished_from: datetime | None = None
    finished_to: datetime | None = None

    def __post_init__(self) -> None:
        if self.mode is not None and self.mode not in MODES:
            raise StoreError("mode", f"'{self.mode}' tidak dikenal; pilih {', '.join(MODES)}")
        for name in ("finished_from", "finished_to"):
            value = getattr(self, name)
            if value is not None and value.tzinfo is None:
                raise StoreError(name, "waktu tanpa zona waktu")
        if (self.finished_from and self.finished_to
                and self.finished_to <= self.finished_from):
            raise StoreError("finished_to", "harus setelah tanggal awal")

    @classmethod
    def for_dates(cls, first: date | None = None, last: date | None = None,
                  **kw: Any) -> QaFilter:
        """A filter for the calendar days first..last (both inclusive, in WIB)."""
        return cls(
            finished_from=day_start(first) if first else None,
            finished_to=day_start(last + timedelta(days=1)) if last else None,
            **kw,
        )

    def as_dict(self) -> dict[str, Any]:
        return {f.name: getattr(self, f.name) for f in fields(self)}


def _where(stmt: Select[Any], table: Any, requester: Requester, where: QaFilter) -> Select[Any]:
    if not requester.sees_all_attempts:
        stmt = stmt.where(table.trainee_id == requester.id)
    for name in ("trainee_id", "case_id", "scenario_id", "mode"):
        value = getattr(where, name)
        if value is not None:
            stmt = stmt.where(getattr(table, name) == value)
    if where.passed is not None:
        column = table.passed if table is AttemptFact else table.attempt_passed
        stmt = stmt.where(column.is_(True) if where.passed else column.is_(False))
    if where.reviewed is not None:
        if table is AttemptFact:
            cond = table.reviewed_by.is_not(None) if where.reviewed else table.reviewed_by.is_(None)
        else:
            cond = table.reviewed.is_(True) if where.reviewed else table.reviewed.is_(False)
        stmt = stmt.where(cond)
    if where.finished_from is not None:
        stmt = stmt.where(table.finished_at >= where.finished_from)
    if where.finished_to is not None:
        stmt = stmt.where(table.finished_at < where.finished_to)
    return stmt


# ---------------------------------------------------------------- writing facts
def fact_rows(
    *,
    attempt_id: int,
    trainee_id: int,
    case_id: str,
    scenario_id: str,
    mode: str,
    finished_at: datetime,
    score: float,
    max_score: float,
    passed: bool,
    result: Mapping[str, Any],
    rubric_version: str | None,
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The fact rows of a freshly scored attempt (automatic = adjusted, not reviewed)."""
    week = week_of(finished_at)
    percent = round(100.0 * score / max_score, 2)
    common = {"trainee_id": trainee_id, "case_id": case_id, "scenario_id": scenario_id,
              "mode": mode, "finished_at": finished_at, "week": week}
    attempt = {"attempt_id": attempt_id, **common, "auto_percent": percent,
               "auto_passed": passed, "percent": percent, "passed": passed,
               "rubric_version": rubric_version, "overrides": 0, "reviewed_by": None,
               "reviewed_at": None}
    criteria = [
        {"attempt_id": attempt_id, "criterion_id": c["id"], **common, "attempt_passed": passed,
         "reviewed": False, "critical": bool(c.get("critical")),
         "sop_ref": str(c.get("sop_ref") or ""), "max_points": float(c["max"]),
         "auto_ok": bool(c["ok"]), "auto_points": float(c["points"]), "ok": bool(c["ok"]),
         "points": float(c["points"]), "overridden": False}
        for c in result.get("criteria", [])
    ]
    return attempt, criteria


def add_facts(s: Session, row: Any) -> None:
    """Write the fact rows of one attempt just added in session `s` (an `Attempt` row)."""
    attempt, criteria = fact_rows(
        attempt_id=row.id, trainee_id=row.trainee_id, case_id=row.case_id,
        scenario_id=row.scenario_id, mode=row.mode, finished_at=row.finished_at,
        score=row.score, max_score=row.max_score, passed=row.passed, result=row.result,
        rubric_version=row.rubric_version,
    )
    insert_facts(s, [attempt], criteria)


def insert_facts(s: Session, attempts: list[dict], criteria: list[dict]) -> None:
    # Core inserts (not the ORM's bulk path): the facts are plain rows, written fast.
    if attempts:
        s.execute(AttemptFact.__table__.insert(), attempts)
    if criteria:
        s.execute(CriterionFact.__table__.insert(), criteria)


# ---------------------------------------------------------------- the QA attempt list
@dataclass(frozen=True)
class QaRow:
    attempt_id: int
    finished_at: datetime
    trainee_id: int
    trainee_username: str
    trainee_name: str
    case_id: str
    scenario_id: str
    mode: str
    auto_percent: float
    auto_passed: bool
    percent: float
    passed: bool
    overrides: int
    reviewed_by: int | None
    reviewer_name: str | None
    reviewed_at: datetime | None


def _require_viewer(requester: Requester) -> None:
    if not requester.sees_all_attempts:
        raise AccessDenied("halaman QA hanya untuk QA, trainer dan admin")


def list_qa_attempts(
    db: Database | Session,
    *,
    requester: Requester,
    where: QaFilter | None = None,
    limit: int = 50,
    offset: int = 0,
) -> list[QaRow]:
    """Attempts matching the filter, newest first, with automatic and adjusted score."""
    _require_viewer(requester)
    trainee, reviewer = aliased(User), aliased(User)
    f = AttemptFact
    stmt = (
        select(f.attempt_id, f.finished_at, f.trainee_id,
               trainee.username.label("trainee_username"),
               trainee.display_name.label("trainee_name"), f.case_id, f.scenario_id, f.mode,
               f.auto_percent, f.auto_passed, f.percent, f.passed, f.overrides, f.reviewed_by,
               reviewer.display_name.label("reviewer_name"), f.reviewed_at)
        .join(trainee, trainee.id == f.trainee_id)
        .outerjoin(reviewer, reviewer.id == f.reviewed_by)
    )
    stmt = _where(stmt, f, requester, where or QaFilter())
    stmt = stmt.order_by(f.finished_at.desc(), f.attempt_id.desc()).limit(limit).offset(offset)
    with reading(db) as s:
        return [QaRow(**r._asdict()) for r in s.execute(stmt)]


def count_qa_attempts(
    db: Database | Session, *, requester: Requester, where: QaFilter | None = None
) -> int:
    _require_viewer(requester)
    stmt = _where(select(func.count()).select_from(AttemptFact), AttemptFact, requester,
                  where or QaFilter())
    with reading(db) as s:
        return int(s.scalar(stmt) or 0)


def filter_choices(db: Database | Session, *, requester: Requester) -> dict[str, list]:
    """What the filter widgets offer: trainees with attempts, cases and scenarios seen."""
    _require_viewer(requester)
    f = AttemptFact
    with reading(db) as s:
        trainee_ids = select(f.trainee_id).distinct().scalar_subquery()
        trainees = [
            (r.id, r.display_name, r.username)
            for r in s.execute(
                select(User.id, User.display_name, User.username)
                .where(User.id.in_(trainee_ids)).order_by(User.display_name)
            )
        ]
        cases = list(s.scalars(select(f.case_id).distinct().order_by(f.case_id)))
        scenarios = list(s.scalars(select(f.scenario_id).distinct().order_by(f.scenario_id)))
        first_last = s.execute(select(func.min(f.finished_at), func.max(f.finished_at))).one()
    return {"trainees": trainees, "cases": cases, "scenarios": scenarios,
            "first": first_last[0], "last": first_last[1]}


# ---------------------------------------------------------------- aggregates
def _pass_sum(column: Any) -> Any:
    """How many rows have the boolean column true (a cast is cheaper than CASE on SQLite)."""
    return func.sum(cast(column, Integer))


def _attempt_groups(s: Session, requester: Requester, where: QaFilter,
                    keys: list[Any]) -> pd.DataFrame:
    f = AttemptFact
    stmt = select(*keys, func.count().label("attempts"), _pass_sum(f.passed).label("passed"),
                  func.avg(f.percent).label("mean_percent"))
    stmt = _where(stmt, f, requester, where).group_by(*keys)
    return _frame(s.execute(stmt), [k.key for k in keys] + ["attempts", "passed",
                                                             "mean_percent"])


def _criterion_groups(s: Session, requester: Requester, where: QaFilter,
                      keys: list[Any]) -> pd.DataFrame:
    c = CriterionFact
    stmt = select(*keys, func.count().label("results"), _pass_sum(c.ok).label("ok"),
                  func.sum(c.points).label("points"), func.sum(c.max_points).label("max_points"))
    stmt = _where(stmt, c, requester, where).group_by(*keys)
    df = _frame(s.execute(stmt), [k.key for k in keys] + ["results", "ok", "points",
                                                           "max_points"])
    df["ok_rate"] = (100.0 * df["ok"] / df["results"]).round(ROUND)
    df["mean_percent"] = (100.0 * df["points"] / df["max_points"]).round(ROUND)
    return df.drop(columns=["points", "max_points"])


def _frame(rows: Iterable[Any], columns: list[str]) -> pd.DataFrame:
    df = pd.DataFrame([tuple(r) for r in rows], columns=columns)
    for col in ("attempts", "passed", "results", "ok"):
        if col in df:
            df[col] = df[col].astype("int64")
    if "passed" in df and "attempts" in df:
        df["pass_rate"] = (100.0 * df["passed"] / df["attempts"]).round(ROUND)
    if "mean_percent" in df:
        df["mean_percent"] = df["mean_percent"].astype(float).round(ROUND)
    return df


def _names(s: Session, ids: Iterable[int]) -> dict[int, tuple[str, str]]:
    ids = sorted({int(i) for i in ids})
    if not ids:
        return {}
    out = {}
    for chunk in range(0, len(ids), 900):
        part = ids[chunk:chunk + 900]
        for r in s.execute(select(User.id, User.display_name, User.username)
                           .where(User.id.in_(part))):
            out[r.id] = (r.display_name, r.username)
    return out


def _with_trainee(s: Session, df: pd.DataFrame) -> pd.DataFrame:
    names = _names(s, df["trainee_id"]) if len(df) else {}
    df.insert(1, "trainee", [names.get(int(i), (str(i), ""))[0] for i in df["trainee_id"]])
    df.insert(2, "username", [names.get(int(i), ("", ""))[1] for i in df["trainee_id"]])
    return df


def by_trainee(s: Session, requester: Requester, where: QaFilter) -> pd.DataFrame:
    df = _attempt_groups(s, requester, where, [AttemptFact.trainee_id])
    return _with_trainee(s, df).sort_values(["pass_rate", "mean_percent", "trainee"],
                                            ignore_index=True)


def by_case(s: Session, requester: Requester, where: QaFilter) -> pd.DataFrame:
    df = _attempt_groups(s, requester, where, [AttemptFact.case_id])
    return df.sort_values("case_id", ignore_index=True)


def by_scenario(s: Session, requester: Requester, where: QaFilter) -> pd.DataFrame:
    df = _attempt_groups(s, requester, where, [AttemptFact.case_id, AttemptFact.scenario_id])
    return df.sort_values(["case_id", "scenario_id"], ignore_index=True)


def with_group(df: pd.DataFrame) -> pd.DataFrame:
    """`group` beside `criterion_id`: "sop", or "layanan" for the service standard (a
    training standard, not SOP text), read from the criterion id as for old results."""
    df.insert(list(df.columns).index("criterion_id") + 1, "group",
              [criterion_group(str(c)) for c in df["criterion_id"]])
    return df


def by_criterion(s: Session, requester: Requester, where: QaFilter) -> pd.DataFrame:
    df = with_group(_criterion_groups(s, requester, where, [CriterionFact.criterion_id]))
    return df.sort_values(["ok_rate", "criterion_id"], ignore_index=True)


def weekly(s: Session, requester: Requester, where: QaFilter) -> pd.DataFrame:
    df = _attempt_groups(s, requester, where, [AttemptFact.week])
    if len(df):
        df["week"] = pd.to_datetime(df["week"]).dt.date
    return df.sort_values("week", ignore_index=True)


def weakest_by_trainee(s: Session, requester: Requester, where: QaFilter,
                       per_trainee: int = 3) -> pd.DataFrame:
    """Each trainee's `per_trainee` criteria with the lowest rate of being met."""
    df = _criterion_groups(s, requester, where,
                           [CriterionFact.trainee_id, CriterionFact.criterion_id])
    df = df.sort_values(["trainee_id", "ok_rate", "mean_percent", "criterion_id"])
    df = df.groupby("trainee_id", sort=False).head(per_trainee).reset_index(drop=True)
    return _with_trainee(s, with_group(df))


def mastery(s: Session, requester: Requester, where: QaFilter) -> pd.DataFrame:
    """Trainee x case: attempts, pass rate and mean score (long form; the page pivots it)."""
    df = _attempt_groups(s, requester, where, [AttemptFact.trainee_id, AttemptFact.case_id])
    return _with_trainee(s, df).sort_values(["trainee", "case_id"], ignore_index=True)


def totals(s: Session, requester: Requester, where: QaFilter) -> dict[str, Any]:
    f = AttemptFact
    stmt = _where(select(func.count(), _pass_sum(f.passed), func.avg(f.percent),
                         func.count(f.reviewed_by)), f, requester, where)
    n, passed, mean, reviewed = s.execute(stmt).one()
    n = int(n or 0)
    return {"attempts": n, "passed": int(passed or 0),
            "pass_rate": round(100.0 * (passed or 0) / n, ROUND) if n else None,
            "mean_percent": round(float(mean), ROUND) if mean is not None else None,
            "reviewed": int(reviewed or 0)}


AGGREGATES: dict[str, Callable[[Session, Requester, QaFilter], Any]] = {
    "by_trainee": by_trainee,
    "by_case": by_case,
    "by_scenario": by_scenario,
    "by_criterion": by_criterion,
    "weekly": weekly,
    "weakest_by_trainee": weakest_by_trainee,
    "mastery": mastery,
}


@dataclass(frozen=True)
class Dashboard:
    totals: dict[str, Any]
    by_trainee: pd.DataFrame
    by_case: pd.DataFrame
    by_scenario: pd.DataFrame
    by_criterion: pd.DataFrame  # its first rows are the weakest criteria overall
    weekly: pd.DataFrame
    weakest_by_trainee: pd.DataFrame
    mastery: pd.DataFrame

    def tables(self) -> dict[str, pd.DataFrame]:
        return {f.name: getattr(self, f.name) for f in fields(self)
                if isinstance(getattr(self, f.name), pd.DataFrame)}


def dashboard(
    db: Database | Session, *, requester: Requester, where: QaFilter | None = None
) -> Dashboard:
    """Every dashboard figure for the filter, in one read transaction (one snapshot)."""
    _require_viewer(requester)
    where = where or QaFilter()
    with reading(db) as s:
        return Dashboard(
            totals=totals(s, requester, where),
            **{name: fn(s, requester, where) for name, fn in AGGREGATES.items()},
        )

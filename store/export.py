"""Exports for QA: the filtered attempts, their per-criterion results and the dashboard tables,
as CSV (UTF-8 with BOM, so Excel reads Indonesian text right) or as one Excel workbook with a
sheet per table (openpyxl). The page's download buttons and `cso-trainer export` call these.

Text that a spreadsheet would run as a formula (starting with =, +, -, @) is prefixed with an
apostrophe. Times are shown in WIB (Asia/Jakarta). Per-criterion tables have a "Kelompok" column:
"SOP" or "Standar layanan" (the service standard, a training standard and not SOP text).
"""

from __future__ import annotations

import io
from collections.abc import Iterable
from datetime import datetime
from pathlib import Path
from typing import Any

import pandas as pd
from sqlalchemy import func, select
from sqlalchemy.orm import Session, aliased

from core.fmt import ya_tidak
from sop.groups import GROUP_LABELS
from store.access import Requester
from store.dashboard import WIB, QaFilter, _require_viewer, _where, dashboard, with_group
from store.db import Database, reading
from store.errors import StoreError
from store.models import AttemptFact, CriterionFact, CriterionOverride, User

FORMATS = ("csv", "xlsx")
EXCEL_MAX_ROWS = 1_048_575  # a sheet's rows, less the header

# table key -> (sheet / file title, {column: Indonesian header})
TABLES: dict[str, tuple[str, dict[str, str]]] = {
    "attempts": ("Percobaan", {
        "attempt_id": "ID percobaan", "finished_at": "Selesai (WIB)", "trainee": "Peserta",
        "username": "Username", "case_id": "Kasus", "scenario_id": "Skenario", "mode": "Mode",
        "auto_percent": "Skor otomatis (%)", "auto_passed": "Lulus (otomatis)",
        "percent": "Skor disesuaikan (%)", "passed": "Lulus (disesuaikan)",
        "overrides": "Jumlah override", "reviewer": "Ditinjau oleh",
        "reviewed_at": "Ditinjau pada (WIB)", "rubric_version": "Versi rubrik",
    }),
    "criteria": ("Kriteria per percobaan", {
        "attempt_id": "ID percobaan", "finished_at": "Selesai (WIB)", "trainee": "Peserta",
        "username": "Username", "case_id": "Kasus", "scenario_id": "Skenario", "mode": "Mode",
        "criterion_id": "Kriteria", "group": "Kelompok", "sop_ref": "Langkah SOP",
        "critical": "Kritis",
        "max_points": "Poin maksimal", "auto_ok": "Terpenuhi (otomatis)",
        "auto_points": "Poin otomatis", "ok": "Terpenuhi (disesuaikan)",
        "points": "Poin disesuaikan", "overridden": "Diubah QA", "comment": "Komentar QA",
    }),
    "by_trainee": ("Per peserta", {
        "trainee_id": "ID peserta", "trainee": "Peserta", "username": "Username",
        "attempts": "Percobaan", "passed": "Lulus", "pass_rate": "Tingkat lulus (%)",
        "mean_percent": "Rata-rata skor (%)",
    }),
    "by_case": ("Per kasus", {
        "case_id": "Kasus", "attempts": "Percobaan", "passed": "Lulus",
        "pass_rate": "Tingkat lulus (%)", "mean_percent": "Rata-rata skor (%)",
    }),
    "by_scenario": ("Per skenario", {
        "case_id": "Kasus", "scenario_id": "Skenario", "attempts": "Percobaan",
        "passed": "Lulus", "pass_rate": "Tingkat lulus (%)", "mean_percent": "Rata-rata skor (%)",
    }),
    "by_criterion": ("Per kriteria", {
        "criterion_id": "Kriteria", "group": "Kelompok", "results": "Dinilai", "ok": "Terpenuhi",
        "ok_rate": "Tingkat terpenuhi (%)", "mean_percent": "Rata-rata poin (%)",
    }),
    "weekly": ("Tren mingguan", {
        "week": "Minggu (Senin)", "attempts": "Percobaan", "passed": "Lulus",
        "pass_rate": "Tingkat lulus (%)", "mean_percent": "Rata-rata skor (%)",
    }),
    "weakest_by_trainee": ("Terlemah per peserta", {
        "trainee_id": "ID peserta", "trainee": "Peserta", "username": "Username",
        "criterion_id": "Kriteria", "group": "Kelompok", "results": "Dinilai",
        "ok": "Terpenuhi", "ok_rate": "Tingkat terpenuhi (%)",
        "mean_percent": "Rata-rata poin (%)",
    }),
    "mastery": ("Matriks penguasaan", {
        "trainee_id": "ID peserta", "trainee": "Peserta", "username": "Username",
        "case_id": "Kasus", "attempts": "Percobaan", "passed": "Lulus",
        "pass_rate": "Tingkat lulus (%)", "mean_percent": "Rata-rata skor (%)",
    }),
}
DASHBOARD_TABLES = tuple(k for k in TABLES if k not in ("attempts", "criteria"))
# columns whose codes people read as words: the criterion's group ("SOP", "Standar layanan")
VALUE_LABELS: dict[str, dict[str, str]] = {"group": GROUP_LABELS}


def _wib(value: Any) -> Any:
    if isinstance(value, datetime):
        return (value + WIB).replace(tzinfo=None, microsecond=0) if value.tzinfo else value
    return value


def attempts_frame(
    db: Database | Session, *, requester: Requester, where: QaFilter | None = None
) -> pd.DataFrame:
    """Every filtered attempt (newest first) with automatic and adjusted score."""
    _require_viewer(requester)
    trainee, reviewer = aliased(User), aliased(User)
    f = AttemptFact
    stmt = (
        select(f.attempt_id, f.finished_at, trainee.display_name.label("trainee"),
               trainee.username, f.case_id, f.scenario_id, f.mode, f.auto_percent,
               f.auto_passed, f.percent, f.passed, f.overrides,
               reviewer.display_name.label("reviewer"), f.reviewed_at, f.rubric_version)
        .join(trainee, trainee.id == f.trainee_id)
        .outerjoin(reviewer, reviewer.id == f.reviewed_by)
    )
    stmt = _where(stmt, f, requester, where or QaFilter())
    stmt = stmt.order_by(f.finished_at.desc(), f.attempt_id.desc())
    with reading(db) as s:
        rows = [tuple(r) for r in s.execute(stmt)]
    df = pd.DataFrame(rows, columns=list(TABLES["attempts"][1]))
    for col in ("auto_percent", "percent"):
        df[col] = df[col].astype(float).round(1)
    return df


def criteria_frame(
    db: Database | Session, *, requester: Requester, where: QaFilter | None = None
) -> pd.DataFrame:
    """Every criterion result of the filtered attempts, with the QA comment that counts."""
    _require_viewer(requester)
    c, o = CriterionFact, CriterionOverride
    latest = (select(func.max(o.id).label("id"))
              .group_by(o.attempt_id, o.criterion_id).subquery())
    comments = (select(o.attempt_id, o.criterion_id, o.comment)
                .join(latest, latest.c.id == o.id).subquery())
    stmt = (
        select(c.attempt_id, c.finished_at, User.display_name.label("trainee"), User.username,
               c.case_id, c.scenario_id, c.mode, c.criterion_id, c.sop_ref, c.critical,
               c.max_points, c.auto_ok, c.auto_points, c.ok, c.points, c.overridden,
               comments.c.comment)
        .join(User, User.id == c.trainee_id)
        .outerjoin(comments, (comments.c.attempt_id == c.attempt_id)
                   & (comments.c.criterion_id == c.criterion_id))
    )
    stmt = _where(stmt, c, requester, where or QaFilter())
    stmt = stmt.order_by(c.finished_at.desc(), c.attempt_id.desc(), c.criterion_id)
    with reading(db) as s:
        rows = [tuple(r) for r in s.execute(stmt)]
    columns = [k for k in TABLES["criteria"][1] if k != "group"]
    return with_group(pd.DataFrame(rows, columns=columns))


def export_tables(
    db: Database | Session,
    *,
    requester: Requester,
    where: QaFilter | None = None,
    tables: Iterable[str] | None = None,
) -> dict[str, pd.DataFrame]:
    """The chosen tables (default: all) for the filter, keyed as in TABLES."""
    wanted = list(tables) if tables is not None else list(TABLES)
    unknown = [t for t in wanted if t not in TABLES]
    if unknown:
        raise StoreError("table", f"tabel tidak dikenal: {', '.join(unknown)}; pilih "
                                  f"{', '.join(TABLES)}")
    out: dict[str, pd.DataFrame] = {}
    if "attempts" in wanted:
        out["attempts"] = attempts_frame(db, requester=requester, where=where)
    if "criteria" in wanted:
        out["criteria"] = criteria_frame(db, requester=requester, where=where)
    if any(t in DASHBOARD_TABLES for t in wanted):
        tables_ = dashboard(db, requester=requester, where=where).tables()
        out.update({t: tables_[t] for t in wanted if t in DASHBOARD_TABLES})
    return {t: out[t] for t in wanted}


# ---------------------------------------------------------------- files
def _safe(value: Any) -> Any:
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return _wib(value)


def for_people(key: str, df: pd.DataFrame) -> pd.DataFrame:
    """A table as people read it: Indonesian headers, WIB times, no live formulas."""
    headers = TABLES[key][1]
    out = df[[c for c in headers if c in df.columns]].copy()
    for col, labels in VALUE_LABELS.items():
        if col in out.columns:
            out[col] = [labels.get(v, v) for v in out[col]]
    for col in out.columns:
        dtype = out[col].dtype
        if pd.api.types.is_bool_dtype(dtype) or (
                pd.api.types.is_object_dtype(dtype)
                and out[col].map(lambda v: isinstance(v, bool)).any()):
            out[col] = [ya_tidak(v) if isinstance(v, bool) else v for v in out[col]]
            continue
        if (pd.api.types.is_object_dtype(dtype) or pd.api.types.is_string_dtype(dtype)
                or pd.api.types.is_datetime64_any_dtype(dtype)):
            out[col] = pd.Series([_safe(v) for v in out[col]], index=out.index, dtype=object)
    return out.rename(columns=headers)


def to_csv_bytes(key: str, df: pd.DataFrame) -> bytes:
    return for_people(key, df).to_csv(index=False).encode("utf-8-sig")


def to_xlsx_bytes(tables: dict[str, pd.DataFrame]) -> bytes:
    buf = io.BytesIO()
    write_xlsx(tables, buf)
    return buf.getvalue()


def write_xlsx(tables: dict[str, pd.DataFrame], out: Any) -> None:
    """One sheet per table, headers in bold, columns wide enough to read, header row frozen.

    Written row by row (openpyxl's write-only workbook): a few times faster than building
    every cell in memory, which took seconds for a few thousand attempts."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    for key, df in tables.items():
        if len(df) > EXCEL_MAX_ROWS:
            raise StoreError("format", f"tabel {TABLES[key][0]} punya {len(df):,} baris, melebihi "
                                       "batas Excel; persempit filter atau pakai CSV")
    book = Workbook(write_only=True)
    bold = Font(bold=True)
    for key, df in tables.items():
        people = for_people(key, df)
        sheet = book.create_sheet(TABLES[key][0][:31])
        sheet.freeze_panes = "A2"
        for j, col in enumerate(people.columns, start=1):
            sample = [len(str(col))] + [len(str(v)) for v in people[col].head(200)]
            sheet.column_dimensions[get_column_letter(j)].width = min(60, max(sample) + 2)
        header = []
        for col in people.columns:
            cell = WriteOnlyCell(sheet, value=str(col))
            cell.font = bold
            header.append(cell)
        sheet.append(header)
        values = people.astype(object).where(people.notna(), None)
        for row in values.itertuples(index=False, name=None):
            sheet.append([_cell(v) for v in row])
    book.save(out)


def _cell(value: Any) -> Any:
    """A value openpyxl writes as such (numpy numbers as Python ones)."""
    return value.item() if hasattr(value, "item") and not isinstance(value, str) else value


def write_export(path: Path, *, fmt: str, tables: dict[str, pd.DataFrame]) -> None:
    """Write the tables to `path`: CSV takes exactly one table, XLSX any number.

    Written to a temporary file first and moved into place, so a failed export leaves nothing
    half-written.
    """
    if fmt not in FORMATS:
        raise StoreError("format", f"'{fmt}' tidak dikenal; pilih {' atau '.join(FORMATS)}")
    if fmt == "csv" and len(tables) != 1:
        raise StoreError("table", "CSV berisi satu tabel; pilih satu dengan --table")
    tmp = path.with_name(f".{path.name}.tmp")
    try:
        if fmt == "csv":
            [(key, df)] = tables.items()
            tmp.write_bytes(to_csv_bytes(key, df))
        else:
            with open(tmp, "wb") as fh:
                write_xlsx(tables, fh)
        tmp.replace(path)
    finally:
        tmp.unlink(missing_ok=True)

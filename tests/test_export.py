"""Exports: CSV and Excel files that open (csv, pandas, openpyxl) and hold the filtered rows,
from the store functions and from `cso-trainer export`."""

from __future__ import annotations

import csv
import io

import openpyxl
import pandas as pd
import pytest

import cli
from sop.models import SERVICE_CRITERIA
from store import Database, StoreError
from store.dashboard import QaFilter, count_qa_attempts, dashboard
from store.export import (
    TABLES,
    export_tables,
    to_csv_bytes,
    to_xlsx_bytes,
    write_export,
)
from store.reviews import override_criterion, review
from tests.qa_data import add_attempts, content, people


@pytest.fixture
def seeded(db):
    p = people(db)
    ids = add_attempts(db, [p["andi"], p["budi"]], 40, seed=21)
    return db, p, ids


def test_csv_of_the_filtered_attempts_reads_back_with_csv_and_pandas(seeded):
    db, p, _ = seeded
    qa = p["qa1"].requester
    where = QaFilter(trainee_id=p["budi"].id, passed=False)
    tables = export_tables(db, requester=qa, where=where, tables=["attempts"])
    data = to_csv_bytes("attempts", tables["attempts"])
    assert data.startswith(b"\xef\xbb\xbf")  # BOM: Excel reads the UTF-8 text right

    rows = list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))
    assert len(rows) == count_qa_attempts(db, requester=qa, where=where) > 0
    assert {r["Peserta"] for r in rows} == {"Budi"}
    assert {r["Lulus (disesuaikan)"] for r in rows} == {"tidak"}  # in words, not False
    assert list(rows[0]) == list(TABLES["attempts"][1].values())

    df = pd.read_csv(io.BytesIO(data), encoding="utf-8-sig")
    assert len(df) == len(rows)
    assert df["Skor otomatis (%)"].between(0, 100).all()
    assert pd.to_datetime(df["Selesai (WIB)"]).is_monotonic_decreasing


def test_xlsx_holds_a_sheet_per_table_with_the_right_rows(seeded, tmp_path):
    db, p, _ = seeded
    qa = p["qa1"].requester
    where = QaFilter(case_id="website.panduan")
    tables = export_tables(db, requester=qa, where=where)
    path = tmp_path / "qa.xlsx"
    write_export(path, fmt="xlsx", tables=tables)

    book = openpyxl.load_workbook(path, read_only=True)
    assert book.sheetnames == [title for title, _ in TABLES.values()]
    n = count_qa_attempts(db, requester=qa, where=where)
    sheet = list(book["Percobaan"].iter_rows(values_only=True))
    assert sheet[0] == tuple(TABLES["attempts"][1].values())
    assert len(sheet) - 1 == n
    assert {row[4] for row in sheet[1:]} == {"website.panduan"}  # the Kasus column

    criteria = list(book["Kriteria per percobaan"].iter_rows(values_only=True))
    assert len(criteria) - 1 == len(tables["criteria"])
    head = criteria[0]
    assert head[7:9] == ("Kriteria", "Kelompok")
    kinds = {(row[7], row[8]) for row in criteria[1:]}
    assert {c for c, g in kinds if g == "SOP"} <= {"apkt_action", "website_steps",
                                                   "email_used_advice"}
    assert {c for c, g in kinds if g == "Standar layanan"} == set(SERVICE_CRITERIA)
    per = list(book["Per kriteria"].iter_rows(values_only=True))
    assert per[0][:2] == ("Kriteria", "Kelompok")
    assert {r[0] for r in per[1:] if r[1] == "Standar layanan"} == set(SERVICE_CRITERIA)
    weak = list(book["Terlemah per peserta"].iter_rows(values_only=True))
    col = weak[0].index("Kelompok")
    assert {r[col] for r in weak[1:]} <= {"SOP", "Standar layanan"}
    by_case = list(book["Per kasus"].iter_rows(values_only=True))
    assert by_case[1][0] == "website.panduan" and by_case[1][1] == n
    d = dashboard(db, requester=qa, where=where)
    weekly = list(book["Tren mingguan"].iter_rows(values_only=True))
    assert sum(r[1] for r in weekly[1:]) == d.totals["attempts"]


def test_the_qa_comment_is_exported_and_formulas_are_not_live(seeded):
    db, p, ids = seeded
    qa = p["qa1"].requester
    crit = review(db, requester=qa, attempt_id=ids[0], library=content().library).criteria[-1]
    override_criterion(db, requester=qa, attempt_id=ids[0], criterion_id=crit.id,
                       ok=not crit.ok, comment='=HYPERLINK("http://x") cek ulang',
                       library=content().library)
    tables = export_tables(db, requester=qa, tables=["criteria"])
    book = openpyxl.load_workbook(io.BytesIO(to_xlsx_bytes(tables)))
    rows = list(book.active.iter_rows(values_only=True))
    header = rows[0]
    comments = [row[header.index("Komentar QA")] for row in rows[1:] if row[0] == ids[0]
                and row[header.index("Kriteria")] == crit.id]
    assert comments == ["'=HYPERLINK(\"http://x\") cek ulang"]
    assert book.active.cell(row=2, column=1).data_type == "n"  # ids stay numbers


def test_csv_takes_one_table_and_a_failed_export_leaves_no_file(seeded, tmp_path, monkeypatch):
    db, p, _ = seeded
    tables = export_tables(db, requester=p["qa1"].requester, tables=["attempts", "by_case"])
    out = tmp_path / "keluar"
    out.mkdir()
    with pytest.raises(StoreError) as err:
        write_export(out / "x.csv", fmt="csv", tables=tables)
    assert err.value.field == "table"
    big = {"attempts": pd.concat([tables["attempts"]] * 2)}
    # a sheet longer than Excel allows (the limit lowered to this table's length)
    monkeypatch.setattr("store.export.EXCEL_MAX_ROWS", len(tables["attempts"]))
    with pytest.raises(StoreError) as err:
        write_export(out / "x.xlsx", fmt="xlsx", tables=big)
    assert "CSV" in err.value.message
    assert list(out.iterdir()) == []  # nothing half-written
    with pytest.raises(StoreError) as err:
        export_tables(db, requester=p["qa1"].requester, tables=["rahasia"])
    assert err.value.field == "table"


def test_cli_export_with_the_same_filters(tmp_path, monkeypatch, capsys):
    db = Database(f"sqlite:///{tmp_path / 'cli.db'}")  # the command opens CSO_DATABASE_URL
    db.upgrade()
    monkeypatch.setenv("CSO_DATABASE_URL", str(db.url))
    p = people(db)
    add_attempts(db, [p["andi"], p["budi"]], 30, seed=23)
    qa = p["qa1"].requester
    out = tmp_path / "andi.csv"
    argv = ["export", "--format", "csv", "--out", str(out), "--trainee", "andi", "--passed"]
    assert cli.main(argv) == 0
    rows = list(csv.DictReader(io.StringIO(out.read_text(encoding="utf-8-sig"))))
    want = count_qa_attempts(db, requester=qa, where=QaFilter(trainee_id=p["andi"].id,
                                                              passed=True))
    assert len(rows) == want > 0 and {r["Username"] for r in rows} == {"andi"}
    assert "OK:" in capsys.readouterr().err

    book = tmp_path / "semua.xlsx"
    assert cli.main(["export", "--format", "xlsx", "--out", str(book), "--mode", "latihan",
                     "--not-reviewed", "--from", "2025-01-01", "--to", "2025-12-31"]) == 0
    wb = openpyxl.load_workbook(book, read_only=True)
    assert len(wb.sheetnames) == len(TABLES)
    latihan = count_qa_attempts(db, requester=qa, where=QaFilter(mode="latihan"))
    assert len(list(wb["Percobaan"].values)) - 1 == latihan  # (no <dimension>: count rows)

    assert cli.main(["export", "--format", "csv", "--out", str(out), "--table", "attempts",
                     "--table", "by_case"]) == 2
    assert cli.main(["export", "--format", "csv", "--out", str(out), "--trainee",
                     "tidakada"]) == 2
    assert "tidakada" in capsys.readouterr().err
    db.dispose()

"""cso-trainer cohorts list|show|status|export: what an LMS or HR system reads."""

from __future__ import annotations

import json

from openpyxl import load_workbook

from cli import main
from tests.test_cohorts_pages import SOP
from tests.test_cohorts_pages import certified_cohort as _certified


def test_cohorts_list_show_and_status_as_json(fresh_app_db, capsys):
    cid = _certified()
    assert main(["cohorts", "list", "--json"]) == 0
    (row,) = json.loads(capsys.readouterr().out)
    assert (row["name"], row["trainees"], row["certified"]) == ("Angkatan Oktober 2026", 2, 1)

    assert main(["cohorts", "status"]) == 0
    status = {c["username"]: c for c in json.loads(capsys.readouterr().out)}
    assert status["peserta1"]["status"] == "siap melayani"
    assert status["peserta1"]["certified"] is True
    assert status["peserta1"]["rubric_version"] == f"{SOP}@r1"
    assert status["peserta1"]["sop_version"] == 1 and status["peserta1"]["outdated"] is False
    assert status["peserta2"]["certified"] is False and status["peserta2"]["status"] == "belum"

    assert main(["cohorts", "show", str(cid), "--json"]) == 0
    shown = json.loads(capsys.readouterr().out)
    (exam,) = shown["assignments"]
    assert exam["trainees"]["peserta1"]["status"] == "selesai"
    assert exam["trainees"]["peserta2"]["label"] == "belum mulai"
    assert main(["cohorts", "show", "Angkatan Oktober 2026"]) == 0
    assert "peserta1: siap melayani" in capsys.readouterr().out


def test_cohorts_export_writes_the_report(fresh_app_db, tmp_path, capsys):
    _certified()
    out = tmp_path / "laporan.xlsx"
    assert main(["cohorts", "export", "Angkatan Oktober 2026", "--out", str(out)]) == 0
    book = load_workbook(out)
    summary = [[c.value for c in row] for row in book["Sertifikasi"].iter_rows(min_row=5)]
    by_user = {r[1]: r for r in summary}
    assert by_user["peserta1"][2] == "siap melayani" and by_user["peserta2"][2] == "belum"
    detail = [[c.value for c in row] for row in book["Per kasus"].iter_rows(min_row=2)]
    assert ["Menanyakan jumlah tagihan", "100,0", "lulus"] in [r[5:8] for r in detail]
    pdf = tmp_path / "laporan.pdf"
    assert main(["cohorts", "export", "Angkatan Oktober 2026", "--out", str(pdf)]) == 0
    assert pdf.read_bytes().startswith(b"%PDF")
    assert main(["cohorts", "show", "tidak-ada"]) == 2
    assert "angkatan 'tidak-ada' tidak ada" in capsys.readouterr().err

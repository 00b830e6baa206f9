"""The training manager's papers: a cohort report (PDF and Excel: per trainee per case of each
exam, passed or not, the date and the QA reviewer; who is "siap melayani") and a printable
certificate (PDF), in Indonesian, dates as "5 Okt 2026" and decimals with a comma (core.fmt).

PDFs are drawn with fpdf2 (pure Python), in DejaVu Sans when the system has it (any name prints)
and in the PDF core font Helvetica otherwise (names outside Latin-1 then print with '?'). The
workbook is written with openpyxl, with text that looks like a formula quoted.
"""

from __future__ import annotations

import io
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from core.fmt import angka, tanggal, waktu
from store.certification import Certification, certification_status
from store.cohorts import KIND_LABELS, CohortRecord, cohort_matrix, user_names
from store.db import Database

FONT_DIRS = (Path("/usr/share/fonts/truetype/dejavu"), Path("/usr/share/fonts/dejavu"))
SUMMARY_HEADERS = ("Peserta", "Nama pengguna", "Status sertifikasi", "Tanggal sertifikasi",
                   "Versi SOP", "Versi SOP terbaru", "Ujian sertifikasi")  # fmt: skip
DETAIL_HEADERS = ("Peserta", "Nama pengguna", "Tugas", "Jenis", "Status tugas", "Kasus",
                  "Skor", "Hasil", "Tanggal", "Peninjau QA")  # fmt: skip


@dataclass(frozen=True)
class CohortReport:
    cohort: CohortRecord
    made_at: datetime
    certifications: tuple[Certification, ...]
    summary: tuple[tuple[Any, ...], ...]  # rows under SUMMARY_HEADERS
    detail: tuple[tuple[Any, ...], ...]  # rows under DETAIL_HEADERS


def angkatan(name: str) -> str:
    """"angkatan X", or the name itself when it says so already ("Angkatan Oktober 2026")."""
    return name if name.lower().startswith("angkatan") else f"angkatan {name}"


def _version(number: int | None) -> str:
    return "–" if number is None else f"versi {number}"


def cohort_report(
    db: Database,
    cohort_id: int,
    *,
    now: datetime,
    case_titles: Mapping[str, str] | None = None,
    current_versions: dict[str, int] | None = None,
) -> CohortReport:
    """The report's rows: one summary line per trainee, and per trainee per assignment one line
    per case of an exam (the passed sitting, else the last) or one line for a practice set."""
    titles = dict(case_titles or {})
    matrix = cohort_matrix(db, cohort_id, now=now)
    certs = tuple(certification_status(db, cohort_id=cohort_id, now=now,
                                       current_versions=current_versions))  # fmt: skip
    summary = tuple(
        (c.name, c.username, c.label, tanggal(c.certified_at) if c.certified_at else "–",
         _version(c.sop_version), _version(c.current_version),
         c.assignment_title or c.status_detail)
        for c in certs
    )  # fmt: skip
    reviewer_ids = {r for st in matrix.states.values() if st.best
                    for case in st.best.cases for r in case.reviewer_ids}  # fmt: skip
    names = user_names(db, reviewer_ids)
    detail: list[tuple[Any, ...]] = []
    for m in matrix.trainees:
        for a in matrix.assignments:
            st = matrix.state(a.id, m.user_id)
            if st is None:
                continue
            head = (m.name, m.username, a.title, KIND_LABELS[a.kind], st.label)
            if a.exam is None or st.best is None:
                detail.append(head + ("–", "–", "–", tanggal(st.finished_at)
                                      if st.finished_at else "–", "–"))  # fmt: skip
                continue
            for case in st.best.cases:
                result = "belum" if case.passed is None else ("lulus" if case.passed
                                                              else "tidak lulus")  # fmt: skip
                detail.append(head + (
                    titles.get(case.case_id, case.case_id),
                    angka(case.percent) if case.percent is not None else "–", result,
                    tanggal(case.finished_at) if case.finished_at else "–",
                    ", ".join(names.get(r, str(r)) for r in case.reviewer_ids) or "–"))
    return CohortReport(matrix.cohort, now, certs, summary, tuple(detail))


# ---------------------------------------------------------------- Excel
def _safe(value: Any) -> Any:
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r") and value != "–":
        return "'" + value
    return value


def report_xlsx(report: CohortReport) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    sheet = book.active
    sheet.title = "Sertifikasi"
    sheet.append([f"Laporan {angkatan(report.cohort.name)}"])
    sheet.append([f"Mulai {tanggal(report.cohort.start_date)} · SOP {report.cohort.sop_id} · "
                  f"dibuat {waktu(report.made_at)}"])  # fmt: skip
    sheet.append([])
    sheet.append(list(SUMMARY_HEADERS))
    for row in report.summary:
        sheet.append([_safe(v) for v in row])
    detail = book.create_sheet("Per kasus")
    detail.append(list(DETAIL_HEADERS))
    for row in report.detail:
        detail.append([_safe(v) for v in row])
    sheet["A1"].font = Font(bold=True, size=14)
    for ws, header_row in ((sheet, 4), (detail, 1)):
        for cell in ws[header_row]:
            cell.font = Font(bold=True)
        for column in ws.columns:
            width = max(len(str(c.value or "")) for c in column[header_row - 1:])
            ws.column_dimensions[column[0].column_letter].width = min(45, max(10, width + 2))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


# ---------------------------------------------------------------- PDF
def _pdf(orientation: str = "P"):
    from fpdf import FPDF

    pdf = FPDF(orientation=orientation, unit="mm", format="A4")
    pdf.set_auto_page_break(True, margin=15)
    font = "Helvetica"
    for folder in FONT_DIRS:
        regular, bold = folder / "DejaVuSans.ttf", folder / "DejaVuSans-Bold.ttf"
        if regular.exists() and bold.exists():
            pdf.add_font("DejaVu", "", str(regular))
            pdf.add_font("DejaVu", "B", str(bold))
            font = "DejaVu"
            break
    pdf.set_font(font, size=11)
    return pdf, font


def _text(font: str, value: Any) -> str:
    text = str(value)
    if font == "Helvetica":
        return text.encode("latin-1", "replace").decode("latin-1")
    return text


def report_pdf(report: CohortReport) -> bytes:
    pdf, font = _pdf("L")
    pdf.set_title(f"Laporan {angkatan(report.cohort.name)}")
    pdf.add_page()
    t = lambda v: _text(font, v)  # noqa: E731
    pdf.set_font(font, "B", 16)
    pdf.cell(0, 10, t(f"Laporan {angkatan(report.cohort.name)}"), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(font, "", 10)
    trainers = ", ".join(m.name for m in report.cohort.trainers) or "–"
    pdf.cell(0, 6, t(f"Mulai {tanggal(report.cohort.start_date)} · SOP {report.cohort.sop_id}"
                     f" · pelatih: {trainers} · dibuat {waktu(report.made_at)}"),
             new_x="LMARGIN", new_y="NEXT")  # fmt: skip
    pdf.ln(3)
    ready = sum(1 for c in report.certifications if c.certified)
    pdf.set_font(font, "B", 12)
    pdf.cell(0, 8, t(f"Siap melayani: {ready} dari {len(report.certifications)} peserta"),
             new_x="LMARGIN", new_y="NEXT")  # fmt: skip
    pdf.set_font(font, "", 9)
    _table(pdf, font, SUMMARY_HEADERS, report.summary, (45, 30, 45, 35, 25, 30, 67))
    pdf.ln(4)
    pdf.set_font(font, "B", 12)
    pdf.cell(0, 8, t("Hasil per peserta per kasus"), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(font, "", 8)
    _table(pdf, font, DETAIL_HEADERS, report.detail, (32, 22, 38, 14, 22, 52, 14, 20, 22, 41))
    return bytes(pdf.output())


def _table(pdf: Any, font: str, headers: tuple[str, ...], rows: Any,
           widths: tuple[int, ...]) -> None:
    with pdf.table(col_widths=widths, text_align="LEFT", line_height=5,
                   first_row_as_headings=True) as table:  # fmt: skip
        table.row([_text(font, h) for h in headers])
        for values in rows:
            table.row([_text(font, v) for v in values])


def certificate_pdf(cert: Certification, *, sop_title: str, signer: str | None = None) -> bytes:
    """The certificate of one trainee certified "siap melayani" for the cohort's SOP."""
    if not cert.certified or cert.certified_at is None:
        raise ValueError(f"{cert.username} belum tersertifikasi")
    pdf, font = _pdf("L")
    t = lambda v: _text(font, v)  # noqa: E731
    pdf.set_title(f"Sertifikat {cert.name}")
    pdf.set_margins(28, 20, 28)
    pdf.add_page()
    pdf.set_draw_color(0, 92, 153)
    pdf.set_line_width(1.2)
    pdf.rect(10, 10, 277, 190)
    pdf.set_line_width(0.4)
    pdf.rect(14, 14, 269, 182)
    pdf.set_text_color(0, 92, 153)
    pdf.set_y(30)
    pdf.set_font(font, "B", 13)
    pdf.cell(0, 8, t("PLN 123 · CONTACT CENTER"), align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(font, "B", 30)
    pdf.cell(0, 18, t("SERTIFIKAT"), align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_text_color(40, 40, 40)
    pdf.set_font(font, "", 13)
    pdf.cell(0, 10, t("diberikan kepada"), align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(font, "B", 24)
    pdf.cell(0, 14, t(cert.name), align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(font, "", 13)
    pdf.multi_cell(0, 7, t(
        f"peserta {angkatan(cert.cohort_name)}, yang telah lulus {cert.assignment_title} dan "
        f"dinyatakan SIAP MELAYANI untuk SOP:"), align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(font, "B", 14)
    pdf.multi_cell(0, 8, t(sop_title), align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(4)
    pdf.set_font(font, "", 12)
    score = f" · nilai rata-rata {angka(cert.mean_percent)}" if cert.mean_percent is not None \
        else ""
    pdf.cell(0, 7, t(f"Tanggal: {tanggal(cert.certified_at, panjang=True)}{score}"),
             align="C", new_x="LMARGIN", new_y="NEXT")  # fmt: skip
    version = _version(cert.sop_version)
    pdf.cell(0, 7, t(f"SOP {cert.sop_id}, {version} (rubrik {cert.rubric_version or '–'})"),
             align="C", new_x="LMARGIN", new_y="NEXT")  # fmt: skip
    if cert.outdated:
        pdf.set_text_color(170, 90, 0)
        pdf.cell(0, 7, t(f"Catatan: SOP kini pada versi {cert.current_version}; sertifikat ini "
                         "diperoleh pada versi sebelumnya."),
                 align="C", new_x="LMARGIN", new_y="NEXT")  # fmt: skip
        pdf.set_text_color(40, 40, 40)
    pdf.set_y(165)
    pdf.set_font(font, "", 11)
    pdf.cell(0, 6, t(signer or "Pelatih PLN 123"), align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(font, "", 8)
    pdf.set_text_color(110, 110, 110)
    pdf.cell(0, 6, t(f"Nomor: {cert.exam_id} · CSO Trainer PLN 123"), align="C")
    return bytes(pdf.output())


def certificate_name(cert: Certification) -> str:
    return f"sertifikat-{cert.username}-{cert.cohort_id}.pdf"


# ---------------------------------------------------------------- JSON (command line, LMS)
def cohort_json(db: Database, cohort_id: int, *, now: datetime,
                current_versions: dict[str, int] | None = None) -> dict[str, Any]:
    """A cohort for an LMS or HR system: members, assignments with every trainee's state,
    and the certification of each trainee (`certification_status`, as the page shows it)."""
    matrix = cohort_matrix(db, cohort_id, now=now)
    c = matrix.cohort
    by_id = {m.user_id: m.username for m in matrix.trainees}
    assignments = []
    for a in matrix.assignments:
        states = {}
        for uid, username in by_id.items():
            st = matrix.state(a.id, uid)
            if st is not None:
                states[username] = {
                    "status": st.status, "label": st.label, "done": st.done,
                    "needed": st.needed, "detail": st.detail, "late": st.late,
                    "finished_at": st.finished_at.isoformat() if st.finished_at else None,
                    "attempt_ids": list(st.attempt_ids)}  # fmt: skip
        assignments.append({
            "id": a.id, "title": a.title, "kind": a.kind, "certification": a.certification,
            "trainee": by_id.get(a.trainee_id) if a.trainee_id else None,
            "opens_at": a.opens_at.isoformat(), "due_at": a.due_at.isoformat(),
            "spec": a.spec.model_dump(mode="json"), "trainees": states})  # fmt: skip
    certs = certification_status(db, cohort_id=cohort_id, now=now,
                                 current_versions=current_versions)  # fmt: skip
    return {
        "id": c.id, "name": c.name, "sop_id": c.sop_id, "start_date": c.start_date.isoformat(),
        "trainers": [{"username": m.username, "name": m.name} for m in c.trainers],
        "trainees": [{"username": m.username, "name": m.name} for m in c.trainees],
        "assignments": assignments,
        "certification": [x.to_json() for x in certs],
    }

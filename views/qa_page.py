"""The QA page: filter attempts, open one and review it (overrides with comments, reviewed-by,
calibration), dashboards, rescoring and exports.

The page only draws; the figures and every change come from store.dashboard, store.reviews,
store.calibration, services.rescoring and store.export, which the command line uses too.
Sections are drawn one at a time (only the one chosen runs its queries); the dashboards are
cached for a short time.

The attempt open for review is in the address (`/qa?attempt=12`: a link a colleague can open,
after signing in if needed, still only with the QA role) and kept in the database (store.drafts,
kind "qa"), so a reload, a new tab or a restart opens it again.
"""

from __future__ import annotations

import datetime as dt
import re

import streamlit as st

from core import fmt
from scenarios.practice import MODE_LABELS
from store.dashboard import QaFilter, QaRow, count_qa_attempts, filter_choices, list_qa_attempts
from store.users import UserRecord
from views import qa_dashboard, qa_review, qa_tools
from views.auth import require_roles
from views.drafts import PageDraft
from views.qa_common import K_ATTEMPT, K_SECTION, WIB, case_title
from views.state import database, scenarios

ALLOWED = frozenset({"qa"})
PAGE_SIZE = 200  # attempts per page of the list
K_PAGE = "qa-page-no"
K_PAGE_OF = "qa-page-filter"  # the filter the page number belongs to (a new filter: page 1)
SECTIONS = ("Percobaan", "Dashboard", "Kalibrasi", "Penilaian ulang", "Ekspor")
ANY = "Semua"
RESULTS = {ANY: None, "Lulus": True, "Tidak lulus": False}
MODES = {ANY: None, "Latihan": "latihan", "Ujian": "ujian"}
REVIEWED = {ANY: None, "Sudah ditinjau": True, "Belum ditinjau": False}
DRAFT = PageDraft("qa")  # the attempt open for review
K_ARRIVED = "qa-arrived"  # the address and the saved attempt were read (once per session)
PARAM = "attempt"  # /qa?attempt=12
K_LABELS = "qa-attempt-labels"  # the open attempt's label in the picker, kept while open


def waktu(at: dt.datetime) -> str:
    """A timestamp as the contact center reads it: "5 Okt 2025 15.00 WIB"."""
    return fmt.waktu(at)


def attempt_rows(attempts: list[QaRow]) -> list[dict]:
    titles = {s.id: s.title for s in scenarios().scenarios.values()} if attempts else {}
    return [
        {
            "ID": a.attempt_id,
            "Selesai": waktu(a.finished_at),
            "Peserta": f"{a.trainee_name} ({a.trainee_username})",
            "Kasus": case_title(a.case_id),
            "Skenario": titles.get(a.scenario_id, a.scenario_id),
            "Mode": MODE_LABELS.get(a.mode, a.mode),
            "Skor (%)": round(a.auto_percent, 1),
            "Skor disesuaikan (%)": round(a.percent, 1),
            "Lulus": fmt.ya_tidak(a.passed),
            "Ditinjau oleh": a.reviewer_name or "",
        }
        for a in attempts
    ]


# Widths that fit the ten columns into the page at 1,400 px (ids and figures narrow;
# a long name or title is cut, and shown whole when its cell is pointed at).
COLUMNS = {
    "ID": st.column_config.NumberColumn(width=50, format="%d"),
    "Selesai": st.column_config.TextColumn(width=140),
    "Peserta": st.column_config.TextColumn(width=140),
    "Kasus": st.column_config.TextColumn(width=150),
    "Skenario": st.column_config.TextColumn(width=135),
    "Mode": st.column_config.TextColumn(width=60),
    "Skor (%)": st.column_config.NumberColumn("Otomatis", width=70, format="%.1f",
                                              help="Skor otomatis dari penilai (%)"),
    "Skor disesuaikan (%)": st.column_config.NumberColumn(
        "Akhir", width=60, format="%.1f", help="Skor setelah koreksi QA (%)"),
    "Lulus": st.column_config.TextColumn(width=45),
    "Ditinjau oleh": st.column_config.TextColumn("Ditinjau", width=70),
}


def _arrive(user: UserRecord) -> None:
    """First draw in this session: the attempt named in the address, else the one open last."""
    ss = st.session_state
    if ss.get(K_ARRIVED):
        return
    ss[K_ARRIVED] = True
    saved = DRAFT.load_once(user.id)
    if saved is not None:
        ss["qa-remembered"] = saved.data.get(PARAM)
    asked = str(st.query_params.get(PARAM, "")).strip()
    if asked.isdigit() and len(asked) < 12:
        ss[K_ATTEMPT] = int(asked)
        ss[K_SECTION] = SECTIONS[0]
    elif saved is not None and isinstance(saved.data.get(PARAM), int):
        ss[K_ATTEMPT] = saved.data[PARAM]
        ss[K_SECTION] = SECTIONS[0]


def _remember(user: UserRecord, attempt_id: int | None) -> None:
    """The open attempt into the address and the database (when it changed)."""
    if attempt_id is None:
        if PARAM in st.query_params:
            del st.query_params[PARAM]
    elif st.query_params.get(PARAM) != str(attempt_id):
        st.query_params[PARAM] = str(attempt_id)
    ss = st.session_state
    if ss.get("qa-remembered") != attempt_id:
        ss["qa-remembered"] = attempt_id
        DRAFT.save(user.id, None if attempt_id is None else {PARAM: attempt_id}, force=True)


def render() -> None:
    user = require_roles(ALLOWED)
    _arrive(user)
    st.title("QA: percobaan peserta")
    qa_review.show_notice()
    db = database()
    choices = filter_choices(db, requester=user.requester)
    if choices["first"] is None:
        st.info("Belum ada percobaan yang tersimpan.", icon=":material/inbox:")
        return
    where = filters(choices)
    section = st.segmented_control("Bagian", SECTIONS, key=K_SECTION, default=SECTIONS[0],
                                   label_visibility="collapsed") or SECTIONS[0]
    if section == "Percobaan":
        attempts_section(user, where)
    elif section == "Dashboard":
        qa_dashboard.render(where)
    elif section == "Kalibrasi":
        qa_tools.calibration_section(user)
    elif section == "Penilaian ulang":
        qa_tools.rescore_section(user, where)
    else:
        qa_tools.export_section(user, where)


def filters(choices: dict) -> QaFilter:
    """The filter widgets (date range, trainee, case, scenario, result, mode, reviewed)."""
    first = choices["first"].astimezone(WIB).date()
    # up to today, so that attempts finished after the page was opened are not left out
    last = max(choices["last"].astimezone(WIB).date(), dt.datetime.now(WIB).date())
    with st.expander("Filter", expanded=True, icon=":material/filter_alt:"):
        row1 = st.columns([3, 3, 3, 3])
        days = row1[0].date_input("Tanggal selesai (WIB)", value=(first, last),
                                  format="DD/MM/YYYY", key="qa-f-dates")
        trainees = {t[0]: f"{t[1]} ({t[2]})" for t in choices["trainees"]}
        trainee = row1[1].selectbox("Peserta", [None, *trainees], key="qa-f-trainee",
                                    format_func=lambda i: ANY if i is None else trainees[i])
        case = row1[2].selectbox("Kasus", [None, *choices["cases"]], key="qa-f-case",
                                 format_func=lambda c: ANY if c is None else case_title(c))
        scenario = row1[3].selectbox("Skenario", [None, *choices["scenarios"]], key="qa-f-scenario",
                                     format_func=lambda s: ANY if s is None else s)
        row2 = st.columns([3, 3, 3, 3])
        result = row2[0].selectbox("Hasil", list(RESULTS), key="qa-f-result")
        mode = row2[1].selectbox("Mode", list(MODES), key="qa-f-mode")
        reviewed = row2[2].selectbox("Tinjauan", list(REVIEWED), key="qa-f-reviewed")
    start, end = (days if isinstance(days, tuple | list) and len(days) == 2
                  else (days[0] if isinstance(days, tuple | list) and days else first, None))
    if start is not None and start <= first:
        start = None  # the whole range: no date condition for the database to check
    if end is not None and end >= last:
        end = None
    return QaFilter.for_dates(
        start, end, trainee_id=trainee, case_id=case, scenario_id=scenario,
        passed=RESULTS[result], mode=MODES[mode], reviewed=REVIEWED[reviewed],
    )


def _page(total: int, where: QaFilter) -> int:
    """The page of the list to show (1-based); back to the first when the filter changed."""
    ss = st.session_state
    pages = max(1, -(-total // PAGE_SIZE))
    if ss.get(K_PAGE_OF) != repr(where) or not 1 <= (ss.get(K_PAGE) or 1) <= pages:
        ss[K_PAGE_OF] = repr(where)
        ss[K_PAGE] = 1
    if pages == 1:
        return 1
    return int(st.number_input(f"Halaman (dari {pages})", min_value=1, max_value=pages, step=1,
                               key=K_PAGE, width=180))  # fmt: skip


def _attempt_id(value: object) -> int | None:
    """The attempt id of the picker's value (an id, or a label sent back: "#12 · ...")."""
    if isinstance(value, int) or value is None:
        return value
    found = re.match(r"#(\d{1,11})\b", str(value))
    return int(found.group(1)) if found else None


def attempts_section(user: UserRecord, where: QaFilter) -> None:
    db = database()
    total = count_qa_attempts(db, requester=user.requester, where=where)
    page = _page(total, where)
    attempts = list_qa_attempts(db, requester=user.requester, where=where, limit=PAGE_SIZE,
                                offset=(page - 1) * PAGE_SIZE)  # fmt: skip
    if total > len(attempts) and attempts:
        first = (page - 1) * PAGE_SIZE + 1
        shown = f"ditampilkan {fmt.angka(first, 0)}–{fmt.angka(first + len(attempts) - 1, 0)}"
    else:
        shown = "semua ditampilkan"
    st.caption(f"{fmt.angka(total, 0)} percobaan sesuai filter, {shown}; yang terbaru di atas.")
    if not attempts:
        st.info("Tidak ada percobaan yang sesuai filter.", icon=":material/filter_alt_off:")
        return
    st.dataframe(
        attempt_rows(attempts),
        hide_index=True,
        width="stretch",
        height=min(38 + 35 * len(attempts), 320),
        column_config=COLUMNS,
        key="qa-list",
    )
    # An option's label never changes while the attempt is open: the browser sends the label
    # back as the choice, so a label with the score in it (changed by an override) or one that
    # left the filtered list would no longer name the attempt and its next action was lost.
    known = st.session_state.setdefault(K_LABELS, {})
    labels = {a.attempt_id: known.get(a.attempt_id) or (
        f"#{a.attempt_id} · {waktu(a.finished_at)} · {a.trainee_name} · "
        f"{case_title(a.case_id)}") for a in attempts}
    current = _attempt_id(st.session_state.get(K_ATTEMPT))
    st.session_state[K_ATTEMPT] = current
    options = [None, *labels]
    if current is not None and current not in labels:
        labels[current] = known.get(current) or f"#{current}"
        options.append(current)
    known.clear()
    known.update({current: labels[current]} if current is not None else {})
    picked = _attempt_id(st.selectbox(
        "Buka percobaan untuk ditinjau", options, key=K_ATTEMPT,
        format_func=lambda i: "Pilih percobaan…" if i is None else labels.get(i, f"#{i}"),
    ))
    if picked is not None:
        known[picked] = labels.get(picked) or f"#{picked}"
    _remember(user, picked)
    if picked is not None:
        qa_review.attempt_panel(user, picked, on_change=qa_dashboard.clear_cache)

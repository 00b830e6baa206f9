"""The trainee's "Tugas saya" page: what their cohort's trainers gave them, what is due and
when, their progress on each and what is overdue; a practice set opens the Latihan page on its
case, an exam starts a sitting (counted from that moment) and opens it on the Latihan page.

Shown first after signing in to a trainee with anything to do (`first_after_sign_in`, called
by app.py). The figures come from store.cohorts (`my_tasks`); this page only draws them.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import streamlit as st

from core.fmt import angka, tanggal, waktu
from scenarios.saved import exam_to_data
from store.cohorts import KIND_LABELS, Task, my_tasks, start_exam
from store.errors import StoreError
from views.auth import plain, require_roles
from views.state import database, library, scenarios

ROLES = frozenset({"trainee"})
URL_PATH = "tugas"
K_SHOWN = "tugas.ditampilkan"  # this browser session has been sent here once already
K_NOTICE = "tugas.notice"
STATUS_ICON = {
    "selesai": ":material/check_circle:",
    "berjalan": ":material/pending:",
    "terlambat": ":material/schedule:",
    "gagal": ":material/cancel:",
    "belum_mulai": ":material/radio_button_unchecked:",
    "belum_dibuka": ":material/lock_clock:",
}
STATUS_COLOR = {"selesai": "green", "berjalan": "blue", "terlambat": "orange", "gagal": "red",
                "belum_mulai": "gray", "belum_dibuka": "gray"}  # fmt: skip


def first_after_sign_in(user: Any, pages: dict[str, Any], current: Any) -> None:
    """Once per browser session: a trainee arriving at the start page ("/") with an assignment
    not yet done is sent to "Tugas saya" instead."""
    ss = st.session_state
    if ss.get(K_SHOWN) or "trainee" not in user.roles or URL_PATH not in pages:
        return
    ss[K_SHOWN] = True
    if getattr(current, "url_path", None) != "":
        return
    pending = [t for t in my_tasks(database(), user.id)
               if t.state.status not in ("selesai", "gagal")]  # fmt: skip
    if pending:
        st.switch_page(pages[URL_PATH])


def _case_titles() -> dict[str, str]:
    return {c.id: c.title for sop in library().sops.values() for c in sop.cases}


def _open_latihan(request: dict[str, Any]) -> None:
    from views.pages import build_pages
    from views.practice_page import K_REQUEST
    from views.practice_page import URL_PATH as LATIHAN

    st.session_state[K_REQUEST] = request
    st.switch_page(build_pages()[LATIHAN])


def _what(task: Task, titles: dict[str, str]) -> str:
    a = task.assignment
    if a.practice is not None:
        p = a.practice
        named = [titles.get(c, c) for c in p.cases] + [
            scenarios().get(s).title if scenarios().get(s) else s for s in p.scenarios]
        scope = ", ".join(named) if named else "kasus apa saja"
        return (f"{p.calls} panggilan latihan ({scope}) dengan skor minimal "
                f"{angka(p.min_score, 0)}")
    e = a.exam
    assert e is not None
    limit = f"batas waktu {e.time_limit_min} menit" if e.time_limit_min else "tanpa batas waktu"
    cases = ", ".join(titles.get(c, c) for c in e.cases)
    return (f"{len(e.calls)} panggilan ujian ({cases}) · {limit} · {e.attempts_allowed} "
            f"kesempatan · nilai lulus per kasus {angka(e.pass_case, 0)}, keseluruhan "
            f"{angka(e.pass_overall, 0)}")


def _card(task: Task, titles: dict[str, str], user_id: int) -> None:
    a, state = task.assignment, task.state
    with st.container(border=True, key=f"tugas-{a.id}"):
        head, badge = st.columns([4, 1], vertical_alignment="center")
        cert = " · ujian sertifikasi" if a.certification else ""
        head.markdown(f"**{plain(a.title)}**  \n{KIND_LABELS[a.kind]}{cert}"
                      + (f" · {plain(task.cohort_name)}" if task.cohort_name else ""))
        badge.badge(state.label, icon=STATUS_ICON[state.status],
                    color=STATUS_COLOR[state.status])  # fmt: skip
        st.caption(f"Dibuka {waktu(a.opens_at)} · batas {waktu(a.due_at)}")
        st.markdown(plain(_what(task, titles)))
        if state.needed:
            st.progress(min(1.0, state.done / state.needed),
                        text=f"{state.done} dari {state.needed} · {state.detail}")
        if state.status == "terlambat":
            st.warning(f"Terlambat: batasnya {waktu(a.due_at)}.", icon=":material/schedule:")
        if state.status == "selesai" and state.finished_at:
            late = " (sesudah batas)" if state.late else ""
            st.success(f"Selesai {tanggal(state.finished_at)}{late}.",
                       icon=":material/check_circle:")
        _actions(task, titles, user_id)


def _actions(task: Task, titles: dict[str, str], user_id: int) -> None:
    a, state = task.assignment, task.state
    if state.status in ("selesai", "gagal", "belum_dibuka"):
        return
    if a.practice is not None:
        case = a.practice.cases[0] if a.practice.cases else None
        if case is None and a.practice.scenarios:
            sc = scenarios().get(a.practice.scenarios[0])
            case = sc.case if sc else None
        if st.button("Latih sekarang", key=f"tugas-latih-{a.id}", icon=":material/headset_mic:"):
            _open_latihan({"case": case})
        return
    sitting = state.open_sitting
    if sitting is not None:
        st.info(f"Ujian ke-{sitting.number} sedang berjalan; selesaikan sebelum "
                f"{waktu(sitting.deadline)}.", icon=":material/timer:")
        if st.button("Lanjutkan ujian", key=f"tugas-lanjut-{a.id}", type="primary",
                     icon=":material/play_arrow:"):  # fmt: skip
            from views.pages import build_pages
            from views.practice_page import URL_PATH as LATIHAN

            st.switch_page(build_pages()[LATIHAN])
        return
    if state.status == "terlambat" or not state.attempts_left:
        return
    limit = a.exam.time_limit_min if a.exam else None
    help_ = ("Ujian dihitung sejak dimulai, juga bila ditinggalkan"
             + (f"; waktu {limit} menit." if limit else "."))
    if st.button(f"Mulai ujian (sisa {state.attempts_left} kesempatan)", key=f"tugas-ujian-{a.id}",
                 type="primary", icon=":material/quiz:", help=help_):  # fmt: skip
        try:
            chosen = start_exam(database(), actor_id=user_id, assignment_id=a.id,
                                now=dt.datetime.now(dt.UTC))  # fmt: skip
        except StoreError as exc:
            st.session_state[K_NOTICE] = exc.message
            st.rerun()
        _open_latihan({"exam": exam_to_data(chosen)})


def render() -> None:
    user = require_roles(ROLES)
    st.title("Tugas saya")
    notice = st.session_state.pop(K_NOTICE, None)
    if notice:
        st.error(notice, icon=":material/error:")
    tasks = my_tasks(database(), user.id)
    if not tasks:
        st.info("Belum ada tugas untuk Anda. Latihan bebas tetap bisa dilakukan di halaman "
                "Latihan.", icon=":material/inbox:")
        return
    overdue = [t for t in tasks if t.overdue]
    active = [t for t in tasks if t.state.status in ("berjalan", "belum_mulai", "terlambat")]
    done = [t for t in tasks if t.state.status == "selesai"]
    with st.container(horizontal=True, key="tugas-ringkas"):
        st.metric("Perlu dikerjakan", len(active))
        st.metric("Terlambat", len(overdue))
        st.metric("Selesai", len(done))
    if overdue:
        st.warning(f"{len(overdue)} tugas sudah lewat batas waktunya.",
                   icon=":material/schedule:")
    titles = _case_titles()
    for task in tasks:
        _card(task, titles, user.id)

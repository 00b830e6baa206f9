"""The "Progres saya" page: the signed-in user's own attempts, pass rate and mean score per SOP
case (every case, including never-tried ones), and a button that starts a call on the weakest
case on the Latihan page.

Figures come from store.progress / store.list_attempts (the user's own attempts only, whatever
their roles); the rows per case and the weakest case from scenarios.practice.
"""

from __future__ import annotations

import altair as alt
import pandas as pd
import streamlit as st

from core.fmt import persen, waktu  # "71,9 %", "12 Mei 2025 10.03 WIB"
from scenarios.practice import MODE_LABELS, all_cases, case_choices, case_progress, weakest_case
from store import AttemptFilter, list_attempts, progress
from views.auth import plain, require_roles
from views.pages import roles_of
from views.practice_page import K_REQUEST, URL_PATH
from views.state import database, library, scenarios

MAX_ROWS = 500
K_OPEN = "progres-buka"  # the past attempt opened with its feedback


def verdict(passed: bool) -> str:
    return "LULUS" if passed else "TIDAK LULUS"


def _reopen(attempts: list, titles: dict[str, str]) -> None:
    """Any past attempt again, with its whole feedback as its result screen showed it."""
    from views.practice_page import attempt_result

    by_id = {a.id: a for a in attempts}
    chosen = st.selectbox(
        "Buka percobaan", list(by_id), index=None, key=K_OPEN,
        placeholder="Pilih percobaan untuk melihat umpan balik lengkapnya",
        format_func=lambda i: (f"{waktu(by_id[i].finished_at)} · "
                               f"{titles.get(by_id[i].case_id, by_id[i].case_id)} · "
                               f"{by_id[i].adjusted_percent:g}% · "
                               f"{verdict(by_id[i].adjusted_passed)}"),
    )  # fmt: skip
    if chosen is not None:
        with st.container(border=True, key="progres-umpan-balik"):
            a = by_id[chosen]
            if a.adjusted:  # the feedback below is the automatic score's
                st.info(f"Setelah peninjauan QA: **{a.adjusted_percent:g}% "
                        f"{verdict(a.adjusted_passed)}** (skor otomatis {a.percent:g}% "
                        f"{verdict(a.passed)}). Lihat catatan QA di bawah.",
                        icon=":material/rate_review:")
            attempt_result(chosen, "progres")


def render() -> None:
    user = require_roles(roles_of("progres"))
    st.title("Progres saya")
    db = database()
    requester = user.requester
    mine = progress(db, requester=requester, trainee_id=user.id)
    cases = all_cases(library())
    titles = dict(cases)
    rows = case_progress(cases, mine.cases)
    practisable = [c for c, _ in case_choices(library(), scenarios())]
    weakest = weakest_case(rows, practisable)

    with st.container(horizontal=True, key="progres-ringkas"):
        st.metric("Percobaan", mine.attempts)
        st.metric("Tingkat lulus", persen(mine.pass_rate * 100, 0) if mine.attempts else "–")
        tried = sum(1 for r in rows if r.attempts)
        st.metric("Kasus dicoba", f"{tried} / {len(rows)}")

    with st.container(border=True, key="progres-terlemah"):
        if weakest is None:
            st.info("Belum ada skenario aktif untuk dilatih.")
        else:
            why = ("belum pernah dicoba" if weakest.attempts == 0 else
                   f"tingkat lulus {persen(weakest.pass_rate * 100, 0)}, rata-rata "
                   f"{persen(weakest.mean_percent)}")  # fmt: skip
            st.markdown(f"**Kasus terlemah:** {plain(weakest.title)} · {plain(why)}")
            if st.button("Latih kasus terlemah", type="primary", key="progres-latih",
                         icon=":material/fitness_center:"):  # fmt: skip
                st.session_state[K_REQUEST] = {"case": weakest.case_id}
                from views.pages import build_pages

                st.switch_page(build_pages()[URL_PATH])

    st.subheader("Per kasus SOP", anchor=False)
    auto_mean = {c.case_id: c.auto_mean_percent for c in mine.cases}
    table = pd.DataFrame({
        "Kasus": [r.title for r in rows],
        "Percobaan": [r.attempts for r in rows],
        "Lulus": [r.passed for r in rows],
        "Tingkat lulus (%)": [None if r.pass_rate is None else round(r.pass_rate * 100, 1)
                              for r in rows],
        "Rata-rata skor (%)": [r.mean_percent for r in rows],
        "Rata-rata otomatis (%)": [auto_mean.get(r.case_id) for r in rows],
    })  # fmt: skip
    st.dataframe(
        table,
        hide_index=True,
        width="stretch",
        column_config={
            "Tingkat lulus (%)": st.column_config.ProgressColumn(
                format="%.0f%%", min_value=0, max_value=100),
            "Rata-rata skor (%)": st.column_config.NumberColumn(
                format="%.1f", help="Setelah penyesuaian QA, bila ada"),
            "Rata-rata otomatis (%)": st.column_config.NumberColumn(
                format="%.1f", help="Skor otomatis dari penilai, sebelum penyesuaian QA"),
        },
        key="progres-kasus",
    )
    tried_rows = table[table["Percobaan"] > 0]
    if not tried_rows.empty:
        chart = (
            alt.Chart(tried_rows)
            .mark_bar()
            .encode(
                x=alt.X("Rata-rata skor (%):Q", scale=alt.Scale(domain=[0, 100])),
                y=alt.Y("Kasus:N", sort=None, title=None, axis=alt.Axis(labelLimit=360)),
                color=alt.Color("Tingkat lulus (%):Q", scale=alt.Scale(scheme="redyellowgreen",
                                domain=[0, 100]), legend=None),  # fmt: skip
                tooltip=["Kasus", "Percobaan", "Lulus", "Rata-rata skor (%)"],
            )
            .properties(height=36 * len(tried_rows) + 20)
        )
        st.altair_chart(chart, width="stretch")

    st.subheader("Percobaan saya", anchor=False)
    attempts = list_attempts(db, requester=requester,
                             where=AttemptFilter(trainee_id=user.id), limit=MAX_ROWS)
    if not attempts:
        st.info("Belum ada percobaan. Mulai di halaman Latihan.")
        return
    lib_sc = scenarios()
    st.dataframe(
        pd.DataFrame({
            "Tanggal": [waktu(a.finished_at) for a in attempts],
            "Kasus": [titles.get(a.case_id, a.case_id) for a in attempts],
            "Mode": [MODE_LABELS.get(a.mode, a.mode) for a in attempts],
            "Skor (%)": [a.adjusted_percent for a in attempts],
            "Lulus": [verdict(a.adjusted_passed) for a in attempts],
            "Otomatis": [f"{a.percent:.1f} · {verdict(a.passed)}" for a in attempts],
            "Skenario": [s.title if (s := lib_sc.get(a.scenario_id)) else a.scenario_id
                         for a in attempts],
        }),  # fmt: skip
        hide_index=True,
        width="stretch",
        column_config={"Skor (%)": st.column_config.NumberColumn(
                           format="%.1f", help="Setelah penyesuaian QA, bila ada"),
                       "Otomatis": st.column_config.TextColumn(
                           width=130, help="Skor otomatis dari penilai (%) dan statusnya"),
                       # wide enough for the longest titles; the mode is the one to scroll
                       "Tanggal": st.column_config.TextColumn(width=140),
                       "Kasus": st.column_config.TextColumn(width=315),
                       "Skenario": st.column_config.TextColumn(width=340)},
        column_order=("Tanggal", "Kasus", "Skenario", "Skor (%)", "Lulus", "Otomatis", "Mode"),
        key="progres-percobaan",
    )
    if len(attempts) == MAX_ROWS:
        st.caption(f"Menampilkan {MAX_ROWS} percobaan terbaru.")
    _reopen(attempts, titles)

    from views.qa_notes import render_notes  # QA's comments on these attempts (issue 5)

    render_notes(user)

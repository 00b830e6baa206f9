"""The QA dashboards: Altair charts, each with the table behind it one click away.

The figures come from store.dashboard (SQL GROUP BY in the database), cached for a short time
per filter; an override or a rescore clears the cache.
"""

from __future__ import annotations

import altair as alt
import pandas as pd
import streamlit as st

from sop.groups import GROUP_SERVICE, GROUPS, SERVICE_MARK, SERVICE_TITLE, group_label
from store.access import Requester
from store.dashboard import Dashboard, QaFilter, dashboard
from store.export import for_people
from views.qa_common import case_title, criterion_label
from views.state import database

TTL_SECONDS = 60
MAX_BARS = 30  # per-trainee charts show the weakest ones; the table has everyone


@st.cache_data(ttl=TTL_SECONDS, show_spinner="Menghitung dashboard…")
def cached_dashboard(url: str, where: QaFilter) -> Dashboard:
    """The dashboard for a filter; `url` keys the cache by database."""
    del url
    return dashboard(database(), requester=Requester.of(0, {"qa"}), where=where)


def clear_cache() -> None:
    cached_dashboard.clear()


def _table(key: str, df: pd.DataFrame, name: str) -> None:
    with st.expander(f"Tabel: {name}", icon=":material/table:"):
        st.dataframe(for_people(key, df), hide_index=True, width="stretch")


def _labels(df: pd.DataFrame) -> pd.DataFrame:
    df = df.copy()
    if "case_id" in df:
        df["kasus"] = [case_title(c) for c in df["case_id"]]
    if "criterion_id" in df:
        df["kriteria"] = [criterion_label(c) for c in df["criterion_id"]]
    if "group" in df:
        df["kelompok"] = [group_label(g) for g in df["group"]]
    return df


def render(where: QaFilter) -> None:
    d = cached_dashboard(str(database().url), where)
    t = d.totals
    with st.container(horizontal=True, key="qa-dash-totals"):
        st.metric("Percobaan", f"{t['attempts']:,}".replace(",", "."))
        st.metric("Tingkat lulus", "–" if t["pass_rate"] is None else f"{t['pass_rate']:g}%")
        st.metric("Rata-rata skor", "–" if t["mean_percent"] is None
                  else f"{t['mean_percent']:g}%")
        st.metric("Sudah ditinjau", t["reviewed"])
    if not t["attempts"]:
        st.info("Tidak ada percobaan untuk filter ini.", icon=":material/filter_alt_off:")
        return
    st.caption(f"Skor dan status setelah penyesuaian QA · diperbarui paling lambat tiap "
               f"{TTL_SECONDS} detik")

    st.subheader("Tren per minggu", anchor=False)
    weekly = d.weekly.assign(minggu=pd.to_datetime(d.weekly["week"]))
    long = weekly.melt(id_vars=["minggu", "attempts"], value_vars=["pass_rate", "mean_percent"],
                       var_name="ukuran", value_name="persen")
    long["ukuran"] = long["ukuran"].map({"pass_rate": "Tingkat lulus (%)",
                                         "mean_percent": "Rata-rata skor (%)"})
    chart = alt.Chart(long).mark_line(point=True).encode(
        x=alt.X("minggu:T", title="Minggu (mulai Senin)", axis=alt.Axis(format="%d %b")),
        y=alt.Y("persen:Q", title="%", scale=alt.Scale(domain=[0, 100])),
        color=alt.Color("ukuran:N", title=None, legend=alt.Legend(orient="bottom")),
        tooltip=[alt.Tooltip("minggu:T", title="Minggu"), "ukuran:N",
                 alt.Tooltip("persen:Q", format=".1f"), alt.Tooltip("attempts:Q",
                                                                     title="Percobaan")],
    ).properties(height=260)
    st.altair_chart(chart, width="stretch")
    _table("weekly", d.weekly, "tren per minggu")

    left, right = st.columns(2, gap="medium")
    with left:
        st.subheader("Per kasus", anchor=False)
        _bar(_labels(d.by_case), "kasus", "pass_rate", "Tingkat lulus (%)")
        _table("by_case", d.by_case, "per kasus")
    with right:
        criteria = _labels(d.by_criterion)
        st.subheader("Per kriteria SOP (terlemah di atas)", anchor=False)
        _bar(criteria[criteria["group"] != GROUP_SERVICE], "kriteria", "ok_rate",
             "Terpenuhi (%)")
        service = criteria[criteria["group"] == GROUP_SERVICE]
        if len(service):
            with st.container(key="qa-dash-layanan"):
                st.markdown(f"**{SERVICE_TITLE}** (terlemah di atas)")
                st.caption(f":orange[{SERVICE_MARK}] Dinilai di setiap kasus, terpisah dari "
                           "kriteria SOP.")
                _bar(service, "kriteria", "ok_rate", "Terpenuhi (%)")
        _table("by_criterion", d.by_criterion, "per kriteria")

    st.subheader("Per skenario", anchor=False)
    _bar(d.by_scenario, "scenario_id", "pass_rate", "Tingkat lulus (%)")
    _table("by_scenario", d.by_scenario, "per skenario")

    st.subheader("Per peserta", anchor=False)
    trainees = d.by_trainee.head(MAX_BARS)
    if len(d.by_trainee) > MAX_BARS:
        st.caption(f"{MAX_BARS} peserta dengan tingkat lulus terendah; tabel berisi semua "
                   f"{len(d.by_trainee)} peserta.")
    _bar(trainees, "trainee", "pass_rate", "Tingkat lulus (%)")
    _table("by_trainee", d.by_trainee, "per peserta")

    st.subheader("Kriteria terlemah per peserta", anchor=False)
    weak = _labels(d.weakest_by_trainee)
    shown = weak[weak["trainee_id"].isin(trainees["trainee_id"])]
    chart = alt.Chart(shown).mark_point(size=140, filled=True, opacity=0.9).encode(
        x=alt.X("ok_rate:Q", title="Terpenuhi (%)", scale=alt.Scale(domain=[0, 100])),
        y=alt.Y("trainee:N", title=None, sort=list(trainees["trainee"]),
                axis=alt.Axis(labelOverlap=False, labelLimit=220)),
        color=alt.Color("kriteria:N", title="Kriteria",
                        legend=alt.Legend(orient="bottom", columns=2, labelLimit=360)),
        shape=alt.Shape("kelompok:N", title="Kelompok",
                        scale=alt.Scale(domain=[group_label(g) for g in GROUPS],
                                        range=["circle", "diamond"]),
                        legend=alt.Legend(orient="top", labelLimit=240)),
        tooltip=["trainee:N", "kriteria:N", "kelompok:N",
                 alt.Tooltip("ok_rate:Q", format=".1f"),
                 alt.Tooltip("results:Q", title="Dinilai")],
    ).properties(height=210 + 30 * len(trainees))  # the height includes axis and legend
    st.altair_chart(chart, width="stretch")
    _table("weakest_by_trainee", d.weakest_by_trainee, "kriteria terlemah per peserta")

    st.subheader("Matriks penguasaan peserta × kasus", anchor=False)
    m = _labels(d.mastery)
    m = m[m["trainee_id"].isin(trainees["trainee_id"])]
    base = alt.Chart(m).encode(
        x=alt.X("kasus:N", title=None,
                axis=alt.Axis(labelAngle=-25, labelLimit=240, labelOverlap=False)),
        y=alt.Y("trainee:N", title=None, sort=list(trainees["trainee"]),
                axis=alt.Axis(labelOverlap=False, labelLimit=220)),
    )
    heat = base.mark_rect().encode(
        color=alt.Color("pass_rate:Q", title="Lulus (%)",
                        scale=alt.Scale(scheme="redyellowgreen", domain=[0, 100])),
        tooltip=["trainee:N", "kasus:N", alt.Tooltip("pass_rate:Q", format=".1f"),
                 alt.Tooltip("mean_percent:Q", title="Rata-rata skor", format=".1f"),
                 alt.Tooltip("attempts:Q", title="Percobaan")],
    )
    text = base.mark_text(fontSize=11).encode(text=alt.Text("pass_rate:Q", format=".0f"))
    st.altair_chart((heat + text).properties(height=130 + 30 * len(trainees)),
                    width="stretch")
    _table("mastery", d.mastery, "matriks penguasaan")


def _bar(df: pd.DataFrame, label: str, value: str, title: str) -> None:
    if df.empty:
        st.caption("Tidak ada data.")
        return
    chart = alt.Chart(df).mark_bar().encode(
        x=alt.X(f"{value}:Q", title=title, scale=alt.Scale(domain=[0, 100])),
        y=alt.Y(f"{label}:N", title=None, sort=list(df[label]),
                axis=alt.Axis(labelLimit=260, labelOverlap=False)),
        color=alt.Color(f"{value}:Q", legend=None,
                        scale=alt.Scale(scheme="redyellowgreen", domain=[0, 100])),
        tooltip=[f"{label}:N", alt.Tooltip(f"{value}:Q", format=".1f")]
        + (["kelompok:N"] if "kelompok" in df else [])
        + [alt.Tooltip(c, format=".1f" if "percent" in c else "d")
           for c in ("attempts", "results", "mean_percent") if c in df],
    ).properties(height=70 + 28 * len(df))  # the height includes the axis below
    st.altair_chart(chart, width="stretch")

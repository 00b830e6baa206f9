"""The QA dashboards: Altair charts, each with the table behind it one click away.

The figures come from store.dashboard (SQL GROUP BY in the database), cached for a short time
per filter; an override or a rescore clears the cache.
"""

from __future__ import annotations

import altair as alt
import pandas as pd
import streamlit as st

from core import fmt
from sop.groups import GROUP_SERVICE, GROUPS, SERVICE_MARK, SERVICE_TITLE, group_label
from store.access import Requester
from store.dashboard import Dashboard, QaFilter, dashboard
from store.export import for_people
from views.qa_common import case_title, criterion_label
from views.state import database, scenarios

TTL_SECONDS = 60
MAX_BARS = 30  # per-trainee charts show the weakest ones; the table has everyone


@st.cache_data(ttl=TTL_SECONDS, show_spinner="Menghitung dashboard…")
def cached_dashboard(url: str, where: QaFilter) -> Dashboard:
    """The dashboard for a filter; `url` keys the cache by database."""
    del url
    return dashboard(database(), requester=Requester.of(0, {"qa"}), where=where)


def clear_cache() -> None:
    cached_dashboard.clear()


MONTHS_JS = "['Jan','Feb','Mar','Apr','Mei','Jun','Jul','Agu','Sep','Okt','Nov','Des']"
# a date axis in Indonesian ("5 Okt"): Vega's own month names are English
DAY_MONTH = f"date(datum.value) + ' ' + {MONTHS_JS}[month(datum.value)]"
FEW = 5  # a bar of fewer attempts (or results) than this is drawn pale: little evidence


def _table(key: str, df: pd.DataFrame, name: str) -> None:
    """The table behind a chart, as people read it: names and titles, not ids."""
    shown = df.copy()
    if "case_id" in shown:
        shown["case_id"] = [case_title(c) for c in shown["case_id"]]
    if "criterion_id" in shown:
        shown["criterion_id"] = [criterion_label(c) for c in shown["criterion_id"]]
    if "scenario_id" in shown:
        titles = {sc.id: sc.title for sc in scenarios().scenarios.values()}
        shown["scenario_id"] = [titles.get(i, i) for i in shown["scenario_id"]]
    with st.expander(f"Tabel: {name}", icon=":material/table:"):
        st.dataframe(for_people(key, shown), hide_index=True, width="stretch")


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
        st.metric("Percobaan", fmt.angka(t["attempts"], 0))
        st.metric("Tingkat lulus", fmt.persen(t["pass_rate"]))
        st.metric("Rata-rata skor", fmt.persen(t["mean_percent"]))
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
    # a tick on every week's Monday (as the points), or every 2nd, 3rd ... when many
    step = max(1, -(-len(weekly) // 12))
    chart = alt.Chart(long).mark_line(point=True).encode(
        x=alt.X("minggu:T", title="Minggu (mulai Senin)",
                axis=alt.Axis(labelExpr=DAY_MONTH, labelAngle=0, values=[
                    alt.DateTime(year=w.year, month=w.month, date=w.day)
                    for w in weekly["minggu"].iloc[::-1][::step].iloc[::-1]])),
        y=alt.Y("persen:Q", title="%", scale=alt.Scale(domain=[0, 100])),
        color=alt.Color("ukuran:N", title=None, legend=alt.Legend(orient="bottom")),
        tooltip=[alt.Tooltip("minggu:T", title="Minggu"), "ukuran:N",
                 alt.Tooltip("persen:Q", format=".1f"), alt.Tooltip("attempts:Q",
                                                                     title="Percobaan")],
    ).properties(height=260)
    st.altair_chart(chart, width="stretch")
    _table("weekly", d.weekly, "tren per minggu")

    # one below the other: side by side, long case and criterion names left the bars no room
    left, right = st.container(), st.container()
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
    titles = {sc.id: sc.title for sc in scenarios().scenarios.values()}
    by_scenario = d.by_scenario.assign(
        skenario=[titles.get(i, i) for i in d.by_scenario["scenario_id"]])
    _bar(by_scenario, "skenario", "pass_rate", "Tingkat lulus (%)")
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
                axis=alt.Axis(labelOverlap=False, labelLimit=0)),
        color=alt.Color("kriteria:N", title="Kriteria", scale=alt.Scale(scheme="tableau20"),
                        legend=alt.Legend(orient="bottom", columns=1, labelLimit=0)),
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
                axis=alt.Axis(labelAngle=-30, labelLimit=0, labelOverlap=False)),
        y=alt.Y("trainee:N", title=None, sort=list(trainees["trainee"]),
                axis=alt.Axis(labelOverlap=False, labelLimit=0)),
    )
    heat = base.mark_rect().encode(
        color=alt.Color("pass_rate:Q", title="Lulus (%)",
                        scale=alt.Scale(scheme="redyellowgreen", domain=[0, 100])),
        tooltip=["trainee:N", "kasus:N", alt.Tooltip("pass_rate:Q", format=".1f"),
                 alt.Tooltip("mean_percent:Q", title="Rata-rata skor", format=".1f"),
                 alt.Tooltip("attempts:Q", title="Percobaan")],
    )
    # white on the dark ends of the scale, black on the light middle: readable everywhere
    text = base.mark_text(fontSize=12, fontWeight="bold").encode(
        text=alt.Text("pass_rate:Q", format=".0f"),
        color=alt.condition("datum.pass_rate <= 25 || datum.pass_rate >= 80",
                            alt.value("white"), alt.value("black")))
    st.altair_chart((heat + text).properties(height=210 + 30 * len(trainees)),
                    width="stretch")
    _table("mastery", d.mastery, "matriks penguasaan")


def _bar(df: pd.DataFrame, label: str, value: str, title: str) -> None:
    if df.empty:
        st.caption("Tidak ada data.")
        return
    count = "results" if "results" in df else "attempts"
    df = df.assign(n=[f"n = {int(v)}" for v in df[count]])
    base = alt.Chart(df).encode(
        x=alt.X(f"{value}:Q", title=title, scale=alt.Scale(domain=[0, 115]),
                axis=alt.Axis(values=list(range(0, 101, 20)))),
        y=alt.Y(f"{label}:N", title=None, sort=list(df[label]),
                axis=alt.Axis(labelLimit=0, labelOverlap=False)),
    )
    bars = base.mark_bar().encode(
        color=alt.Color(f"{value}:Q", legend=None,
                        scale=alt.Scale(scheme="redyellowgreen", domain=[0, 100])),
        # one attempt must not look like a full 100 % bar: few attempts are drawn pale
        opacity=alt.condition(f"datum.{count} < {FEW}", alt.value(0.35), alt.value(1.0)),
        tooltip=[f"{label}:N", alt.Tooltip(f"{value}:Q", format=".1f")]
        + (["kelompok:N"] if "kelompok" in df else [])
        + [alt.Tooltip(c, format=".1f" if "percent" in c else "d")
           for c in ("attempts", "results", "mean_percent") if c in df],
    )
    counts = base.mark_text(align="left", dx=4, fontSize=11, color="#31333f").encode(text="n:N")
    st.altair_chart((bars + counts).properties(height=70 + 28 * len(df)), width="stretch")
    st.caption(f"n = jumlah {'penilaian' if count == 'results' else 'percobaan'}; batang pucat: "
               f"kurang dari {FEW}.")

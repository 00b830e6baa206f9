"""The SOP knowledge-base page: steps as cards, flowchart, verbatim source, glossary, assumptions.

The page only draws; reading the SOP (sop.library), searching it (sop.search) and making the
flowchart (sop.render) are domain functions the CLI uses too. SOP text is shown with st.text /
st.code so it is never read as Markdown: what a trainee sees is exactly what the SOP says.
"""

from __future__ import annotations

import datetime as dt
import re

import pandas as pd
import streamlit as st

from core import fmt
from sop.groups import SERVICE_MARK, note_body
from sop.models import Case, Sop, Step
from sop.render import path_flowchart, sop_flowchart
from sop.search import MAX_QUERY, SearchHit, search
from views import scroll
from views.literal import unlink
from views.state import content, library

TABS = ("Langkah", "Diagram alur", "Teks asli", "Glosarium", "Asumsi pelatihan")
STEPS_TAB = TABS[0]
K_SOP, K_QUERY, K_TAB = "sop_id", "sop_query", "sop_tab"
K_FOCUS = "sop_focus"  # a step another page asked to open (see `open_step`)
K_LAND = "sop_land"  # the step to scroll to on the next run (once)
URL_PATH = "sop"


def open_step(step_id: str) -> None:
    """Switch to the SOP page with `step_id` highlighted (keeps the session, unlike a link)."""
    from views.pages import build_pages

    st.session_state[K_FOCUS] = step_id
    st.session_state[K_LAND] = step_id
    st.session_state[K_QUERY] = ""
    st.session_state[K_TAB] = STEPS_TAB
    st.switch_page(build_pages()[URL_PATH])

CSS = """
<style>
[class*="st-key-sop-sub-"] h3, [class*="st-key-sop-hit-sub-"] h3 {
  font-size: 1.05rem; padding: 0.1rem 0 0.2rem 0;
}
[class*="st-key-sop-step-"] h3, [class*="st-key-sop-hit-step-"] h3 { padding-top: 0.2rem; }
[class*="st-key-sop-hit-"] {
  border: 2px solid #e8a400 !important; background-color: #fff8e1;
}
h3[id^="langkah-"] { scroll-margin-top: 6.5rem !important; }
[data-testid="stTable"] td [data-testid="stMarkdownContainer"] { max-width: none; }
[data-testid="stGraphVizChart"] { overflow-x: auto; max-width: 100%; }
[data-testid="stGraphVizChart"] svg { max-width: none !important; height: auto; }
</style>
"""


def anchor(step_id: str) -> str:
    """The HTML id of a step card, e.g. "langkah-4c" (search results link to it)."""
    return "langkah-" + re.sub(r"[^0-9A-Za-z_-]+", "-", step_id).strip("-").lower()


WEB_ADDRESS = re.compile(r"\b(www\.[\w.-]*\w)")


def md(text: str) -> str:
    """Text for Markdown, shown literally: no emphasis, directives or links.

    Web addresses ("www.pln.co.id") become code spans, which Markdown does not turn into links.
    """
    out = []
    for i, part in enumerate(WEB_ADDRESS.split(" ".join(text.split()))):
        if i % 2:
            out.append(f"`{part}`")
        else:
            out.append(unlink(re.sub(r"([\\`*_{}\[\]<>()#+\-.!|~:$])", r"\\\1", part)))
    return "".join(out)


def tanggal(date: dt.date) -> str:
    return fmt.tanggal(date, panjang=True)


def _show_steps_tab() -> None:
    """After a search, bring the steps into view so the result links can jump to them."""
    st.session_state[K_TAB] = STEPS_TAB


def render() -> None:
    st.html(CSS)
    st.title("Basis Pengetahuan SOP")
    lib = library()
    if lib.problems:
        with st.expander(f"{len(lib.problems)} masalah pada berkas SOP", icon="⚠️"):
            for p in lib.problems:
                st.text(f"{p.file}:{p.line}: {p.field}: {p.message}")
    if not lib.sops:
        st.error("Belum ada SOP yang dapat dimuat. Periksa berkas di folder SOP.")
        return

    sop_id = st.selectbox(
        "Pilih SOP",
        list(lib.sops),
        format_func=lambda i: lib.sops[i].title,
        key=K_SOP,
    )
    # The version trainers may have edited (expected actions, assumptions) where there is one;
    # steps and source text are the same verbatim SOP either way.
    sop = content().sops.sops.get(sop_id) or lib.sops[sop_id]
    st.header(md(sop.title), anchor=False)
    st.caption(
        f"Penerbit: {md(sop.issuer)} · Tanggal: {tanggal(sop.date)} · Versi {sop.version} · "
        f"{sum(1 for _ in sop.all_steps())} langkah · {len(sop.cases)} kasus"
    )

    query = st.text_input(
        "Cari langkah atau istilah",
        key=K_QUERY,
        max_chars=MAX_QUERY,
        placeholder="mis. pelayanan pelanggan, daftar akun, APKT (salah ketik tidak apa-apa)",
        on_change=_show_steps_tab,
        icon=":material/search:",
    )
    hits = search(sop, query, limit=8, within=20) if query and query.strip() else []
    best = next((h for h in hits if h.kind == "langkah"), None)
    if query and query.strip():
        st.session_state.pop(K_FOCUS, None)
        _results(sop, query, hits)
    focus = st.session_state.get(K_FOCUS)
    if focus and sop.step(focus) is not None:
        best = SearchHit("langkah", focus, "", "", 100.0, _parent_id(sop, focus))
        st.info(f"Langkah **{md(focus)}** dibuka dari hasil latihan · "
                f"[lompat ke langkah {md(focus)}](#{anchor(focus)})",
                icon=":material/school:")
        if st.session_state.pop(K_LAND, None) == focus:  # arriving: land on the step itself
            scroll.to_element(anchor(focus))

    tabs = st.tabs(list(TABS), key=K_TAB, on_change="rerun")
    with tabs[0]:
        badge = "Dibuka dari latihan" if focus and best and best.id == focus else None
        _steps(sop, best.id if best else None, badge or "Hasil pencarian")
    with tabs[1]:
        _flowchart(sop, (best.parent or best.id) if best else None)
    with tabs[2]:
        _source(sop)
    with tabs[3]:
        _glossary(sop)
    with tabs[4]:
        _assumptions(sop)
        _service_standard(sop)


# ---- search results ----
def _results(sop: Sop, query: str, hits: list[SearchHit]) -> None:
    with st.container(border=True, key="sop-results"):
        if not hits:
            st.info(
                f"Tidak ada langkah atau istilah yang cocok dengan “{md(query.strip())}”. "
                "Coba kata lain."
            )
            return
        st.markdown(f"**Hasil pencarian** untuk “{md(query.strip())}”: {len(hits)}")
        lines = []
        for i, hit in enumerate(hits, 1):
            if hit.kind == "langkah":
                parent = sop.step(hit.parent) if hit.parent else None
                context = hit.title or (parent.title if parent and parent.title else "")
                head = f"[**Langkah {hit.id}**](#{anchor(hit.id)})"
                if context:
                    head += f" · {md(context)}"
            else:
                head = f"**{md(hit.id)}** (glosarium)"
            lines.append(f"{i}. {head} — {md(hit.snippet)} `{hit.score:.0f}%`")
        st.markdown("\n".join(lines))


# ---- tab: Langkah ----
def _parent_id(sop: Sop, step_id: str) -> str | None:
    return next((p.id for s, p in sop.all_steps() if s.id == step_id and p is not None), None)


def _cases_by_step(sop: Sop) -> dict[str, list[Case]]:
    out: dict[str, list[Case]] = {}
    for case in sop.cases:
        out.setdefault(case.sop_step, []).append(case)
    return out


def _steps(sop: Sop, hit: str | None, badge: str) -> None:
    st.caption(
        "Teks langkah disalin apa adanya dari SOP. Kasus dan tindakan APKT yang diharapkan "
        "ditampilkan di bawah langkah yang memakainya."
    )
    cases = _cases_by_step(sop)
    for step in sop.steps:
        key = f"sop-{'hit-' if hit == step.id else ''}step-{step.id}"
        with st.container(border=True, key=key):
            title = f"Langkah {step.id}" + (f" · {step.title}" if step.title else "")
            st.subheader(md(title), anchor=anchor(step.id))
            _step_body(sop, step, cases, hit, badge)
            for sub in step.substeps:
                skey = f"sop-{'hit-' if hit == sub.id else ''}sub-{sub.id}"
                with st.container(border=True, key=skey):
                    stitle = sub.id + (f" · {sub.title}" if sub.title else "")
                    st.subheader(md(stitle), anchor=anchor(sub.id))
                    _step_body(sop, sub, cases, hit, badge)


def _step_body(
    sop: Sop, step: Step, cases: dict[str, list[Case]], hit: str | None, badge: str
) -> None:
    if hit == step.id:
        st.badge(badge, icon=":material/search:", color="orange")
    st.text(step.text)
    if step.when:
        facts = {f.id: f.label for f in sop.facts}
        cond = "; ".join(
            f"{md(facts.get(k, k))}: {'ya' if v else 'tidak'}" for k, v in step.when.items()
        )
        st.caption(f"Berlaku jika — {cond}")
    if step.decision:
        st.caption(f"Titik keputusan (diagram alur): {md(step.decision)}")
    for case in cases.get(step.id, []):
        exp = case.expected
        action = f"**{md(sop.action_label(exp.action))}**"
        if exp.sub_issue_type:
            action += f" · Sub Issue Type: **{md(sop.sub_issue_label(exp.sub_issue_type))}**"
        st.markdown(
            f":material/support_agent: Kasus *{md(case.title)}* (`{case.id}`) "
            f"→ Tindakan APKT: {action}"
        )
        assumption = sop.assumption(exp.assumption)
        if assumption is not None:
            st.warning(
                f"**Asumsi pelatihan — bukan teks SOP.** {md(assumption.title)}\n\n"
                f"{md(assumption.text)}",
                icon=":material/info:",
            )


# ---- tab: Diagram alur ----
def _flowchart(sop: Sop, highlight: str | None) -> None:
    st.subheader("Alur keputusan per kasus", anchor=False)
    st.caption(
        "Dibuat dari data SOP: kebutuhan pelanggan → langkah → tindakan APKT. "
        "Hijau: selesai di CC PLN 123 (Issue Closed); merah muda: diteruskan ke Unit PLN; "
        "garis putus-putus: asumsi pelatihan, bukan teks SOP."
    )
    # at its own size, scrolled sideways when wider than the page: shrunk to fit, the labels
    # were 9 px high
    st.graphviz_chart(sop_flowchart(sop, highlight=highlight), width="content")
    website = path_flowchart(sop)
    if website:
        st.subheader("Urutan langkah website", anchor=False)
        st.caption(
            "Langkah yang dipandu CSO sesuai urutan SOP, untuk pelanggan yang sudah dan yang "
            "belum memiliki akun."
        )
        st.graphviz_chart(website, width="content")


# ---- tab: Teks asli ----
def _source(sop: Sop) -> None:
    # the SOP's own note says what the text is; the file it came from means nothing to a reader
    note = (sop.source.note or "Teks asli SOP, disalin apa adanya.").strip()
    st.caption(f"{md(note)} Ditampilkan tanpa format.")
    st.code(sop.source.text, language=None, wrap_lines=True)


# ---- tab: Glosarium ----
def _glossary(sop: Sop) -> None:
    if not sop.glossary:
        st.info("SOP ini belum memiliki glosarium.")
        return
    table = pd.DataFrame(
        {"Istilah": [g.term for g in sop.glossary], "Arti": [g.meaning for g in sop.glossary]}
    )
    st.table(table, hide_index=True)


# ---- tab: Asumsi pelatihan ----
def _assumptions(sop: Sop) -> None:
    st.caption(
        "Asumsi pelatihan mengisi hal yang tidak diatur SOP. Ini bukan teks SOP; trainer dapat "
        "mengubahnya di berkas konten SOP."
    )
    if not sop.assumptions:
        st.info("SOP ini tidak memiliki asumsi pelatihan.")
        return
    for a in sop.assumptions:
        with st.container(border=True, key=f"sop-assumption-{a.id}"):
            st.warning(
                f"**Asumsi pelatihan — bukan teks SOP.** {md(a.title)}\n\n{md(a.text)}",
                icon=":material/info:",
            )
            lines = []
            for cid in a.cases:
                case = sop.case(cid)
                if case is None:
                    continue
                action = sop.action_label(case.expected.action)
                lines.append(
                    f"- *{md(case.title)}* (`{cid}`, langkah {md(case.sop_step)}) "
                    f"→ **{md(action)}**"
                )
            if lines:
                st.markdown("Berlaku untuk kasus:\n" + "\n".join(lines))


def _service_standard(sop: Sop) -> None:
    """The service standard, shown apart like the assumptions: a training standard that every
    case is scored on besides the SOP criteria, not SOP text."""
    standard = sop.service_standard
    if standard is None or not standard.criteria:
        return
    with st.container(border=True, key="sop-layanan"):
        st.subheader(md(standard.title), anchor=False)
        st.warning(f"**{SERVICE_MARK}** {md(note_body(standard.note))}", icon=":material/info:")
        rows = []
        for cid, rc in standard.criteria.items():
            definition = sop.criteria.get(cid)
            rows.append({"Kriteria": definition.label if definition else cid,
                         "Bobot": f"{rc.weight:g}",
                         "Kritis": "ya (gagal = tidak lulus)" if rc.critical else "tidak"})
        st.table(pd.DataFrame(rows), hide_index=True)
        st.caption("Dinilai di setiap kasus, terpisah dari kriteria SOP; trainer dapat mengubah "
                   "bobotnya di halaman Skenario → Rubrik & asumsi.")

"""The Skenario page for trainers: the scenario list, the editor (views.scenario_editor), the
history of a scenario, SOP coverage, and rubrics and training assumptions (views.rubric_page).

Everything is read from and saved to the database through store.versions (scenarios and SOPs
as immutable versions); the page only draws. Keys in st.session_state start with "sk.".
The part shown is in the address (`/skenario?bagian=editor`), so a reload or a link opens it;
the editor's draft is kept in the database (views.scenario_editor).
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from scenarios.coverage import coverage
from sop.yamlfile import ContentError
from store.content_io import export_texts, import_texts, unzip_texts, zip_texts
from store.errors import StoreError
from store.users import UserRecord
from store.versions import EditConflict, format_time, list_items, set_scenario_status
from views.auth import plain, require_roles
from views.scenario_editor import (
    K_OPEN,
    P,
    flash,
    open_duplicate,
    open_new,
    open_scenario,
    render_editor,
    render_history,
    restore_draft,
    show_flash,
    snapshot,
)
from views.state import content, database

ALLOWED = frozenset({"trainer"})
VIEWS = ("Daftar", "Editor", "Riwayat", "Cakupan SOP", "Rubrik & asumsi", "Impor/ekspor")
SLUGS = dict(zip(VIEWS, ("daftar", "editor", "riwayat", "cakupan", "rubrik", "impor"),
                 strict=True))  # ?bagian=... in the address
K_ARRIVED = P + "arrived"  # the address and the saved draft were read (once per session)
K_VIEW = P + "view"
K_PICK = P + "pick"
K_NEW_CASE = P + "new_case"
K_RETIRE_REASON = P + "retire_reason"


def _go(view: str) -> None:
    st.session_state[K_VIEW] = view


def _arrive() -> None:
    """First draw in this session: the part named in the address, the editor's saved draft."""
    ss = st.session_state
    if ss.get(K_ARRIVED):
        return
    ss[K_ARRIVED] = True
    unsaved = restore_draft()
    by_slug = {v: k for k, v in SLUGS.items()}
    asked = by_slug.get(str(st.query_params.get("bagian", "")).lower())
    if asked:
        ss[K_VIEW] = asked
    elif unsaved:
        ss[K_VIEW] = "Editor"


def render() -> None:
    user = require_roles(ALLOWED)
    _arrive()
    st.title("Skenario latihan")
    show_flash()
    st.session_state.setdefault(K_VIEW, VIEWS[0])
    view = st.radio("Bagian", VIEWS, key=K_VIEW, horizontal=True, label_visibility="collapsed")
    if st.query_params.get("bagian") != SLUGS[view]:
        st.query_params["bagian"] = SLUGS[view]
    if view == "Daftar":
        _list(user)
    elif view == "Editor":
        render_editor(user)
    elif view == "Riwayat":
        _history(user)
    elif view == "Cakupan SOP":
        _coverage()
    elif view == "Rubrik & asumsi":
        from views.rubric_page import render_rubrics

        render_rubrics(user)
    else:
        _import_export(user)


# ---------------------------------------------------------------- list
def scenario_rows(items) -> list[dict]:
    fact_labels = {f.id: f.label for sop in content().sops.sops.values() for f in sop.facts}
    rows = []
    for it in items:
        facts = "; ".join(f"{fact_labels.get(k, k)}: {'ya' if v else 'tidak'}"
                          for k, v in (it.meta.get("facts") or {}).items())
        rows.append({
            "ID": it.item_id,
            "Judul": it.title,
            "Kasus": it.meta.get("case", ""),
            "Fakta": facts or "-",
            "Tingkat": it.meta.get("difficulty", "-"),
            "Status": it.status,
            "Versi": it.current_number,
            "Diubah oleh": it.who,
            "Diubah pada": format_time(it.updated_at),
        })  # fmt: skip
    return rows


def _on_open(view: str = "Editor") -> None:
    pick = st.session_state.get(K_PICK)
    if pick:
        open_scenario(pick)
        _go(view)


def _on_duplicate() -> None:
    pick = st.session_state.get(K_PICK)
    if pick:
        open_duplicate(pick)
        _go("Editor")


def _on_new() -> None:
    open_new(st.session_state.get(K_NEW_CASE) or "")
    _go("Editor")


def _on_status(user_id: int, scenario_id: str, status: str, base: int) -> None:
    try:
        v = set_scenario_status(database(), scenario_id=scenario_id, status=status,
                                base_version=base, author_id=user_id,
                                reason=st.session_state.get(K_RETIRE_REASON, ""))
    except EditConflict as exc:
        flash("error", exc.message)
        return
    except (StoreError, ContentError) as exc:
        flash("error", getattr(exc, "message", None) or str(exc))
        return
    st.session_state[K_RETIRE_REASON] = ""
    word = "dinonaktifkan" if status == "nonaktif" else "diaktifkan lagi"
    flash("success", f"Skenario {scenario_id} {word} (versi {v.number}).")


def _list(user: UserRecord) -> None:
    items = list_items(database(), "scenario")
    snap = snapshot()
    active = sum(1 for i in items if i.status == "aktif")
    st.caption(f"{len(items)} skenario, {active} aktif. Setiap simpanan menjadi versi baru; "
               "skenario tidak dihapus, hanya dinonaktifkan.")
    if snap.scenarios.problems:
        with st.expander(f"{len(snap.scenarios.problems)} skenario tidak dapat dimuat",
                         icon=":material/warning:"):
            for p in snap.scenarios.problems:
                st.text(str(p))
    if items:
        st.dataframe(scenario_rows(items), hide_index=True, width="stretch", key=P + "table")
    with st.container(border=True, key="sk-actions"):
        c1, c2 = st.columns([3, 2])
        with c1:
            ids = [i.item_id for i in items]
            st.selectbox("Skenario", ids, key=K_PICK, index=None,
                         placeholder="Pilih skenario…")
            b1, b2, b3 = st.columns(3)
            pick = st.session_state.get(K_PICK)
            b1.button("Ubah", on_click=_on_open, disabled=not pick, icon=":material/edit:",
                      key=P + "b-open", width="stretch")
            b2.button("Duplikat", on_click=_on_duplicate, disabled=not pick,
                      icon=":material/content_copy:", key=P + "b-dup", width="stretch")
            b3.button("Riwayat", on_click=_on_open, args=("Riwayat",), disabled=not pick,
                      icon=":material/history:", key=P + "b-hist", width="stretch")
            chosen = next((i for i in items if i.item_id == pick), None)
            if chosen is not None:
                new_status = "nonaktif" if chosen.status == "aktif" else "aktif"
                label = "Nonaktifkan" if new_status == "nonaktif" else "Aktifkan lagi"
                st.text_input("Alasan", key=K_RETIRE_REASON, max_chars=300,
                              placeholder="mis. diganti skenario baru")
                st.button(f"{label} {chosen.item_id}", key=P + "b-status",
                          on_click=_on_status,
                          args=(user.id, chosen.item_id, new_status, chosen.current_number),
                          icon=":material/archive:" if new_status == "nonaktif"
                          else ":material/unarchive:")
        with c2:
            cases = [(c.id, c.title) for sop in snap.sops.sops.values() for c in sop.cases]
            titles = dict(cases)
            st.selectbox("Kasus untuk skenario baru", [c for c, _ in cases], key=K_NEW_CASE,
                         format_func=lambda c: f"{c} — {titles[c]}")
            st.button("Skenario baru", on_click=_on_new, type="primary",
                      icon=":material/add:", key=P + "b-new", width="stretch")


# ---------------------------------------------------------------- history
def _history(user: UserRecord) -> None:
    items = list_items(database(), "scenario")
    ids = [i.item_id for i in items]
    current = st.session_state.get(K_OPEN) or st.session_state.get(K_PICK)
    st.session_state.setdefault(P + "hist_id", current if current in ids else None)
    if st.session_state.get(P + "hist_id") not in ids:
        st.session_state[P + "hist_id"] = current if current in ids else None
    item_id = st.selectbox("Skenario", ids, key=P + "hist_id", placeholder="Pilih skenario…")
    if not item_id:
        return

    def reopen(v) -> None:
        if st.session_state.get(K_OPEN) == v.item_id:
            open_scenario(v.item_id)

    render_history("scenario", item_id, user, key=f"sk-h-{item_id}", on_restored=reopen)


# ---------------------------------------------------------------- coverage
def coverage_frame(cov) -> pd.DataFrame:
    labels = {f.id: f.label for sop in content().sops.sops.values() for f in sop.facts}
    return pd.DataFrame([{
        "Kasus": r.case_title or r.case_id,
        "Varian fakta": "; ".join(f"{labels.get(k, k)}: {'ya' if v else 'tidak'}"
                                  for k, v in r.facts.items()) or "-",
        "Mudah": r.counts["mudah"],
        "Sedang": r.counts["sedang"],
        "Sulit": r.counts["sulit"],
        "Total": r.total,
        "Keterangan": "" if r.covered else (
            "KASUS TANPA SKENARIO" if not r.case_covered else "belum ada skenario"),
    } for r in cov.rows])  # fmt: skip


def _coverage() -> None:
    snap = snapshot()
    cov = coverage(snap.sops, snap.scenarios)
    n_cases = len({r.case_id for r in cov.rows})
    if cov.uncovered_cases:
        st.error(plain("Kasus tanpa skenario aktif: " + ", ".join(cov.uncovered_cases)),
                 icon=":material/error:")
    if cov.uncovered_variants:
        st.warning(plain(f"{len(cov.uncovered_variants)} varian fakta belum punya skenario aktif."),
                   icon=":material/warning:")
    else:
        st.success(f"Semua {n_cases} kasus dan {len(cov.rows)} varian punya skenario aktif.",
                   icon=":material/check_circle:")
    frame = coverage_frame(cov)

    def red(row: pd.Series) -> list[str]:
        style = "background-color: #fde2e1; color: #9b1c1c; font-weight: 600"
        return [style if row["Total"] == 0 else "" for _ in row]

    st.dataframe(frame.style.apply(red, axis=1), hide_index=True, width="stretch",
                 key=P + "coverage", height=36 * (len(frame) + 1) + 3)
    st.caption("Sama dengan `cso-trainer coverage` (keluar dengan kode 1 bila ada kasus tanpa "
               "skenario aktif). Hanya skenario berstatus aktif yang dihitung.")


# ---------------------------------------------------------------- import / export
def _import_export(user: UserRecord) -> None:
    db = database()
    st.markdown("**Ekspor** — versi terkini, satu file YAML per skenario, untuk disimpan di git.")
    files = export_texts(db)
    c1, c2 = st.columns(2)
    c1.download_button(f"Unduh {len(files)} skenario (.zip)", zip_texts(files),
                       file_name="skenario.zip", mime="application/zip",
                       icon=":material/download:", key=P + "export")
    sop_files = export_texts(db, kind="sop")
    c2.download_button("Unduh SOP beserta rubrik (.zip)", zip_texts(sop_files),
                       file_name="sop.zip", mime="application/zip",
                       icon=":material/download:", key=P + "export-sop")
    st.divider()
    st.markdown("**Impor** — file .yaml atau .zip; diperiksa sama seperti `cso-trainer validate`. "
                "Bila satu file bermasalah, tidak ada yang disimpan.")
    uploads = st.file_uploader("File skenario atau SOP", type=["yaml", "yml", "zip"],
                               accept_multiple_files=True, key=P + "upload")
    reason = st.text_input("Alasan", key=P + "import_reason", value="impor dari file",
                           max_chars=300)
    if st.button("Impor", disabled=not uploads, key=P + "import", icon=":material/upload:"):
        texts: dict[str, str] = {}
        try:
            for up in uploads or []:
                data = up.getvalue()
                if up.name.lower().endswith(".zip"):
                    texts.update(unzip_texts(data, name=up.name))
                else:
                    try:
                        texts[up.name] = data.decode("utf-8")
                    except UnicodeDecodeError:
                        st.error(plain(f"{up.name}: bukan teks UTF-8"))
                        return
            report = import_texts(db, texts, author_id=user.id, reason=reason)
        except ContentError as exc:
            st.error(f"Tidak ada yang diimpor: {len(exc.problems)} masalah.",
                     icon=":material/error:")
            for p in exc.problems:
                st.text(str(p))
            return
        except StoreError as exc:
            st.error(plain(exc.message))
            return
        st.success(plain(f"Impor selesai: {report.summary()}."), icon=":material/check:")

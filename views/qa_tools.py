"""The QA page's tools: blind calibration reviews, rescoring with a progress bar, exports."""

from __future__ import annotations

import functools

import pandas as pd
import streamlit as st

from core import fmt
from services.rescoring import rescore
from sop.groups import SERVICE_MARK, SERVICE_TITLE
from store import StoreError
from store.calibration import (
    Verdict,
    agreement_rates,
    blind_review,
    calibrations,
    submit_calibration,
)
from store.dashboard import QaFilter, count_qa_attempts
from store.export import TABLES, export_tables, to_csv_bytes, to_xlsx_bytes
from store.users import UserRecord
from views.auth import plain
from views.qa_common import K_CALIBRATION, K_NOTICE, criterion_label, library, waktu
from views.qa_dashboard import clear_cache
from views.qa_review import _message, apkt_panel, data_panel, transcript
from views.state import content, database, scorer


# ---------------------------------------------------------------- calibration
def calibration_section(user: UserRecord) -> None:
    db = database()
    mine = calibrations(db, requester=user.requester, reviewer_id=user.id, pending=True)
    st.subheader("Penilaian buta untuk Anda", anchor=False)
    if not mine:
        st.caption("Tidak ada permintaan kalibrasi yang menunggu Anda.")
    for cal in mine:
        with st.container(horizontal=True, key=f"qa-cal-pending-{cal.id}"):
            st.markdown(f"Percobaan **#{cal.attempt_id}** · diminta oleh "
                        f"{plain(cal.requested_by_name)} · {waktu(cal.requested_at)}")
            if st.button("Nilai buta", key=f"qa-cal-open-{cal.id}",
                         icon=":material/visibility_off:"):
                st.session_state[K_CALIBRATION] = cal.id
    open_id = st.session_state.get(K_CALIBRATION)
    if open_id in {c.id for c in mine}:
        _blind_form(user, open_id)

    st.subheader("Kesepakatan per pasangan peninjau", anchor=False)
    pairs = agreement_rates(db, requester=user.requester)
    if not pairs:
        st.caption("Belum ada kalibrasi yang selesai.")
    else:
        st.dataframe(pd.DataFrame([
            {"Peninjau pertama": p.first_name, "Peninjau kedua (buta)": p.second_name,
             "Kalibrasi": p.calibrations, "Kriteria dibandingkan": p.criteria,
             "Sama": p.agreed, "Kesepakatan (%)": p.rate}
            for p in pairs
        ]), hide_index=True, width="stretch")
    done = calibrations(db, requester=user.requester, pending=False)
    if done:
        with st.expander(f"Kalibrasi selesai ({len(done)})", icon=":material/list:"):
            st.dataframe(pd.DataFrame([
                {"Percobaan": c.attempt_id, "Peninjau pertama": c.requested_by_name,
                 "Peninjau kedua": c.reviewer_name, "Selesai": waktu(c.submitted_at)}
                for c in done
            ]), hide_index=True, width="stretch")
            st.caption("Buka percobaannya di bagian Percobaan untuk melihat perbandingan per "
                       "kriteria.")


def _blind_form(user: UserRecord, calibration_id: int) -> None:
    r = blind_review(database(), requester=user.requester, calibration_id=calibration_id,
                     library=library())
    with st.container(border=True, key="qa-blind"):
        st.markdown(f"**Penilaian buta percobaan #{r.attempt.id}** · penilaian peninjau lain "
                    "tidak ditampilkan")
        left, right = st.columns([5, 6])
        with left:
            data_panel(r.attempt.call)
            apkt_panel(r)
        with right:
            transcript(r)
        with st.form(key=f"qa-blind-form-{calibration_id}"):
            verdicts = {}
            service_shown = False
            for c in sorted(r.criteria, key=lambda c: c.service):  # the SOP's first
                if c.service and not service_shown:
                    service_shown = True
                    st.markdown(f"**{SERVICE_TITLE}** · :orange[{SERVICE_MARK}]")
                st.markdown(f"**{plain(criterion_label(c.id))}** · maks {c.max:g} poin · "
                            f"otomatis: {'terpenuhi' if c.auto_ok else 'tidak terpenuhi'}")
                st.text(c.evidence)
                ok = st.radio("Penilaian Anda", ["Terpenuhi", "Tidak terpenuhi"],
                              index=0 if c.auto_ok else 1, horizontal=True,
                              key=f"qa-blind-{calibration_id}-{c.id}") == "Terpenuhi"
                verdicts[c.id] = Verdict(ok, None if ok else 0.0)
            if st.form_submit_button("Kirim penilaian buta", type="primary",
                                     icon=":material/send:"):
                try:
                    submit_calibration(database(), requester=user.requester,
                                       calibration_id=calibration_id, verdicts=verdicts,
                                       library=library())
                except StoreError as exc:
                    st.error(_message(exc), icon=":material/error:")
                else:
                    st.session_state.pop(K_CALIBRATION, None)
                    st.session_state[K_NOTICE] = ("ok", "Penilaian buta terkirim.")
                    st.rerun()


# ---------------------------------------------------------------- rescoring
def rescore_section(user: UserRecord, where: QaFilter) -> None:
    n = count_qa_attempts(database(), requester=user.requester, where=where)
    st.markdown(
        f"Nilai ulang **{n:,}** percobaan yang sesuai filter dengan rubrik yang berlaku sekarang. "
        "Skor lama tetap tersimpan di riwayat; koreksi QA per kriteria tetap berlaku."
        .replace(",", ".")
    )
    every = st.checkbox("Juga percobaan yang sudah dinilai dengan versi rubrik sekarang",
                        key="qa-rescore-all")
    if st.button("Nilai ulang", type="primary", disabled=n == 0, key="qa-rescore",
                 icon=":material/restart_alt:"):
        bar = st.progress(0.0, text="Menilai ulang…")
        snap = content()

        def version_of(case_id: str) -> str:
            found = snap.sops.find_case(case_id)
            return snap.rubric_version(found[0].id) if found else case_id

        def progress(done: int, total: int) -> None:
            bar.progress(done / total if total else 1.0,
                         text=f"Menilai ulang… {done}/{total}")

        report = rescore(database(), requester=user.requester, scorer=scorer(), where=where,
                         only_other_rubric=not every, version_of=version_of,
                         on_progress=progress)
        clear_cache()
        bar.progress(1.0, text="Selesai")
        st.success(f"{report.checked} diperiksa · {report.rescored} mendapat skor baru · "
                   f"{report.changed} berubah skor atau status · {len(report.skipped)} "
                   "dilewati", icon=":material/check_circle:")
        for attempt_id, why in report.skipped[:20]:
            st.text(f"#{attempt_id}: {why}")


# ---------------------------------------------------------------- exports
def export_section(user: UserRecord, where: QaFilter) -> None:
    """The tables are read only when "Siapkan file" is pressed, and each file is written only
    when its download button is pressed (deferred data): a rerun of the section reads and
    writes nothing."""
    st.markdown("Unduh percobaan yang sesuai filter, hasil per kriteria dan tabel dashboard.")
    key = st.selectbox("Tabel untuk CSV", list(TABLES), key="qa-export-table",
                       format_func=lambda k: TABLES[k][0])
    with st.container(horizontal=True, key="qa-export-buttons"):
        if st.button("Siapkan file", key="qa-export-prepare", icon=":material/build:"):
            st.session_state["qa-export"] = (where, export_tables(
                database(), requester=user.requester, where=where), fmt.stempel())
        prepared = st.session_state.get("qa-export")
        tables = prepared[1] if prepared and prepared[0] == where else None
        if tables is not None:
            stamp = prepared[2]
            st.download_button(
                f"CSV: {TABLES[key][0]}", functools.partial(to_csv_bytes, key, tables[key]),
                file_name=f"qa-{key}-{stamp}.csv", mime="text/csv",
                icon=":material/download:", key="qa-dl-csv", on_click="ignore",
            )
            st.download_button(
                "Excel: semua tabel", functools.partial(to_xlsx_bytes, tables),
                file_name=f"qa-{stamp}.xlsx", icon=":material/download:", key="qa-dl-xlsx",
                mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                on_click="ignore",
            )
    if tables is not None:
        st.caption(" · ".join(f"{TABLES[k][0]}: {fmt.angka(len(v), 0)} baris"
                              for k, v in tables.items()))
    else:
        st.caption("Tekan Siapkan file untuk membuat file dari filter yang berlaku.")

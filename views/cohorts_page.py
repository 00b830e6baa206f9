"""The trainer's "Angkatan" page: cohorts (batches of trainees), their members, the assignments
given to them and a matrix of trainees by assignment (selesai / berjalan / terlambat / gagal),
with filters and, for QA, a link from each cell to the attempts on the QA page; who is "siap
melayani", the certificates and the cohort report (PDF and Excel).

Everything is computed by store.cohorts, store.certification and store.cohort_report (which
the command line uses too); every write re-checks the trainer's roles in its transaction.
"""

from __future__ import annotations

import datetime as dt
import html
import random
from typing import Any

import pandas as pd
import streamlit as st

from core.fmt import WIB, angka, stempel, tanggal, waktu
from store.certification import certification_status
from store.cohort_report import (
    angkatan,
    certificate_name,
    certificate_pdf,
    cohort_report,
    report_pdf,
    report_xlsx,
)
from store.cohorts import (
    KIND_LABELS,
    STATUS_LABELS,
    ExamSpec,
    Matrix,
    PracticeSpec,
    add_members,
    cohort_matrix,
    create_assignment,
    create_cohort,
    list_cohorts,
    remove_member,
    users_with_role,
)
from store.errors import StoreError
from views.auth import plain, require_roles
from views.state import database, library, scenarios

ROLES = frozenset({"trainer", "admin"})
URL_PATH = "angkatan"
K_COHORT = "angkatan.pilih"
K_NOTICE = "angkatan.notice"
K_KIND = "angkatan.tugas.jenis"
CELL_COLORS = {"selesai": "#d7f0dc", "berjalan": "#dbe9fb", "terlambat": "#ffe7c2",
               "gagal": "#f9d4d4", "belum_mulai": "#f1f1f1", "belum_dibuka": "#f7f7f7"}
CSS = """
<style>
.cso-matriks { border-collapse: collapse; font-size: 0.9rem; }
.cso-matriks th, .cso-matriks td { border: 1px solid #d0d0d0; padding: 0.3rem 0.55rem;
  vertical-align: top; }
.cso-matriks th { background: #fafafa; text-align: left; }
.cso-matriks td small { color: #555; }
</style>
"""


def _notice(kind: str, message: str) -> None:
    st.session_state[K_NOTICE] = (kind, message)


def _show_notice() -> None:
    notice = st.session_state.pop(K_NOTICE, None)
    if notice:
        kind, message = notice
        getattr(st, kind)(message)


def _member_label(m: Any) -> str:
    return f"{m.name} ({m.username})"


def _case_titles() -> dict[str, str]:
    return {c.id: c.title for sop in library().sops.values() for c in sop.cases}


def _moment(day: dt.date, time: dt.time) -> dt.datetime:
    return dt.datetime.combine(day, time, tzinfo=WIB).astimezone(dt.UTC)


# ---------------------------------------------------------------- new cohort
def _new_cohort(user: Any) -> None:
    trainees = users_with_role(database(), "trainee")
    trainers = users_with_role(database(), "trainer")
    sops = library().sops
    with st.expander("Angkatan baru", icon=":material/group_add:",
                     expanded=not list_cohorts(database())):  # fmt: skip
        with st.form("angkatan-baru", clear_on_submit=False, border=False):
            name = st.text_input("Nama angkatan", max_chars=120, key="angkatan-baru-nama",
                                 placeholder="mis. Angkatan Oktober 2026")  # fmt: skip
            start = st.date_input("Tanggal mulai", value=dt.datetime.now(WIB).date(),
                                  format="DD/MM/YYYY")  # fmt: skip
            sop_id = st.selectbox("SOP", list(sops), format_func=lambda i: sops[i].title)
            chosen = st.multiselect("Peserta", trainees, format_func=_member_label,
                                    placeholder="Pilih peserta",
                                    key="angkatan-baru-peserta")  # fmt: skip
            mine = [m for m in trainers if m.user_id == user.id]
            leads = st.multiselect("Pelatih penanggung jawab", trainers, default=mine,
                                   format_func=_member_label, placeholder="Pilih pelatih")
            if st.form_submit_button("Buat angkatan", type="primary"):
                try:
                    cid = create_cohort(database(), actor_id=user.id, name=name,
                                        start_date=start, sop_id=sop_id,
                                        trainee_ids=[m.user_id for m in chosen],
                                        trainer_ids=[m.user_id for m in leads])  # fmt: skip
                except StoreError as exc:
                    st.error(f"Angkatan tidak dibuat: {exc.message}")
                    return
                st.session_state[K_COHORT] = cid
                what = angkatan(" ".join(name.split()))
                _notice("success", f"{what[:1].upper()}{what[1:]} dibuat.")
                st.rerun()


# ---------------------------------------------------------------- matrix
def _cell(matrix: Matrix, aid: int, uid: int, qa_links: bool) -> str:
    state = matrix.state(aid, uid)
    if state is None:
        return '<td style="color:#999">–</td>'
    text = html.escape(state.label)
    bits = [f"<b>{text}</b>"]
    if state.needed:
        bits.append(f"<small>{state.done}/{state.needed}</small>")
    if state.attempt_ids:
        n = len(state.attempt_ids)
        if qa_links:
            links = " ".join(f'<a href="/qa?attempt={i}" target="_self">#{i}</a>'
                             for i in state.attempt_ids[-5:])  # fmt: skip
            bits.append(f"<br><small>{n} percobaan: {links}</small>")
        else:
            ids = ", ".join(f"#{i}" for i in state.attempt_ids[-5:])
            bits.append(f"<br><small>{n} percobaan: {ids}</small>")
    color = CELL_COLORS[state.status]
    return (f'<td style="background:{color}" data-status="{state.status}">'
            + " ".join(bits) + "</td>")


def _matrix(matrix: Matrix, user: Any) -> None:
    if not matrix.trainees:
        st.info("Angkatan ini belum punya peserta.", icon=":material/group_off:")
        return
    if not matrix.assignments:
        st.info("Belum ada tugas untuk angkatan ini. Buat di bagian Tugas baru.",
                icon=":material/assignment:")
        return
    labels = dict(STATUS_LABELS)
    with st.container(horizontal=True, key="angkatan-filter"):
        statuses = st.multiselect("Status", list(labels), format_func=labels.get,
                                  placeholder="Semua status", key="angkatan-filter-status")
        kinds = st.multiselect("Jenis tugas", list(KIND_LABELS), format_func=KIND_LABELS.get,
                               placeholder="Semua jenis", key="angkatan-filter-jenis")
        who = st.text_input("Cari peserta", key="angkatan-filter-nama",
                            placeholder="nama atau nama pengguna")  # fmt: skip
    assignments = [a for a in matrix.assignments if not kinds or a.kind in kinds]
    trainees = [m for m in matrix.trainees
                if not who or who.lower() in f"{m.name} {m.username}".lower()]  # fmt: skip
    if statuses:
        trainees = [m for m in trainees if any(
            (s := matrix.state(a.id, m.user_id)) is not None and s.status in statuses
            for a in assignments)]  # fmt: skip
    qa_links = "qa" in user.roles
    head = "".join(
        f"<th>{html.escape(a.title)}<br><small>{KIND_LABELS[a.kind]} · batas "
        f"{html.escape(tanggal(a.due_at))}</small></th>" for a in assignments)  # fmt: skip
    rows = []
    for m in trainees:
        cells = "".join(_cell(matrix, a.id, m.user_id, qa_links) for a in assignments)
        rows.append(f"<tr><th>{html.escape(m.name)}<br><small>{html.escape(m.username)}"
                    f"</small></th>{cells}</tr>")  # fmt: skip
    st.html(CSS + f'<table class="cso-matriks"><tr><th>Peserta</th>{head}</tr>'
            + "".join(rows) + "</table>")
    if not trainees:
        st.caption("Tidak ada peserta yang cocok dengan saringan.")
    counts = pd.Series([matrix.state(a.id, m.user_id).status for a in assignments
                        for m in trainees if matrix.state(a.id, m.user_id)]).value_counts()
    st.caption(" · ".join(f"{STATUS_LABELS[k]}: {v}" for k, v in counts.items()) +
               ("" if qa_links else " · Nomor percobaan dapat dibuka di halaman QA (peran QA)."))


# ---------------------------------------------------------------- members
def _members(cohort: Any, user: Any) -> None:
    st.markdown(f"**Pelatih:** {plain(', '.join(m.name for m in cohort.trainers) or '–')}")
    rows = [{"Peserta": m.name, "Nama pengguna": m.username,
             "Ditambahkan": tanggal(m.added_at) if m.added_at else "–"}
            for m in cohort.trainees]  # fmt: skip
    if rows:
        st.dataframe(pd.DataFrame(rows), hide_index=True, key="angkatan-anggota")
    else:
        st.info("Belum ada peserta.", icon=":material/group_off:")
    have = set(cohort.trainee_ids)
    others = [m for m in users_with_role(database(), "trainee") if m.user_id not in have]
    left, right = st.columns(2)
    with left:
        add = st.multiselect("Tambah peserta", others, format_func=_member_label,
                             placeholder="Pilih peserta", key="angkatan-tambah")  # fmt: skip
        if st.button("Tambahkan", key="angkatan-tambah-btn", disabled=not add):
            try:
                added = add_members(database(), actor_id=user.id, cohort_id=cohort.id,
                                    user_ids=[m.user_id for m in add])  # fmt: skip
            except StoreError as exc:
                st.error(f"Tidak ditambahkan: {exc.message}")
                return
            _notice("success", f"{len(added)} peserta ditambahkan.")
            st.session_state.pop("angkatan-tambah", None)
            st.rerun()
    with right:
        gone = st.selectbox("Keluarkan peserta", cohort.trainees, index=None,
                            format_func=_member_label, placeholder="Pilih peserta",
                            key="angkatan-keluar")  # fmt: skip
        if st.button("Keluarkan", key="angkatan-keluar-btn", disabled=gone is None):
            try:
                remove_member(database(), actor_id=user.id, cohort_id=cohort.id,
                              user_id=gone.user_id)  # fmt: skip
            except StoreError as exc:
                st.error(f"Tidak dikeluarkan: {exc.message}")
                return
            _notice("success", f"{gone.name} dikeluarkan dari angkatan (tercatat di audit).")
            st.session_state.pop("angkatan-keluar", None)
            st.rerun()


# ---------------------------------------------------------------- new assignment
def _new_assignment(cohort: Any, user: Any) -> None:
    titles = _case_titles()
    active = sorted(scenarios().active(), key=lambda s: (s.case, s.id))
    by_id = {s.id: s for s in active}
    kind = st.segmented_control("Jenis", list(KIND_LABELS), format_func=KIND_LABELS.get,
                                default="ujian", key=K_KIND) or "ujian"
    today = dt.datetime.now(WIB).date()
    with st.form(f"angkatan-tugas-{kind}", border=False):
        title = st.text_input("Judul tugas", max_chars=200, key="angkatan-tugas-judul",
                              placeholder="mis. Ujian sertifikasi")  # fmt: skip
        target = st.selectbox("Untuk", [None, *cohort.trainees],
                              format_func=lambda m: "Seluruh angkatan" if m is None
                              else _member_label(m), key="angkatan-tugas-untuk")  # fmt: skip
        c1, c2, c3, c4 = st.columns(4)
        open_day = c1.date_input("Dibuka", value=today, format="DD/MM/YYYY",
                                 key="angkatan-tugas-buka")  # fmt: skip
        open_time = c2.time_input("Jam dibuka (WIB)", value=dt.time(0, 0),
                                  key="angkatan-tugas-buka-jam")  # fmt: skip
        due_day = c3.date_input("Batas", value=today + dt.timedelta(days=7),
                                format="DD/MM/YYYY", key="angkatan-tugas-batas")  # fmt: skip
        due_time = c4.time_input("Jam batas (WIB)", value=dt.time(17, 0),
                                 key="angkatan-tugas-batas-jam")  # fmt: skip
        if kind == "latihan":
            cases = st.multiselect("Kasus", list(titles), format_func=titles.get,
                                   placeholder="Kasus apa saja", key="angkatan-tugas-kasus")
            chosen = st.multiselect("Skenario", list(by_id),
                                    format_func=lambda i: by_id[i].title,
                                    placeholder="(opsional)", key="angkatan-tugas-skenario")
            c1, c2 = st.columns(2)
            calls = c1.number_input("Jumlah panggilan", 1, 200, 5, key="angkatan-tugas-n")
            minimum = c2.number_input("Skor minimal (%)", 0, 100, 80, key="angkatan-tugas-min")
            spec: Any = {"cases": cases, "scenarios": chosen, "calls": calls,
                         "min_score": minimum}
            certification = False
        else:
            chosen = st.multiselect("Skenario ujian (maks. 10)", list(by_id),
                                    format_func=lambda i: f"{by_id[i].title} · "
                                    f"{titles.get(by_id[i].case, by_id[i].case)}",
                                    max_selections=10, placeholder="Pilih skenario",
                                    key="angkatan-tugas-ujian-skenario")  # fmt: skip
            c1, c2, c3 = st.columns(3)
            first = st.session_state.setdefault("angkatan.seed-awal", random.randrange(10**6))
            seed = c1.number_input("Seed awal", 0, 10**12, first,
                                   key="angkatan-tugas-seed",
                                   help="Panggilan ke-n memakai seed awal + n")  # fmt: skip
            limit = c2.number_input("Batas waktu (menit, 0 = tanpa)", 0, 600, 60,
                                    key="angkatan-tugas-waktu")  # fmt: skip
            tries = c3.number_input("Kesempatan", 1, 10, 1, key="angkatan-tugas-kesempatan")
            c1, c2 = st.columns(2)
            pass_case = c1.number_input("Nilai lulus per kasus (%)", 0, 100, 70,
                                        key="angkatan-tugas-lulus-kasus")  # fmt: skip
            pass_all = c2.number_input("Nilai lulus keseluruhan (%)", 0, 100, 75,
                                       key="angkatan-tugas-lulus")  # fmt: skip
            per_trainee = st.checkbox("Seed berbeda untuk tiap peserta",
                                      key="angkatan-tugas-seed-peserta")  # fmt: skip
            review = st.checkbox("Harus ditinjau QA sebelum dinyatakan lulus",
                                 key="angkatan-tugas-qa")  # fmt: skip
            certification = st.checkbox("Ujian sertifikasi (lulus = siap melayani)",
                                        key="angkatan-tugas-sertifikasi")  # fmt: skip
            spec = {"calls": [{"scenario_id": s, "case_id": by_id[s].case, "seed": seed + i}
                              for i, s in enumerate(chosen)],
                    "time_limit_min": limit or None, "attempts_allowed": tries,
                    "pass_case": pass_case, "pass_overall": pass_all,
                    "per_trainee_seeds": per_trainee, "require_review": review}  # fmt: skip
        if st.form_submit_button("Buat tugas", type="primary"):
            try:
                parsed = (PracticeSpec if kind == "latihan" else ExamSpec).model_validate(spec)
            except ValueError as exc:
                st.error(f"Tugas tidak dibuat: {_first_error(exc)}")
                return
            try:
                create_assignment(
                    database(), actor_id=user.id, kind=kind, title=title, spec=parsed,
                    opens_at=_moment(open_day, open_time), due_at=_moment(due_day, due_time),
                    cohort_id=None if target is not None else cohort.id,
                    trainee_id=target.user_id if target is not None else None,
                    certification=certification and target is None,
                )
            except StoreError as exc:
                st.error(f"Tugas tidak dibuat: {exc.message}")
                return
            _notice("success", f"Tugas {title.strip()} dibuat.")
            st.rerun()


def _first_error(exc: Exception) -> str:
    errors = getattr(exc, "errors", None)
    if callable(errors):
        err = errors(include_url=False)[0]
        where = {"calls": "skenario ujian"}.get(str(err["loc"][0]), str(err["loc"][0]))
        return f"{where}: {err['msg']}"
    return str(exc)


# ---------------------------------------------------------------- certification and papers
def _certification(cohort: Any) -> None:
    now = dt.datetime.now(dt.UTC)
    certs = certification_status(database(), cohort_id=cohort.id, now=now)
    ready = [c for c in certs if c.certified]
    st.metric("Siap melayani", f"{len(ready)} dari {len(certs)}")
    rows = [{"Peserta": c.name, "Nama pengguna": c.username, "Status": c.label,
             "Tanggal": tanggal(c.certified_at) if c.certified_at else "–",
             "Versi SOP": f"versi {c.sop_version}" if c.sop_version else "–",
             "Nilai": angka(c.mean_percent) if c.mean_percent is not None else "–",
             "Keterangan": c.status_detail}
            for c in certs]  # fmt: skip
    if rows:
        st.dataframe(pd.DataFrame(rows), hide_index=True, key="angkatan-sertifikasi")
    old = [c for c in ready if c.outdated]
    if old:
        st.warning(f"{len(old)} peserta tersertifikasi pada versi SOP yang lebih lama (kini "
                   f"versi {old[0].current_version}): "
                   + plain(", ".join(c.name for c in old)), icon=":material/update:")
    sop = library().sops.get(cohort.sop_id)
    sop_title = sop.title if sop else cohort.sop_id
    if ready:
        by_id = {c.trainee_id: c for c in ready}
        who = st.selectbox("Sertifikat untuk", list(by_id), key="angkatan-sertifikat-untuk",
                           format_func=lambda i: _member_label(by_id[i]))  # fmt: skip
        cert = by_id[who]
        signer = ", ".join(m.name for m in cohort.trainers) or None
        st.download_button("Unduh sertifikat (PDF)", certificate_pdf(
            cert, sop_title=sop_title, signer=signer), file_name=certificate_name(cert),
            mime="application/pdf", icon=":material/workspace_premium:",
            key="angkatan-unduh-sertifikat", on_click="ignore")  # fmt: skip
    report = cohort_report(database(), cohort.id, now=now, case_titles=_case_titles())
    base = f"laporan-{cohort.id}-{stempel(now)}"
    with st.container(horizontal=True, key="angkatan-laporan"):
        st.download_button("Unduh laporan (PDF)", report_pdf(report), file_name=f"{base}.pdf",
                           mime="application/pdf", icon=":material/picture_as_pdf:",
                           key="angkatan-unduh-pdf", on_click="ignore")  # fmt: skip
        st.download_button("Unduh laporan (Excel)", report_xlsx(report),
                           file_name=f"{base}.xlsx", icon=":material/table:",
                           mime="application/vnd.openxmlformats-officedocument."
                                "spreadsheetml.sheet", key="angkatan-unduh-xlsx",
                           on_click="ignore")  # fmt: skip


# ---------------------------------------------------------------- the page
def render() -> None:
    user = require_roles(ROLES)
    st.title("Angkatan")
    _show_notice()
    _new_cohort(user)
    cohorts = list_cohorts(database())
    if not cohorts:
        st.info("Belum ada angkatan. Buat angkatan pertama di atas.", icon=":material/groups:")
        return
    by_id = {c.id: c for c in cohorts}
    if st.session_state.get(K_COHORT) not in by_id:
        st.session_state[K_COHORT] = cohorts[0].id
    cid = st.selectbox("Angkatan", list(by_id), key=K_COHORT,
                       format_func=lambda i: f"{by_id[i].name} · mulai "
                       f"{tanggal(by_id[i].start_date)} · {len(by_id[i].trainees)} peserta")
    cohort = by_id[cid]
    st.caption(f"{angkatan(cohort.name)} · SOP {cohort.sop_id} · dibuat "
               f"{waktu(cohort.created_at)}")
    matrix_tab, cert_tab, member_tab, task_tab = st.tabs(
        ["Matriks", "Sertifikasi & laporan", "Anggota", "Tugas baru"])
    with matrix_tab:
        _matrix(cohort_matrix(database(), cid), user)
    with cert_tab:
        _certification(cohort)
    with member_tab:
        _members(cohort, user)
    with task_tab:
        _new_assignment(cohort, user)

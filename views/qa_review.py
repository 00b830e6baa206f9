"""One attempt as QA reviews it: what the trainee saw and did, every criterion with its automatic
verdict, evidence and SOP step, the override form, the trail, the score history and calibration.

Everything a user typed (replies, form fields, comments, names) is drawn with st.text or
escaped with `plain`, never as HTML or Markdown.
"""

from __future__ import annotations

from typing import Any

import pandas as pd
import streamlit as st

from scenarios.generator import rupiah
from sop.groups import (
    GROUP_SERVICE,
    SERVICE_MARK,
    SERVICE_TITLE,
    criterion_group,
    group_label,
    service_note,
    service_title,
)
from store import StoreError
from store.calibration import (
    calibration_report,
    calibration_reviewers,
    calibrations,
    may_request_calibration,
    request_calibration,
)
from store.reviews import Review, mark_reviewed, override_criterion, review
from store.users import UserRecord
from views.auth import plain
from views.qa_common import (
    K_NOTICE,
    criterion_label,
    library,
    verdict,
    waktu,
    yes_no,
)
from views.sop_page import md
from views.state import database

NBSP = "\u00a0"


CSS = """
<style>
.st-key-qa-layanan { border: 1px solid #e8a400 !important; background-color: #fffaf0; }
.st-key-qa-data table { font-size: 0.85rem; }
.st-key-qa-data th, .st-key-qa-data td { padding: 0.25rem 0.45rem !important; }
</style>
"""


def show_notice() -> None:
    notice = st.session_state.pop(K_NOTICE, None)
    if notice:
        kind, message = notice
        (st.success if kind == "ok" else st.error)(message, icon=(
            ":material/check_circle:" if kind == "ok" else ":material/error:"))


def attempt_panel(user: UserRecord, attempt_id: int, *, on_change: Any = None) -> None:
    """The review of one attempt (or a message when it does not exist)."""
    r = review(database(), requester=user.requester, attempt_id=attempt_id, library=library())
    if r is None:
        st.warning(f"Percobaan {attempt_id} tidak ada.", icon=":material/search_off:")
        return
    st.html(CSS)
    with st.container(border=True, key="qa-review"):
        header(r)
        left, right = st.columns([6, 5], gap="medium")
        with left:
            data_panel(r.attempt.call)
            apkt_panel(r)
        with right:
            transcript(r)
        criteria_sections(r)
        override_form(user, r, on_change)
        review_mark_form(user, r, on_change)
        trail(r)
        history(r)
        calibration_panel(user, r)


def header(r: Review) -> None:
    a = r.attempt
    sop_case = library().find_case(a.case_id)
    title = sop_case[1].title if sop_case else a.case_id
    st.subheader(f"Percobaan #{a.id} · {plain(title)}", anchor=False)
    st.caption(
        f"Peserta: {plain(r.trainee_name)} ({plain(r.trainee_username)}) · skenario "
        f"{plain(a.scenario_id)} · seed {a.seed} · mode {a.mode} · selesai {waktu(a.finished_at)}"
    )
    with st.container(horizontal=True, key="qa-scores"):
        st.metric("Skor otomatis", f"{r.automatic.percent:g}%", help=(
            f"{r.automatic.score:g} / {r.automatic.max_score:g} poin · "
            f"{verdict(r.automatic.passed)}"))
        delta = round(r.adjusted.percent - r.automatic.percent, 1)
        st.metric("Skor disesuaikan QA", f"{r.adjusted.percent:g}%",
                  delta=f"{delta:+g} poin %" if delta else None)
        st.metric("Status", verdict(r.adjusted.passed))
        who = ", ".join(sorted({m.reviewer_name for m in r.marks})) or "belum"
        st.metric("Ditinjau oleh", who)
    if r.adjusted.passed != r.automatic.passed:
        st.info(f"Status otomatis {verdict(r.automatic.passed)}, setelah penyesuaian QA "
                f"{verdict(r.adjusted.passed)}.", icon=":material/rule:")


def data_panel(call: dict[str, Any]) -> None:
    """The customer data panel of that seed, as the trainee saw it on the Latihan page."""
    with st.container(border=True, key="qa-data"):
        rows = [
            ("IDPEL", call.get("idpel")),
            ("Nama", call.get("name")),
            ("Alamat", call.get("address")),
            ("Telepon", call.get("phone")),
            ("Email", call.get("email_on_record") or "(belum terdaftar)"),
            ("Tarif/daya", call.get("tariff_label")),
            ("Nomor meter", call.get("meter_number")),
        ]
        out = ["**:material/badge: Data pelanggan** · seperti yang dilihat peserta", "",
               "| Data | Isi |", "|---|---|"]
        out += [f"| {label} | {plain(value or '-')} |" for label, value in rows]
        bills = call.get("bills") or []
        if bills:
            out += ["", "**Tagihan**", "", "| Periode | kWh | Tagihan | Jatuh tempo | Status |",
                    "|---|--:|--:|---|---|"]
            for b in bills:
                status = "Lunas" if b.get("paid") else "**Belum dibayar**"
                due = str(b.get("due_date", ""))
                cells = (str(b.get("month", "")), f"{b.get('kwh', 0):,}".replace(",", "."),
                         rupiah(int(b.get("amount", 0))), "-".join(reversed(due.split("-"))))
                out.append("| " + " | ".join(plain(x).replace(" ", NBSP) for x in cells)
                           + f" | {status} |")
        facts = call.get("facts") or {}
        if facts:
            known = ", ".join(f"{k} = {'ya' if v else 'tidak'}" for k, v in facts.items())
            out += ["", f"Fakta skenario (tidak terlihat oleh peserta): {plain(known)}"]
        st.markdown("\n".join(out))


def apkt_panel(r: Review) -> None:
    apkt = r.attempt.apkt
    found = library().find_case(r.attempt.case_id)
    sop = found[0] if found else None
    action = apkt.get("action")
    sub = apkt.get("sub_issue_type")
    with st.container(border=True, key="qa-apkt"):
        st.markdown("**:material/assignment: Formulir APKT** · yang diisi peserta")
        st.text(
            f"Tindakan: {sop.action_label(action) if sop else action}\n"
            f"Sub Issue Type: {(sop.sub_issue_label(sub) if sop else sub) if sub else '-'}\n"
            f"IDPEL: {apkt.get('idpel') or '-'}\n"
            f"Email: {apkt.get('email') or '-'}\n"
            f"Keterangan: {apkt.get('keterangan') or '-'}"
        )
        if found:
            exp = found[1].expected
            want = sop.action_label(exp.action)
            if exp.sub_issue_type:
                want += f" · {sop.sub_issue_label(exp.sub_issue_type)}"
            st.caption(f"Yang diharapkan SOP: {plain(want)}")


def transcript(r: Review) -> None:
    with st.container(border=True, key="qa-transcript"):
        st.markdown("**:material/call: Percakapan** · transkrip lengkap")
        with st.container(border=False):
            for turn in r.attempt.transcript:
                cso = turn.role == "cso"
                with st.chat_message("cso" if cso else "pelanggan",
                                     avatar=":material/support_agent:" if cso
                                     else ":material/person:"):
                    st.text(turn.text)


def criteria_sections(r: Review) -> None:
    """The SOP criteria first, then the service standard apart: a training standard, marked as
    not SOP text, without an SOP step."""
    sop_criteria = [c for c in r.criteria if not c.service]
    service = [c for c in r.criteria if c.service]
    st.subheader("Penilaian per kriteria SOP", anchor=False)
    for c in sop_criteria:
        criterion_card(r, c)
    if service:
        found = library().find_case(r.attempt.case_id)
        sop = found[0] if found else None
        with st.container(border=True, key="qa-layanan"):
            st.subheader(md(service_title(sop)), anchor=False)
            st.warning(f"**{SERVICE_MARK}** {md(service_note(sop))}", icon=":material/info:")
            for c in service:
                criterion_card(r, c)


def criterion_card(r: Review, c: Any) -> None:
    sop_step = None
    found = library().find_case(r.attempt.case_id)
    if found and c.sop_ref and not c.service:
        sop_step = found[0].step(c.sop_ref)
    with st.container(border=True, key=f"qa-crit-{c.id}"):
        icon = ":material/check_circle:" if c.auto_ok else ":material/cancel:"
        color = "green" if c.auto_ok else "red"
        critical = " · kritis" if c.critical else ""
        st.markdown(f":{color}[{icon}] **{md(criterion_label(c.id))}** (`{c.id}`) · "
                    f"otomatis {c.auto_points:g}/{c.max:g} poin, {yes_no(c.auto_ok)}{critical}")
        st.caption("Bukti")
        st.text(c.evidence or "-")
        if c.service:
            st.caption(f"{SERVICE_TITLE} (bukan langkah SOP)")
        elif sop_step is not None:
            st.caption(f"Langkah SOP {plain(c.sop_ref)}")
            quote = sop_step.text  # verbatim, with its substeps as the Latihan page shows it
            if sop_step.substeps:
                quote += "\n" + "\n".join(f"{x.id}. {x.text}" for x in sop_step.substeps)
            st.text(quote)
        if c.override is not None:
            o = c.override
            st.warning(
                f"**Penilaian QA:** {yes_no(c.ok)}, {c.points:g}/{c.max:g} poin · oleh "
                f"{plain(o.reviewer_name)}, {waktu(o.at)}", icon=":material/rate_review:")
            st.text(f"Komentar: {o.comment}")


def _go(message: str, on_change: Any) -> None:
    st.session_state[K_NOTICE] = ("ok", message)
    if on_change:
        on_change()


def override_form(user: UserRecord, r: Review, on_change: Any) -> None:
    if "qa" not in user.roles:
        return
    ids = [c.id for c in r.criteria]
    service = {c.id for c in r.criteria if c.service}
    with st.form(key=f"qa-override-{r.attempt.id}", border=True):
        st.markdown("**:material/edit_note: Ubah penilaian kriteria** · komentar wajib; "
                    "perubahan disimpan sebagai jejak, tidak menimpa yang lama")
        cid = st.selectbox("Kriteria", ids, key="qa-ov-criterion",
                           format_func=lambda i: f"{criterion_label(i)} ({i})"
                           + (f" · {group_label(GROUP_SERVICE).lower()}" if i in service
                              else ""))
        ok = st.radio("Penilaian QA", ["Terpenuhi", "Tidak terpenuhi"], horizontal=True,
                      key="qa-ov-ok") == "Terpenuhi"
        points = st.number_input("Poin (untuk 'tidak terpenuhi': nilai sebagian, boleh 0)",
                                 min_value=0.0, value=0.0, step=1.0, key="qa-ov-points")
        comment = st.text_area("Komentar untuk peserta (wajib)", key="qa-ov-comment",
                               max_chars=2000, placeholder="Alasan perubahan penilaian")
        if st.form_submit_button("Simpan penilaian QA", type="primary",
                                 icon=":material/save:"):
            try:
                override_criterion(
                    database(), requester=user.requester, attempt_id=r.attempt.id,
                    criterion_id=cid, ok=ok, points=None if ok else points, comment=comment,
                    library=library(),
                )
            except StoreError as exc:
                st.error(_message(exc), icon=":material/error:")
            else:
                _go(f"Penilaian QA untuk {criterion_label(cid)} disimpan.", on_change)
                for key in ("qa-ov-comment", "qa-ov-points"):
                    st.session_state.pop(key, None)  # an empty form for the next one
                st.rerun()


FIELDS = {"comment": "Komentar", "points": "Poin", "ok": "Penilaian", "criterion_id": "Kriteria",
          "reviewer_id": "Peninjau kedua", "verdicts": "Penilaian", "attempt_id": "Percobaan",
          "calibration_id": "Kalibrasi"}


def _message(exc: StoreError) -> str:
    return f"{FIELDS.get(exc.field, exc.field)}: {plain(exc.message)}"


def review_mark_form(user: UserRecord, r: Review, on_change: Any) -> None:
    if "qa" not in user.roles:
        return
    with st.form(key=f"qa-mark-{r.attempt.id}", border=True):
        st.markdown("**:material/task_alt: Tandai sudah ditinjau**")
        note = st.text_input("Catatan (opsional)", key="qa-mark-note", max_chars=2000)
        if st.form_submit_button("Tandai ditinjau", icon=":material/done_all:"):
            try:
                mark_reviewed(database(), requester=user.requester, attempt_id=r.attempt.id,
                              library=library(), comment=note)
            except StoreError as exc:
                st.error(_message(exc), icon=":material/error:")
            else:
                _go("Percobaan ditandai sudah ditinjau.", on_change)
                st.rerun()


def trail(r: Review) -> None:
    label = f"Jejak perubahan ({len(r.overrides)} override, {len(r.marks)} tinjauan)"
    with st.expander(label, icon=":material/history:"):
        if not r.overrides and not r.marks:
            st.caption("Belum ada perubahan atau tinjauan.")
            return
        rows = [{"Waktu": waktu(o.at), "Oleh": o.reviewer_name, "Jenis": "override",
                 "Kriteria": o.criterion_id,
                 "Lama": f"{yes_no(o.old_ok)}, {o.old_points:g}",
                 "Baru": f"{yes_no(o.new_ok)}, {o.new_points:g}", "Komentar": o.comment}
                for o in r.overrides]
        rows += [{"Waktu": waktu(m.at), "Oleh": m.reviewer_name, "Jenis": "ditinjau",
                  "Kriteria": "", "Lama": "", "Baru": f"{m.percent:g}% {verdict(m.passed)}",
                  "Komentar": m.comment or ""} for m in r.marks]
        st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch")
        st.caption("Jejak ini hanya bisa ditambah; perubahan lama tidak dapat diedit atau "
                   "dihapus.")


def history(r: Review) -> None:
    with st.expander(f"Riwayat skor otomatis ({len(r.versions)} versi)",
                     icon=":material/manage_history:"):
        st.dataframe(pd.DataFrame([
            {"Versi": v.number, "Waktu": waktu(v.at), "Rubrik": v.rubric_version or "-",
             "Skor (%)": v.percent, "Status": verdict(v.passed),
             "Oleh": v.actor_name or ("saat disimpan" if v.number == 0 else "sistem")}
            for v in r.versions
        ]), hide_index=True, width="stretch")


def calibration_panel(user: UserRecord, r: Review) -> None:
    db = database()
    cals = calibrations(db, requester=user.requester, attempt_id=r.attempt.id)
    with st.expander(f"Kalibrasi ({len(cals)})", icon=":material/balance:"):
        for cal in cals:
            state = (f"selesai {waktu(cal.submitted_at)}" if cal.done else "menunggu")
            st.markdown(f"Diminta {plain(cal.requested_by_name)} → dinilai buta oleh "
                        f"**{plain(cal.reviewer_name)}** · {state}")
            if cal.done:
                report = calibration_report(db, requester=user.requester,
                                            calibration_id=cal.id)
                st.dataframe(pd.DataFrame([
                    {"Kriteria": criterion_label(x.criterion_id),
                     "Kelompok": group_label(criterion_group(x.criterion_id)),
                     "Peninjau pertama": f"{yes_no(x.first_ok)} ({x.first_points:g})",
                     "Peninjau kedua": f"{yes_no(x.second_ok)} ({x.second_points:g})",
                     "Sama": "ya" if x.agree else "TIDAK",
                     "Komentar peninjau kedua": x.second_comment or ""}
                    for x in report.lines
                ]), hide_index=True, width="stretch")
                st.caption(f"Kesepakatan: {report.agreed}/{len(report.lines)} kriteria "
                           f"({report.rate:g}%)")
        if not may_request_calibration(user.requester):
            return
        others = calibration_reviewers(db, requester=user.requester, attempt_id=r.attempt.id)
        if not others:
            st.caption("Tidak ada pengguna QA lain yang dapat diminta menilai buta.")
            return
        with st.form(key=f"qa-cal-{r.attempt.id}", border=False):
            pick = st.selectbox("Minta peninjau kedua menilai buta", [u.id for u in others],
                                format_func=lambda i: next(u.display_name for u in others
                                                           if u.id == i),
                                key="qa-cal-reviewer")
            if st.form_submit_button("Kirim permintaan kalibrasi", icon=":material/send:"):
                try:
                    request_calibration(db, requester=user.requester, attempt_id=r.attempt.id,
                                        reviewer_id=pick)
                except StoreError as exc:
                    st.error(_message(exc), icon=":material/error:")
                else:
                    st.session_state[K_NOTICE] = ("ok", "Permintaan kalibrasi dikirim.")
                    st.rerun()

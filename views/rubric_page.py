"""Rubrics and training assumptions (part of the Skenario page): per case the expected APKT
action, whether it is a training assumption, the pass mark, and per criterion its weight,
whether it is critical and its cues; the service standard's weights and critical flags (a
training standard, not SOP text, added to every case's rubric); the text of each training
assumption.

The draft is the SOP's YAML text; widgets change it with `set_values` (only the edited value
changes, the verbatim SOP text and comments stay). It is validated as `cso-trainer validate`
validates SOP files, and saved as a new SOP version by store.versions.save_sop, which also
refuses a change that would make an active scenario invalid. The scorer of the app uses the
current version; an attempt records it as attempts.rubric_version ('<sop id>@r<n>').
"""

from __future__ import annotations

from typing import Any

import streamlit as st

from scenarios.authoring import lines_of, load_rt, set_values, text_of, to_plain, translate
from scoring.acts import ACT_LABELS, POLARITY_LABELS, ActReader
from sop.groups import SERVICE_MARK, SERVICE_TITLE, note_body
from sop.models import SERVICE_CRITERIA, Sop
from sop.yamlfile import ContentError, Problem
from store.errors import StoreError
from store.users import UserRecord
from store.versions import EditConflict, format_time, get_version, save_sop, validate_sop
from views.auth import SESSION_USER, plain
from views.drafts import PageDraft, jam
from views.scenario_editor import flash, render_history, snapshot
from views.sop_page import md
from views.state import database

R = "rb."
K_SOP, K_CASE = R + "sop", R + "case"
K_TEXT, K_BASE, K_FOR = R + "text", R + "base", R + "for"  # draft, its version, its SOP id
K_REASON, K_CONFLICT, K_PROBLEMS = R + "reason", R + "conflict", R + "problems"
W = R + "f."  # widget keys
NONE = "(tidak ada)"


def _load(sop_id: str) -> None:
    ss = st.session_state
    v = get_version(database(), "sop", sop_id)
    if v is None:
        return
    ss[K_TEXT], ss[K_BASE], ss[K_FOR] = v.text, v.number, sop_id
    for key in [k for k in ss if str(k).startswith(W)] + [K_CONFLICT, K_PROBLEMS]:
        ss.pop(key, None)


def _data() -> dict[str, Any]:
    try:
        data = to_plain(load_rt(st.session_state[K_TEXT]))
    except Exception:
        return {}
    return data if isinstance(data, dict) else {}


def _set(path: tuple, value: Any) -> None:
    ss = st.session_state
    try:
        ss[K_TEXT] = set_values(ss[K_TEXT], {path: value})
    except ContentError:
        return
    ss.pop(K_PROBLEMS, None)
    _keep()


# The draft is kept in the database (store.drafts, kind "rubrik", one per SOP) after every
# change, and comes back on the first draw of a session (a reload, a new tab, a restart).
def _draft(sop_id: str) -> PageDraft:
    return PageDraft("rubrik", sop_id)


def _keep(*, drop: bool = False) -> None:
    ss = st.session_state
    user_id, sop_id = ss.get(SESSION_USER), ss.get(K_FOR)
    if user_id is None or not sop_id:
        return
    data = None if drop else {"text": ss[K_TEXT], "base": ss.get(K_BASE)}
    _draft(sop_id).save(user_id, data, force=True)


def _restore(sop_id: str) -> bool:
    """The SOP's draft from the database, once per session; True when there was one."""
    ss = st.session_state
    user_id = ss.get(SESSION_USER)
    if user_id is None:
        return False
    record = _draft(sop_id).load_once(user_id)
    if record is None or not isinstance(record.data.get("text"), str):
        return False
    ss[K_TEXT], ss[K_BASE], ss[K_FOR] = record.data["text"], record.data.get("base"), sop_id
    for key in [k for k in ss if str(k).startswith(W)] + [K_CONFLICT, K_PROBLEMS]:
        ss.pop(key, None)
    st.info(f"Draf rubrik dipulihkan (tersimpan {jam(record.updated_at)} WIB).",
            icon=":material/restore:")
    return True


def _on_number(key: str, path: tuple) -> None:
    value = st.session_state.get(key)
    if value is None:
        return
    _set(path, int(value) if float(value).is_integer() else float(value))


def _on_choice(key: str, path: tuple) -> None:
    value = st.session_state.get(key)
    _set(path, None if value in (None, NONE) else value)


def _on_critical(key: str, path: tuple) -> None:
    _set(path, True if st.session_state.get(key) else None)


def _on_lines(key: str, path: tuple, *, empty_is_none: bool = True) -> None:
    lines = lines_of(st.session_state.get(key) or "")
    _set(path, lines or (None if empty_is_none else []))


def _on_text(key: str, path: tuple) -> None:
    _set(path, (st.session_state.get(key) or "").strip())


def _on_multi(key: str, path: tuple) -> None:
    _set(path, list(st.session_state.get(key) or []))


def _on_save(user_id: int) -> None:
    ss = st.session_state
    try:
        v = save_sop(database(), text=ss[K_TEXT], base_version=ss[K_BASE], author_id=user_id,
                     reason=ss.get(K_REASON, ""), item_id=ss[K_FOR])
    except EditConflict as exc:
        ss[K_CONFLICT] = exc.message
        return
    except ContentError as exc:
        ss[K_PROBLEMS] = [translate(str(p)) for p in exc.problems]
        return
    except StoreError as exc:
        ss[K_PROBLEMS] = [exc.message]
        return
    ss[K_BASE] = v.number
    ss[K_REASON] = ""
    _keep(drop=True)  # saved as a version: nothing left to keep
    flash("success", f"Rubrik disimpan sebagai versi {v.number} ({v.item_id}@r{v.number}); "
                     "penilaian berikutnya memakai versi ini.")


def _on_reload() -> None:
    _load(st.session_state[K_FOR])
    _keep(drop=True)
    flash("info", "Versi terbaru dimuat; perubahan Anda sebelumnya diganti.")


def _errors(problems: list[Problem], prefix: str) -> None:
    for p in problems:
        if p.field == prefix or p.field.startswith((prefix + ".", prefix + "[")):
            st.error(plain(f"{p.field}: {p.message}"), icon=":material/error:")


def render_rubrics(user: UserRecord) -> None:
    ss = st.session_state
    snap = snapshot()
    sop_ids = list(snap.sop_numbers) or list(snap.sops.sops)
    if not sop_ids:
        st.info("Belum ada SOP.")
        return
    if ss.get(K_SOP) not in sop_ids:
        ss[K_SOP] = sop_ids[0]
    sop_id = st.selectbox("SOP", sop_ids, key=K_SOP) if len(sop_ids) > 1 else sop_ids[0]
    if (ss.get(K_FOR) != sop_id or K_TEXT not in ss) and not _restore(sop_id):
        _load(sop_id)
    text = ss[K_TEXT]
    problems: list[Problem] = []
    sop: Sop | None = None
    try:
        sop = validate_sop(text, file=sop_id)
    except ContentError as exc:
        problems = [Problem(p.file, p.line, p.field, translate(p.message)) for p in exc.problems]
    data = _data()
    current = snap.sop_numbers.get(sop_id)
    st.caption(f"Rubrik aktif: {snap.rubric_version(sop_id)}. Draf berdasarkan versi "
               f"{ss.get(K_BASE)}. Setiap simpanan menjadi versi baru; skor percobaan mencatat "
               "versi rubrik yang menilainya.")
    if current is not None and ss.get(K_BASE) != current and not ss.get(K_CONFLICT):
        st.warning(f"Ada versi lebih baru ({current}) dari draf ini.", icon=":material/update:")

    cases = data.get("cases") if isinstance(data.get("cases"), list) else []
    ids = [c.get("id") for c in cases if isinstance(c, dict)]
    if not ids:
        st.error("SOP tidak memiliki kasus yang dapat dibaca.")
        return
    if ss.get(K_CASE) not in ids:
        ss[K_CASE] = ids[0]
    titles = {c.get("id"): c.get("title", "") for c in cases if isinstance(c, dict)}
    case_id = st.selectbox("Kasus", ids, key=K_CASE,
                           format_func=lambda c: f"{c} — {titles.get(c, '')}")
    i = ids.index(case_id)
    left, right = st.columns([3, 2], gap="large")
    with left:
        _case_form(data, cases[i], i, problems)
        _service_form(data, problems)
        _assumptions_form(data, problems)
        _phrasings_form(data, problems, sop)
    with right:
        if problems:
            st.error(f"{len(problems)} masalah; perbaiki dulu sebelum menyimpan.",
                     icon=":material/error:")
            for p in problems:
                st.text(f"baris {p.line}: {p.field}: {p.message}")
        else:
            st.success("SOP dan rubrik valid.", icon=":material/check_circle:")
        _save_box(user, ok=sop is not None)
        saved = _draft(sop_id).saved_at()
        if saved is not None:
            st.caption(f"Draf tersimpan {jam(saved)} WIB · belum menjadi versi baru")
        with st.expander("Riwayat versi SOP dan rubrik"):
            render_history("sop", sop_id, user, key=f"rb-h-{sop_id}",
                           on_restored=lambda v: _load(v.item_id))


def _case_form(data: dict, case: dict, i: int, problems: list[Problem]) -> None:
    ss = st.session_state
    at = f"cases[{i}]"
    base = ("cases", i)
    actions = [a.get("id") for a in data.get("apkt_actions") or [] if isinstance(a, dict)]
    subs = [s.get("id") for s in data.get("sub_issue_types") or [] if isinstance(s, dict)]
    labels = {a.get("id"): a.get("label") for a in (data.get("apkt_actions") or [])
              + (data.get("sub_issue_types") or []) if isinstance(a, dict)}
    assumptions = [a.get("id") for a in data.get("assumptions") or [] if isinstance(a, dict)]
    expected = case.get("expected") if isinstance(case.get("expected"), dict) else {}
    rubric = case.get("rubric") if isinstance(case.get("rubric"), dict) else {}
    criteria = rubric.get("criteria") if isinstance(rubric.get("criteria"), dict) else {}
    defs = data.get("criteria") if isinstance(data.get("criteria"), dict) else {}
    p = f"{W}{i}."

    st.markdown("**Penanganan yang diharapkan**")
    c1 = st.container()
    c2, c3 = st.columns(2)
    k = p + "action"
    ss.setdefault(k, expected.get("action") if expected.get("action") in actions else None)
    c1.selectbox("Tindakan APKT", actions, key=k, format_func=lambda a: labels.get(a) or a,
                 on_change=_on_choice, args=(k, (*base, "expected", "action")))
    k = p + "sub"
    ss.setdefault(k, expected.get("sub_issue_type") or NONE)
    c2.selectbox("Sub Issue Type", [NONE, *subs], key=k,
                 format_func=lambda a: labels.get(a) or a,
                 on_change=_on_choice, args=(k, (*base, "expected", "sub_issue_type")))
    k = p + "assumption"
    ss.setdefault(k, expected.get("assumption") or NONE)
    c3.selectbox("Asumsi pelatihan", [NONE, *assumptions], key=k,
                 help="Pilih asumsi bila SOP tidak menyebut tindakan ini (ditandai sebagai "
                      "asumsi di basis pengetahuan, bukan teks SOP).",
                 on_change=_on_choice, args=(k, (*base, "expected", "assumption")))
    _errors(problems, f"{at}.expected")

    st.markdown("**Rubrik**")
    k = p + "pass"
    ss.setdefault(k, float(rubric.get("pass_mark") or 0))
    st.number_input("Nilai lulus (%)", min_value=0.0, max_value=100.0, step=5.0, key=k,
                    on_change=_on_number, args=(k, (*base, "rubric", "pass_mark")))
    _errors(problems, f"{at}.rubric.pass_mark")
    total = 0.0
    for cid, rc in criteria.items():
        rc = rc if isinstance(rc, dict) else {}
        label = (defs.get(cid) or {}).get("label", cid) if isinstance(defs.get(cid), dict) \
            else cid
        path = (*base, "rubric", "criteria", cid)
        with st.container(border=True, key=f"rb-crit-{i}-{cid}"):
            own = " · standar layanan, bobot khusus kasus ini" if cid in SERVICE_CRITERIA else ""
            st.markdown(f"{md(str(label))} · `{cid}`{own}")
            c1, c2 = st.columns([1, 1])
            k = p + f"{cid}.weight"
            ss.setdefault(k, float(rc.get("weight") or 0))
            c1.number_input("Bobot", min_value=0.0, max_value=1000.0, step=5.0, key=k,
                            on_change=_on_number, args=(k, (*path, "weight")))
            total += float(ss.get(k) or 0)
            k = p + f"{cid}.critical"
            ss.setdefault(k, bool(rc.get("critical")))
            c2.checkbox("Kritis (gagal = tidak lulus)", key=k, on_change=_on_critical,
                        args=(k, (*path, "critical")))
            _errors(problems, f"{at}.rubric.criteria.{cid}")
    service = _service_weights(data, exclude=set(criteria))
    if service:
        st.caption(f"Jumlah bobot: {total:g} (kriteria kasus ini) + {sum(service):g} (standar "
                   f"layanan pelatihan) = {total + sum(service):g}; skor dihitung dari bobot ini.")
    else:
        st.caption(f"Jumlah bobot: {total:g} (skor dihitung dari bobot ini).")
    _errors(problems, f"{at}.rubric.criteria")


def _service_weights(data: dict, *, exclude: set[str]) -> list[float]:
    """The service standard's weights that a case gets (those it does not set itself)."""
    std = data.get("service_standard")
    criteria = std.get("criteria") if isinstance(std, dict) else None
    if not isinstance(criteria, dict):
        return []
    out = []
    for cid, rc in criteria.items():
        weight = rc.get("weight") if isinstance(rc, dict) else None
        if cid not in exclude and isinstance(weight, int | float):
            out.append(float(weight))
    return out


def _service_form(data: dict, problems: list[Problem]) -> None:
    """The service standard: a training standard, not SOP text, added to every case's rubric.
    Trainers set its weights and critical flags here (saved with the SOP as a new version)."""
    ss = st.session_state
    std = data.get("service_standard")
    if not isinstance(std, dict):
        return
    criteria = std.get("criteria") if isinstance(std.get("criteria"), dict) else {}
    defs = data.get("criteria") if isinstance(data.get("criteria"), dict) else {}
    cases = [c for c in data.get("cases") or [] if isinstance(c, dict)]
    title = str(std.get("title") or SERVICE_TITLE)
    with st.container(border=True, key="rb-layanan"):
        st.markdown(f"**{md(title)}** (standar pelatihan, bukan teks SOP; dinilai di setiap "
                    "kasus)")
        st.warning(f"**{SERVICE_MARK}** {md(note_body(str(std.get('note') or '')))}",
                   icon=":material/info:")
        total = 0.0
        for cid, rc in criteria.items():
            rc = rc if isinstance(rc, dict) else {}
            d = defs.get(cid)
            label = d.get("label", cid) if isinstance(d, dict) else cid
            path = ("service_standard", "criteria", cid)
            with st.container(border=True, key=f"rb-svc-{cid}"):
                st.markdown(f"{md(str(label))} · `{cid}`")
                c1, c2 = st.columns([1, 1])
                k = f"{W}svc.{cid}.weight"
                ss.setdefault(k, float(rc.get("weight") or 0))
                # no bounds here: what is typed is kept and checked like the SOP file
                c1.number_input("Bobot", step=5.0, key=k, on_change=_on_number,
                                args=(k, (*path, "weight")))
                total += float(ss.get(k) or 0)
                k = f"{W}svc.{cid}.critical"
                ss.setdefault(k, bool(rc.get("critical")))
                c2.checkbox("Kritis (gagal = tidak lulus)", key=k, on_change=_on_critical,
                            args=(k, (*path, "critical")))
                own = [str(c.get("id")) for c in cases
                       if cid in ((c.get("rubric") or {}).get("criteria") or {})]
                if own:
                    st.caption("Bobot khusus kasus (tidak memakai bobot ini): " + ", ".join(
                        "`" + x.replace("`", "") + "`" for x in own))
                _errors(problems, f"service_standard.criteria.{cid}")
        st.caption(f"Jumlah bobot standar layanan: {total:g}; ditambahkan ke rubrik setiap "
                   "kasus.")
        for p in problems:
            if p.field in ("service_standard", "service_standard.criteria") or p.field.startswith(
                    ("service_standard.title", "service_standard.note")):
                st.error(plain(f"{p.field}: {p.message}"), icon=":material/error:")


def _assumptions_form(data: dict, problems: list[Problem]) -> None:
    ss = st.session_state
    items = data.get("assumptions") if isinstance(data.get("assumptions"), list) else []
    case_ids = [c.get("id") for c in data.get("cases") or [] if isinstance(c, dict)]
    st.markdown("**Asumsi pelatihan** (bukan teks SOP; ditampilkan terpisah di basis "
                "pengetahuan)")
    for j, a in enumerate(items):
        if not isinstance(a, dict):
            continue
        base = ("assumptions", j)
        with st.container(border=True, key=f"rb-asm-{j}"):
            st.markdown(f"`{str(a.get('id')).replace('`', '')}`")
            k = f"{W}a{j}.title"
            ss.setdefault(k, str(a.get("title") or ""))
            st.text_input("Judul", key=k, on_change=_on_text, args=(k, (*base, "title")))
            k = f"{W}a{j}.text"
            ss.setdefault(k, str(a.get("text") or ""))
            st.text_area("Teks", key=k, height=100, on_change=_on_text,
                         args=(k, (*base, "text")))
            k = f"{W}a{j}.cases"
            ss.setdefault(k, [c for c in a.get("cases") or [] if c in case_ids])
            st.multiselect("Berlaku untuk kasus", case_ids, key=k, on_change=_on_multi,
                           args=(k, (*base, "cases")), placeholder="Pilih kasus",
                           select_all=False)  # Streamlit's "Select all" is English only
            _errors(problems, f"assumptions[{j}]")


def _phrasings_form(data: dict, problems: list[Problem], sop: Sop | None) -> None:
    """The phrasings the act reader knows (`acts.phrases`), one per line, and a box to try a
    reply against the draft: a trainer adds a phrasing without code."""
    ss = st.session_state
    acts = data.get("acts") if isinstance(data.get("acts"), dict) else {}
    phrases = acts.get("phrases") if isinstance(acts.get("phrases"), dict) else {}
    if not phrases:
        return
    with st.expander("Frasa tindakan: cara balasan CSO dibaca"):
        st.caption("Satu frasa per baris: kata berurutan; \"a|b\" salah satu kata; \"...\" boleh "
                   "diselingi hingga lima kata; \"(kata satu|kata dua)\" salah satu frasa. "
                   "Penilai dan pelanggan simulasi membaca balasan dengan frasa ini.")
        names = sorted(phrases)
        k_act = W + "acts.act"
        if ss.get(k_act) not in names:
            ss[k_act] = names[0]
        act = st.selectbox("Tindakan", names, key=k_act,
                           format_func=lambda a: f"{a} — {ACT_LABELS.get(a, a)}")
        values = phrases.get(act) if isinstance(phrases.get(act), dict) else {}
        for value, lines in values.items():
            k = f"{W}acts.{act}.{value}"
            ss.setdefault(k, text_of(lines if isinstance(lines, list) else []))
            label = "Frasa" if value == "-" else f"Frasa · {value}"
            st.text_area(label, key=k, height=150, on_change=_on_lines,
                         args=(k, ("acts", "phrases", act, value)),
                         kwargs={"empty_is_none": False})
            _errors(problems, f"acts.phrases.{act}.{value}")
        k = W + "acts.try"
        st.text_input("Coba balasan", key=k, placeholder="mis. sy cek dulu ya kak")
        sample = (ss.get(k) or "").strip()
        if sample and sop is not None and sop.acts is not None:
            read = ActReader(sop).read(sample)
            if not read:
                st.caption("Tidak ada tindakan yang terbaca.")
            for a in read:
                slots = ", ".join(f"{n}={v}" for n, v in a.slots if n != "if")
                st.text(f"{a.act} [{POLARITY_LABELS[a.polarity]}] {slots} · \"{a.evidence}\"")


def _save_box(user: UserRecord, *, ok: bool) -> None:
    ss = st.session_state
    with st.container(border=True, key="rb-save"):
        st.markdown("**Simpan rubrik**")
        conflict = ss.get(K_CONFLICT)
        if conflict:
            st.error(plain(conflict), icon=":material/sync_problem:")
            st.caption("Perubahan Anda masih di formulir dan belum disimpan.")
            st.button("Muat ulang versi terbaru", on_click=_on_reload, key=R + "reload",
                      icon=":material/refresh:")
        st.text_input("Alasan perubahan", key=K_REASON, max_chars=300,
                      placeholder="mis. bobot jumlah tagihan dinaikkan")
        st.button("Simpan versi baru", type="primary", key=R + "save", on_click=_on_save,
                  args=(user.id,), disabled=not ok or bool(conflict), icon=":material/save:")
        for message in ss.get(K_PROBLEMS) or []:
            st.error(plain(message), icon=":material/error:")
        v = get_version(database(), "sop", ss.get(K_FOR) or "")
        if v is not None:
            st.caption(f"Versi terkini {v.number}: {v.who}, {format_time(v.created_at)}.")

"""The scenario editor of the Skenario page: form and YAML view, live checks, preview, saving,
history with diffs and restore.

The draft is YAML text kept in st.session_state (K_TEXT). Form widgets change it through
`scenarios.authoring.set_values` in their callbacks (only the edited field changes, comments and
layout stay); the YAML view replaces it. Every run checks the draft with the same loader as
`cso-trainer validate` and shows each problem under its field. Saving goes through
store.versions, which refuses a save based on an older version (EditConflict): the draft then
stays on screen with the message, a diff against the newer version and the choice to reload.

The draft is also kept in the database (store.drafts, kind "skenario") after every change, so a
reload, a new tab or a restart brings the editor back with it ("Draf tersimpan 16:23 WIB").

Nothing typed is rendered as Markdown: messages go through `plain()`, texts through st.text or
st.code.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import streamlit as st

from scenarios.authoring import (
    DIFFICULTY_LABELS,
    EMAIL_ON_RECORD_LABELS,
    GENDER_LABELS,
    REACTION_LABELS,
    Draft,
    check_draft,
    duplicate_text,
    indonesian,
    lines_of,
    load_rt,
    new_scenario_text,
    relevant_reactions,
    set_values,
    text_of,
    to_plain,
    translate,
)
from scenarios.diff import changed_fields, unified
from scenarios.labels import FIELD_LABELS, field_label
from scenarios.library import labelled, load_dialogue_data
from scenarios.models import DIFFICULTIES
from services.content import dialogue_rules_of
from sop.yamlfile import ContentError
from store.content_snapshot import ContentSnapshot, content_snapshot
from store.errors import StoreError
from store.users import UserRecord
from store.versions import (
    SOURCE_LABELS,
    EditConflict,
    NoChange,
    format_time,
    get_version,
    list_items,
    list_versions,
    restore_version,
    save_scenario,
    save_sop,
)
from views.auth import SESSION_USER, plain
from views.drafts import PageDraft, jam
from views.state import database

P = "sk."  # every key of this page starts with it
K_OPEN = P + "open"  # id of the scenario in the editor (None: a new one)
K_BASE = P + "base"  # version number the draft is based on (None: new)
K_TEXT = P + "text"  # the draft (YAML)
K_YAML = P + "yaml"  # the YAML view's text area
K_REASON = P + "reason"
K_CONFLICT = P + "conflict"  # (message, current number) after a refused save
K_FLASH = P + "flash"  # (kind, message) shown once
K_RESYNC = P + "resync"  # a new text was opened: set every form widget from it at the next draw
K_SAVE_PROBLEMS = P + "save_problems"
K_TOUCHED = P + "touched"  # problems are shown once the draft is changed or checked
K_SEED = P + "seed"
K_REPLIES = P + "replies"
F = P + "f."  # form widget keys: F + field name
DRAFT = PageDraft("skenario")  # the editor's draft, kept in the database

YES_NO = {True: "Ya", False: "Tidak"}
PREVIEW_CSS = """<style>
.st-key-latihan-data table { font-size: 0.85rem; width: 100%; }
.st-key-latihan-data th, .st-key-latihan-data td { padding: 0.25rem 0.45rem !important; }
</style>"""


def snapshot() -> ContentSnapshot:
    return content_snapshot(database())


def flash(kind: str, message: str) -> None:
    st.session_state[K_FLASH] = (kind, message)


def show_flash() -> None:
    item = st.session_state.pop(K_FLASH, None)
    if item:
        kind, message = item
        getattr(st, kind)(plain(message), icon=":material/info:" if kind == "info" else None)


# ---------------------------------------------------------------- opening a draft
def open_draft(text: str, *, item: str | None, base: int | None, touched: bool = True) -> None:
    """Put a text into the editor (forgets the previous draft's messages). A blank new
    scenario (`touched` False) shows its problems only after a change or "Validasi"."""
    ss = st.session_state
    ss[K_TEXT] = text
    ss[K_TOUCHED] = touched
    ss[K_YAML] = text
    ss[K_OPEN] = item
    ss[K_BASE] = base
    for key in (K_CONFLICT, K_SAVE_PROBLEMS, K_REASON):
        ss.pop(key, None)
    sync_widgets(text)
    # Opened from another part of the page (a restore in Riwayat), the form's widgets are not
    # drawn in this run and Streamlit may drop or keep stale values for them: the editor sets
    # them again from this text when it next draws, before any widget is made.
    ss[K_RESYNC] = True
    keep_draft()


def keep_draft() -> None:
    """Keep the editor's draft in the database (the last tab that changed it wins)."""
    ss = st.session_state
    user_id = ss.get(SESSION_USER)
    if user_id is None or K_TEXT not in ss:
        return
    DRAFT.save(user_id, {"text": ss[K_TEXT], "item": ss.get(K_OPEN), "base": ss.get(K_BASE),
                         "touched": ss.get(K_TOUCHED, True)}, force=True)  # fmt: skip


def restore_draft() -> bool:
    """On the first draw in a session: the draft the database holds, back in the editor.
    True when there was one that is not saved as a version yet."""
    ss = st.session_state
    user_id = ss.get(SESSION_USER)
    if user_id is None:
        return False
    record = DRAFT.load_once(user_id)
    if record is None or K_TEXT in ss or not isinstance(record.data.get("text"), str):
        return False
    data = record.data
    ss[K_TEXT] = ss[K_YAML] = data["text"]
    ss[K_OPEN], ss[K_BASE] = data.get("item"), data.get("base")
    ss[K_TOUCHED] = data.get("touched", True) is not False
    sync_widgets(data["text"])
    ss[K_RESYNC] = True
    unsaved = _unsaved(data["text"], data.get("item"), data.get("base"))
    if unsaved:
        flash("info", f"Draf skenario dipulihkan (tersimpan {jam(record.updated_at)} WIB).")
    return unsaved


def _unsaved(text: str, item: str | None, base: int | None) -> bool:
    if not item or base is None:
        return True
    saved = get_version(database(), "scenario", item, base)
    return saved is None or saved.text != text


def open_scenario(scenario_id: str) -> None:
    v = get_version(database(), "scenario", scenario_id)
    if v is None:
        flash("error", f"Skenario '{scenario_id}' tidak ada.")
        return
    open_draft(v.text, item=scenario_id, base=v.number)


def open_new(case_id: str) -> None:
    open_draft(new_scenario_text(case_id), item=None, base=None, touched=False)


def open_duplicate(scenario_id: str) -> None:
    v = get_version(database(), "scenario", scenario_id)
    if v is None:
        return
    taken = set(snapshot().scenarios.scenarios)
    new_id, n = f"{scenario_id}-salinan", 2
    while new_id in taken:
        new_id, n = f"{scenario_id}-salinan-{n}", n + 1
    open_draft(duplicate_text(v.text, new_id), item=None, base=None)


def _data(text: str) -> dict[str, Any] | None:
    try:
        data = to_plain(load_rt(text))
    except Exception:  # a broken draft: the form waits for the YAML view to fix it
        return None
    return data if isinstance(data, dict) else None


def sync_widgets(text: str, *, only_missing: bool = False) -> None:
    """Set the form widgets from the draft (all of them, or only those not set yet)."""
    data = _data(text)
    if data is None:
        return
    ss = st.session_state

    def put(key: str, value: Any) -> None:
        if not only_missing or key not in ss:
            ss[key] = value

    for name in ("id", "title"):
        put(F + name, "" if data.get(name) is None else str(data.get(name)))
    for name, default in (("difficulty", None), ("status", "aktif"),
                          ("email_on_record", "tidak_ada")):
        put(F + name, data.get(name) or default)
    put(F + "case", data.get("case") or None)
    persona = data.get("persona") if isinstance(data.get("persona"), dict) else {}
    put(F + "persona.style", persona.get("style") or None)
    put(F + "persona.gender", persona.get("gender") or "acak")
    put(F + "persona.description", str(persona.get("description") or ""))
    put(F + "max_turns", data.get("max_turns") if isinstance(data.get("max_turns"), int)
        else None)
    put(F + "opening", text_of(data.get("opening") or []))
    facts = data.get("facts") if isinstance(data.get("facts"), dict) else {}
    reactions = data.get("reactions") if isinstance(data.get("reactions"), dict) else {}
    hints = data.get("hints") if isinstance(data.get("hints"), dict) else {}
    for key in [k for k in ss if str(k).startswith((F + "facts.", F + "reactions.",
                                                    F + "hints."))]:
        if not only_missing:
            del ss[key]
    for fid, value in facts.items():
        put(F + f"facts.{fid}", bool(value))
    for name, lines in reactions.items():
        put(F + f"reactions.{name}", text_of(lines or []))
    for cid, hint in hints.items():
        put(F + f"hints.{cid}", str(hint or ""))


# ---------------------------------------------------------------- form callbacks
def _apply(changes: dict[tuple, Any]) -> None:
    ss = st.session_state
    try:
        new = set_values(ss.get(K_TEXT, ""), changes)
    except ContentError:
        return  # the YAML view shows why; the form is disabled meanwhile
    ss[K_TEXT] = new
    ss[K_YAML] = new
    ss[K_TOUCHED] = True
    ss.pop(K_SAVE_PROBLEMS, None)
    keep_draft()


def _on_field(name: str) -> None:
    value = st.session_state.get(F + name)
    path = tuple(name.split(".", 1)) if name.startswith(("persona.", "facts.", "reactions.",
                                                         "hints.")) else (name,)
    if name in ("opening",) or name.startswith("reactions."):
        lines = lines_of(value or "")
        value = lines if (lines or name == "opening") else None
    elif name.startswith("hints."):
        value = (value or "").strip() or None
    elif name == "max_turns":
        value = None if value is None else int(value)
    elif name.startswith("facts."):
        value = bool(value)
    _apply({path: value})


def _on_case() -> None:
    """A new case: set it, drop the facts the new case does not vary, refresh the form."""
    ss = st.session_state
    case_id = ss.get(F + "case")
    changes: dict[tuple, Any] = {("case",): case_id}
    found = snapshot().sops.find_case(case_id) if case_id else None
    varied = set(found[1].facts) if found else set()
    data = _data(ss.get(K_TEXT, "")) or {}
    facts = data.get("facts") if isinstance(data.get("facts"), dict) else {}
    kept = {k: v for k, v in facts.items() if k in varied}
    changes[("facts",)] = kept or None
    _apply(changes)
    sync_widgets(ss[K_TEXT])


def _on_yaml() -> None:
    ss = st.session_state
    ss[K_TEXT] = ss.get(K_YAML, "")
    ss[K_TOUCHED] = True
    ss.pop(K_SAVE_PROBLEMS, None)
    sync_widgets(ss[K_TEXT])
    keep_draft()


def _on_remove_unused(names: list[str]) -> None:
    _apply({("reactions", n): None for n in names})
    sync_widgets(st.session_state[K_TEXT])


# ---------------------------------------------------------------- saving
def _on_validate() -> None:
    st.session_state[K_TOUCHED] = True
    keep_draft()


def _on_save(user_id: int) -> None:
    ss = st.session_state
    ss[K_TOUCHED] = True
    item, base = ss.get(K_OPEN), ss.get(K_BASE)
    try:
        v = save_scenario(database(), text=ss[K_TEXT], base_version=base, author_id=user_id,
                          reason=ss.get(K_REASON, ""), item_id=item)
    except EditConflict as exc:
        ss[K_CONFLICT] = (exc.message, exc.current.number)
        return
    except ContentError as exc:
        ss[K_SAVE_PROBLEMS] = [p.shown for p in labelled(indonesian(exc.problems))]
        return
    except StoreError as exc:
        ss[K_SAVE_PROBLEMS] = [exc.message]
        return
    ss[K_OPEN], ss[K_BASE] = v.item_id, v.number
    ss.pop(K_CONFLICT, None)
    ss[K_REASON] = ""
    keep_draft()
    what = "dibuat" if v.number == 1 else "disimpan"
    flash("success", f"Skenario {v.item_id} {what} sebagai versi {v.number}.")


def _on_reload() -> None:
    item = st.session_state.get(K_OPEN)
    if item:
        open_scenario(item)
        flash("info", "Versi terbaru dimuat; teks Anda sebelumnya diganti.")


def _on_overwrite(number: int) -> None:
    """Keep my text and save it on top of the newer version (an explicit choice)."""
    st.session_state[K_BASE] = number
    st.session_state.pop(K_CONFLICT, None)
    keep_draft()


# ---------------------------------------------------------------- drawing
def problems_under(draft: Draft, prefix: str, *, exact: bool = False) -> None:
    found = [p for p in draft.problems if p.field == prefix] if exact else \
        draft.problems_at(prefix)
    for p in found:
        st.error(plain(p.shown), icon=":material/error:")


def render_editor(user: UserRecord) -> None:
    ss = st.session_state
    snap = snapshot()
    if K_TEXT not in ss:
        st.info("Pilih skenario di tab Daftar, atau buat skenario baru.",
                icon=":material/edit_note:")
        return
    if ss.pop(K_RESYNC, False):
        sync_widgets(ss[K_TEXT])
        ss[K_YAML] = ss[K_TEXT]
    sync_widgets(ss[K_TEXT], only_missing=True)
    ss.setdefault(K_YAML, ss[K_TEXT])
    dialogue = load_dialogue_data(sop_library=snap.sops)
    item, base = ss.get(K_OPEN), ss.get(K_BASE)
    # a new scenario may not take the id of one that exists (retired ones too): said at the
    # ID field while typing, not only when Save is refused
    taken = () if item else {i.item_id for i in list_items(database(), "scenario")}
    draft = check_draft(ss[K_TEXT], sops=snap.sops, dialogue=dialogue, taken=taken)
    # a blank new scenario does not open with red errors: they show after the first change
    # or "Validasi" (the status box still counts them)
    shown = draft if ss.get(K_TOUCHED, True) else replace(draft, problems=[])
    title = f"Mengubah {item} (berdasarkan versi {base})" if item else "Skenario baru"
    st.subheader(title)

    left, right = st.columns([1, 1], gap="medium")
    with left:
        form_tab, yaml_tab = st.tabs(["Formulir", "YAML"])
        with form_tab:
            _form(shown, snap, dialogue, editing=item is not None)
        with yaml_tab:
            _yaml_view(shown)
    with right:
        _status_box(draft)
        _save_box(draft, user)
        _preview(draft, snap)


def _status_box(draft: Draft) -> None:
    if draft.ok:
        st.success("Skenario valid.", icon=":material/check_circle:")
    elif not st.session_state.get(K_TOUCHED, True):
        st.info("Isi formulir skenario baru. Masalah ditampilkan di bawah kolomnya setelah Anda "
                "mengubah isian atau menekan Validasi.", icon=":material/edit_note:")
        st.button("Validasi", key=P + "validate", on_click=_on_validate,
                  icon=":material/fact_check:")
    else:
        n = len(draft.problems)
        st.error(f"{n} masalah; perbaiki dulu sebelum menyimpan.", icon=":material/error:")


def _form(draft: Draft, snap: ContentSnapshot, dialogue, *, editing: bool) -> None:
    data = draft.data
    if data is None:
        st.warning("YAML belum dapat dibaca, jadi formulir dinonaktifkan. Perbaiki di tab YAML; "
                   "teks Anda tetap tersimpan di sana.", icon=":material/warning:")
    off = data is None
    cases = [(c.id, c.title) for sop in snap.sops.sops.values() for c in sop.cases]
    titles = dict(cases)
    ss = st.session_state
    for name, options in (("case", titles), ("difficulty", DIFFICULTIES),
                          ("status", ("aktif", "nonaktif")),
                          ("persona.style", dialogue.persona_ids()),
                          ("persona.gender", GENDER_LABELS),
                          ("email_on_record", EMAIL_ON_RECORD_LABELS)):
        if ss.get(F + name) not in options:
            ss[F + name] = None  # a value the YAML has but the list does not: shown as empty

    _form_head(draft, cases, off=off, editing=editing)
    _form_persona(draft, dialogue, off=off)
    case_id = ss.get(F + "case")
    found = snap.sops.find_case(case_id) if case_id else None
    _form_facts(draft, found, off=off)
    _form_opening(draft, off=off)
    _form_reactions(draft, data, case_id, dialogue, off=off)
    _form_hints(draft, found, off=off)
    known = ("id", "title", "case", "status", "difficulty", "persona", "facts",
             "email_on_record", "max_turns", "opening", "reactions", "hints")
    for p in draft.problems:
        if not any(p.field == k or p.field.startswith((k + ".", k + "[")) for k in known):
            st.error(plain(f"baris {p.line}: {p.shown}"), icon=":material/error:")


def _form_head(draft: Draft, cases: list[tuple[str, str]], *, off: bool, editing: bool) -> None:
    """Id, title, case, difficulty, status and turn limit."""
    titles = dict(cases)
    c1, c2 = st.columns(2)
    with c1:
        st.text_input("ID skenario", key=F + "id", on_change=_on_field, args=("id",),
                      disabled=off or editing,
                      help="Huruf kecil, angka, titik, tanda hubung; sama dengan nama file. "
                           "Tidak dapat diubah setelah disimpan (gunakan Duplikat).")
        problems_under(draft, "id")
    with c2:
        st.text_input("Judul", key=F + "title", on_change=_on_field, args=("title",),
                      disabled=off)
        problems_under(draft, "title")
    st.selectbox("Kasus SOP", [c for c, _ in cases], key=F + "case", on_change=_on_case,
                 format_func=lambda c: f"{c} — {titles.get(c, '')}", disabled=off,
                 placeholder="Pilih kasus")
    problems_under(draft, "case")
    c1, c2, c3 = st.columns(3)
    with c1:
        st.selectbox("Tingkat kesulitan", DIFFICULTIES, key=F + "difficulty",
                     on_change=_on_field, args=("difficulty",), disabled=off,
                     format_func=lambda d: DIFFICULTY_LABELS.get(d, d))
        problems_under(draft, "difficulty")
    with c2:
        st.selectbox("Status", ["aktif", "nonaktif"], key=F + "status", on_change=_on_field,
                     args=("status",), disabled=off)
    with c3:
        st.number_input("Batas giliran (kosong: bawaan)", min_value=3, max_value=50, step=1,
                        key=F + "max_turns", on_change=_on_field, args=("max_turns",),
                        disabled=off)
        problems_under(draft, "max_turns")


def _form_persona(draft: Draft, dialogue, *, off: bool) -> None:
    st.markdown("**Persona pelanggan**")
    c1, c2 = st.columns(2)
    with c1:
        st.selectbox(FIELD_LABELS["persona.style"], dialogue.persona_ids(), key=F + "persona.style",
                     on_change=_on_field, args=("persona.style",), disabled=off,
                     format_func=dialogue.persona_label)
    with c2:
        st.selectbox(FIELD_LABELS["persona.gender"], list(GENDER_LABELS), key=F + "persona.gender",
                     on_change=_on_field, args=("persona.gender",), disabled=off,
                     format_func=GENDER_LABELS.get)
    st.text_area("Deskripsi persona", key=F + "persona.description", on_change=_on_field,
                 args=("persona.description",), disabled=off, height=90)
    problems_under(draft, "persona")


def _form_facts(draft: Draft, found, *, off: bool) -> None:
    """The facts the chosen case varies, and the invoice e-mail on record."""
    ss = st.session_state
    st.markdown("**Fakta yang divariasikan**")
    if found is None or not found[1].facts:
        st.caption("Kasus ini tidak memvariasikan fakta.")
    else:
        sop, case = found
        labels = {f.id: f.label for f in sop.facts}
        for fid in case.facts:
            ss.setdefault(F + f"facts.{fid}", False)
            st.checkbox(f"{plain(labels.get(fid, fid))} (`{fid}`)", key=F + f"facts.{fid}",
                        on_change=_on_field, args=(f"facts.{fid}",), disabled=off)
    problems_under(draft, "facts")
    st.selectbox("Email Invoice yang tercatat", list(EMAIL_ON_RECORD_LABELS),
                 key=F + "email_on_record", on_change=_on_field, args=("email_on_record",),
                 disabled=off, format_func=EMAIL_ON_RECORD_LABELS.get)


def _form_opening(draft: Draft, *, off: bool) -> None:
    st.markdown("**Kalimat pembuka pelanggan**")
    st.text_area("Alternatif kalimat pembuka (satu per baris; satu dipilih per panggilan)",
                 key=F + "opening", on_change=_on_field, args=("opening",), disabled=off,
                 height=110)
    problems_under(draft, "opening")


def _form_reactions(draft: Draft, data, case_id: str | None, dialogue, *, off: bool) -> None:
    """The reactions that apply to the case and facts (required ones first, the others folded
    away), each with its problems; a button to drop the ones that no longer apply."""
    ss = st.session_state
    st.markdown("**Reaksi pelanggan**")
    st.caption("Satu kalimat per baris; setiap baris adalah alternatif. Kosong: kalimat bawaan. "
               "Boleh memakai {name}, {idpel}, {email}, {bill_amount}, {month}, ...")
    facts = {k[len(F + "facts."):]: bool(v) for k, v in ss.items()
             if str(k).startswith(F + "facts.")}
    names = relevant_reactions(case_id or "", facts, dialogue)
    present = list((data or {}).get("reactions") or {}) if isinstance(
        (data or {}).get("reactions"), dict) else []
    unused = [n for n in present if n not in names]
    required = ("greeting", "off_topic")
    shown = [n for n in names if n in required or n in present]
    optional = [n for n in names if n not in shown]

    def reaction(name: str) -> None:
        ss.setdefault(F + f"reactions.{name}", "")
        label = f"{REACTION_LABELS.get(name, name)} (`{name}`)" + (
            " — wajib" if name in required else "")
        st.text_area(label, key=F + f"reactions.{name}", on_change=_on_field,
                     args=(f"reactions.{name}",), disabled=off, height=80)
        problems_under(draft, f"reactions.{name}")
        for p in draft.problems:  # "reaksi 'off_topic' ..." reported on the whole mapping
            if p.field == "reactions" and f"'{name}'" in p.message:
                st.error(plain(f"{field_label(f'reactions.{name}')}: {p.message}"),
                         icon=":material/error:")

    for name in [*shown, *unused]:
        reaction(name)
    if optional:
        with st.expander(f"Reaksi lain ({len(optional)}, opsional; kosong = kalimat bawaan)"):
            for name in optional:
                reaction(name)
    every = [*shown, *unused, *optional]
    for p in draft.problems:
        if p.field == "reactions" and not any(f"'{n}'" in p.message for n in every):
            st.error(plain(p.shown), icon=":material/error:")
    if unused:
        st.button(f"Hapus reaksi yang tidak berlaku untuk kasus ini ({', '.join(unused)})",
                  on_click=_on_remove_unused, args=(unused,), key=P + "rm-unused")


def _form_hints(draft: Draft, found, *, off: bool) -> None:
    """A hint per criterion of the case's rubric."""
    ss = st.session_state
    st.markdown("**Petunjuk per kriteria** (ditampilkan saat latihan bila kriteria gagal)")
    if found is not None:
        sop, case = found
        for cid in case.rubric.criteria:
            ss.setdefault(F + f"hints.{cid}", "")
            crit = sop.criteria.get(cid)
            st.text_input(f"{crit.label if crit else cid} (`{cid}`)", key=F + f"hints.{cid}",
                          on_change=_on_field, args=(f"hints.{cid}",), disabled=off)
    problems_under(draft, "hints")


def _yaml_view(draft: Draft) -> None:
    st.text_area("YAML skenario (diperiksa sama seperti `cso-trainer validate`)", key=K_YAML,
                 on_change=_on_yaml, height=560)
    for p in draft.problems:  # here the YAML key is what the trainer looks for
        where = f"{p.label} ({p.field})" if p.label else p.field
        st.error(plain(f"baris {p.line}: {where}: {p.message}"), icon=":material/error:")


def _save_box(draft: Draft, user: UserRecord) -> None:
    ss = st.session_state
    with st.container(border=True, key="sk-save"):
        st.markdown("**Simpan**")
        conflict = ss.get(K_CONFLICT)
        if conflict:
            message, number = conflict
            st.error(plain(message), icon=":material/sync_problem:")
            st.caption("Teks Anda masih di editor dan belum disimpan.")
            latest = get_version(database(), "scenario", ss.get(K_OPEN) or "")
            if latest is not None:
                with st.expander(f"Perbedaan teks Anda dengan versi {number}"):
                    diff = unified(latest.text, ss[K_TEXT], f"versi {number}", "teks Anda")
                    st.code(diff or "(sama)", language="diff")
            c1, c2 = st.columns(2)
            c1.button("Muat ulang versi terbaru", on_click=_on_reload, key=P + "reload",
                      icon=":material/refresh:", help="Teks Anda diganti dengan versi terbaru.")
            c2.button("Tetap simpan teks saya di atasnya", on_click=_on_overwrite,
                      args=(number,), key=P + "overwrite",
                      help="Teks Anda menjadi versi berikutnya, menggantikan perubahan tadi.")
        st.text_input("Alasan perubahan", key=K_REASON, max_chars=300,
                      placeholder="mis. menambah kalimat pembuka")
        st.button("Simpan versi baru", type="primary", key=P + "save", on_click=_on_save,
                  args=(user.id,), disabled=not draft.ok or bool(conflict),
                  icon=":material/save:")
        saved = DRAFT.saved_at()
        if saved is not None:
            unsaved = _unsaved(ss[K_TEXT], ss.get(K_OPEN), ss.get(K_BASE))
            st.caption(f"Draf tersimpan {jam(saved)} WIB" + (
                " · belum menjadi versi baru" if unsaved else " · sama dengan versi tersimpan"))
        for message in ss.get(K_SAVE_PROBLEMS) or []:
            st.error(plain(message), icon=":material/error:")


def _preview(draft: Draft, snap: ContentSnapshot) -> None:
    from scenarios.practice import PracticeError, add_reply, start_call
    from views.practice_page import CSO_AVATAR, CUSTOMER_AVATAR, _data_panel

    ss = st.session_state
    st.markdown("**Pratinjau panggilan**")
    ss.setdefault(K_SEED, 1)
    st.number_input("Seed", min_value=0, max_value=2**53 - 1, step=1, key=K_SEED,
                    help="Skenario dan seed yang sama selalu menghasilkan panggilan yang sama.")
    if not draft.ok:
        st.caption("Pratinjau muncul setelah skenario valid.")
        return
    sc = draft.scenario
    found = snap.sops.find_case(sc.case)
    try:
        pc = start_call(sc, int(ss[K_SEED]), sop=found[0])
        replies = lines_of(ss.get(K_REPLIES, ""))
        for reply in replies:
            if pc.ended:
                break
            pc = add_reply(pc, reply, rules=dialogue_rules_of(snap))
    except PracticeError as exc:
        st.error(plain(str(exc)))
        return
    st.html(PREVIEW_CSS)  # the data panel as on Latihan, compact enough for half the page
    _data_panel(pc)
    with st.container(border=True, key="sk-preview-chat"):
        for line in pc.transcript:
            cso = line.role == "cso"
            with st.chat_message("cso" if cso else "pelanggan",
                                 avatar=CSO_AVATAR if cso else CUSTOMER_AVATAR):
                st.text(line.text)
                if not cso and line.reactions:
                    st.caption("aturan: " + ", ".join(line.reactions))
        if pc.ended:
            st.caption("Pelanggan menutup panggilan.")
    st.text_area("Coba balasan CSO (satu per baris)", key=K_REPLIES, height=110,
                 placeholder="Selamat siang, dengan CSO PLN 123...")


# ---------------------------------------------------------------- history (scenarios and SOPs)
def render_history(kind: str, item_id: str, user: UserRecord, *, key: str,
                   on_restored=None) -> None:
    """Versions of one scenario or SOP, a diff between two, and restore."""
    db = database()
    versions = list_versions(db, kind, item_id)
    if not versions:
        st.info("Belum ada versi tersimpan.")
        return
    rows = [{
        "Versi": v.number,
        "Waktu": format_time(v.created_at),
        "Oleh": v.who,
        "Alasan": v.reason,
        "Sumber": SOURCE_LABELS.get(v.source, v.source)
                  + (f" (versi {v.restored_from})" if v.restored_from else ""),
        "Hash": v.short_hash,
    } for v in versions]  # fmt: skip
    st.dataframe(rows, hide_index=True, width="stretch", key=f"{key}-table")
    numbers = [v.number for v in versions]
    by_number = {v.number: v for v in versions}
    # keyed by the newest version: after a save or a restore the comparison starts again from
    # the new version and the one before it (a kept choice would compare 1 with 1)
    newest = numbers[0]
    c1, c2 = st.columns(2)
    old = c1.selectbox("Bandingkan versi", numbers, index=min(1, len(numbers) - 1),
                       key=f"{key}-a-{newest}", format_func=lambda n: f"versi {n}")
    new = c2.selectbox("dengan versi", numbers, index=0, key=f"{key}-b-{newest}",
                       format_func=lambda n: f"versi {n}")
    a, b = by_number[old], by_number[new]
    changes = changed_fields(a.text, b.text)
    if not changes and a.text == b.text:
        st.caption("Kedua versi sama persis.")
    else:
        st.markdown(f"**Perubahan dari versi {old} ke versi {new}**")
        for c in changes:
            st.text("• " + c.describe())
        st.code(unified(a.text, b.text, f"versi {old}", f"versi {new}"), language="diff")

    with st.container(border=True, key=f"{key}-restore"):
        st.markdown("**Pulihkan versi lama** (menjadi versi baru; riwayat tetap utuh)")
        older = [n for n in numbers if n != versions[0].number]
        if not older:
            st.caption("Belum ada versi lama.")
            return
        pick = st.selectbox("Versi", older, key=f"{key}-pick-{newest}",
                            format_func=lambda n: f"versi {n}")
        reason = st.text_input("Alasan", key=f"{key}-reason", max_chars=300,
                               placeholder=f"mis. kembali ke versi {pick}")
        if st.button(f"Pulihkan versi {pick}", key=f"{key}-restore-btn",
                     icon=":material/history:"):
            try:
                v = restore_version(db, kind=kind, item_id=item_id, number=pick,
                                    base_version=versions[0].number, author_id=user.id,
                                    reason=reason)
            except (ContentError, StoreError) as exc:
                message = exc.message if isinstance(exc, StoreError) else "; ".join(
                    translate(str(p)) for p in exc.problems)
                if isinstance(exc, NoChange):
                    message = f"Versi {pick} sama dengan versi terkini; tidak ada yang diubah."
                st.error(plain(message), icon=":material/error:")
                return
            flash("success", f"Versi {pick} dipulihkan sebagai versi {v.number}.")
            if on_restored is not None:
                on_restored(v)
            st.rerun()


__all__ = ["keep_draft", "open_duplicate", "open_new", "open_scenario", "render_editor",
           "render_history", "restore_draft", "save_sop"]

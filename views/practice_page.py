"""The "Latihan" page: take a generated customer call, reply in the chat, close it with the APKT
form, and read the score with feedback that quotes the SOP (or sit an exam of N calls).

The page only draws and keeps state; the call, the dialogue, the form checks, the scoring and
the attempt come from scenarios.practice, and the attempt is saved with store.save_attempt.
Everything lives in st.session_state under keys starting with "latihan.". Actions run in
widget callbacks, so a rerun draws the state after the action in one pass.

What the page shows is also kept in the database after every action (store.drafts, kind
"latihan"): the call in progress with its transcript, dialogue state and APKT form, the exam
set and its position, the result on screen. A reload, a new tab, another app process or a
restarted server comes back to it ("Panggilan dilanjutkan"). Two tabs on one call: each save
names the version it builds on, so the tab that fell behind saves nothing, says so and may
take the call over; finishing a call saves the attempt and the draft in one transaction, so an
attempt is never saved twice.

Nothing a user typed is rendered as Markdown or HTML: chat lines and evidence go through
`st.text`, and any other text built from data goes through `plain()`.
"""

from __future__ import annotations

import dataclasses
import functools
import re
from typing import Any

import streamlit as st

from core.fmt import bulan, tanggal
from scenarios.generator import rupiah
from scenarios.library import load_scenario_text
from scenarios.models import DIFFICULTIES, Scenario
from scenarios.practice import (
    EXAM_SIZES,
    MODE_LABELS,
    CriterionFeedback,
    ExamProgress,
    ExamSet,
    PracticeCall,
    PracticeError,
    add_reply,
    call_key,
    case_choices,
    check_apkt,
    choose_scenario,
    exam_set,
    exam_summary,
    feedback,
    feedback_sections,
    finish_call,
    new_seed,
    start_call,
    sub_issue_actions,
    verdict,
)
from scenarios.saved import (
    call_from_data,
    call_to_data,
    exam_from_data,
    exam_to_data,
    result_from_data,
)
from scoring.attempt import MAX_REPLY_CHARS, ScoreResult
from services.content import scorer_of
from sop.groups import GROUP_SERVICE, SERVICE_MARK, SERVICE_TITLE
from sop.models import Sop
from store import get_attempt, save_attempt
from store.db import DatabaseBusy, is_busy, write_retrying
from store.drafts import DraftConflict
from store.errors import StoreError
from store.versions import version_for_attempt
from views import scroll
from views.auth import SESSION_USER, current_user, plain, require_roles
from views.drafts import GONE, PageDraft, jam
from views.literal import unlink
from views.pages import roles_of
from views.sop_page import md, open_step
from views.state import (
    content,
    database,
    dialogue_rules,
    library,
    scenarios,
)

URL_PATH = "latihan"
PRACTICE_ROLES = roles_of(URL_PATH)  # who may practise: the page registry says

# ---- session state (all keys start with "latihan.")
K_CALL = "latihan.call"  # PracticeCall in progress
K_DONE = "latihan.done"  # the last scored practice call: dict(pc, result, attempt_id, apkt)
K_EXAM = "latihan.exam"  # scenarios.practice.ExamProgress (done: the calls' records)
K_OPTIONS = "latihan.options"  # how the current call was chosen (for "Panggilan baru")
K_ERRORS = "latihan.form_errors"  # field -> message
K_NOTICE = "latihan.notice"  # (kind, message) shown once at the top
K_REQUEST = "latihan.request"  # set by other pages: {"case": id} starts a call on that case,
# {"exam": exam_to_data(set)} an assigned exam's sitting
K_KIND, K_CASE, K_LEVEL, K_MODE, K_SIZE = (
    "latihan.start.kind", "latihan.start.case", "latihan.start.level", "latihan.start.mode",
    "latihan.start.size",
)  # fmt: skip
K_CHAT = "latihan.chat"
K_CHAT_NOTICE = "latihan.chat_notice"  # a reply that was refused, shown by the chat
K_CALL_NO = "latihan.call_no"  # counts the calls of the session; part of the form's keys
K_SCREEN = "latihan.screen"  # which screen was drawn last (a new one opens at its top)
K_FORM_SAVED = "latihan.form_saved"  # the APKT form as last saved (widgets forget it off-page)
FORM_FIELDS = ("action", "sub_issue_type", "idpel", "email", "keterangan")
DRAFT = PageDraft("latihan")  # what the page shows, kept in the database

RANDOM, CHOSEN = "acak", "kasus"
KIND_LABELS = {RANDOM: "Panggilan acak", CHOSEN: "Pilih kasus"}
ANY_LEVEL = "semua"
LEVEL_LABELS = {ANY_LEVEL: "Semua tingkat", "mudah": "Mudah", "sedang": "Sedang",
                "sulit": "Sulit"}  # fmt: skip
NBSP = "\u00a0"  # keeps "Rp 345.000" and "120 kWh" on one line in the bill table
CUSTOMER_AVATAR = ":material/person:"
CSO_AVATAR = ":material/support_agent:"

CSS = """
<style>
.st-key-latihan-transcript [data-testid="stChatMessage"] { padding: 0.45rem 0.6rem; }
.st-key-latihan-transcript [data-testid="stChatMessage"]:has([aria-label="Chat message from cso"]) {
  background-color: #e8f1fb;
}
.st-key-latihan-transcript [data-testid="stText"] { white-space: pre-wrap; word-break: break-word; }
[class*="st-key-latihan-crit-"] [data-testid="stText"] {
  white-space: pre-wrap; word-break: break-word;
}
[class*="st-key-latihan-layanan-"] {
  border: 1px solid #e8a400 !important; background-color: #fffaf0;
}
.st-key-latihan-data table { font-size: 0.85rem; }
.st-key-latihan-data th, .st-key-latihan-data td { padding: 0.25rem 0.45rem !important; }
</style>
"""


# ---------------------------------------------------------------- small helpers
def _notice(kind: str, message: str) -> None:
    st.session_state[K_NOTICE] = (kind, message)


def form_key(field: str, call_no: int) -> str:
    """The widget key of an APKT form field for the session's call number `call_no`, e.g.
    "latihan.apkt.idpel.3". A new call gets new widgets, so the browser cannot carry what was
    typed for the last call into the next one."""
    return f"latihan.apkt.{field}.{call_no}"


def _key(field: str) -> str:
    return form_key(field, st.session_state.get(K_CALL_NO, 0))


def _clear_form() -> None:
    for field in FORM_FIELDS:
        st.session_state.pop(_key(field), None)
    st.session_state.pop(K_ERRORS, None)


def _sop_of(case_id: str) -> Sop:
    found = library().find_case(case_id)
    if found is None:
        raise PracticeError(f"kasus '{case_id}' tidak ada di SOP")
    return found[0]


def _begin(pc: PracticeCall) -> None:
    _clear_form()
    st.session_state[K_CALL_NO] = st.session_state.get(K_CALL_NO, 0) + 1
    st.session_state[K_CALL] = pc
    st.session_state.pop(K_DONE, None)


def _start_practice(case_id: str | None, difficulty: str | None) -> None:
    """Start a practice call (random or of a case); a problem becomes a notice."""
    try:
        scenario = choose_scenario(scenarios(), seed=new_seed(), case_id=case_id,
                                   difficulty=difficulty)  # fmt: skip
        pc = start_call(scenario, new_seed(), sop=_sop_of(scenario.case))
    except PracticeError as exc:
        _notice("error", str(exc))
        return
    st.session_state[K_OPTIONS] = {"case": case_id, "difficulty": difficulty}
    st.session_state.pop(K_EXAM, None)
    _begin(pc)


def _start_exam_call(exam: ExamProgress) -> None:
    item = exam.current
    scenario = scenarios().get(item.scenario_id)
    if scenario is None:
        raise PracticeError(f"skenario '{item.scenario_id}' tidak ada lagi")
    _begin(start_call(scenario, item.seed, sop=_sop_of(scenario.case), mode="ujian",
                      exam_id=exam.exam.exam_id))  # fmt: skip


# ---------------------------------------------------------------- kept in the database
_STATE_KEYS = (K_CALL, K_DONE, K_EXAM, K_OPTIONS, K_CALL_NO, K_FORM_SAVED, K_NOTICE)


def _snapshot() -> dict[str, Any]:
    """The page's state before an action (the exam copied: actions change it in place)."""
    ss = st.session_state
    out = {k: ss[k] for k in _STATE_KEYS if k in ss}
    if isinstance(out.get(K_EXAM), ExamProgress):
        out[K_EXAM] = out[K_EXAM].copy()
    out["form"] = {f: ss.get(_key(f)) for f in FORM_FIELDS}
    return out


def _rollback(before: dict[str, Any]) -> None:
    ss = st.session_state
    for key in _STATE_KEYS:
        if key in before:
            ss[key] = before[key]
        else:
            ss.pop(key, None)
    for field, value in before["form"].items():
        if value is None:
            ss.pop(_key(field), None)
        else:
            ss[_key(field)] = value


def _draft_data() -> dict[str, Any] | None:
    """What the page shows, as data for the database (None: the start screen)."""
    ss = st.session_state
    pc: PracticeCall | None = ss.get(K_CALL)
    done, exam = ss.get(K_DONE), ss.get(K_EXAM)
    if pc is None and done is None and exam is None:
        return None
    form = {f: ss.get(_key(f)) for f in FORM_FIELDS} if pc is not None else {}
    ss[K_FORM_SAVED] = form
    return {
        "options": ss.get(K_OPTIONS),
        "call": call_to_data(pc) if pc is not None else None,
        "form": form,
        "done": done["attempt_id"] if done else None,
        "exam": None if exam is None else {
            "set": exam_to_data(exam.exam), "index": exam.index,
            "done": [d["attempt_id"] for d in exam.done], "finished": exam.finished,
        },
    }  # fmt: skip


def _save(session=None) -> bool:
    """Keep the page's state in the database; False when another tab got there first."""
    user_id = st.session_state.get(SESSION_USER)
    if user_id is None:
        return False
    if session is not None:
        return DRAFT.save(user_id, _draft_data(), session=session)
    try:
        return DRAFT.save(user_id, _draft_data())
    except Exception as exc:  # a busy database: the page keeps it, the next action saves it
        if not is_busy(exc):
            raise
        return True


def _kept(action):
    """A callback whose outcome is kept in the database. When another tab saved the call in
    between, nothing of the action stays here and the page says so instead."""

    @functools.wraps(action)
    def run(*args: Any, **kwargs: Any) -> None:
        before = _snapshot()
        action(*args, **kwargs)
        if not _save():
            _rollback(before)

    return run


def _on_form() -> None:
    _save()


def _form_from_saved() -> None:
    """Put the saved APKT form back into widgets that forgot it (another page was open)."""
    ss = st.session_state
    for field, value in (ss.get(K_FORM_SAVED) or {}).items():
        if field in FORM_FIELDS and value is not None and _key(field) not in ss:
            ss[_key(field)] = value


def _sync() -> None:
    """First draw in this session: pick up what the database holds (a reload, a new tab, a
    restart). Later draws: notice when another tab moved the work on."""
    ss = st.session_state
    user_id = ss.get(SESSION_USER)
    if user_id is None:
        return
    if ss.get(DRAFT.k_loaded):
        DRAFT.check(user_id)
        return
    record = DRAFT.load_once(user_id)
    if record is not None:
        _restore(record.data, f"tersimpan {jam(record.updated_at)} WIB")


def _restore(data: dict[str, Any], when: str) -> None:
    """The page as the data describes it (see `_draft_data`), with a notice saying so."""
    ss = st.session_state
    for key in (K_CALL, K_DONE, K_EXAM):
        ss.pop(key, None)
    _clear_form()
    ss[K_OPTIONS] = data.get("options")
    exam = data.get("exam")
    problems: list[str] = []
    if exam:
        done = [r for r in (_record_of(a, problems) for a in exam.get("done") or []) if r]
        ss[K_EXAM] = ExamProgress(exam_from_data(exam["set"]), int(exam["index"]), done,
                                  bool(exam.get("finished")))
    if data.get("done"):
        record = _record_of(data["done"], problems)
        if record is not None:
            ss[K_DONE] = record
    if data.get("call"):
        try:
            scenario = _scenario_at(data["call"]["scenario_id"], data["call"]["scenario_version"])
            pc = call_from_data(data["call"], scenario=scenario, sop=_sop_of(scenario.case))
        except (PracticeError, KeyError, TypeError, ValueError) as exc:
            problems.append(f"panggilan tersimpan tidak dapat dilanjutkan ({exc})")
        else:
            _begin(pc)
            form = {f: v for f, v in (data.get("form") or {}).items() if f in FORM_FIELDS}
            for field, value in form.items():
                if value is not None:
                    ss[_key(field)] = value
            ss[K_FORM_SAVED] = form
            exam_now = ss.get(K_EXAM)
            if pc.mode == "ujian" and exam_now is not None:
                _notice("info", f"Ujian dilanjutkan: panggilan {exam_now.index + 1} dari "
                                f"{len(exam_now)} ({when}).")  # fmt: skip
            else:
                _notice("info", f"Panggilan dilanjutkan ({when}).")
    if problems:
        _notice("warning", "; ".join(problems))


def _scenario_at(scenario_id: str, version: str) -> Scenario:
    """The scenario as it was when the call started (a trainer may have saved a newer one)."""
    current = scenarios().get(scenario_id)
    if current is not None and current.content_version == version:
        return current
    stored = version_for_attempt(database(), scenario_id, version)
    if stored is not None:
        try:
            return load_scenario_text(stored.text, f"{scenario_id}@v{stored.number}",
                                      sop_library=content().sops)  # fmt: skip
        except Exception:  # noqa: BLE001 - an old version the current SOP no longer takes
            pass
    if current is None:
        raise PracticeError(f"skenario '{scenario_id}' tidak ada lagi")
    return current


def _record_of(attempt_id: Any, problems: list[str]) -> dict[str, Any] | None:
    """A saved attempt as the result screens show it: {pc, result, attempt_id, apkt}."""
    user = current_user()
    attempt = None
    if user is not None and isinstance(attempt_id, int):
        attempt = get_attempt(database(), attempt_id, requester=user.requester)
    if attempt is None:
        problems.append(f"percobaan {attempt_id} tidak ditemukan")
        return None
    try:
        scenario = _scenario_at(attempt.scenario_id, attempt.scenario_version)
        turns = [t.model_dump() if hasattr(t, "model_dump") else dict(t)
                 for t in attempt.transcript]  # fmt: skip
        pc = call_from_data({"seed": attempt.seed, "transcript": turns, "mode": attempt.mode,
                             "exam_id": attempt.exam_id, "state": {"ended": True},
                             "started_at": attempt.started_at},
                            scenario=scenario, sop=_sop_of(scenario.case))  # fmt: skip
    except PracticeError as exc:
        problems.append(f"percobaan {attempt_id}: {exc}")
        return None
    return {"pc": pc, "result": result_from_data(attempt.result), "attempt_id": attempt.id,
            "apkt": dict(attempt.apkt)}  # fmt: skip


def _on_take_over() -> None:
    """This tab continues the work where the other tab left it."""
    user_id = st.session_state.get(SESSION_USER)
    if user_id is None:
        return
    record = DRAFT.take_over(user_id)
    if record is None:
        for key in (K_CALL, K_DONE, K_EXAM):
            st.session_state.pop(key, None)
        _clear_form()
        return
    _restore(record.data, f"tersimpan {jam(record.updated_at)} WIB")


def _behind_screen() -> None:
    st.title("Latihan")
    if DRAFT.behind() == GONE:
        st.warning("Panggilan ini sudah diselesaikan atau dibatalkan di tab atau perangkat "
                   "lain. Tab ini tidak menyimpan apa pun darinya.",
                   icon=":material/tab_close:")  # fmt: skip
        label = "Muat keadaan terbaru"
    else:
        st.warning("Panggilan ini sedang dilanjutkan di tab atau perangkat lain. Tab ini tidak "
                   "menyimpan apa pun sampai Anda melanjutkannya di sini.",
                   icon=":material/tab_duplicate:")  # fmt: skip
        label = "Lanjutkan di tab ini"
    st.button(label, on_click=_on_take_over, key="latihan-ambil-alih", type="primary",
              icon=":material/sync:")  # fmt: skip


# ---------------------------------------------------------------- callbacks
@_kept
def _on_start() -> None:
    ss = st.session_state
    case_id = ss.get(K_CASE) if ss.get(K_KIND) == CHOSEN else None
    if ss.get(K_KIND) == CHOSEN and not case_id:
        _notice("error", "Pilih kasus yang ingin dilatih.")
        return
    level = ss.get(K_LEVEL)
    difficulty = None if level in (None, ANY_LEVEL) else level
    if ss.get(K_MODE) != "ujian":
        _start_practice(case_id, difficulty)
        return
    try:
        chosen: ExamSet = exam_set(scenarios(), int(ss.get(K_SIZE) or EXAM_SIZES[0]),
                                   seed=new_seed(), case_id=case_id, difficulty=difficulty)
        exam = ExamProgress(chosen)
        _start_exam_call(exam)
    except PracticeError as exc:
        _notice("error", str(exc))
        return
    ss[K_EXAM] = exam


@_kept
def _on_chat() -> None:
    text = st.session_state.get(K_CHAT)
    pc: PracticeCall | None = st.session_state.get(K_CALL)
    if pc is None or text is None:
        return
    if current_user() is None:  # signed out meanwhile (another tab, expiry): nothing is kept
        return
    try:
        st.session_state[K_CALL] = add_reply(pc, text, rules=dialogue_rules())
    except PracticeError as exc:
        st.session_state[K_CHAT_NOTICE] = str(exc)


def _form_values() -> dict[str, Any]:
    return {field: st.session_state.get(_key(field)) for field in FORM_FIELDS}


def _on_submit() -> None:
    ss = st.session_state
    pc: PracticeCall | None = ss.get(K_CALL)
    if pc is None:
        return
    snap = content()  # one content version for the form check, the score and its label
    found = snap.sops.find_case(pc.call.case)
    if found is not None and found[0] is not pc.sop:  # a trainer saved a new SOP version
        pc = dataclasses.replace(pc, sop=found[0])  # since the call began: feedback agrees
    check = check_apkt(_form_values(), sop=pc.sop)
    if not check.ok:
        ss[K_ERRORS] = check.errors
        return
    user = current_user()  # checked again now: the account may have changed since the page drew
    if user is None or not PRACTICE_ROLES & set(user.roles):
        _notice("error", "Sesi Anda berakhir atau akses Anda dicabut; percobaan tidak disimpan.")
        return
    done = finish_call(pc, check.apkt, scorer=scorer_of(snap), trainee_id=user.id,
                       rubric_version=snap.rubric_version(pc.sop.id))
    attempt = {**done.attempt, "call_key": call_key(pc, user.id)}  # stored once per call
    before = _snapshot()
    held = {k: ss.get(k) for k in (DRAFT.k_version, DRAFT.k_at, DRAFT.k_mark)}

    def work(s) -> None:  # tried again while the database is busy, each time from the start
        _rollback(before)
        ss.update(held)
        attempt_id = save_attempt(s, attempt=attempt)
        _after_finish(pc, {"pc": pc, "result": done.result, "attempt_id": attempt_id,
                           "apkt": check.apkt})  # fmt: skip
        _save(session=s)

    try:  # the attempt and the page's next state in one transaction: saved once, or not at all
        write_retrying(database(), work)
    except DraftConflict:
        _rollback(before)
    except DatabaseBusy as exc:  # nothing saved; the form stays as typed, to be saved again
        _rollback(before)
        ss.update(held)
        ss[K_ERRORS] = {}
        _notice("warning", f"Percobaan belum tersimpan. {exc.message}")
    except (StoreError, PracticeError) as exc:
        _rollback(before)
        ss[K_ERRORS] = {}
        message = f"{exc.field}: {exc.message}" if isinstance(exc, StoreError) else str(exc)
        _notice("error", f"Percobaan tidak tersimpan: {message}")


def _after_finish(pc: PracticeCall, record: dict[str, Any]) -> None:
    """The page after a saved call: the next call of an exam, the exam's end, or the result."""
    ss = st.session_state
    ss.pop(K_CALL, None)
    _clear_form()
    exam = ss.get(K_EXAM)
    if pc.mode == "ujian" and exam is not None:
        if exam.record(record):
            _start_exam_call(exam)
            _notice("success", f"Panggilan {exam.index} dari {len(exam)} tersimpan. "
                               f"Lanjut ke panggilan {exam.index + 1}.")  # fmt: skip
        return
    ss[K_DONE] = record


@_kept
def _on_retry() -> None:
    done = st.session_state.get(K_DONE)
    if done is None:
        return
    old: PracticeCall = done["pc"]
    _begin(start_call(old.scenario, old.seed, sop=old.sop))


@_kept
def _on_new() -> None:
    options = st.session_state.get(K_OPTIONS) or {}
    _start_practice(options.get("case"), options.get("difficulty"))


@_kept
def _on_back() -> None:
    for key in (K_CALL, K_DONE, K_EXAM):
        st.session_state.pop(key, None)
    _clear_form()


@_kept
def _on_stop_exam() -> None:
    exam = st.session_state.get(K_EXAM)
    st.session_state.pop(K_CALL, None)
    _clear_form()
    if exam is not None:
        exam.stop()


def _take_request() -> None:
    """A call asked for by another page ("Latih kasus terlemah" on "Progres saya")."""
    request = st.session_state.pop(K_REQUEST, None)
    if not request:
        return

    @_kept
    def start() -> None:
        st.session_state.pop(K_EXAM, None)
        st.session_state.pop(K_NOTICE, None)  # a call picked up just now is replaced
        if request.get("exam"):  # an assigned exam's sitting ("Tugas saya", store.cohorts)
            exam = ExamProgress(exam_from_data(request["exam"]))
            try:
                _start_exam_call(exam)
            except PracticeError as exc:
                _notice("error", str(exc))
                return
            st.session_state[K_EXAM] = exam
            return
        _start_practice(request.get("case"), None)

    start()


# ---------------------------------------------------------------- the page
def _check_access() -> None:
    """The registry's guard (views.pages) has checked the account and its roles in this very
    run, so a chat reply costs no second database look-up; without that guard (nobody signed
    in) require_roles draws the refusal and stops. Saving checks the account again."""
    if st.session_state.get(SESSION_USER) is None:
        require_roles(PRACTICE_ROLES)


def render() -> None:
    _check_access()
    _sync()
    if DRAFT.behind():
        _behind_screen()
        return
    _take_request()
    st.html(CSS)
    notice = st.session_state.pop(K_NOTICE, None)
    pc: PracticeCall | None = st.session_state.get(K_CALL)
    exam = st.session_state.get(K_EXAM)
    done = st.session_state.get(K_DONE)
    _top_on_a_new_screen(pc, exam, done)
    if pc is not None:
        _call_screen(pc, exam, notice)
    elif exam is not None and exam.finished:
        _show_notice(notice)
        _exam_result(exam)
    elif done is not None:
        _show_notice(notice)
        _practice_result(done)
    else:
        st.title("Latihan")
        _show_notice(notice)
        _start_screen()


def _top_on_a_new_screen(pc: PracticeCall | None, exam: ExamProgress | None,
                         done: Any) -> None:
    """A new screen (a call, the next call of an exam, a result) opens at its top, not at the
    scroll position of the long call screen before it."""
    if pc is not None:
        screen = f"panggilan-{st.session_state.get(K_CALL_NO)}"
    elif exam is not None and exam.finished:
        screen = "hasil-ujian"
    else:
        screen = "hasil" if done is not None else "mulai"
    if st.session_state.get(K_SCREEN) != screen:
        st.session_state[K_SCREEN] = screen
        scroll.to_top()


def _show_notice(notice: tuple[str, str] | None) -> None:
    if notice:
        kind, message = notice
        getattr(st, kind)(plain(message))


# ---- start
def _start_screen() -> None:
    lib_sc = scenarios()
    choices = dict(case_choices(library(), lib_sc))
    if lib_sc.problems:
        st.warning(f"{len(lib_sc.problems)} berkas skenario bermasalah dan tidak dipakai.",
                   icon=":material/warning:")  # fmt: skip
    if not choices:
        st.error("Belum ada skenario aktif. Trainer perlu menambahkan skenario terlebih dahulu.")
        return
    st.write(
        "Terima panggilan pelanggan yang dibuat otomatis, balas di kolom obrolan, lalu tutup "
        "panggilan dengan formulir APKT. Nilai dan umpan balik mengutip langkah SOP."
    )
    with st.container(border=True, key="latihan-start"):
        left, right = st.columns(2, gap="large")
        with left:
            kind = st.radio("Panggilan", list(KIND_LABELS), format_func=KIND_LABELS.get,
                            key=K_KIND, horizontal=True)  # fmt: skip
            st.selectbox("Kasus", list(choices), format_func=choices.get, key=K_CASE,
                         disabled=kind != CHOSEN,
                         help="Kasus SOP yang ingin dilatih (judul dalam bahasa Indonesia).")
            st.selectbox("Tingkat kesulitan", [ANY_LEVEL, *DIFFICULTIES],
                         format_func=LEVEL_LABELS.get, key=K_LEVEL)  # fmt: skip
        with right:
            mode = st.radio("Mode", list(MODE_LABELS), format_func=MODE_LABELS.get, key=K_MODE,
                            horizontal=True,
                            help="Latihan: nilai dan petunjuk langsung setelah panggilan. "
                                 "Ujian: beberapa panggilan tanpa petunjuk, nilai di akhir.")
            st.segmented_control("Jumlah panggilan ujian", EXAM_SIZES, key=K_SIZE,
                                 default=EXAM_SIZES[0], disabled=mode != "ujian",
                                 format_func=lambda n: f"{n} panggilan")  # fmt: skip
        label = "Mulai ujian" if mode == "ujian" else "Mulai panggilan"
        st.button(label, type="primary", on_click=_on_start, key="latihan-mulai",
                  icon=":material/call:")  # fmt: skip


# ---- the call
def _call_screen(pc: PracticeCall, exam: ExamProgress | None,
                 notice: tuple[str, str] | None) -> None:
    options = st.session_state.get(K_OPTIONS) or {}
    if pc.mode == "ujian" and exam is not None:
        st.title(f"Ujian · panggilan {exam.index + 1} dari {len(exam)}")
        st.caption("Nilai ditampilkan setelah semua panggilan selesai. Tidak ada petunjuk "
                   "selama ujian.")  # fmt: skip
    else:
        st.title("Latihan")
        what = f"Kasus: {pc.case_title}" if options.get("case") else "Panggilan acak"
        st.caption(plain(f"{what} · tingkat {pc.scenario.difficulty}"))
    _show_notice(notice)
    left, right = st.columns(2, gap="medium")
    with left:
        _data_panel(pc)
        _apkt_form(pc)
    with right:
        _chat()
    if pc.mode == "ujian":
        st.button("Hentikan ujian", on_click=_on_stop_exam, key="latihan-stop",
                  icon=":material/stop_circle:",
                  help="Panggilan yang sudah selesai tetap tersimpan.")  # fmt: skip
    else:
        st.button("Batalkan panggilan", on_click=_on_back, key="latihan-batal",
                  icon=":material/call_end:",
                  help="Kembali ke pilihan panggilan; tidak ada yang disimpan.")  # fmt: skip


def _data_panel(pc: PracticeCall) -> None:
    with st.container(border=True, key="latihan-data"):
        st.markdown(_panel_markdown(pc))  # one element: the panel does not change in a call


def _panel_markdown(pc: PracticeCall) -> str:
    c = pc.call
    rows = [
        ("IDPEL", c.idpel),
        ("Nama", c.name),
        ("Alamat", c.address),
        ("Telepon", c.phone),
        ("Email", c.email_on_record or "(belum terdaftar)"),
        ("Tarif/daya", c.tariff_label),
        ("Nomor meter", c.meter_number),
    ]
    out = ["**:material/badge: Data pelanggan** · aplikasi CSO", "", "| Data | Isi |", "|---|---|"]
    out += [f"| {label} | {plain(value)} |" for label, value in rows]
    out += ["", "**Tagihan**", "", "| Periode | kWh | Tagihan | Jatuh tempo | Status |",
            "|---|--:|--:|---|---|"]
    for b in c.bills:  # short months; a date may wrap, so the table fits a narrow column
        status = "Lunas" if b.paid else "**Belum dibayar**"
        cells = (bulan(b.due_date), f"{b.kwh:,}".replace(",", "."),
                 plain(rupiah(b.amount)).replace(" ", NBSP), tanggal(b.due_date))
        out.append("| " + " | ".join(cells) + f" | {status} |")
    return "\n".join(out)


@st.fragment
def _chat() -> None:
    """The conversation. A fragment: in the browser a chat reply reruns only this part (the
    data panel and the form do not change); it reads the call from the session each time."""
    if st.session_state.get(SESSION_USER) is None or DRAFT.behind():
        st.rerun()  # signed out, or another tab took the call: the whole page says so
    pc: PracticeCall | None = st.session_state.get(K_CALL)
    if pc is None:
        return
    with st.container(height=600, key="latihan-transcript", border=True):
        for line in pc.transcript:
            cso = line.role == "cso"
            with st.chat_message("cso" if cso else "pelanggan",
                                 avatar=CSO_AVATAR if cso else CUSTOMER_AVATAR):
                st.text(line.text)
    problem = st.session_state.pop(K_CHAT_NOTICE, None)
    if problem:
        st.warning(plain(problem), icon=":material/warning:")
    if pc.ended:
        st.info("Pelanggan sudah menutup percakapan. Lengkapi formulir APKT untuk "
                "mengakhiri panggilan.", icon=":material/call_end:")  # fmt: skip
    st.chat_input("Ketik balasan Anda kepada pelanggan…", key=K_CHAT, on_submit=_on_chat,
                  max_chars=MAX_REPLY_CHARS, disabled=pc.ended)  # fmt: skip


_ADDRESS = re.compile(r"(\S+@\S+\w)")
_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]<>()#+\-.!|~:$=&])")


def _field_error(errors: dict[str, str], name: str) -> None:
    message = errors.get(name)
    if message:  # e-mail addresses as code, so Markdown does not make them links
        parts = _ADDRESS.split(message)
        text = "".join(f"`{p}`" if i % 2 else unlink(_MD_SPECIAL.sub(r"\\\1", p))
                       for i, p in enumerate(parts))
        st.markdown(f":red[:material/error: {text}]")


def _apkt_form(pc: PracticeCall) -> None:
    sop = pc.sop
    errors: dict[str, str] = st.session_state.get(K_ERRORS) or {}
    actions = {a.id: a.label for a in sop.apkt_actions}
    subs = {s.id: s.label for s in sop.sub_issue_types}
    _form_from_saved()
    with st.container(border=True, key="latihan-apkt"):
        st.markdown("**:material/assignment: Formulir APKT**")
        action = st.selectbox("Tindakan", list(actions), format_func=actions.get, index=None,
                              placeholder="Pilih tindakan APKT", key=_key("action"),
                              on_change=_on_form)  # fmt: skip
        _field_error(errors, "action")
        if action in sub_issue_actions(sop):
            st.selectbox("Sub Issue Type", list(subs), format_func=subs.get, index=None,
                         placeholder="Pilih Sub Issue Type", key=_key("sub_issue_type"),
                         on_change=_on_form)  # fmt: skip
            _field_error(errors, "sub_issue_type")
        # every field is kept in the database when it changes (Enter or leaving the field)
        st.text_input("IDPEL", key=_key("idpel"), max_chars=40, placeholder="12 digit",
                      on_change=_on_form)  # fmt: skip
        _field_error(errors, "idpel")
        st.text_input("Email", key=_key("email"), max_chars=254,
                      placeholder="nama@contoh.co.id (jika ada)", on_change=_on_form)  # fmt: skip
        _field_error(errors, "email")
        st.text_area("Keterangan", key=_key("keterangan"), max_chars=2000, height=90,
                     placeholder="Ringkas permasalahan pelanggan", on_change=_on_form)  # fmt: skip
        _field_error(errors, "keterangan")
        st.button("Simpan APKT & akhiri panggilan", type="primary", on_click=_on_submit,
                  icon=":material/task_alt:", key="latihan-simpan")  # fmt: skip
        saved = DRAFT.saved_at()
        if saved is not None:
            st.caption(f"Draf tersimpan {jam(saved)} WIB")
        if errors:
            st.error("Periksa isian formulir APKT yang ditandai.", icon=":material/error:")


# ---- results
def _score_header(result: ScoreResult, key: str = "latihan") -> None:
    with st.container(horizontal=True, key=f"latihan-score-{key}"):
        st.metric("Skor", f"{result.score:g} / {result.max_score:g}")
        st.metric("Persentase", f"{result.percent:g}%")
        st.metric("Status", verdict(result.passed))
    if result.passed:
        st.success(f"**{verdict(True)}** · {result.percent:g}%", icon=":material/check_circle:")
    else:
        why = ""
        if result.critical_failed:
            why = " · kriteria kritis tidak terpenuhi"
        st.error(f"**{verdict(False)}** · {result.percent:g}%{why}", icon=":material/cancel:")


def _criteria(items: list[CriterionFeedback], key: str, sop: Sop) -> None:
    """The criteria by group: the SOP's, then the service standard apart, marked as a training
    standard and not SOP text (no SOP step to quote or open)."""
    for section in feedback_sections(items, sop=sop):
        if section.group == GROUP_SERVICE:
            with st.container(border=True, key=f"latihan-layanan-{key}"):
                st.subheader(md(section.title), anchor=False)
                st.warning(f"**{SERVICE_MARK}** {md(section.note or '')}",
                           icon=":material/info:")
                st.caption(f"{section.points:g} / {section.max:g} poin · dinilai di setiap "
                           "kasus, di luar langkah SOP")
                for f in section.items:
                    _criterion_card(f, key)
        else:
            st.subheader(md(section.title), anchor=False)
            st.caption(f"{section.points:g} / {section.max:g} poin")
            for f in section.items:
                _criterion_card(f, key)


def _criterion_card(f: CriterionFeedback, key: str) -> None:
    with st.container(border=True, key=f"latihan-crit-{key}-{f.id}"):
        icon = ":material/check_circle:" if f.ok else ":material/cancel:"
        color = "green" if f.ok else "red"
        critical = " · kritis" if f.critical else ""
        st.markdown(f":{color}[{icon}] **{md(f.label)}** · "
                    f"{f.points:g}/{f.max:g} poin{critical}")  # fmt: skip
        st.caption("Bukti")
        st.text(f.evidence)
        if f.service:
            st.caption(f"{SERVICE_TITLE} (bukan langkah SOP)")
        elif f.step_text is not None:
            st.markdown(f"Langkah SOP **{plain(f.step_id)}**")
            if st.button(f"Buka langkah {f.step_id} di halaman SOP",
                         key=f"latihan-sop-{key}-{f.id}", icon=":material/menu_book:",
                         type="tertiary"):
                open_step(f.step_id)
            quote = f.step_text
            if f.substeps:
                quote += "\n" + "\n".join(f"{sid}. {text}" for sid, text in f.substeps)
            st.text(quote)
        if f.hint:
            st.info(plain(f.hint), icon=":material/lightbulb:")


def _transcript(pc: PracticeCall, apkt: dict[str, Any]) -> None:
    with st.expander("Transkrip dan formulir APKT"):
        for line in pc.transcript:
            who = "CSO" if line.role == "cso" else "Pelanggan"
            st.text(f"{who}: {line.text}")
        sop = pc.sop
        st.text(
            f"Tindakan: {sop.action_label(apkt.get('action'))}\n"
            f"Sub Issue Type: {sop.sub_issue_label(apkt.get('sub_issue_type'))}\n"
            f"IDPEL: {apkt.get('idpel') or '-'}\nEmail: {apkt.get('email') or '-'}\n"
            f"Keterangan: {apkt.get('keterangan') or '-'}"
        )


def _practice_result(done: dict[str, Any]) -> None:
    pc: PracticeCall = done["pc"]
    result: ScoreResult = done["result"]
    st.title("Hasil panggilan")
    st.caption(plain(f"Kasus: {pc.case_title} · skenario: {pc.scenario.title} · "
                     f"tingkat {pc.scenario.difficulty}"))  # fmt: skip
    _score_header(result)
    with st.container(horizontal=True, key="latihan-next"):
        st.button("Ulangi panggilan ini", on_click=_on_retry, key="latihan-ulangi",
                  icon=":material/replay:", help="Skenario dan pelanggan yang sama.")
        st.button("Panggilan baru", on_click=_on_new, key="latihan-baru", type="primary",
                  icon=":material/call:")  # fmt: skip
        st.button("Ubah pilihan", on_click=_on_back, key="latihan-pilihan",
                  icon=":material/tune:")  # fmt: skip
    _criteria(feedback(result, sop=pc.sop, scenario=pc.scenario, mode="latihan"), "latihan",
              pc.sop)
    _transcript(pc, done["apkt"])


def attempt_result(attempt_id: int, key: str) -> None:
    """A saved attempt of the signed-in user with its whole feedback, as its result screen
    showed it: score, criteria with evidence and SOP steps, transcript and APKT form."""
    problems: list[str] = []
    done = _record_of(attempt_id, problems)
    if done is None:
        st.warning(plain("; ".join(problems) or f"percobaan {attempt_id} tidak ditemukan"))
        return
    pc: PracticeCall = done["pc"]
    result: ScoreResult = done["result"]
    st.caption(plain(f"Kasus: {pc.case_title} · skenario: {pc.scenario.title} · "
                     f"tingkat {pc.scenario.difficulty} · {MODE_LABELS.get(pc.mode, pc.mode)}"))
    _score_header(result, key)
    _criteria(feedback(result, sop=pc.sop, scenario=pc.scenario, mode=pc.mode), key, pc.sop)
    _transcript(pc, done["apkt"])


def _exam_result(exam: ExamProgress) -> None:
    done = exam.done
    n = len(exam)
    st.title("Hasil ujian")
    summary = exam_summary([d["result"] for d in done])
    if summary.calls < n:
        st.warning(f"Ujian dihentikan: {summary.calls} dari {n} panggilan diselesaikan.")
    with st.container(horizontal=True, key="latihan-exam-score"):
        st.metric("Panggilan lulus", f"{summary.passed} / {summary.calls}")
        st.metric("Rata-rata", f"{summary.mean_percent:g}%")
    rows = [
        {"No": i + 1, "Kasus": d["pc"].case_title,
         "Skor": f"{d['result'].score:g} / {d['result'].max_score:g}",
         "%": d["result"].percent, "Hasil": verdict(d["result"].passed),
         "Skenario": d["pc"].scenario.title}
        for i, d in enumerate(done)
    ]  # fmt: skip
    if rows:
        st.dataframe(rows, hide_index=True, width="stretch")
    for i, d in enumerate(done):
        pc, result = d["pc"], d["result"]
        title = f"Panggilan {i + 1}: {pc.case_title} · {verdict(result.passed)}"
        with st.expander(plain(title)):
            _score_header(result, f"ujian{i}")
            _criteria(feedback(result, sop=pc.sop, scenario=pc.scenario, mode="ujian"),
                      f"ujian{i}", pc.sop)
            _transcript(pc, d["apkt"])
    st.button("Selesai", on_click=_on_back, key="latihan-ujian-selesai", type="primary",
              icon=":material/done:")  # fmt: skip

"""Work in progress kept in the database (store.drafts, scenarios.saved) and picked up by a new
session of the same user, as after a reload, a new tab or a restart: the call in progress
(transcript, dialogue state, APKT form), an exam and its position, the result on screen; two
tabs on one call (one continues, the other says so, nothing is saved twice). Store tests run
on SQLite and PostgreSQL; page tests in AppTest."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from scenarios.practice import add_reply, start_call
from scenarios.saved import (
    call_from_data,
    call_to_data,
    exam_from_data,
    exam_to_data,
    result_from_data,
)
from store.auth import create_account
from store.drafts import FORCE, DraftConflict, delete_draft, get_draft, save_draft
from store.errors import StoreError
from tests.accounts import app_as, database, user_id
from tests.test_practice import RULES, SCENARIOS, SCORER, SOP, good_form, good_replies
from tests.test_practice_page import chat_lines, fill_and_submit, fkey, say, shown, start
from views import practice_page as page

T0 = datetime(2025, 11, 3, 9, 0, tzinfo=UTC)


@pytest.fixture
def siti(db):
    return create_account(db, username="siti", display_name="Siti", roles=["trainee"],
                          password="Sandi-Aminah-123")  # fmt: skip


# ---------------------------------------------------------------- the store: drafts
def test_a_draft_is_saved_read_and_versioned(db, siti):
    assert get_draft(db, user_id=siti.id, kind="latihan") is None
    first = save_draft(db, user_id=siti.id, kind="latihan", data={"a": 1}, base=None, now=T0)
    assert first.version == 1 and first.data == {"a": 1} and first.updated_at == T0
    later = T0 + timedelta(minutes=5)
    second = save_draft(db, user_id=siti.id, kind="latihan", data={"a": 2}, base=1, now=later)
    assert second.version == 2 and second.updated_at == later and second.created_at == T0
    assert get_draft(db, user_id=siti.id, kind="latihan").data == {"a": 2}
    # one per user, page and key
    save_draft(db, user_id=siti.id, kind="skenario", key="x", data={"b": 1}, base=None)
    assert get_draft(db, user_id=siti.id, kind="latihan").version == 2


def test_a_save_on_an_older_version_is_refused_and_writes_nothing(db, siti):
    save_draft(db, user_id=siti.id, kind="latihan", data={"tab": "A"}, base=None)
    save_draft(db, user_id=siti.id, kind="latihan", data={"tab": "B"}, base=1)  # tab B
    with pytest.raises(DraftConflict) as refused:  # tab A still holds version 1
        save_draft(db, user_id=siti.id, kind="latihan", data={"tab": "A2"}, base=1)
    assert refused.value.current.version == 2 and refused.value.current.data == {"tab": "B"}
    with pytest.raises(DraftConflict):  # a second "first" save
        save_draft(db, user_id=siti.id, kind="latihan", data={"tab": "C"}, base=None)
    with pytest.raises(DraftConflict):
        delete_draft(db, user_id=siti.id, kind="latihan", base=1)
    assert get_draft(db, user_id=siti.id, kind="latihan").data == {"tab": "B"}
    assert save_draft(db, user_id=siti.id, kind="latihan", data={"x": 1}, base=FORCE).version == 3
    assert delete_draft(db, user_id=siti.id, kind="latihan", base=3)
    with pytest.raises(DraftConflict) as gone:
        save_draft(db, user_id=siti.id, kind="latihan", data={"tab": "A3"}, base=3)
    assert gone.value.current is None


def test_a_conflict_inside_a_transaction_rolls_everything_back(db, siti):
    from sqlalchemy import func, select

    from store.models import AuditEntry

    save_draft(db, user_id=siti.id, kind="latihan", data={"v": 1}, base=None)
    save_draft(db, user_id=siti.id, kind="latihan", data={"v": 2}, base=1)
    with db.session() as s:
        before = s.scalar(select(func.count(AuditEntry.id)))
    with pytest.raises(DraftConflict), db.transaction() as s:
        s.add(AuditEntry(action="x", target_type="t", target_id="1"))
        save_draft(s, user_id=siti.id, kind="latihan", data={"v": 3}, base=1)
    with db.session() as s:
        assert s.scalar(select(func.count(AuditEntry.id))) == before


def test_drafts_refuse_unknown_kinds_and_oversized_data(db, siti):
    with pytest.raises(StoreError):
        save_draft(db, user_id=siti.id, kind="lain", data={}, base=None)
    with pytest.raises(StoreError):
        save_draft(db, user_id=siti.id, kind="qa", data={"x": "a" * 2_100_000}, base=None)


def test_drafts_go_with_their_account(db, siti):
    from sqlalchemy import delete

    from store.models import User

    save_draft(db, user_id=siti.id, kind="qa", data={"attempt": 3}, base=None)
    with db.transaction() as s:
        s.execute(delete(User).where(User.id == siti.id))
    assert get_draft(db, user_id=siti.id, kind="qa") is None


# ---------------------------------------------------------------- a call as data and back
def _call():
    scenario = SCENARIOS.by_case("invoice.email.setuju_web")[0]
    pc = start_call(scenario, 4242, sop=SOP)
    for reply in good_replies(pc.call)[:3]:
        pc = add_reply(pc, reply, rules=RULES)
    return scenario, pc


def test_a_call_in_progress_comes_back_exactly_from_json():
    scenario, pc = _call()
    data = json.loads(json.dumps(call_to_data(pc)))  # as the database gives it back
    back = call_from_data(data, scenario=scenario, sop=SOP)
    assert back.call == pc.call and back.state == pc.state
    assert back.transcript == pc.transcript and back.started_at == pc.started_at
    assert (back.mode, back.exam_id, back.seed) == (pc.mode, pc.exam_id, pc.seed)
    # and it goes on as the original would
    nxt = "Apakah Bapak sudah punya akun di website?"
    assert add_reply(back, nxt, rules=RULES, now=T0).transcript == \
        add_reply(pc, nxt, rules=RULES, now=T0).transcript


def test_a_stored_call_that_the_generator_no_longer_makes_is_refused():
    from scenarios.saved import CallChanged

    scenario, pc = _call()
    data = call_to_data(pc)
    data["idpel"] = "999999999999"
    with pytest.raises(CallChanged):
        call_from_data(data, scenario=scenario, sop=SOP)


def test_scores_and_exam_sets_come_back_from_json():
    from scenarios.practice import exam_set, finish_call

    scenario, pc = _call()
    done = finish_call(pc, good_form(pc.call), scorer=SCORER, trainee_id=1)
    back = result_from_data(json.loads(json.dumps(done.result.to_dict())))
    assert back == done.result
    chosen = exam_set(SCENARIOS, 3, seed=7)
    assert exam_from_data(json.loads(json.dumps(exam_to_data(chosen)))) == chosen


# ---------------------------------------------------------------- the Latihan page (AppTest)
def _reload(username: str = "peserta1", url_path: str = "latihan"):
    """A new session of the same user (a reload, a new tab, a restarted server)."""
    at = app_as(username, url_path=url_path, keep_work=True)
    at.run()
    assert not at.exception, at.exception
    return at


def _notices(at) -> list[str]:
    return [e.value.replace("\\", "") for e in (*at.info, *at.warning)]


def test_a_reload_mid_call_keeps_the_transcript_and_the_form():
    at = app_as("peserta1", url_path="latihan").run()
    pc = start(at, "invoice.email.setuju_web")
    for reply in good_replies(pc.call)[:2]:
        say(at, reply)
    at.selectbox(key=fkey(at, "action")).set_value("issue_closed").run()
    at.text_input(key=fkey(at, "idpel")).input(pc.call.idpel).run()
    at.text_area(key=fkey(at, "keterangan")).input("Minta Invoice via email").run()
    lines = chat_lines(at)
    assert len(lines) == 5

    again = _reload()
    assert chat_lines(again) == lines
    assert any(n.startswith("Panggilan dilanjutkan (tersimpan ") for n in _notices(again))
    assert again.selectbox(key=fkey(again, "action")).value == "issue_closed"
    assert again.text_input(key=fkey(again, "idpel")).value == pc.call.idpel
    assert again.text_area(key=fkey(again, "keterangan")).value == "Minta Invoice via email"
    assert any(c.value.startswith("Draf tersimpan ") for c in again.caption)
    restored = again.session_state[page.K_CALL]
    assert restored.state == at.session_state[page.K_CALL].state  # the dialogue state too
    # it goes on from there and scores as one call
    for reply in good_replies(pc.call)[2:]:
        say(again, reply)
    fill_and_submit(again, good_form(pc.call))
    assert again.title[0].value == "Hasil panggilan"
    assert "LULUS" in shown(again)


def test_the_result_and_an_exam_come_back_where_they_were():
    at = app_as("peserta1", url_path="latihan").run()
    pc = start(at, "tagihan.jumlah", mode="ujian", size=3)
    fill_and_submit(at, good_form(pc.call))
    again = _reload()
    assert again.title[0].value == "Ujian · panggilan 2 dari 3"
    assert any(n.startswith("Ujian dilanjutkan: panggilan 2 dari 3") for n in _notices(again))
    again.button(key="latihan-stop").click().run()
    assert again.title[0].value == "Hasil ujian"
    third = _reload()
    assert third.title[0].value == "Hasil ujian"
    assert len(third.dataframe[0].value) == 1
    third.button(key="latihan-ujian-selesai").click().run()
    assert _reload().button(key="latihan-mulai")  # finished: the start screen again


def test_two_tabs_on_one_call_one_continues_the_other_says_so_nothing_saved_twice():
    from store import AttemptFilter, Requester, count_attempts

    a = app_as("peserta1", url_path="latihan").run()
    pc = start(a, "invoice.email.setuju_web")
    say(a, good_replies(pc.call)[0])
    b = _reload()  # a second tab on the same call
    assert chat_lines(b) == chat_lines(a)
    say(b, good_replies(pc.call)[1])  # tab B goes on ...
    say(a, "balasan dari tab lama")  # ... so tab A is behind: its reply is not kept
    assert "Panggilan ini sedang dilanjutkan di tab atau perangkat lain" in shown(a)
    assert not a.chat_input
    stored = get_draft(database(), user_id=user_id("peserta1"), kind="latihan")
    assert "balasan dari tab lama" not in json.dumps(stored.data)

    uid = user_id("peserta1")
    who = Requester.of(uid, ["trainee"])
    before = count_attempts(database(), requester=who, where=AttemptFilter(trainee_id=uid))
    fill_and_submit(b, good_form(pc.call))  # B finishes the call
    assert b.title[0].value == "Hasil panggilan"
    a.button(key="latihan-ambil-alih").click().run()  # A takes over: the result, not the call
    assert a.title[0].value == "Hasil panggilan"
    a.button(key="latihan-pilihan").click().run()
    assert a.button(key="latihan-mulai")
    b.run()  # B is now behind A: it says so and saves nothing
    assert "sudah diselesaikan atau dibatalkan di tab atau perangkat lain" in shown(b)
    after = count_attempts(database(), requester=who, where=AttemptFilter(trainee_id=uid))
    assert after == before + 1


def test_a_stale_tab_cannot_finish_the_call_a_second_time():
    from store import AttemptFilter, Requester, count_attempts

    a = app_as("peserta2", url_path="latihan").run()
    pc = start(a, "tagihan.jumlah")
    b = _reload("peserta2")
    form = good_form(pc.call)
    b.selectbox(key=fkey(b, "action")).set_value(form["action"])  # filled in, not yet sent
    b.text_input(key=fkey(b, "idpel")).input(form["idpel"])
    b.text_area(key=fkey(b, "keterangan")).input(form["keterangan"])
    uid = user_id("peserta2")
    who = Requester.of(uid, ["trainee"])
    before = count_attempts(database(), requester=who, where=AttemptFilter(trainee_id=uid))
    fill_and_submit(a, form)  # tab A finishes the call first
    b.button(key="latihan-simpan").click().run()  # the same call, finished again in tab B
    assert not b.exception
    after = count_attempts(database(), requester=who, where=AttemptFilter(trainee_id=uid))
    assert after == before + 1
    assert "Panggilan ini sedang dilanjutkan di tab atau perangkat lain" in shown(b)


def test_a_run_stopped_after_its_save_is_not_taken_for_another_tab():
    """Typing fast: Streamlit stops a run at a session-state access when the next field's
    change arrives, so a save can reach the database before the session records its version.
    That save is still this tab's own work: no 'another tab' notice, nothing typed is lost."""
    at = app_as("peserta2", url_path="latihan").run()
    pc = start(at, "tagihan.jumlah")
    held = at.session_state[page.DRAFT.k_version]
    at.text_input(key=fkey(at, "idpel")).input(pc.call.idpel).run()
    stored = get_draft(database(), user_id=user_id("peserta2"), kind="latihan")
    assert stored.version == held + 1
    at.session_state[page.DRAFT.k_version] = held  # the run stopped before recording it
    at.text_area(key=fkey(at, "keterangan")).input("Tanya jumlah tagihan").run()
    assert "dilanjutkan di tab atau perangkat lain" not in shown(at)
    assert at.chat_input  # the call goes on in this tab
    stored = get_draft(database(), user_id=user_id("peserta2"), kind="latihan")
    assert stored.version == held + 2
    assert pc.call.idpel in json.dumps(stored.data)
    assert "Tanya jumlah tagihan" in json.dumps(stored.data)
    at.session_state[page.DRAFT.k_version] = held + 1  # stopped again; then the call ends
    fill_and_submit(at, good_form(pc.call))
    assert at.title[0].value == "Hasil panggilan"
    finished = get_draft(database(), user_id=user_id("peserta2"), kind="latihan").data
    assert isinstance(finished["done"], int) and finished["call"] is None


# ---------------------------------------------------------------- Skenario: drafts (AppTest)
def _trainer(**kw):
    at = app_as("trainer1", url_path="skenario", **kw).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def test_a_scenario_draft_survives_a_reload_and_says_when_it_was_kept(fresh_app_db):
    at = _trainer()
    at.selectbox(key="sk.new_case").set_value("tagihan.jumlah").run()
    at.button(key="sk.b-new").click().run()
    at.text_input(key="sk.f.id").input("tagihan-jumlah-bu-lurah").run()
    at.text_area(key="sk.f.persona.description").input("Bu Lurah yang sibuk.").run()
    text = at.session_state["sk.text"]
    assert "tagihan-jumlah-bu-lurah" in text
    assert any(c.value.startswith("Draf tersimpan ") for c in at.caption)

    again = _trainer(keep_work=True)  # a reload: the editor, with the draft
    assert again.session_state["sk.view"] == "Editor"
    assert again.subheader[0].value == "Skenario baru"
    assert again.session_state["sk.text"] == text
    assert again.text_input(key="sk.f.id").value == "tagihan-jumlah-bu-lurah"
    assert again.text_area(key="sk.f.persona.description").value == "Bu Lurah yang sibuk."
    assert any(i.value.replace("\\", "").startswith("Draf skenario dipulihkan (tersimpan ")
               for i in again.info)
    assert again.query_params["bagian"] == "editor"


def test_the_skenario_page_opens_the_part_named_in_the_address(fresh_app_db):
    at = _trainer(query={"bagian": "cakupan"})
    assert at.session_state["sk.view"] == "Cakupan SOP"
    at = _trainer(query={"bagian": "tidak-ada"})
    assert at.session_state["sk.view"] == "Daftar"


def test_a_rubric_draft_survives_a_reload(fresh_app_db):
    at = _trainer(query={"bagian": "rubrik"})
    key = next(n.key for n in at.number_input if n.key and n.key.endswith(".pass"))
    at.number_input(key=key).set_value(85.0).run()
    assert "pass_mark: 85" in at.session_state["rb.text"]
    again = _trainer(query={"bagian": "rubrik"}, keep_work=True)
    assert "pass_mark: 85" in again.session_state["rb.text"]
    assert again.number_input(key=key).value == 85.0
    assert any(i.value.startswith("Draf rubrik dipulihkan") for i in again.info)


# ---------------------------------------------------------------- QA: the open attempt (AppTest)
def test_a_link_to_an_attempt_opens_it_for_qa_and_is_refused_to_a_trainee(fresh_app_db):
    from services.demo import seed_demo_attempts
    from tests.qa_data import END
    from views.auth import REFUSAL

    seed_demo_attempts(database(), 6, trainees=2, weeks=1, end=END)
    from store import Requester, list_attempts

    first = list_attempts(database(), requester=Requester.of(0, ["qa"]), limit=6)[-1]
    at = app_as("qa1", url_path="qa", query={"attempt": str(first.id)}).run()
    assert not at.exception
    assert at.session_state["qa-attempt"] == first.id
    assert at.get_by_key("qa-review") is not None
    assert at.query_params["attempt"] == str(first.id)

    trainee = app_as("peserta1", url_path="qa", query={"attempt": str(first.id)}).run()
    assert [e.value for e in trainee.error] == [REFUSAL]
    assert trainee.get("qa-review") == [] and not trainee.dataframe

    again = app_as("qa1", url_path="qa", keep_work=True).run()  # no address: the open one
    assert again.session_state["qa-attempt"] == first.id

"""Issue 11, item 4: a busy database never loses an attempt, never saves it twice, and no page
shows a traceback.

- store: a write retries while another connection holds the lock (SQLite's write lock,
  PostgreSQL's row lock), then raises DatabaseBusy with nothing half-written; once the lock is
  gone it succeeds, and the same call saved again is stored once (the call key, unique).
- the Latihan page keeps the typed APKT form and says so in Indonesian when the database stays
  busy, and saves the attempt once when "Simpan APKT" is clicked again.
- an unexpected exception in a page (or a widget callback) shows a short Indonesian message
  with an error id, logs the details under that id, and shows no traceback.
"""

from __future__ import annotations

import hashlib
import logging
import sqlite3
import threading
import time
from contextlib import contextmanager

import pytest
from sqlalchemy import create_engine, func, inspect, select, text

from scenarios.simulate import SimTrainee, simulate
from store import create_user, save_attempt
from store.db import DatabaseBusy, write_retrying
from store.errors import StoreError
from store.models import Attempt, AttemptFact, CriterionFact
from tests.qa_data import END, content


def one_attempt(user_id: int, seed: int = 3) -> dict:
    [attempt] = list(simulate(content(), [SimTrainee(user_id, 0.7, 0.02)], 1, seed=seed,
                              weeks=1, end=END))
    # the key the Latihan page gives a finished call (scenarios.practice.call_key)
    return {**attempt, "call_key": hashlib.sha256(f"{user_id}|{seed}".encode()).hexdigest()}


def counts(db) -> tuple[int, int, int]:
    with db.session() as s:
        return tuple(int(s.scalar(select(func.count()).select_from(t)) or 0)
                     for t in (Attempt, AttemptFact, CriterionFact))


@contextmanager
def write_lock(db, user_id: int):
    """Another connection holds the lock a save needs: SQLite's whole write lock (BEGIN
    IMMEDIATE), PostgreSQL's lock on the trainee's row (FOR UPDATE, which the save's FOR SHARE
    waits for). Yields a function that releases it early."""
    if db.is_sqlite:
        conn = sqlite3.connect(db.url.database, isolation_level=None, check_same_thread=False)
        conn.execute("BEGIN IMMEDIATE")
        released = threading.Event()

        def release() -> None:
            if not released.is_set():
                released.set()
                conn.execute("ROLLBACK")

        try:
            yield release
        finally:
            release()
            conn.close()
        return
    engine = create_engine(db.url, connect_args=db.connect_args)
    conn = engine.connect()
    tx = conn.begin()
    conn.execute(text("SELECT id FROM users WHERE id = :id FOR UPDATE"), {"id": user_id})
    released = threading.Event()

    def release() -> None:
        if not released.is_set():
            released.set()
            tx.rollback()

    try:
        yield release
    finally:
        release()
        conn.close()
        engine.dispose()


def test_the_call_key_column_is_unique_on_both_databases(db):
    indexes = {ix["name"]: ix for ix in inspect(db.engine).get_indexes("attempts")}
    assert indexes["ix_attempts_call_key"]["column_names"] == ["call_key"]
    assert indexes["ix_attempts_call_key"]["unique"]


def test_the_same_call_is_saved_once(db):
    andi = create_user(db, username="andi", display_name="Andi", roles=["trainee"])
    budi = create_user(db, username="budi", display_name="Budi", roles=["trainee"])
    attempt = one_attempt(andi.id)
    first = save_attempt(db, attempt=attempt)
    assert save_attempt(db, attempt=attempt) == first  # a second click, a retried save
    with db.transaction() as s:  # inside a page's own transaction too
        assert save_attempt(s, attempt=attempt) == first
    assert counts(db)[0] == 1
    with pytest.raises(StoreError, match="call_key"):
        save_attempt(db, attempt={**attempt, "trainee_id": budi.id})
    # attempts without a key (older callers, imports) are stored as before
    save_attempt(db, attempt={**attempt, "call_key": None})
    assert counts(db)[0] == 2


def test_a_busy_database_retries_then_says_so_and_keeps_nothing(db, caplog):
    andi = create_user(db, username="andi", display_name="Andi", roles=["trainee"])
    attempt = one_attempt(andi.id)
    before = counts(db)
    caplog.set_level(logging.WARNING, logger="store.db")
    with write_lock(db, andi.id):
        started = time.monotonic()
        with pytest.raises(DatabaseBusy) as info:
            write_retrying(db, lambda s: save_attempt(s, attempt=attempt), tries=3,
                           busy_timeout_ms=300, pauses=(0.05,))
        elapsed = time.monotonic() - started
    assert "Basis data sedang sibuk" in info.value.message
    assert "Isian Anda tetap ada" in info.value.message
    tried = [r for r in caplog.records if "basis data sibuk" in r.getMessage()]
    assert len(tried) == 3  # bounded: three tries, then the friendly error
    assert 0.8 <= elapsed < 5
    assert counts(db) == before  # nothing half-written

    # the lock is gone: the same save succeeds, and saving the call again adds nothing
    first = write_retrying(db, lambda s: save_attempt(s, attempt=attempt), busy_timeout_ms=300)
    again = write_retrying(db, lambda s: save_attempt(s, attempt=attempt), busy_timeout_ms=300)
    assert first == again
    assert counts(db)[0] == before[0] + 1


def test_a_lock_released_during_the_retries_lets_the_save_through_once(db):
    andi = create_user(db, username="andi", display_name="Andi", roles=["trainee"])
    attempt = one_attempt(andi.id)
    with write_lock(db, andi.id) as release:
        timer = threading.Timer(0.5, release)
        timer.start()
        try:
            attempt_id = write_retrying(db, lambda s: save_attempt(s, attempt=attempt),
                                        tries=5, busy_timeout_ms=300, pauses=(0.1,))
        finally:
            timer.join()
    assert attempt_id
    assert counts(db)[0] == 1


def test_other_errors_are_not_retried(db):
    calls = []

    def work(s):
        calls.append(1)
        raise StoreError("x", "salah")

    with pytest.raises(StoreError, match="salah"):
        write_retrying(db, work, tries=3, busy_timeout_ms=100)
    assert len(calls) == 1


# ---------------------------------------------------------------- the Latihan page
def _hold_sqlite(url: str) -> sqlite3.Connection:
    conn = sqlite3.connect(url.removeprefix("sqlite:///"), isolation_level=None)
    conn.execute("BEGIN IMMEDIATE")
    return conn


def test_the_practice_page_keeps_the_typed_apkt_form_while_the_database_is_busy(
    fresh_app_db, monkeypatch
):
    from tests.accounts import database as test_db
    from tests.test_practice_page import fkey, full_replies, good_form, open_page, say, start
    from views import practice_page as page

    monkeypatch.setattr("store.db.BUSY_TRY_MS", 250)
    monkeypatch.setattr("store.db.BUSY_PAUSES", (0.05,))
    at = open_page()
    pc = start(at, "invoice.email.tetap")
    for reply in full_replies(pc.call):
        say(at, reply)
    form = good_form(pc.call)
    at.selectbox(key=fkey(at, "action")).set_value(form["action"]).run()
    at.text_input(key=fkey(at, "idpel")).input(form["idpel"]).run()
    at.text_input(key=fkey(at, "email")).input(form["email"] or "").run()
    note = "Diteruskan ke unit, pelanggan tetap email"
    at.text_area(key=fkey(at, "keterangan")).input(note).run()
    assert not at.exception, at.exception
    count = counts(test_db())[0]

    lock = _hold_sqlite(fresh_app_db)  # another process holds the write lock
    try:
        at.button(key="latihan-simpan").click().run()
    finally:
        lock.execute("ROLLBACK")
        lock.close()
    assert not at.exception, at.exception
    warnings = " ".join(w.value for w in at.warning)
    assert "Percobaan belum tersimpan" in warnings and "Basis data sedang sibuk" in warnings
    assert "Isian Anda tetap ada" in warnings
    # everything typed is still there, the call too; nothing was saved
    assert at.session_state[page.K_CALL] is not None
    assert at.selectbox(key=fkey(at, "action")).value == form["action"]
    assert at.text_input(key=fkey(at, "idpel")).value == form["idpel"]
    assert at.text_input(key=fkey(at, "email")).value == (form["email"] or "")
    assert at.text_area(key=fkey(at, "keterangan")).value == note
    assert counts(test_db())[0] == count
    assert "Traceback" not in str(at.main)

    # the lock is gone: the same click saves the call, once
    at.button(key="latihan-simpan").click().run()
    assert not at.exception, at.exception
    assert at.title[0].value == "Hasil panggilan"
    assert counts(test_db())[0] == count + 1


# ---------------------------------------------------------------- no traceback on any page
def test_an_unexpected_error_in_a_page_shows_a_short_message_with_an_error_id(
    monkeypatch, caplog
):
    import re

    from tests.accounts import app_as

    def boom() -> None:
        raise RuntimeError("rahasia di /work/main/views/progress_page.py baris 12")

    monkeypatch.setattr("views.progress_page.render", boom)
    caplog.set_level(logging.ERROR, logger="cso_trainer.halaman")
    at = app_as("peserta1", url_path="progres")
    at.run()
    assert not at.exception, at.exception  # no Streamlit exception box, no traceback
    [error] = [e.value for e in at.error]
    assert "Terjadi kesalahan" in error
    found = re.search(r"E-[0-9A-F]{8}", error)
    assert found
    assert "rahasia" not in error and "/work/" not in error and "Traceback" not in error
    # the details are in the log, under the same id
    [record] = [r for r in caplog.records if found.group() in r.getMessage()]
    assert record.exc_info and "rahasia" in str(record.exc_info[1])
    # the menu and the rest of the app are still drawn
    assert at.sidebar


def test_the_server_handler_covers_callbacks_and_refusals():
    """serve.py gives st.App `views.errors.on_script_error`, which Streamlit calls for any
    exception in the script or a widget callback; it draws the same short messages."""
    from streamlit.testing.v1 import AppTest

    def script() -> None:
        import streamlit as st

        from store.db import DatabaseBusy
        from store.errors import NoLongerAllowed
        from views.errors import on_script_error

        st.session_state["handled"] = [
            on_script_error(KeyError("x")),
            on_script_error(NoLongerAllowed("admin")),
            on_script_error(DatabaseBusy(3)),
        ]

    at = AppTest.from_function(script).run()
    assert not at.exception
    assert at.session_state["handled"] == [True, True, True]
    assert "Terjadi kesalahan" in at.error[0].value
    assert "Anda tidak lagi memiliki hak admin" in at.error[1].value
    assert "Basis data sedang sibuk" in at.warning[0].value
    import serve

    assert serve.app._on_script_error is not None


def test_the_call_key_names_one_call_across_a_reload_and_not_its_retry():
    import json
    from datetime import timedelta

    from scenarios.practice import call_key, start_call
    from scenarios.saved import call_from_data, call_to_data
    from tests.test_practice import SOP, T0, play

    pc = play("invoice-tetap-kesal")
    key = call_key(pc, 7)
    assert len(key) == 64
    restored = call_from_data(json.loads(json.dumps(call_to_data(pc))), scenario=pc.scenario,
                              sop=SOP)  # a reload, another process
    assert call_key(restored, 7) == key
    assert call_key(pc, 8) != key  # another trainee
    again = start_call(pc.scenario, pc.seed, sop=SOP, now=T0 + timedelta(minutes=5))  # Ulangi
    assert call_key(again, 7) != key

"""The cheap shell and the cheaper writes of issue 12, by their behaviour (never by time):
the sign-in is checked once per script run and again at every next action (a disabled or
demoted account is refused at once), the account box counts the sign-ins only now and then,
a Latihan draft is still picked up after a reload, and the store's faster save path keeps
what it promised (one attempt per call, refused for a missing or disabled account, facts
written). Store tests run on SQLite and PostgreSQL; page tests in AppTest."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select, update

from store.attempts import save_attempt
from store.auth import create_account
from store.db import is_busy
from store.drafts import draft_version, get_draft, save_draft
from store.errors import NoLongerAllowed, StoreError
from store.models import AttemptFact, CriterionFact, User
from tests.accounts import app_as, database, user_id
from tests.test_practice_page import say, start
from tests.test_sessions import on_login_page
from views import auth
from views import practice_page as page

T0 = datetime(2025, 11, 3, 9, 0, tzinfo=UTC)


def _disable_behind_the_stores_back(name: str) -> None:
    """The account disabled with its sign-ins left as they are: only the check of the account
    itself can refuse it now."""
    with database().transaction() as s:
        s.execute(update(User).where(User.id == user_id(name)).values(disabled=True))


@pytest.fixture
def checks(monkeypatch):
    """How many times the pages checked the sign-in in the database."""
    seen: list[int] = []
    real = auth.check_session

    def counted(db, session_id, **kw):
        seen.append(session_id)
        return real(db, session_id, **kw)

    monkeypatch.setattr(auth, "check_session", counted)
    return seen


# ---------------------------------------------------------------- the sign-in, once per run
def test_the_sign_in_is_checked_once_per_run_and_again_at_the_next(fresh_app_db, checks):
    at = app_as("peserta1", url_path="latihan").run()  # the guard and the page: one check
    assert not at.exception and at.title[0].value == "Latihan"
    assert len(checks) == 1
    at.run()
    assert len(checks) == 2


def test_a_disabled_account_is_refused_at_its_next_action(fresh_app_db):
    at = app_as("peserta1").run()
    assert not on_login_page(at)
    _disable_behind_the_stores_back("peserta1")
    at.run()
    assert on_login_page(at)


def test_a_disabled_trainee_s_next_chat_reply_is_refused_and_not_kept(fresh_app_db):
    at = app_as("peserta1", url_path="latihan").run()
    start(at)
    say(at, "Selamat pagi, dengan Rina dari PLN 123, ada yang bisa dibantu?")
    before = get_draft(database(), user_id=user_id("peserta1"), kind="latihan")
    _disable_behind_the_stores_back("peserta1")
    at.chat_input(key=page.K_CHAT).set_value("Boleh saya minta IDPEL Bapak?").run()
    assert on_login_page(at)
    after = get_draft(database(), user_id=user_id("peserta1"), kind="latihan")
    assert after.version == before.version  # the reply of a disabled account was not kept


def test_a_demoted_user_is_refused_the_page_at_the_next_action(fresh_app_db):
    at = app_as("trainer1", url_path="skenario").run()
    assert not at.exception and not at.error
    with database().transaction() as s:  # the role taken away, the sign-in left alone
        from store.models import UserRole

        s.query(UserRole).filter(UserRole.user_id == user_id("trainer1"),
                                 UserRole.role == "trainer").delete()  # fmt: skip
        s.add(UserRole(user_id=user_id("trainer1"), role="trainee"))
    at.run()
    assert [e.value for e in at.error] == [auth.REFUSAL]


def test_the_account_box_counts_the_sign_ins_now_and_then(fresh_app_db, monkeypatch):
    counted: list[int] = []
    real = auth.active_sessions
    monkeypatch.setattr(auth, "active_sessions",
                        lambda db, **kw: counted.append(1) or real(db, **kw))  # fmt: skip
    at = app_as("peserta2").run()
    at.run()
    at.run()
    assert len(counted) == 1
    assert "saat ini 1 sesi aktif" in at.button(key="logout_all").help
    monkeypatch.setattr(auth, "ACTIVE_TTL_S", 0.0)  # after a while: counted again
    app_as("peserta2", keep_work=True).run()  # another browser signs in meanwhile
    before = len(counted)
    at.run()
    assert len(counted) == before + 1
    assert "saat ini 2 sesi aktif" in at.button(key="logout_all").help


# ---------------------------------------------------------------- drafts
def test_a_latihan_call_is_picked_up_after_a_reload(fresh_app_db):
    at = app_as("peserta1", url_path="latihan").run()
    call = start(at)
    say(at, "Selamat pagi, dengan Rina dari PLN 123, ada yang bisa dibantu?")
    lines = len(at.session_state[page.K_CALL].transcript)
    again = app_as("peserta1", url_path="latihan", keep_work=True).run()  # a reload
    assert not again.exception
    picked = again.session_state[page.K_CALL]
    assert picked.call.idpel == call.call.idpel and len(picked.transcript) == lines


@pytest.fixture
def siti(db):
    return create_account(db, username="siti", display_name="Siti", roles=["trainee"],
                          password="Sandi-Aminah-123")  # fmt: skip


def test_a_saved_draft_is_what_a_read_gives_back_and_its_version_is_known(db, siti):
    assert draft_version(db, user_id=siti.id, kind="latihan") is None
    save_draft(db, user_id=siti.id, kind="latihan", data={"a": [1, "x"]}, base=None, now=T0)
    later = T0 + timedelta(minutes=1)
    saved = save_draft(db, user_id=siti.id, kind="latihan", data={"a": [2]}, base=1, now=later)
    read = get_draft(db, user_id=siti.id, kind="latihan")
    assert saved == read and saved.version == 2 and saved.created_at == T0
    assert draft_version(db, user_id=siti.id, kind="latihan") == 2


# ---------------------------------------------------------------- saving an attempt
def _attempt(trainee_id: int, **extra):
    from tests.test_store import attempt_data

    data = attempt_data(trainee_id, **extra)
    data["result"]["criteria"] = [{"id": "salam", "ok": True, "points": 10.0, "max": 10.0,
                                   "critical": False, "sop_ref": "standar-layanan"}]
    return data


def test_the_save_path_keeps_its_promises(db, siti):
    key = "ab" * 16
    first = save_attempt(db, attempt=_attempt(siti.id, call_key=key))
    assert save_attempt(db, attempt=_attempt(siti.id, call_key=key)) == first  # once per call
    with db.session() as s:
        assert s.scalar(select(func.count()).select_from(AttemptFact)) == 1
        assert s.scalar(select(func.count()).select_from(CriterionFact)
                        .where(CriterionFact.attempt_id == first)) > 0  # fmt: skip
    with pytest.raises(StoreError) as missing:
        save_attempt(db, attempt=_attempt(siti.id + 999))
    assert missing.value.field == "trainee_id"
    with db.transaction() as s:
        s.execute(update(User).where(User.id == siti.id).values(disabled=True))
    with pytest.raises(NoLongerAllowed, match="akun Anda tidak aktif"):
        save_attempt(db, attempt=_attempt(siti.id))


def test_a_nul_in_a_reply_is_still_refused_and_its_escaped_text_is_not(db, siti):
    attempt = _attempt(siti.id)
    turn = {**attempt["transcript"][0], "text": "ada \\u0000 di sini"}  # the six characters
    save_attempt(db, attempt={**attempt, "transcript": [turn]})
    bad = {**attempt, "apkt": {**attempt["apkt"], "keterangan": "a\x00b"}}
    with pytest.raises(StoreError, match="NUL"):
        save_attempt(db, attempt=bad)


def test_sqlite_writers_of_one_process_queue_and_a_wait_too_long_is_busy(tmp_path):
    from store.db import Database

    db = Database(f"sqlite:///{tmp_path / 'gate.db'}")
    db.upgrade()
    held, release = threading.Event(), threading.Event()

    def hold() -> None:
        with db.transaction():
            held.set()
            release.wait(10)

    t = threading.Thread(target=hold)
    t.start()
    held.wait(10)
    with pytest.raises(Exception) as busy:  # noqa: PT011 - what matters is is_busy
        with db.transaction(busy_timeout_ms=50):
            pass
    assert is_busy(busy.value)
    release.set()
    t.join(10)
    with db.transaction(busy_timeout_ms=50):  # free again
        pass
    db.dispose()

"""Who may see what: the menu per role, every page's own refusal when opened by its URL, the
store functions that return attempts, and the QA, Skenario and Pengguna pages themselves.

Pages run in AppTest (app.py, signed in through the session like the login form does) against
the test database of tests/accounts.py; the store checks run on SQLite and PostgreSQL.
"""

from __future__ import annotations

import inspect
import re
from datetime import timedelta

import pytest

import store
from store import (
    AccessDenied,
    AttemptFilter,
    Requester,
    count_attempts,
    get_attempt,
    get_user_by_username,
    list_attempts,
    list_audit,
    progress,
    save_attempt,
)
from store.auth import authenticate
from tests.accounts import PASSWORD, app_as, database, user_id
from tests.test_store import T0, attempt_data, make_user
from views.auth import REFUSAL
from views.pages import PAGES

# The table: trainee -> SOP, Latihan, Progres saya; trainer -> also Skenario;
# QA -> also QA; admin -> also Pengguna.
COMMON = ["SOP", "Latihan", "Progres saya"]
MENU = {  # issue 14: trainees also Tugas saya; trainers and admins also Angkatan
    "peserta1": [*COMMON, "Tugas saya"],
    "trainer1": [*COMMON, "Skenario", "Angkatan"],
    "qa1": [*COMMON, "QA"],
    "admin1": [*COMMON, "Angkatan", "Pengguna"],
}
ROLE_OF = {"peserta1": "trainee", "trainer1": "trainer", "qa1": "qa", "admin1": "admin"}
PAGE_TITLES = {  # the first heading each page draws
    "sop": "Basis Pengetahuan SOP",
    "skenario": "Skenario latihan",
    "qa": "QA: percobaan peserta",
    "pengguna": "Pengguna",
    "tugas": "Tugas saya",
    "angkatan": "Angkatan",
}


def menu(at) -> list[str]:
    return [link.label for link in at.sidebar.get("page_link")]


def seen(markdown: str) -> str:
    """Markdown as the reader sees it (backslash escapes and invisible zero-width spaces
    removed)."""
    return re.sub(r"\\(.)", r"\1", markdown).replace("\u200b", "")


def refused(at) -> bool:
    return REFUSAL in [e.value for e in at.error]


# ---------------------------------------------------------------- the menu
@pytest.mark.parametrize("username", list(MENU))
def test_the_menu_offers_exactly_the_pages_of_the_role(username):
    at = app_as(username).run()
    assert not at.exception
    registered = [p.title for p in PAGES]
    assert menu(at) == [t for t in registered if t in MENU[username]]
    extra = {"trainer1": "Skenario", "qa1": "QA", "admin1": "Pengguna"}.get(username)
    assert "SOP" in menu(at) and (extra is None or extra in menu(at))
    # who is signed in, their roles, and one click to leave
    assert at.sidebar.caption[-1].value.startswith(username)
    assert at.button(key="logout").label == "Keluar"


def test_a_user_with_several_roles_gets_the_pages_of_each(fresh_app_db):
    from store import set_roles

    set_roles(database(), user_id=user_id("peserta2"), roles=["trainee", "qa", "trainer"],
              actor_id=None)  # fmt: skip
    at = app_as("peserta2").run()
    assert {"SOP", "Skenario", "QA"} <= set(menu(at)) and "Pengguna" not in menu(at)
    assert "Peserta (CSO), Trainer, QA" in seen(at.sidebar.caption[-1].value)


def test_nobody_signed_in_sees_no_menu_and_no_page():
    for path in ("qa", "pengguna", "skenario", "sop"):
        at = app_as(None, url_path=path).run()
        assert not at.exception and not menu(at)
        assert at.subheader[0].value == "Masuk"
        assert not at.dataframe  # no list of attempts, users or scenarios


# ---------------------------------------------------------------- every page guards itself
CASES = [(spec.url_path, username) for spec in PAGES for username in MENU]


@pytest.mark.parametrize("url_path, username", CASES)
def test_every_page_refuses_the_roles_it_must_refuse(url_path, username):
    spec = next(p for p in PAGES if p.url_path == url_path)
    at = app_as(username, url_path=url_path).run()
    assert not at.exception, [e.value for e in at.exception]
    if ROLE_OF[username] in spec.roles:
        assert not refused(at)
        if url_path in PAGE_TITLES:
            assert at.title[0].value == PAGE_TITLES[url_path]
    else:
        assert refused(at), f"{username} opened /{url_path}"
        assert not at.title and not at.dataframe  # nothing of the page was drawn
        assert spec.title not in menu(at)


def test_the_guard_is_in_the_page_itself_not_only_in_the_menu():
    """Each of these pages refuses when drawn directly, without app.py's menu or wrapper."""

    def direct(module: str) -> None:
        import importlib

        import streamlit as st

        st.session_state.setdefault("cso_user_id", st.session_state.pop("_as"))
        importlib.import_module(module).render()

    from streamlit.testing.v1 import AppTest

    for module in ("views.qa_page", "views.scenarios_page", "views.users_page"):
        at = AppTest.from_function(direct, args=(module,), default_timeout=60)
        at.session_state["_as"] = user_id("peserta1")
        at.run()
        assert not at.exception and [e.value for e in at.error] == [REFUSAL], module
        assert not at.dataframe and not at.title


# ---------------------------------------------------------------- attempts through the store
REQUESTER_FUNCTIONS = {"get_attempt", "list_attempts", "count_attempts", "progress"}


def test_every_store_function_that_returns_attempts_takes_the_requester():
    taking = {
        name
        for name in dir(store)
        if callable(getattr(store, name))
        and not inspect.isclass(getattr(store, name))
        and "requester" in inspect.signature(getattr(store, name)).parameters
    }
    assert taking == REQUESTER_FUNCTIONS  # a new one must be added to the test below


def test_a_trainee_cannot_read_another_trainees_attempts_through_any_store_function(db):
    budi, rina = make_user(db, "budi"), make_user(db, "rina")
    mine = save_attempt(db, attempt=attempt_data(budi.id))
    theirs = [
        save_attempt(db, attempt=attempt_data(rina.id, finished=T0 + timedelta(hours=h)))
        for h in (1, 2)
    ]
    me = budi.requester
    for attempt_id in theirs:
        assert get_attempt(db, attempt_id, requester=me) is None
    assert get_attempt(db, mine, requester=me).trainee_id == budi.id
    assert [a.id for a in list_attempts(db, requester=me)] == [mine]
    for where in (
        AttemptFilter(trainee_id=rina.id),
        AttemptFilter(case_id="invoice.email.tetap"),
        AttemptFilter(finished_from=T0 + timedelta(minutes=30)),
    ):
        assert all(a.trainee_id == budi.id for a in list_attempts(db, requester=me, where=where))
        assert count_attempts(db, requester=me, where=where) <= 1
    assert count_attempts(db, requester=me) == 1
    assert list_attempts(db, requester=me, offset=1) == []
    with pytest.raises(AccessDenied):
        progress(db, requester=me, trainee_id=rina.id)
    assert progress(db, requester=me, trainee_id=budi.id).attempts == 1
    # a requester made up with another id sees that id's attempts only, never more
    assert count_attempts(db, requester=Requester.of(rina.id, ["trainee"])) == 2


# ---------------------------------------------------------------- the QA page
def test_the_qa_page_lists_the_attempts_newest_first(fresh_app_db):
    db = database()
    peserta1, peserta2 = user_id("peserta1"), user_id("peserta2")
    save_attempt(db, attempt=attempt_data(peserta1, finished=T0))
    save_attempt(db, attempt=attempt_data(peserta2, finished=T0 + timedelta(days=1),
                                          case_id="tagihan.jumlah", percent=40.0, passed=False))
    at = app_as("qa1", url_path="qa").run()
    table = at.dataframe[0].value
    assert list(table["Peserta"]) == ["Budi Santoso (demo) (peserta2)",
                                      "Dewi Lestari (demo) (peserta1)"]  # fmt: skip
    assert list(table["Kasus"]) == ["Menanyakan jumlah tagihan",  # titles, not ids
                                    "Minta Invoice via email, tetap ingin dikirim email"]
    assert list(table["Lulus"]) == ["tidak", "ya"]
    assert table["Selesai"][1] == "3 Mar 2025 15.00 WIB"  # core.fmt.waktu
    assert at.caption[0].value.startswith("2 percobaan")


def test_the_qa_page_without_attempts_says_so(fresh_app_db):
    at = app_as("qa1", url_path="qa").run()
    assert at.info[0].value == "Belum ada percobaan yang tersimpan."


# ---------------------------------------------------------------- the Skenario page
def test_the_scenario_page_lists_the_library_for_trainers():
    from scenarios.library import load_scenarios

    at = app_as("trainer1", url_path="skenario").run()
    table = at.dataframe[0].value
    assert sorted(table["ID"]) == sorted(s.id for s in load_scenarios())
    assert set(table["Tingkat"]) <= {"mudah", "sedang", "sulit"}


# ---------------------------------------------------------------- the Pengguna page
def users_page():
    return app_as("admin1", url_path="pengguna").run()


def test_admin_creates_a_user_who_must_change_the_temporary_password(fresh_app_db):
    at = users_page()
    at.text_input(key="new_username").input("Sari.Dewi")
    at.text_input(key="new_name").input("Sari <b>Dewi</b>")
    at.multiselect(key="new_roles").set_value(["trainee", "qa"])
    at.text_input(key="new_email").input("sari@pln.co.id")
    at.button(key="FormSubmitter:user_add-Tambah pengguna").click().run()
    assert not at.exception and seen(at.success[0].value) == "Akun sari.dewi dibuat."
    temp = at.code[0].value
    table = at.dataframe[0].value
    row = table[table["Nama pengguna"] == "sari.dewi"].iloc[0]
    assert row["Nama"] == "Sari <b>Dewi</b>" and row["Peran"] == "Peserta (CSO), QA"
    assert row["Wajib ganti sandi"] == "ya" and row["Email SSO"] == "sari@pln.co.id"
    assert at.text_input(key="new_username").value == ""  # the form is ready for the next one

    result = authenticate(database(), username="sari.dewi", password=temp, client="t")
    assert result.ok and result.user.must_change_password
    created = list_audit(database(), target_id=result.user.id)
    assert created[0].action == "user.create" and created[0].actor_id == user_id("admin1")

    at.run()  # the temporary password is shown once only
    assert not at.code


def test_admin_sees_why_a_new_user_was_refused_and_keeps_the_input(fresh_app_db):
    at = users_page()
    at.text_input(key="new_username").input("peserta1")
    at.text_input(key="new_name").input("Dobel")
    at.button(key="FormSubmitter:user_add-Tambah pengguna").click().run()
    assert seen(at.error[0].value) == "Nama pengguna: 'peserta1' sudah dipakai"
    assert at.text_input(key="new_name").value == "Dobel"
    assert not at.code


def select_user(at, username):
    uid = user_id(username)
    at.segmented_control(key="users_section").set_value("Ubah pengguna").run()
    at.selectbox(key="users_selected").set_value(uid).run()
    return uid


def test_admin_sets_roles_resets_and_disables_with_an_audit_trail(fresh_app_db):
    at = users_page()
    uid = select_user(at, "peserta2")
    at.multiselect(key=f"roles_{uid}").set_value(["trainee", "trainer"])
    at.button(key=f"save_roles_{uid}").click().run()
    assert get_user_by_username(database(), "peserta2").roles == ("trainee", "trainer")

    at.button(key=f"reset_{uid}").click().run()
    at.button(key=f"confirm_reset_{uid}").click().run()  # asked first (tests/test_workflow_flow)
    temp = at.code[0].value
    assert not authenticate(database(), username="peserta2", password=PASSWORD, client="a").ok
    assert authenticate(database(), username="peserta2", password=temp, client="b").ok

    at.button(key=f"toggle_{uid}").click().run()
    at.button(key=f"confirm_toggle_{uid}").click().run()
    assert seen(at.success[0].value) == "Akun peserta2 dinonaktifkan."
    assert get_user_by_username(database(), "peserta2").disabled

    admin = user_id("admin1")
    actions = [(e.action, e.actor_id) for e in list_audit(database(), target_id=uid)]
    assert actions[-3:] == [("user.set_roles", admin), ("user.set_password", admin),
                            ("user.set_disabled", admin)]  # fmt: skip
    at.segmented_control(key="users_section").set_value("Riwayat perubahan").run()
    history = at.dataframe[1].value
    assert list(history["Perubahan"][:3]) == ["status diubah", "kata sandi diganti", "peran diubah"]
    assert "$argon2" not in " ".join(history["Sesudah"]) + " ".join(history["Sebelum"])


def test_admin_cannot_lock_everyone_out(fresh_app_db):
    at = users_page()
    uid = select_user(at, "admin1")
    assert at.button(key=f"toggle_{uid}").disabled  # not one's own account
    at.multiselect(key=f"roles_{uid}").set_value(["trainee"])
    at.button(key=f"save_roles_{uid}").click().run()
    assert seen(at.error[0].value) == "Peran: Harus tetap ada minimal satu admin aktif"
    assert get_user_by_username(database(), "admin1").roles == ("admin",)


def test_admin_maps_an_sso_email(fresh_app_db):
    at = users_page()
    uid = select_user(at, "trainer1")
    at.text_input(key=f"email_{uid}").input("bukan-email")
    at.button(key=f"save_email_{uid}").click().run()
    assert seen(at.error[0].value) == (
        "Email SSO: Bukan alamat email yang valid (contoh: nama@pln.co.id)"
    )
    at.text_input(key=f"email_{uid}").input("Rina@PLN.co.id")
    at.button(key=f"save_email_{uid}").click().run()
    assert get_user_by_username(database(), "trainer1").email == "rina@pln.co.id"

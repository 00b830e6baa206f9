"""Accounts for page tests: the demo accounts in a test database, and AppTest runs signed in.

The `app_db_url` fixture (conftest.py) is one SQLite file per test session holding the demo
accounts (store.auth.DEMO_ACCOUNTS, password DEMO_PASSWORD); every test runs with
CSO_DATABASE_URL pointing at it unless it sets its own. `fresh_app_db` copies it for a test
that changes accounts.

    at = app_as("peserta1")            # app.py, signed in as that account, not yet run
    at = app_as("qa1", url_path="qa")  # ... opening the page at /qa (as a typed-in URL would)
"""

from __future__ import annotations

import os
from functools import cache

from streamlit.testing.v1 import AppTest

from store.auth import DEMO_ACCOUNTS, DEMO_PASSWORD, ensure_demo_accounts
from store.db import Database
from tests.e2e import ROOT

PASSWORD = DEMO_PASSWORD
BY_ROLE: dict[str, str] = {}  # the first demo account of each role: trainee -> peserta1
for _username, _, _roles in DEMO_ACCOUNTS:
    BY_ROLE.setdefault(_roles[0], _username)
SESSION_USER = "cso_user_id"  # views.auth.SESSION_USER
SESSION_ID = "cso_sesi_id"  # views.auth.SESSION_ID


def seed(url: str) -> None:
    db = Database(url)
    try:
        db.upgrade()
        ensure_demo_accounts(db)
    finally:
        db.dispose()


@cache
def _database(url: str) -> Database:
    return Database(url)


def database() -> Database:
    """The database the app under test uses (CSO_DATABASE_URL)."""
    return _database(os.environ["CSO_DATABASE_URL"])


def user_id(username: str) -> int:
    from store import get_user_by_username

    user = get_user_by_username(database(), username)
    assert user is not None, f"no account {username} in the test database"
    return user.id


def _opener() -> None:
    """AppTest script: open a page by its URL path on the first run, then run app.py."""
    import runpy

    import streamlit as st

    from tests.e2e import ROOT

    goto = st.session_state.pop("_test_goto", None)
    query = st.session_state.pop("_test_query", None)
    if goto:  # what typing /<url_path>?<query> into the address bar does
        st.switch_page(st.Page(lambda: None, title=goto, url_path=goto), query_params=query)
    runpy.run_path(str(ROOT / "app.py"), run_name="__main__")


def signed_in(username: str) -> tuple[int, int, str]:
    """A sign-in of `username` as a browser holding its cookie has it: (user id, sign-in id,
    the cookie's token)."""
    from store.sessions import deliver, start_session

    uid = user_id(username)
    record, code = start_session(database(), user_id=uid, client="127.0.0.1",
                                 user_agent="AppTest")  # fmt: skip
    delivered = deliver(database(), code=code)
    assert delivered is not None
    return uid, record.id, delivered[1]


def forget_work(username: str) -> None:
    """Delete the work in progress the account left in the database (store.drafts)."""
    from sqlalchemy import delete

    from store.models import WorkDraft

    with database().transaction() as s:
        s.execute(delete(WorkDraft).where(WorkDraft.user_id == user_id(username)))


def app_as(
    username: str | None,
    *,
    url_path: str | None = None,
    query: dict[str, str] | None = None,
    keep_work: bool = False,
) -> AppTest:
    """app.py in AppTest signed in as `username` (None: nobody), opening `url_path` (with the
    `query` of the address, e.g. {"attempt": "12"}) if given.
    The sign-in is a real one (store.sessions), as after a login in this tab. The account's
    work in progress from earlier tests is dropped unless `keep_work` (a reload keeps it).
    Not run yet: call .run()."""
    if url_path:
        at = AppTest.from_function(_opener, default_timeout=60)
        at.session_state["_test_goto"] = url_path
        if query:
            at.session_state["_test_query"] = dict(query)
    else:
        at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    if username:
        if not keep_work:
            forget_work(username)
        uid, session_id, _ = signed_in(username)
        at.session_state[SESSION_USER] = uid
        at.session_state[SESSION_ID] = session_id
    return at

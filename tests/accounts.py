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
    if goto:  # what typing /<url_path> into the address bar does
        st.switch_page(st.Page(lambda: None, title=goto, url_path=goto))
    runpy.run_path(str(ROOT / "app.py"), run_name="__main__")


def app_as(username: str | None, *, url_path: str | None = None) -> AppTest:
    """app.py in AppTest signed in as `username` (None: nobody), opening `url_path` if given.
    Not run yet: call .run()."""
    if url_path:
        at = AppTest.from_function(_opener, default_timeout=60)
        at.session_state["_test_goto"] = url_path
    else:
        at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    if username:
        at.session_state[SESSION_USER] = user_id(username)
    return at

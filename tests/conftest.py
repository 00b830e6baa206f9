"""Shared test fixtures."""

from __future__ import annotations

import os
import shutil
import uuid

import pytest


# ---------------------------------------------------------------- store: the database
# `db` is a migrated, empty database; `empty_db` one without any tables. Both run on SQLite
# (a temp file) and, when CSO_TEST_POSTGRES_URL is set, on PostgreSQL in a fresh schema of
# its own that is dropped afterwards, so runs never see each other's rows.
def _db_backends() -> list[str]:
    return ["sqlite", "postgresql"] if os.environ.get("CSO_TEST_POSTGRES_URL") else ["sqlite"]


@pytest.fixture(params=_db_backends())
def empty_db(request, tmp_path):
    from sqlalchemy import create_engine

    from store.db import Database, normalise_url

    if request.param == "sqlite":
        database = Database(f"sqlite:///{tmp_path / 'store.db'}")
        yield database
        database.dispose()
        return
    url = normalise_url(os.environ["CSO_TEST_POSTGRES_URL"])
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = create_engine(url)
    with admin.begin() as conn:
        conn.exec_driver_sql(f"CREATE SCHEMA {schema}")
    database = Database(url, connect_args={"options": f"-c search_path={schema}"})
    try:
        yield database
    finally:
        database.dispose()
        with admin.begin() as conn:
            conn.exec_driver_sql(f"DROP SCHEMA {schema} CASCADE")
        admin.dispose()


@pytest.fixture
def db(empty_db):
    empty_db.upgrade()
    return empty_db


# ---------------------------------------------------------------- views: pages and browser
# `shipped_sop` is the seed SOP; `app` runs app.py once in AppTest (no server). `server_url` is a
# real `streamlit run app.py` (one per session, temp CSO_DATA_DIR) and `browser_page` a fresh
# headless Chromium page for @pytest.mark.browser tests; helpers live in tests/e2e.py.
@pytest.fixture(scope="session")
def shipped_sop():
    from sop.library import load_library

    return load_library().sops["pln123.tagihan_invoice"]


# Accounts (tests/accounts.py): every test runs with CSO_DATABASE_URL at a session-wide SQLite
# file holding the demo accounts (store.auth.DEMO_ACCOUNTS), so no test touches data/;
# `fresh_app_db` gives a test that changes accounts a copy of its own.
@pytest.fixture(scope="session")
def app_db_template(tmp_path_factory):
    from tests.accounts import seed

    path = tmp_path_factory.mktemp("app-db") / "template.db"
    seed(f"sqlite:///{path}")  # closed afterwards: one self-contained file to copy
    return path


@pytest.fixture(scope="session")
def app_db_url(app_db_template):
    path = app_db_template.with_name("app.db")
    shutil.copyfile(app_db_template, path)
    return f"sqlite:///{path}"


@pytest.fixture(autouse=True)
def _app_database(app_db_url, monkeypatch):
    monkeypatch.setenv("CSO_DATABASE_URL", app_db_url)


@pytest.fixture
def fresh_app_db(app_db_template, tmp_path, monkeypatch):
    shutil.copyfile(app_db_template, tmp_path / "app.db")
    url = f"sqlite:///{tmp_path / 'app.db'}"
    monkeypatch.setenv("CSO_DATABASE_URL", url)
    return url


@pytest.fixture
def app():
    """app.py in AppTest, signed in as the trainee peserta1, after its first run."""
    from tests.accounts import app_as

    at = app_as("peserta1")
    at.run()
    return at


@pytest.fixture(scope="session")
def server_data_dir(tmp_path_factory):
    return tmp_path_factory.mktemp("server-data")


@pytest.fixture(scope="session")
def server_url(server_data_dir):
    """A real `streamlit run app.py` in demo mode with the demo accounts (CSO_DEMO=1)."""
    from tests.e2e import streamlit_server

    with streamlit_server(server_data_dir) as url:
        yield url


@pytest.fixture(scope="session")
def browser():
    from tests.e2e import chromium

    with chromium() as b:
        yield b


@pytest.fixture(autouse=True)
def _no_work_left_on_the_server(request):
    """Tests on the shared server start without work in progress of earlier tests (a call left
    open would otherwise come back on the next test's Latihan page, as it should for users)."""
    if "server_url" not in request.fixturenames:
        return
    from tests.e2e import forget_server_work

    forget_server_work(request.getfixturevalue("server_data_dir"))


@pytest.fixture
def browser_page(browser, server_url):
    context = browser.new_context(viewport={"width": 1400, "height": 900}, locale="id-ID")
    page = context.new_page()
    page.set_default_timeout(30_000)
    try:
        yield page
    finally:
        context.close()

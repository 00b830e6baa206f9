"""Shared test fixtures."""

from __future__ import annotations

import os
import shutil
import uuid
from contextlib import contextmanager
from dataclasses import dataclass

import pytest


# ---------------------------------------------------------------- store: the database
# `db` is a migrated, empty database; `empty_db` one without any tables. Both run on SQLite
# (a temp file) and, when CSO_TEST_POSTGRES_URL is set, on PostgreSQL in a schema of their own,
# so runs never see each other's rows. `empty_db` is a new file or schema per test. `db` is
# migrated once per session: on SQLite a test gets a copy of the migrated file; on PostgreSQL
# the tests share one migrated schema, emptied before each test (every row deleted with the
# triggers off, the sequences back at their start).
def _db_backends() -> list[str]:
    return ["sqlite", "postgresql"] if os.environ.get("CSO_TEST_POSTGRES_URL") else ["sqlite"]


@contextmanager
def _postgres_schema():
    """A new schema on CSO_TEST_POSTGRES_URL, dropped afterwards: (url, connect_args)."""
    from sqlalchemy import create_engine

    from store.db import normalise_url

    url = normalise_url(os.environ["CSO_TEST_POSTGRES_URL"])
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = create_engine(url)
    with admin.begin() as conn:
        conn.exec_driver_sql(f"CREATE SCHEMA {schema}")
    try:
        yield url, {"options": f"-c search_path={schema}"}
    finally:
        with admin.begin() as conn:
            conn.exec_driver_sql(f"DROP SCHEMA {schema} CASCADE")
        admin.dispose()


@pytest.fixture(params=_db_backends())
def empty_db(request, tmp_path):
    from store.db import Database

    if request.param == "sqlite":
        database = Database(f"sqlite:///{tmp_path / 'store.db'}")
        yield database
        database.dispose()
        return
    with _postgres_schema() as (url, connect_args):
        database = Database(url, connect_args=connect_args)
        try:
            yield database
        finally:
            database.dispose()


@pytest.fixture(scope="session")
def _migrated_sqlite(tmp_path_factory):
    from store.db import Database

    path = tmp_path_factory.mktemp("migrated") / "store.db"
    database = Database(f"sqlite:///{path}")
    database.upgrade()
    database.dispose()  # the last connection folds the WAL back: one self-contained file
    assert not path.with_name("store.db-wal").exists()
    return path


@pytest.fixture(scope="session")
def _migrated_postgres():
    from store.db import Database

    with _postgres_schema() as (url, connect_args):
        database = Database(url, connect_args=connect_args)
        database.upgrade()
        tables = [t for t in database.table_names() if t != "alembic_version"]
        with database.engine.connect() as conn:
            for t in tables:  # what a test starts from: the migrations insert no rows
                assert conn.exec_driver_sql(f'SELECT count(*) FROM "{t}"').scalar() == 0, t
            sequences = conn.exec_driver_sql(
                "SELECT sequence_name, start_value FROM information_schema.sequences"
                " WHERE sequence_schema = current_schema()").all()
            superuser = conn.exec_driver_sql(
                "SELECT rolsuper FROM pg_roles WHERE rolname = current_user").scalar()
        database.dispose()
        yield url, connect_args, _Emptying(tables, sequences, bool(superuser))


@dataclass(frozen=True)
class _Emptying:
    """Empties the shared migrated schema to what a new one holds: no rows, every sequence at
    its start. Deleting from ~20 small tables takes ~5 ms; TRUNCATE ~150 ms (new files)."""

    tables: list[str]
    sequences: list[tuple[str, int]]
    superuser: bool

    def __call__(self, database) -> None:
        with database.engine.begin() as conn:
            conn.exec_driver_sql("SET LOCAL lock_timeout = '20s'")  # a leaked lock fails, not hangs
            if self.superuser:  # no trigger fires: neither the append-only guards nor the FKs
                conn.exec_driver_sql("SET LOCAL session_replication_role = replica")
                for t in self.tables:
                    conn.exec_driver_sql(f'DELETE FROM "{t}"')
            else:  # only the owner's way is left
                names = ", ".join(f'"{t}"' for t in self.tables)
                for t in self.tables:
                    conn.exec_driver_sql(f'ALTER TABLE "{t}" DISABLE TRIGGER USER')
                conn.exec_driver_sql(f"TRUNCATE {names} CASCADE")
                for t in self.tables:
                    conn.exec_driver_sql(f'ALTER TABLE "{t}" ENABLE TRIGGER USER')
            for name, start in self.sequences:
                conn.exec_driver_sql(f"SELECT setval('\"{name}\"', {int(start)}, false)")


@pytest.fixture(params=_db_backends())
def db(request, tmp_path):
    from store.db import Database

    if request.param == "sqlite":
        shutil.copyfile(request.getfixturevalue("_migrated_sqlite"), tmp_path / "store.db")
        database = Database(f"sqlite:///{tmp_path / 'store.db'}")
    else:
        url, connect_args, empty = request.getfixturevalue("_migrated_postgres")
        database = Database(url, connect_args=connect_args)
        empty(database)
    yield database
    database.dispose()


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

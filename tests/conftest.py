"""Shared test fixtures."""

from __future__ import annotations

import os
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


@pytest.fixture
def app():
    from streamlit.testing.v1 import AppTest

    from tests.e2e import ROOT

    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.run()
    return at


@pytest.fixture(scope="session")
def server_url(tmp_path_factory):
    from tests.e2e import streamlit_server

    with streamlit_server(tmp_path_factory.mktemp("server-data")) as url:
        yield url


@pytest.fixture(scope="session")
def browser():
    from tests.e2e import chromium

    with chromium() as b:
        yield b


@pytest.fixture
def browser_page(browser, server_url):
    context = browser.new_context(viewport={"width": 1400, "height": 900}, locale="id-ID")
    page = context.new_page()
    page.set_default_timeout(30_000)
    try:
        yield page
    finally:
        context.close()

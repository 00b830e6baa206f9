"""One `Database` object per process: the engine, sessions, transactions and migrations.

SQLite (the default, a file under data/) runs in WAL mode with a busy timeout and foreign keys
on. A write transaction starts with `BEGIN IMMEDIATE`, so concurrent writers queue on the busy
timeout instead of failing when a read turns into a write. PostgreSQL is reached through
psycopg 3 (`postgresql://` URLs are rewritten to `postgresql+psycopg://`).
"""

from __future__ import annotations

import logging
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, create_engine, event, inspect, text
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from core.config import database_url
from store.errors import StoreError

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
BUSY_TIMEOUT_MS = 10_000
_WRITE = "cso_write"  # connection execution option: this transaction will write
_BUSY = "cso_busy_ms"  # connection execution option: how long this write waits for a lock
T = TypeVar("T")
log = logging.getLogger(__name__)


def normalise_url(url: str | URL) -> URL:
    """Parse a database URL; PostgreSQL always goes through psycopg 3."""
    u = make_url(url)
    if u.drivername in ("postgresql", "postgres", "postgresql+psycopg2"):
        u = u.set(drivername="postgresql+psycopg")
    return u


class Database:
    """The database of the app. `Database()` uses `CSO_DATABASE_URL` or data/cso_trainer.db."""

    def __init__(
        self,
        url: str | URL | None = None,
        *,
        connect_args: dict[str, Any] | None = None,
        echo: bool = False,
    ):
        self.url = normalise_url(url or database_url())
        self.connect_args = dict(connect_args or {})
        if self.is_sqlite:
            _make_sqlite_folder(self.url)
        self.engine: Engine = create_engine(
            self.url, connect_args=self.connect_args, echo=echo, pool_pre_ping=not self.is_sqlite
        )
        if self.is_sqlite:
            _configure_sqlite(self.engine)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)
        # SQLite: the write transactions of this process's threads queue here, each woken as
        # soon as the one before commits (SQLite's own busy wait polls with sleeps up to
        # 100 ms, so twenty threads of one app server waited far longer than the writes took)
        self._write_gate = threading.Lock() if self.is_sqlite else None

    def __repr__(self) -> str:
        return f"Database({self.url.render_as_string(hide_password=True)!r})"

    @property
    def is_sqlite(self) -> bool:
        return self.url.get_backend_name() == "sqlite"

    # ------------------------------------------------------------ sessions
    @contextmanager
    def session(self) -> Iterator[Session]:
        """A session for reading (rolled back at the end; nothing it does is kept)."""
        with self._sessions() as s:
            yield s

    @contextmanager
    def transaction(self, *, busy_timeout_ms: int | None = None) -> Iterator[Session]:
        """A session in one write transaction: committed at the end, rolled back on error.

        `busy_timeout_ms`: how long to wait for another writer's lock before failing (SQLite's
        busy timeout, PostgreSQL's lock_timeout); default BUSY_TIMEOUT_MS on SQLite, no limit
        on PostgreSQL. See `write_retrying`."""
        options: dict[str, Any] = {_WRITE: True}
        if busy_timeout_ms is not None:
            options[_BUSY] = int(busy_timeout_ms)
        gate = self._write_gate
        wait_s = (BUSY_TIMEOUT_MS if busy_timeout_ms is None else busy_timeout_ms) / 1000
        if gate is not None and not gate.acquire(timeout=max(wait_s, 0.001)):
            raise OperationalError("BEGIN IMMEDIATE", None,
                                   sqlite3.OperationalError("database is locked"))  # fmt: skip
        try:
            with self._sessions() as s:
                with s.begin():
                    s.connection(execution_options=options)
                    if busy_timeout_ms is not None and not self.is_sqlite:
                        s.execute(text(f"SET LOCAL lock_timeout = {int(busy_timeout_ms)}"))
                    yield s
        finally:
            if gate is not None:
                gate.release()

    def dispose(self) -> None:
        self.engine.dispose()

    # ------------------------------------------------------------ schema
    def upgrade(self, revision: str = "head") -> None:
        """Apply the migrations up to `revision`. Safe to call on every start."""
        with self.engine.connect() as conn:
            conn.execution_options(**{_WRITE: True})  # SQLite: BEGIN IMMEDIATE, one at a time
            command.upgrade(self._alembic_config(conn), revision)

    def current_revision(self) -> str | None:
        with self.engine.connect() as conn:
            return MigrationContext.configure(conn).get_current_revision()

    def head_revision(self) -> str | None:
        return ScriptDirectory.from_config(self._alembic_config(None)).get_current_head()

    def table_names(self) -> list[str]:
        return sorted(inspect(self.engine).get_table_names())

    def journal_mode(self) -> str | None:
        """SQLite's journal mode ('wal'); None on other databases."""
        if not self.is_sqlite:
            return None
        with self.engine.connect() as conn:
            return str(conn.exec_driver_sql("PRAGMA journal_mode").scalar())

    def _alembic_config(self, conn: Any) -> Config:
        cfg = Config()
        cfg.set_main_option("script_location", str(MIGRATIONS))
        cfg.attributes["connection"] = conn
        return cfg


def _make_sqlite_folder(url: URL) -> None:
    name = url.database or ""
    if name and name != ":memory:" and not name.startswith("file:"):
        Path(name).expanduser().resolve().parent.mkdir(parents=True, exist_ok=True)


def _configure_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        # Let SQLAlchemy's "begin" event below issue BEGIN itself (the pysqlite recipe).
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        cur.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        options = conn.get_execution_options()
        write = options.get(_WRITE, False)
        busy = int(options.get(_BUSY, BUSY_TIMEOUT_MS))
        info = conn.connection.info  # kept with the pooled connection
        if info.get(_BUSY, BUSY_TIMEOUT_MS) != busy:  # and set back on its next transaction
            conn.exec_driver_sql(f"PRAGMA busy_timeout={busy}")
            info[_BUSY] = busy
        conn.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")


def advisory_lock_sql() -> Any:
    """PostgreSQL: one migration at a time per schema, even with several app processes."""
    return text(
        "SELECT pg_advisory_xact_lock(hashtext('cso_trainer.migrate.' || current_schema()))"
    )


# ---------------------------------------------------------------- for the domain functions
@contextmanager
def writing(db: Database | Session) -> Iterator[Session]:
    """A write transaction of its own, or the caller's session (the caller then commits).

    Passing a session lets several domain functions share one transaction.
    """
    if isinstance(db, Session):
        yield db
        db.flush()
    else:
        with db.transaction() as s:
            yield s


@contextmanager
def reading(db: Database | Session) -> Iterator[Session]:
    if isinstance(db, Session):
        yield db
    else:
        with db.session() as s:
            yield s


# ---------------------------------------------------------------- a busy database
# SQLite: another process holds the write lock ("database is locked"); PostgreSQL: a lock
# wait ran past lock_timeout, a serialization failure or a deadlock. All of them leave nothing
# written (the transaction rolls back) and may succeed when tried again.
BUSY_TRIES = 3  # write_retrying: tries of one write
BUSY_TRY_MS = 3_000  # ... each waiting this long for the lock
BUSY_PAUSES = (0.3, 0.8)  # ... with these pauses (seconds) between tries
_PG_BUSY = {"55P03", "40001", "40P01"}  # lock_not_available, serialization, deadlock
BUSY_MESSAGE = (
    "Basis data sedang sibuk sehingga data belum tersimpan. Isian Anda tetap ada; "
    "coba simpan lagi sebentar lagi."
)


class DatabaseBusy(StoreError):
    """The database stayed busy (locked by another writer) through every try; nothing of the
    write was kept, and the same write may be tried again."""

    def __init__(self, tries: int):
        super().__init__("basis_data", BUSY_MESSAGE)
        self.tries = tries


def is_busy(exc: BaseException) -> bool:
    """Whether `exc` means "another writer holds the lock; try again later"."""
    if isinstance(exc, DatabaseBusy):
        return True
    if not isinstance(exc, DBAPIError):
        return False
    orig = exc.orig
    if getattr(orig, "sqlstate", None) in _PG_BUSY:
        return True
    message = str(orig).lower()
    return "database is locked" in message or "database table is locked" in message


def write_retrying(
    db: Database,
    work: Callable[[Session], T],
    *,
    tries: int | None = None,
    busy_timeout_ms: int | None = None,
    pauses: tuple[float, ...] | None = None,
) -> T:
    """Run `work(session)` in a write transaction of its own; when the database is busy, roll
    back and try again (bounded: `tries` tries of `busy_timeout_ms` each, with `pauses` between
    them), then raise DatabaseBusy. `work` must be safe to run again from its start (each try
    is a new transaction; nothing of a failed try is kept). Other errors pass through."""
    tries = BUSY_TRIES if tries is None else max(1, tries)
    wait = BUSY_TRY_MS if busy_timeout_ms is None else busy_timeout_ms
    pauses = BUSY_PAUSES if pauses is None else pauses
    for n in range(1, tries + 1):
        try:
            with db.transaction(busy_timeout_ms=wait) as s:
                return work(s)
        except Exception as exc:
            if not is_busy(exc):
                raise
            log.warning("basis data sibuk (percobaan %d dari %d): %s", n, tries, exc)
            if n < tries:
                time.sleep(pauses[min(n - 1, len(pauses) - 1)] if pauses else 0)
    raise DatabaseBusy(tries)

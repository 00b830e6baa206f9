"""One `Database` object per process: the engine, sessions, transactions and migrations.

SQLite (the default, a file under data/) runs in WAL mode with a busy timeout and foreign keys
on. A write transaction starts with `BEGIN IMMEDIATE`, so concurrent writers queue on the busy
timeout instead of failing when a read turns into a write. PostgreSQL is reached through
psycopg 3 (`postgresql://` URLs are rewritten to `postgresql+psycopg://`).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, create_engine, event, inspect, text
from sqlalchemy.engine import URL, make_url
from sqlalchemy.orm import Session, sessionmaker

from core.config import database_url

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
BUSY_TIMEOUT_MS = 10_000
_WRITE = "cso_write"  # connection execution option: this transaction will write


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
    def transaction(self) -> Iterator[Session]:
        """A session in one write transaction: committed at the end, rolled back on error."""
        with self._sessions() as s:
            with s.begin():
                s.connection(execution_options={_WRITE: True})
                yield s

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
        write = conn.get_execution_options().get(_WRITE, False)
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

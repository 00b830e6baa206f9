"""Alembic environment, usable from code (`Database.upgrade()`) and from the alembic command.

From code, the caller passes an open connection in `config.attributes["connection"]`.
On PostgreSQL an advisory lock makes concurrent starts run the migrations one at a time; on
SQLite the caller's `BEGIN IMMEDIATE` does the same.
"""

from __future__ import annotations

from alembic import context
from sqlalchemy.engine import Connection

from core.config import database_url
from store.db import Database, advisory_lock_sql
from store.models import Base

config = context.config


def run(conn: Connection) -> None:
    context.configure(
        connection=conn,
        target_metadata=Base.metadata,
        render_as_batch=conn.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        if conn.dialect.name == "postgresql":
            conn.execute(advisory_lock_sql())
        context.run_migrations()


def run_offline() -> None:
    context.configure(
        url=config.get_main_option("sqlalchemy.url") or database_url(),
        target_metadata=Base.metadata,
        literal_binds=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_online() -> None:
    conn = config.attributes.get("connection")
    if conn is not None:
        run(conn)
        return
    db = Database(config.get_main_option("sqlalchemy.url") or None)
    try:
        with db.engine.connect() as own:
            own.execution_options(cso_write=True)
            run(own)
    finally:
        db.dispose()


if context.is_offline_mode():
    run_offline()
else:
    run_online()

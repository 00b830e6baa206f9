"""Content authored in the app: scenarios and SOPs (rubrics, assumptions) as immutable versions.

Revision ID: 0004
Revises: 0003
Create Date: 2025-11-27
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from store.types import Json, UtcDateTime

revision: str = "0004"
down_revision: str | Sequence[str] | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SOURCES = "'bawaan', 'editor', 'impor', 'pulihkan', 'status'"


def upgrade() -> None:
    op.create_table(
        "content_items",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("item_id", sa.String(120), nullable=False),
        sa.Column("current_number", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("title", sa.String(300), nullable=False),
        sa.Column("meta", Json, nullable=False),
        sa.Column("content_hash", sa.String(64), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.Column("updated_at", UtcDateTime(), nullable=False),
        sa.Column("updated_by", sa.Integer(), nullable=True),
        sa.CheckConstraint("kind IN ('scenario', 'sop')", name=op.f("ck_content_items_kind")),
        sa.CheckConstraint(
            "status IN ('aktif', 'nonaktif')", name=op.f("ck_content_items_status")
        ),
        sa.ForeignKeyConstraint(
            ["updated_by"], ["users.id"], name=op.f("fk_content_items_updated_by_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_content_items")),
    )
    op.create_index(
        op.f("ix_content_items_kind_item_id"), "content_items", ["kind", "item_id"], unique=True
    )
    op.create_table(
        "content_versions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("item_pk", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("content_hash", sa.String(64), nullable=False),
        sa.Column("source", sa.String(20), nullable=False),
        sa.Column("reason", sa.String(500), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=True),
        sa.Column("restored_from", sa.Integer(), nullable=True),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.CheckConstraint("number >= 1", name=op.f("ck_content_versions_number")),
        sa.CheckConstraint(f"source IN ({SOURCES})", name=op.f("ck_content_versions_source")),
        sa.ForeignKeyConstraint(
            ["item_pk"],
            ["content_items.id"],
            name=op.f("fk_content_versions_item_pk_content_items"),
        ),
        sa.ForeignKeyConstraint(
            ["author_id"], ["users.id"], name=op.f("fk_content_versions_author_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_content_versions")),
    )
    op.create_index(
        op.f("ix_content_versions_item_pk_number"),
        "content_versions",
        ["item_pk", "number"],
        unique=True,
    )
    op.create_index(op.f("ix_content_versions_created_at"), "content_versions", ["created_at"])
    _versions_are_immutable()


def _versions_are_immutable() -> None:
    """A saved version is never changed or deleted."""
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "CREATE FUNCTION content_versions_immutable() RETURNS trigger LANGUAGE plpgsql AS "
            "$$ BEGIN RAISE EXCEPTION 'content_versions is append-only'; END $$"
        )
        op.execute(
            "CREATE TRIGGER content_versions_no_change BEFORE UPDATE OR DELETE ON "
            "content_versions FOR EACH ROW EXECUTE FUNCTION content_versions_immutable()"
        )
        op.execute(
            "CREATE TRIGGER content_versions_no_truncate BEFORE TRUNCATE ON content_versions "
            "FOR EACH STATEMENT EXECUTE FUNCTION content_versions_immutable()"
        )
        return
    for event in ("UPDATE", "DELETE"):
        op.execute(
            f"CREATE TRIGGER content_versions_no_{event.lower()} BEFORE {event} ON "
            "content_versions BEGIN SELECT RAISE(ABORT, 'content_versions is append-only'); END"
        )


def downgrade() -> None:
    op.drop_table("content_versions")
    op.drop_table("content_items")
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP FUNCTION content_versions_immutable()")

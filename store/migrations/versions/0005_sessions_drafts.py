"""Sign-ins that survive a reload (auth_sessions) and work in progress kept in the database
(work_drafts).

Revision ID: 0005
Revises: 0004
Create Date: 2025-11-28
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from store.types import Json, UtcDateTime

revision: str = "0005"
down_revision: str | Sequence[str] | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "auth_sessions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(64), nullable=True),
        sa.Column("handoff_hash", sa.String(64), nullable=True),
        sa.Column("handoff_expires_at", UtcDateTime(), nullable=True),
        sa.Column("via", sa.String(10), nullable=False),
        sa.Column("sso_key", sa.String(64), nullable=True),
        sa.Column("client", sa.String(80), nullable=False),
        sa.Column("user_agent", sa.String(300), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.Column("last_seen_at", UtcDateTime(), nullable=False),
        sa.Column("expires_at", UtcDateTime(), nullable=False),
        sa.Column("revoked_at", UtcDateTime(), nullable=True),
        sa.Column("revoked_reason", sa.String(40), nullable=True),
        sa.CheckConstraint("via IN ('sandi', 'sso')", name=op.f("ck_auth_sessions_via")),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_auth_sessions_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_auth_sessions")),
    )
    op.create_index(
        op.f("ix_auth_sessions_token_hash"), "auth_sessions", ["token_hash"], unique=True
    )
    op.create_index(
        op.f("ix_auth_sessions_handoff_hash"), "auth_sessions", ["handoff_hash"], unique=True
    )
    op.create_index(
        op.f("ix_auth_sessions_user_id_revoked_at"), "auth_sessions", ["user_id", "revoked_at"]
    )
    op.create_index(op.f("ix_auth_sessions_sso_key"), "auth_sessions", ["sso_key"])
    op.create_index(op.f("ix_auth_sessions_expires_at"), "auth_sessions", ["expires_at"])

    op.create_table(
        "work_drafts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("key", sa.String(200), nullable=False),
        sa.Column("data", Json, nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.Column("updated_at", UtcDateTime(), nullable=False),
        sa.CheckConstraint(
            "kind IN ('latihan', 'skenario', 'rubrik', 'qa')", name=op.f("ck_work_drafts_kind")
        ),
        sa.CheckConstraint("version >= 1", name=op.f("ck_work_drafts_version")),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_work_drafts_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_work_drafts")),
    )
    op.create_index(
        op.f("ix_work_drafts_user_id_kind_key"), "work_drafts", ["user_id", "kind", "key"],
        unique=True,
    )


def downgrade() -> None:
    op.drop_table("work_drafts")
    op.drop_table("auth_sessions")

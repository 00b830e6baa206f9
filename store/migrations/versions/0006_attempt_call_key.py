"""An attempt's call key: the call it finishes, unique, so a save retried after a busy
database (or sent twice) stores the attempt once.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-27
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | Sequence[str] | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("attempts", sa.Column("call_key", sa.String(64), nullable=True))
    op.create_index(op.f("ix_attempts_call_key"), "attempts", ["call_key"], unique=True)


def downgrade() -> None:
    op.drop_index(op.f("ix_attempts_call_key"), table_name="attempts")
    op.drop_column("attempts", "call_key")

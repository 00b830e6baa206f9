"""Cohorts (angkatan) with their trainees and trainers, assignments (practice sets and exams
with open and due dates) and exam starts (a sitting counts from its start, finished or not).

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-27
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from store.types import Json, UtcDateTime

revision: str = "0008"
down_revision: str | Sequence[str] | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "cohorts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(120), nullable=False),
        sa.Column("sop_id", sa.String(80), nullable=False),
        sa.Column("start_date", sa.Date(), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.Column("created_by", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["created_by"], ["users.id"],
                                name=op.f("fk_cohorts_created_by_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cohorts")),
    )
    op.create_index(op.f("ix_cohorts_name"), "cohorts", ["name"], unique=True)

    op.create_table(
        "cohort_members",
        sa.Column("cohort_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("role", sa.String(10), nullable=False),
        sa.Column("added_at", UtcDateTime(), nullable=False),
        sa.Column("added_by", sa.Integer(), nullable=True),
        sa.CheckConstraint("role IN ('trainee', 'trainer')", name=op.f("ck_cohort_members_role")),
        sa.ForeignKeyConstraint(["cohort_id"], ["cohorts.id"],
                                name=op.f("fk_cohort_members_cohort_id_cohorts"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"],
                                name=op.f("fk_cohort_members_user_id_users")),
        sa.ForeignKeyConstraint(["added_by"], ["users.id"],
                                name=op.f("fk_cohort_members_added_by_users")),
        sa.PrimaryKeyConstraint("cohort_id", "user_id", "role", name=op.f("pk_cohort_members")),
    )
    op.create_index(op.f("ix_cohort_members_user_id"), "cohort_members", ["user_id"])

    op.create_table(
        "assignments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("cohort_id", sa.Integer(), nullable=True),
        sa.Column("trainee_id", sa.Integer(), nullable=True),
        sa.Column("kind", sa.String(10), nullable=False),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("spec", Json, nullable=False),
        sa.Column("certification", sa.Boolean(), nullable=False),
        sa.Column("opens_at", UtcDateTime(), nullable=False),
        sa.Column("due_at", UtcDateTime(), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.Column("created_by", sa.Integer(), nullable=True),
        sa.CheckConstraint("kind IN ('latihan', 'ujian')", name=op.f("ck_assignments_kind")),
        sa.CheckConstraint("(cohort_id IS NULL) <> (trainee_id IS NULL)",
                           name=op.f("ck_assignments_target")),
        sa.CheckConstraint("due_at > opens_at", name=op.f("ck_assignments_window")),
        sa.ForeignKeyConstraint(["cohort_id"], ["cohorts.id"],
                                name=op.f("fk_assignments_cohort_id_cohorts"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["trainee_id"], ["users.id"],
                                name=op.f("fk_assignments_trainee_id_users")),
        sa.ForeignKeyConstraint(["created_by"], ["users.id"],
                                name=op.f("fk_assignments_created_by_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_assignments")),
    )
    op.create_index(op.f("ix_assignments_cohort_id"), "assignments", ["cohort_id"])
    op.create_index(op.f("ix_assignments_trainee_id"), "assignments", ["trainee_id"])

    op.create_table(
        "exam_starts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("assignment_id", sa.Integer(), nullable=False),
        sa.Column("trainee_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("exam_id", sa.String(64), nullable=False),
        sa.Column("started_at", UtcDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["assignment_id"], ["assignments.id"],
                                name=op.f("fk_exam_starts_assignment_id_assignments"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["trainee_id"], ["users.id"],
                                name=op.f("fk_exam_starts_trainee_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_exam_starts")),
    )
    op.create_index(op.f("ix_exam_starts_assignment_id_trainee_id_number"), "exam_starts",
                    ["assignment_id", "trainee_id", "number"], unique=True)
    op.create_index(op.f("ix_exam_starts_exam_id"), "exam_starts", ["exam_id"], unique=True)


def downgrade() -> None:
    op.drop_table("exam_starts")
    op.drop_table("assignments")
    op.drop_table("cohort_members")
    op.drop_table("cohorts")

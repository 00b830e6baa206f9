"""QA review: overrides, review marks, score versions, calibration; facts for the dashboards.

The review record (criterion_overrides, attempt_reviews, score_versions, calibration_scores) is
append-only: database triggers refuse UPDATE and DELETE, as on audit_log. attempt_facts and
criterion_facts are derived, narrow rows for the dashboards and filters; attempts saved before
this revision get theirs here.

Revision ID: 0003
Revises: 0002
Create Date: 2025-11-27
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, timedelta

import sqlalchemy as sa
from alembic import op

from store.types import Json, UtcDateTime

revision: str = "0003"
down_revision: str | Sequence[str] | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

APPEND_ONLY_TABLES = ("criterion_overrides", "attempt_reviews", "score_versions",
                      "calibration_scores")
WIB = timedelta(hours=7)  # Asia/Jakarta, no daylight saving time


def _fk(table: str, column: str, target: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        [column], [f"{target}.id"], name=op.f(f"fk_{table}_{column}_{target}")
    )


def upgrade() -> None:
    def facts() -> list[sa.Column]:
        return [
            sa.Column("trainee_id", sa.Integer(), nullable=False),
            sa.Column("case_id", sa.String(80), nullable=False),
            sa.Column("scenario_id", sa.String(120), nullable=False),
            sa.Column("mode", sa.String(10), nullable=False),
            sa.Column("finished_at", UtcDateTime(), nullable=False),
            sa.Column("week", sa.Date(), nullable=False),
        ]

    op.create_table(
        "attempt_facts",
        sa.Column("attempt_id", sa.Integer(), autoincrement=False, nullable=False),
        *facts(),
        sa.Column("auto_percent", sa.Float(), nullable=False),
        sa.Column("auto_passed", sa.Boolean(), nullable=False),
        sa.Column("percent", sa.Float(), nullable=False),
        sa.Column("passed", sa.Boolean(), nullable=False),
        sa.Column("rubric_version", sa.String(80), nullable=True),
        sa.Column("overrides", sa.Integer(), nullable=False),
        sa.Column("reviewed_by", sa.Integer(), nullable=True),
        sa.Column("reviewed_at", UtcDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["attempt_id"], ["attempts.id"], name=op.f("fk_attempt_facts_attempt_id_attempts"),
            ondelete="CASCADE",
        ),
        _fk("attempt_facts", "reviewed_by", "users"),
        sa.PrimaryKeyConstraint("attempt_id", name=op.f("pk_attempt_facts")),
    )
    # Covering indexes: each dashboard GROUP BY reads one index, never the table (finished_at
    # last: a date filter is checked in the index too).
    for columns in (["finished_at"],
                    ["trainee_id", "case_id", "passed", "percent", "finished_at"],
                    ["case_id", "scenario_id", "passed", "percent", "finished_at"],
                    ["scenario_id", "finished_at"], ["week", "passed", "percent", "finished_at"],
                    ["reviewed_by"]):
        op.create_index(op.f("ix_attempt_facts_" + "_".join(columns)), "attempt_facts", columns)

    op.create_table(
        "criterion_facts",
        sa.Column("attempt_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("criterion_id", sa.String(60), nullable=False),
        *facts(),
        sa.Column("attempt_passed", sa.Boolean(), nullable=False),
        sa.Column("reviewed", sa.Boolean(), nullable=False),
        sa.Column("critical", sa.Boolean(), nullable=False),
        sa.Column("sop_ref", sa.String(40), nullable=False),
        sa.Column("max_points", sa.Float(), nullable=False),
        sa.Column("auto_ok", sa.Boolean(), nullable=False),
        sa.Column("auto_points", sa.Float(), nullable=False),
        sa.Column("ok", sa.Boolean(), nullable=False),
        sa.Column("points", sa.Float(), nullable=False),
        sa.Column("overridden", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["attempt_id"], ["attempts.id"],
            name=op.f("fk_criterion_facts_attempt_id_attempts"), ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("attempt_id", "criterion_id", name=op.f("pk_criterion_facts")),
    )
    for columns in (["criterion_id", "ok", "points", "max_points", "finished_at"],
                    ["trainee_id", "criterion_id", "ok", "points", "max_points", "finished_at"],
                    ["case_id", "criterion_id"], ["finished_at"]):
        op.create_index(
            op.f("ix_criterion_facts_" + "_".join(columns)), "criterion_facts", columns
        )

    op.create_table(
        "criterion_overrides",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("attempt_id", sa.Integer(), nullable=False),
        sa.Column("criterion_id", sa.String(60), nullable=False),
        sa.Column("reviewer_id", sa.Integer(), nullable=False),
        sa.Column("at", UtcDateTime(), nullable=False),
        sa.Column("old_ok", sa.Boolean(), nullable=False),
        sa.Column("old_points", sa.Float(), nullable=False),
        sa.Column("new_ok", sa.Boolean(), nullable=False),
        sa.Column("new_points", sa.Float(), nullable=False),
        sa.Column("max_points", sa.Float(), nullable=False),
        sa.Column("comment", sa.Text(), nullable=False),
        sa.CheckConstraint("length(comment) > 0", name=op.f("ck_criterion_overrides_comment")),
        _fk("criterion_overrides", "attempt_id", "attempts"),
        _fk("criterion_overrides", "reviewer_id", "users"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_criterion_overrides")),
    )
    op.create_index(op.f("ix_criterion_overrides_attempt_id_criterion_id"),
                    "criterion_overrides", ["attempt_id", "criterion_id"])
    op.create_index(op.f("ix_criterion_overrides_reviewer_id_at"), "criterion_overrides",
                    ["reviewer_id", "at"])

    op.create_table(
        "attempt_reviews",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("attempt_id", sa.Integer(), nullable=False),
        sa.Column("reviewer_id", sa.Integer(), nullable=False),
        sa.Column("at", UtcDateTime(), nullable=False),
        sa.Column("percent", sa.Float(), nullable=False),
        sa.Column("passed", sa.Boolean(), nullable=False),
        sa.Column("comment", sa.Text(), nullable=True),
        _fk("attempt_reviews", "attempt_id", "attempts"),
        _fk("attempt_reviews", "reviewer_id", "users"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_attempt_reviews")),
    )
    op.create_index(op.f("ix_attempt_reviews_attempt_id_at"), "attempt_reviews",
                    ["attempt_id", "at"])
    op.create_index(op.f("ix_attempt_reviews_reviewer_id_at"), "attempt_reviews",
                    ["reviewer_id", "at"])

    op.create_table(
        "score_versions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("attempt_id", sa.Integer(), nullable=False),
        sa.Column("at", UtcDateTime(), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("rubric_version", sa.String(80), nullable=False),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("max_score", sa.Float(), nullable=False),
        sa.Column("passed", sa.Boolean(), nullable=False),
        sa.Column("result", Json, nullable=False),
        _fk("score_versions", "attempt_id", "attempts"),
        _fk("score_versions", "actor_id", "users"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_score_versions")),
    )
    op.create_index(op.f("ix_score_versions_attempt_id_id"), "score_versions",
                    ["attempt_id", "id"])

    op.create_table(
        "calibrations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("attempt_id", sa.Integer(), nullable=False),
        sa.Column("requested_by", sa.Integer(), nullable=False),
        sa.Column("reviewer_id", sa.Integer(), nullable=False),
        sa.Column("requested_at", UtcDateTime(), nullable=False),
        sa.CheckConstraint("requested_by <> reviewer_id", name=op.f("ck_calibrations_two_people")),
        _fk("calibrations", "attempt_id", "attempts"),
        _fk("calibrations", "requested_by", "users"),
        _fk("calibrations", "reviewer_id", "users"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_calibrations")),
    )
    op.create_index(op.f("ix_calibrations_attempt_id_reviewer_id"), "calibrations",
                    ["attempt_id", "reviewer_id"], unique=True)
    op.create_index(op.f("ix_calibrations_reviewer_id"), "calibrations", ["reviewer_id"])

    op.create_table(
        "calibration_scores",
        sa.Column("calibration_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("criterion_id", sa.String(60), nullable=False),
        sa.Column("ok", sa.Boolean(), nullable=False),
        sa.Column("points", sa.Float(), nullable=False),
        sa.Column("max_points", sa.Float(), nullable=False),
        sa.Column("comment", sa.Text(), nullable=True),
        sa.Column("at", UtcDateTime(), nullable=False),
        _fk("calibration_scores", "calibration_id", "calibrations"),
        sa.PrimaryKeyConstraint("calibration_id", "criterion_id",
                                name=op.f("pk_calibration_scores")),
    )
    _append_only()
    _backfill_facts()


def _append_only() -> None:
    postgres = op.get_bind().dialect.name == "postgresql"
    if postgres:
        op.execute(
            "CREATE FUNCTION cso_append_only() RETURNS trigger LANGUAGE plpgsql AS "
            "$$ BEGIN RAISE EXCEPTION '% is append-only', TG_TABLE_NAME; END $$"
        )
    for table in APPEND_ONLY_TABLES:
        if postgres:
            op.execute(
                f"CREATE TRIGGER {table}_no_change BEFORE UPDATE OR DELETE ON {table} "
                "FOR EACH ROW EXECUTE FUNCTION cso_append_only()"
            )
            op.execute(
                f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
                "FOR EACH STATEMENT EXECUTE FUNCTION cso_append_only()"
            )
            continue
        for event in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER {table}_no_{event.lower()} BEFORE {event} ON {table} "
                f"BEGIN SELECT RAISE(ABORT, '{table} is append-only'); END"
            )


def _backfill_facts() -> None:
    """Facts for the attempts saved before this revision (automatic score, not reviewed)."""
    attempts = sa.table(
        "attempts", sa.column("id", sa.Integer()), sa.column("trainee_id", sa.Integer()),
        sa.column("case_id", sa.String()), sa.column("scenario_id", sa.String()),
        sa.column("mode", sa.String()), sa.column("finished_at", UtcDateTime()),
        sa.column("score", sa.Float()), sa.column("max_score", sa.Float()),
        sa.column("passed", sa.Boolean()), sa.column("rubric_version", sa.String()),
        sa.column("result", Json),
    )
    a_facts = sa.table("attempt_facts", *[sa.column(n) for n in (
        "attempt_id", "trainee_id", "case_id", "scenario_id", "mode", "finished_at", "week",
        "auto_percent", "auto_passed", "percent", "passed", "rubric_version", "overrides")])
    c_facts = sa.table("criterion_facts", *[sa.column(n) for n in (
        "attempt_id", "criterion_id", "trainee_id", "case_id", "scenario_id", "mode",
        "finished_at", "week", "attempt_passed", "reviewed", "critical", "sop_ref",
        "max_points", "auto_ok", "auto_points", "ok", "points", "overridden")])
    bind = op.get_bind()
    last = 0
    while True:  # in pages by id, so a large database is never read into memory at once
        page = bind.execute(
            sa.select(attempts).where(attempts.c.id > last).order_by(attempts.c.id).limit(1000)
        ).mappings().all()
        if not page:
            return
        last = page[-1]["id"]
        _backfill_page(bind, page, a_facts, c_facts)


def _backfill_page(bind, page, a_facts, c_facts) -> None:
    batch_a: list[dict] = []
    batch_c: list[dict] = []
    for r in page:
        finished = r["finished_at"].astimezone(UTC)
        local = (finished + WIB).date()
        week = local - timedelta(days=local.weekday())
        percent = round(100.0 * r["score"] / r["max_score"], 2)
        common = {"trainee_id": r["trainee_id"], "case_id": r["case_id"],
                  "scenario_id": r["scenario_id"], "mode": r["mode"],
                  "finished_at": r["finished_at"], "week": week}
        batch_a.append({"attempt_id": r["id"], **common, "auto_percent": percent,
                        "auto_passed": r["passed"], "percent": percent, "passed": r["passed"],
                        "rubric_version": r["rubric_version"], "overrides": 0})
        for c in (r["result"] or {}).get("criteria", []):
            batch_c.append({"attempt_id": r["id"], "criterion_id": c["id"], **common,
                            "attempt_passed": r["passed"], "reviewed": False,
                            "critical": bool(c.get("critical")),
                            "sop_ref": str(c.get("sop_ref") or ""),
                            "max_points": float(c["max"]), "auto_ok": bool(c["ok"]),
                            "auto_points": float(c["points"]), "ok": bool(c["ok"]),
                            "points": float(c["points"]), "overridden": False})
    if batch_a:
        bind.execute(a_facts.insert(), batch_a)
    if batch_c:
        bind.execute(c_facts.insert(), batch_c)


def downgrade() -> None:
    for table in ("calibration_scores", "calibrations", "score_versions", "attempt_reviews",
                  "criterion_overrides", "criterion_facts", "attempt_facts"):
        op.drop_table(table)
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP FUNCTION cso_append_only()")

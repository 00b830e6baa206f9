"""The database schema as typed SQLAlchemy 2.0 models.

The tables are created and changed only by the Alembic migrations in `store/migrations`;
these models must describe the same schema (a test compares them on SQLite and PostgreSQL).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from store.types import Json, UtcDateTime, utcnow

ROLES = ("trainee", "trainer", "qa", "admin")
MODES = ("latihan", "ujian")

# Fixed constraint names, so that both databases carry the same names and later migrations
# (SQLite batch mode included) can refer to them.
NAMING = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class User(Base):
    __tablename__ = "users"
    # A unique index rather than a constraint: SQLite can add it without rebuilding the table.
    __table_args__ = (Index(None, "email", unique=True),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(200))
    password_hash: Mapped[str | None] = mapped_column(String(255))
    disabled: Mapped[bool] = mapped_column(Boolean, default=False)
    must_change_password: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow, onupdate=utcnow)
    # The e-mail of the single sign-on (OIDC) identity that signs in as this account; lower case.
    email: Mapped[str | None] = mapped_column(String(254))

    roles: Mapped[list[UserRole]] = relationship(
        back_populates="user", cascade="all, delete-orphan", order_by="UserRole.role"
    )

    @property
    def role_names(self) -> tuple[str, ...]:
        return tuple(sorted(r.role for r in self.roles))


class UserRole(Base):
    __tablename__ = "user_roles"
    __table_args__ = (CheckConstraint("role IN ('trainee', 'trainer', 'qa', 'admin')", "role"),)

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    role: Mapped[str] = mapped_column(String(20), primary_key=True)

    user: Mapped[User] = relationship(back_populates="roles")


class Attempt(Base):
    """One finished, scored call of one trainee."""

    __tablename__ = "attempts"
    __table_args__ = (
        CheckConstraint("mode IN ('latihan', 'ujian')", "mode"),
        CheckConstraint("max_score > 0 AND score >= 0 AND score <= max_score", "score"),
        Index(None, "trainee_id", "finished_at"),
        Index(None, "trainee_id", "case_id"),
        Index(None, "case_id", "finished_at"),
        Index(None, "scenario_id", "finished_at"),
        Index(None, "passed", "finished_at"),
        Index(None, "mode", "finished_at"),
        Index(None, "finished_at"),
        Index(None, "exam_id"),
        Index(None, "call_key", unique=True),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    trainee_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    scenario_id: Mapped[str] = mapped_column(String(120))
    scenario_version: Mapped[str] = mapped_column(String(80))
    case_id: Mapped[str] = mapped_column(String(80))
    sop_id: Mapped[str] = mapped_column(String(80))
    seed: Mapped[int] = mapped_column(BigInteger)
    mode: Mapped[str] = mapped_column(String(10))
    exam_id: Mapped[str | None] = mapped_column(String(64))
    call: Mapped[dict[str, Any]] = mapped_column(Json)
    transcript: Mapped[list[dict[str, Any]]] = mapped_column(Json)
    apkt: Mapped[dict[str, Any]] = mapped_column(Json)
    score: Mapped[float] = mapped_column(Float)
    max_score: Mapped[float] = mapped_column(Float)
    passed: Mapped[bool] = mapped_column(Boolean)
    result: Mapped[dict[str, Any]] = mapped_column(Json)
    rubric_version: Mapped[str | None] = mapped_column(String(80))
    started_at: Mapped[datetime] = mapped_column(UtcDateTime)
    finished_at: Mapped[datetime] = mapped_column(UtcDateTime)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    # the call this attempt finishes (scenarios.practice.call_key): saved once, never twice
    call_key: Mapped[str | None] = mapped_column(String(64))


class LoginFailure(Base):
    """One failed login for one throttling key (an account or a client), kept for the backoff.

    `key_hash` is `core.security.failure_key(...)`: never the typed name or address in clear.
    Rows older than the backoff window are deleted when new failures are written.
    """

    __tablename__ = "login_failures"
    __table_args__ = (Index(None, "key_hash", "at"), Index(None, "at"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key_hash: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(UtcDateTime)


class AuditEntry(Base):
    """Append-only: database triggers refuse UPDATE and DELETE on this table."""

    __tablename__ = "audit_log"
    __table_args__ = (Index(None, "target_type", "target_id"), Index(None, "at"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    action: Mapped[str] = mapped_column(String(60))
    target_type: Mapped[str] = mapped_column(String(40))
    target_id: Mapped[str] = mapped_column(String(80))
    old: Mapped[Any | None] = mapped_column(Json)
    new: Mapped[Any | None] = mapped_column(Json)
    comment: Mapped[str | None] = mapped_column(Text)


# ---------------------------------------------------------------- QA review (migration 0003)
# The record of a review is append-only (triggers refuse UPDATE and DELETE): overrides, review
# marks, score versions from rescoring, calibration verdicts. `attempt_facts` and
# `criterion_facts` are derived: one narrow row per attempt and per criterion result with the
# current automatic and the adjusted (effective) figures, kept up to date in the transaction that
# changes them, so the dashboards and the QA filters never read the large JSON columns.
class AttemptFact(Base):
    __tablename__ = "attempt_facts"
    __table_args__ = (
        # Covering indexes: each dashboard GROUP BY reads one index, never the table.
        Index(None, "finished_at"),
        # (finished_at last: a date filter is checked in the index too)
        Index(None, "trainee_id", "case_id", "passed", "percent", "finished_at"),
        Index(None, "case_id", "scenario_id", "passed", "percent", "finished_at"),
        Index(None, "scenario_id", "finished_at"),
        Index(None, "week", "passed", "percent", "finished_at"),
        Index(None, "reviewed_by"),
    )

    attempt_id: Mapped[int] = mapped_column(
        ForeignKey("attempts.id", ondelete="CASCADE"), primary_key=True, autoincrement=False
    )
    trainee_id: Mapped[int] = mapped_column(Integer)
    case_id: Mapped[str] = mapped_column(String(80))
    scenario_id: Mapped[str] = mapped_column(String(120))
    mode: Mapped[str] = mapped_column(String(10))
    finished_at: Mapped[datetime] = mapped_column(UtcDateTime)
    week: Mapped[date] = mapped_column(Date)  # Monday of finished_at, in WIB (Asia/Jakarta)
    auto_percent: Mapped[float] = mapped_column(Float)  # current automatic score, 0..100
    auto_passed: Mapped[bool] = mapped_column(Boolean)
    percent: Mapped[float] = mapped_column(Float)  # adjusted by QA overrides, 0..100
    passed: Mapped[bool] = mapped_column(Boolean)
    rubric_version: Mapped[str | None] = mapped_column(String(80))
    overrides: Mapped[int] = mapped_column(Integer, default=0)
    reviewed_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    reviewed_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


class CriterionFact(Base):
    __tablename__ = "criterion_facts"
    __table_args__ = (
        Index(None, "criterion_id", "ok", "points", "max_points", "finished_at"),
        Index(None, "trainee_id", "criterion_id", "ok", "points", "max_points", "finished_at"),
        Index(None, "case_id", "criterion_id"),
        Index(None, "finished_at"),
    )

    attempt_id: Mapped[int] = mapped_column(
        ForeignKey("attempts.id", ondelete="CASCADE"), primary_key=True, autoincrement=False
    )
    criterion_id: Mapped[str] = mapped_column(String(60), primary_key=True)
    trainee_id: Mapped[int] = mapped_column(Integer)
    case_id: Mapped[str] = mapped_column(String(80))
    scenario_id: Mapped[str] = mapped_column(String(120))
    mode: Mapped[str] = mapped_column(String(10))
    finished_at: Mapped[datetime] = mapped_column(UtcDateTime)
    week: Mapped[date] = mapped_column(Date)
    attempt_passed: Mapped[bool] = mapped_column(Boolean)  # adjusted verdict of the attempt
    reviewed: Mapped[bool] = mapped_column(Boolean, default=False)
    critical: Mapped[bool] = mapped_column(Boolean)
    sop_ref: Mapped[str] = mapped_column(String(40))
    max_points: Mapped[float] = mapped_column(Float)
    auto_ok: Mapped[bool] = mapped_column(Boolean)
    auto_points: Mapped[float] = mapped_column(Float)
    ok: Mapped[bool] = mapped_column(Boolean)  # adjusted
    points: Mapped[float] = mapped_column(Float)
    overridden: Mapped[bool] = mapped_column(Boolean, default=False)


class CriterionOverride(Base):
    """Append-only: a QA verdict on one criterion of one attempt, with its mandatory comment."""

    __tablename__ = "criterion_overrides"
    __table_args__ = (
        Index(None, "attempt_id", "criterion_id"),
        Index(None, "reviewer_id", "at"),
        CheckConstraint("length(comment) > 0", "comment"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    attempt_id: Mapped[int] = mapped_column(ForeignKey("attempts.id"))
    criterion_id: Mapped[str] = mapped_column(String(60))
    reviewer_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    old_ok: Mapped[bool] = mapped_column(Boolean)
    old_points: Mapped[float] = mapped_column(Float)
    new_ok: Mapped[bool] = mapped_column(Boolean)
    new_points: Mapped[float] = mapped_column(Float)
    max_points: Mapped[float] = mapped_column(Float)
    comment: Mapped[str] = mapped_column(Text)


class AttemptReview(Base):
    """Append-only: "reviewed by" marks, with the adjusted score at that moment."""

    __tablename__ = "attempt_reviews"
    __table_args__ = (Index(None, "attempt_id", "at"), Index(None, "reviewer_id", "at"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    attempt_id: Mapped[int] = mapped_column(ForeignKey("attempts.id"))
    reviewer_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    percent: Mapped[float] = mapped_column(Float)
    passed: Mapped[bool] = mapped_column(Boolean)
    comment: Mapped[str | None] = mapped_column(Text)


class ScoreVersion(Base):
    """Append-only: a later automatic score of an attempt (rescoring after a rubric change).

    The first score stays on the attempt itself; the newest version here is the current one.
    """

    __tablename__ = "score_versions"
    __table_args__ = (Index(None, "attempt_id", "id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    attempt_id: Mapped[int] = mapped_column(ForeignKey("attempts.id"))
    at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    rubric_version: Mapped[str] = mapped_column(String(80))
    score: Mapped[float] = mapped_column(Float)
    max_score: Mapped[float] = mapped_column(Float)
    passed: Mapped[bool] = mapped_column(Boolean)
    result: Mapped[dict[str, Any]] = mapped_column(Json)


class Calibration(Base):
    """A request that a second reviewer score an attempt blind (without the overrides)."""

    __tablename__ = "calibrations"
    __table_args__ = (
        Index(None, "attempt_id", "reviewer_id", unique=True),
        Index(None, "reviewer_id"),
        CheckConstraint("requested_by <> reviewer_id", "two_people"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    attempt_id: Mapped[int] = mapped_column(ForeignKey("attempts.id"))
    requested_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    reviewer_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    requested_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class CalibrationScore(Base):
    """Append-only: the second reviewer's verdict on one criterion (written once, all at once)."""

    __tablename__ = "calibration_scores"

    calibration_id: Mapped[int] = mapped_column(
        ForeignKey("calibrations.id"), primary_key=True, autoincrement=False
    )
    criterion_id: Mapped[str] = mapped_column(String(60), primary_key=True)
    ok: Mapped[bool] = mapped_column(Boolean)
    points: Mapped[float] = mapped_column(Float)
    max_points: Mapped[float] = mapped_column(Float)
    comment: Mapped[str | None] = mapped_column(Text)
    at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


# ---------------------------------------------------------------- content versions (migration 0004)
# Scenarios and SOPs (with their rubrics and training assumptions) authored in the app. The text
# of every saved version is kept, immutable (triggers refuse UPDATE and DELETE on
# content_versions); `content_items` holds one row per scenario or SOP pointing at its current
# version, with a few columns copied from it for lists. Attempts refer to a scenario version by
# scenario id and content hash (attempts.scenario_version = the first 12 hex digits).
CONTENT_KINDS = ("scenario", "sop")
CONTENT_SOURCES = ("bawaan", "editor", "impor", "pulihkan", "status")


class ContentItem(Base):
    __tablename__ = "content_items"
    __table_args__ = (
        Index(None, "kind", "item_id", unique=True),
        CheckConstraint("kind IN ('scenario', 'sop')", "kind"),
        CheckConstraint("status IN ('aktif', 'nonaktif')", "status"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))
    item_id: Mapped[str] = mapped_column(String(120))
    current_number: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(20))
    title: Mapped[str] = mapped_column(String(300))
    meta: Mapped[dict[str, Any]] = mapped_column(Json)  # case, difficulty, facts, persona, ...
    content_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    updated_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))


class ContentVersion(Base):
    """Append-only: one saved text of a scenario or SOP, numbered 1, 2, ... per item."""

    __tablename__ = "content_versions"
    __table_args__ = (
        Index(None, "item_pk", "number", unique=True),
        Index(None, "created_at"),
        CheckConstraint("number >= 1", "number"),
        CheckConstraint(
            "source IN ('bawaan', 'editor', 'impor', 'pulihkan', 'status')", "source"
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    item_pk: Mapped[int] = mapped_column(ForeignKey("content_items.id"))
    number: Mapped[int] = mapped_column(Integer)
    text: Mapped[str] = mapped_column(Text)
    content_hash: Mapped[str] = mapped_column(String(64))  # sha256 of the UTF-8 text
    source: Mapped[str] = mapped_column(String(20))
    reason: Mapped[str] = mapped_column(String(500))
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    restored_from: Mapped[int | None] = mapped_column(Integer)  # number of the version restored
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


# ------------------------------------------------------- sign-ins and work (migration 0005)
SESSION_VIAS = ("sandi", "sso")
DRAFT_KINDS = ("latihan", "skenario", "rubrik", "qa")


class AuthSession(Base):
    """One sign-in of one browser: the cookie's token is kept only as its SHA-256 digest.

    Made at the login with a one-time hand-over code (`handoff_hash`, a few minutes); the
    browser exchanges the code for the token cookie (web/routes.py), which sets `token_hash`
    and clears the code. Valid while not revoked, `last_seen_at` within the idle lifetime and
    `expires_at` (the absolute lifetime) not passed.
    """

    __tablename__ = "auth_sessions"
    __table_args__ = (
        Index(None, "token_hash", unique=True),
        Index(None, "handoff_hash", unique=True),
        Index(None, "user_id", "revoked_at"),
        Index(None, "sso_key"),
        Index(None, "expires_at"),
        CheckConstraint("via IN ('sandi', 'sso')", "via"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    token_hash: Mapped[str | None] = mapped_column(String(64))
    handoff_hash: Mapped[str | None] = mapped_column(String(64))
    handoff_expires_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    via: Mapped[str] = mapped_column(String(10))
    # single sign-on: a digest of the identity's e-mail, subject and issue time (one session
    # per SSO login, so an old SSO cookie cannot open a new session after a revocation)
    sso_key: Mapped[str | None] = mapped_column(String(64))
    client: Mapped[str] = mapped_column(String(80))  # the address the login came from
    user_agent: Mapped[str] = mapped_column(String(300))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    revoked_reason: Mapped[str | None] = mapped_column(String(40))


class WorkDraft(Base):
    """Work in progress of one user on one page, kept so a reload, a new tab or a restart comes
    back to it: the call in progress ('latihan'), a scenario draft ('skenario'), a rubric draft
    ('rubrik'), the attempt open for review ('qa'). `version` grows with every save; a save
    based on an older version is refused (two tabs on one call)."""

    __tablename__ = "work_drafts"
    __table_args__ = (
        Index(None, "user_id", "kind", "key", unique=True),
        CheckConstraint("kind IN ('latihan', 'skenario', 'rubrik', 'qa')", "kind"),
        CheckConstraint("version >= 1", "version"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(20))
    key: Mapped[str] = mapped_column(String(200), default="")
    data: Mapped[dict[str, Any]] = mapped_column(Json)
    version: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


# ------------------------------------------ cohorts, assignments, exam starts (migration 0008)
COHORT_ROLES = ("trainee", "trainer")
ASSIGNMENT_KINDS = ("latihan", "ujian")


class Cohort(Base):
    """A batch (angkatan) of trainees trained together for one SOP, with trainers in charge."""

    __tablename__ = "cohorts"
    __table_args__ = (Index(None, "name", unique=True),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    sop_id: Mapped[str] = mapped_column(String(80))
    start_date: Mapped[date] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))


class CohortMember(Base):
    """A trainee of a cohort, or a trainer in charge of it. Removing one deletes the row (the
    audit trail keeps who added and removed whom, and when)."""

    __tablename__ = "cohort_members"
    __table_args__ = (
        Index(None, "user_id"),
        CheckConstraint("role IN ('trainee', 'trainer')", "role"),
    )

    cohort_id: Mapped[int] = mapped_column(
        ForeignKey("cohorts.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)
    role: Mapped[str] = mapped_column(String(10), primary_key=True)
    added_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    added_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))


class Assignment(Base):
    """A practice set or an exam given to a cohort or to one trainee, open from `opens_at`,
    due at `due_at`. `spec` holds what kind-specific settings it has (store.cohorts)."""

    __tablename__ = "assignments"
    __table_args__ = (
        Index(None, "cohort_id"),
        Index(None, "trainee_id"),
        CheckConstraint("kind IN ('latihan', 'ujian')", "kind"),
        CheckConstraint("(cohort_id IS NULL) <> (trainee_id IS NULL)", "target"),
        CheckConstraint("due_at > opens_at", "window"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    cohort_id: Mapped[int | None] = mapped_column(ForeignKey("cohorts.id", ondelete="CASCADE"))
    trainee_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    kind: Mapped[str] = mapped_column(String(10))
    title: Mapped[str] = mapped_column(String(200))
    spec: Mapped[dict[str, Any]] = mapped_column(Json)
    certification: Mapped[bool] = mapped_column(Boolean, default=False)
    opens_at: Mapped[datetime] = mapped_column(UtcDateTime)
    due_at: Mapped[datetime] = mapped_column(UtcDateTime)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))


class ExamStart(Base):
    """One sitting of an assigned exam: counted against the attempts allowed from the moment
    it starts, finished or not. Its `exam_id` is the one the sitting's attempts carry."""

    __tablename__ = "exam_starts"
    __table_args__ = (
        Index(None, "assignment_id", "trainee_id", "number", unique=True),
        Index(None, "exam_id", unique=True),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    assignment_id: Mapped[int] = mapped_column(ForeignKey("assignments.id", ondelete="CASCADE"))
    trainee_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    number: Mapped[int] = mapped_column(Integer)
    exam_id: Mapped[str] = mapped_column(String(64))
    started_at: Mapped[datetime] = mapped_column(UtcDateTime)

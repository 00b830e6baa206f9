"""The database schema as typed SQLAlchemy 2.0 models.

The tables are created and changed only by the Alembic migrations in `store/migrations`;
these models must describe the same schema (a test compares them on SQLite and PostgreSQL).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
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

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(200))
    password_hash: Mapped[str | None] = mapped_column(String(255))
    disabled: Mapped[bool] = mapped_column(Boolean, default=False)
    must_change_password: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow, onupdate=utcnow)

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

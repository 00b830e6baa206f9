"""The audit trail: who changed what, when, from which value to which, and why.

Append-only: there is no function to change or delete an entry, and database triggers refuse
UPDATE and DELETE on the table. Pass a session to record an entry in the caller's transaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from store.db import Database, reading, writing
from store.errors import StoreError
from store.models import AuditEntry

MAX_COMMENT_CHARS = 5_000


@dataclass(frozen=True)
class AuditRecord:
    id: int
    at: datetime
    actor_id: int | None
    action: str
    target_type: str
    target_id: str
    old: Any
    new: Any
    comment: str | None


def record_audit(
    db: Database | Session,
    *,
    actor_id: int | None,
    action: str,
    target_type: str,
    target_id: str | int,
    old: Any = None,
    new: Any = None,
    comment: str | None = None,
) -> int:
    """Append one entry; return its id. `actor_id` None means the system (e.g. the CLI)."""
    if not action.strip():
        raise StoreError("action", "wajib diisi")
    if comment is not None and len(comment) > MAX_COMMENT_CHARS:
        raise StoreError("comment", f"terlalu panjang (maksimal {MAX_COMMENT_CHARS} karakter)")
    if comment is not None and "\x00" in comment:
        raise StoreError("comment", "berisi karakter NUL (\\x00), yang tidak dapat disimpan")
    entry = AuditEntry(
        actor_id=actor_id,
        action=action,
        target_type=target_type,
        target_id=str(target_id),
        old=old,
        new=new,
        comment=comment,
    )
    with writing(db) as s:
        s.add(entry)
        s.flush()
        return entry.id


def list_audit(
    db: Database | Session,
    *,
    target_type: str | None = None,
    target_id: str | int | None = None,
    actor_id: int | None = None,
    limit: int = 500,
    newest_first: bool = False,
) -> list[AuditRecord]:
    """Entries, oldest first (or newest first), optionally for one target or one actor."""
    order = (AuditEntry.at.desc(), AuditEntry.id.desc()) if newest_first else (
        AuditEntry.at, AuditEntry.id)
    stmt = select(AuditEntry).order_by(*order).limit(limit)
    if target_type is not None:
        stmt = stmt.where(AuditEntry.target_type == target_type)
    if target_id is not None:
        stmt = stmt.where(AuditEntry.target_id == str(target_id))
    if actor_id is not None:
        stmt = stmt.where(AuditEntry.actor_id == actor_id)
    with reading(db) as s:
        return [audit_record(e) for e in s.scalars(stmt)]


def audit_record(e: AuditEntry) -> AuditRecord:
    """The read-only record of one audit row."""
    return AuditRecord(
        id=e.id,
        at=e.at,
        actor_id=e.actor_id,
        action=e.action,
        target_type=e.target_type,
        target_id=e.target_id,
        old=e.old,
        new=e.new,
        comment=e.comment,
    )

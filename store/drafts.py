"""Work in progress kept in the database, one row per user, page and key (work_drafts): the
call in progress on Latihan, a scenario or rubric draft on Skenario, the attempt open on QA.

A page writes its draft after every change and reads it when a session starts (a reload, a
new tab, another app process, a restarted server), so nothing is lost with the browser tab.

Two tabs on the same work: every draft has a version that grows with each save, and a save
names the version it is based on (`base`). A save on an older version is refused with
`DraftConflict` (another tab saved in between), so a tab that fell behind cannot overwrite
newer work or save a call twice; it says so and may take the work over by loading it again.
`FORCE` saves without that check (last write wins), for state where it does not matter.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final

from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from store.db import Database, reading, writing
from store.errors import StoreError
from store.models import DRAFT_KINDS, WorkDraft
from store.types import utcnow

MAX_DRAFT_BYTES = 2_000_000


class _Force:
    def __repr__(self) -> str:
        return "FORCE"


FORCE: Final = _Force()  # save or delete whatever the stored version is


@dataclass(frozen=True)
class DraftRecord:
    user_id: int
    kind: str
    key: str
    data: dict[str, Any]
    version: int
    created_at: datetime
    updated_at: datetime


class DraftConflict(StoreError):
    """The draft changed since the version a save was based on (another tab saved it), or it
    was finished or removed meanwhile (`current` is None then)."""

    def __init__(self, current: DraftRecord | None):
        self.current = current
        super().__init__("versi", "draf ini sudah diubah di tab atau perangkat lain")


def _record(row: WorkDraft) -> DraftRecord:
    return DraftRecord(row.user_id, row.kind, row.key, dict(row.data), row.version,
                       row.created_at, row.updated_at)  # fmt: skip


def _valid(kind: str, key: str, data: dict[str, Any] | None = None) -> None:
    if kind not in DRAFT_KINDS:
        raise StoreError("kind", f"jenis draf '{kind}' tidak dikenal; pilih {DRAFT_KINDS}")
    if not isinstance(key, str) or len(key) > 200:
        raise StoreError("key", "kunci draf maksimal 200 karakter")
    if data is not None:
        if not isinstance(data, dict):
            raise StoreError("data", "draf harus berupa objek JSON")
        try:
            size = len(json.dumps(data, ensure_ascii=False, default=str).encode())
        except (TypeError, ValueError) as exc:
            raise StoreError("data", f"draf tidak dapat disimpan sebagai JSON: {exc}") from None
        if size > MAX_DRAFT_BYTES:
            raise StoreError("data", f"draf terlalu besar ({size} byte)")


def _select(user_id: int, kind: str, key: str):
    return select(WorkDraft).where(
        WorkDraft.user_id == user_id, WorkDraft.kind == kind, WorkDraft.key == key
    )


def get_draft(
    db: Database | Session, *, user_id: int, kind: str, key: str = ""
) -> DraftRecord | None:
    _valid(kind, key)
    with reading(db) as s:
        row = s.scalar(_select(user_id, kind, key))
        return _record(row) if row else None


def draft_version(
    db: Database | Session, *, user_id: int, kind: str, key: str = ""
) -> int | None:
    """The version of the stored draft (None: there is none), without reading its data: what a
    page asks on every rerun to notice another tab's save."""
    _valid(kind, key)
    with reading(db) as s:
        return s.scalar(select(WorkDraft.version).where(
            WorkDraft.user_id == user_id, WorkDraft.kind == kind, WorkDraft.key == key))


def save_draft(
    db: Database | Session,
    *,
    user_id: int,
    kind: str,
    key: str = "",
    data: dict[str, Any],
    base: int | None | _Force,
    now: datetime | None = None,
) -> DraftRecord:
    """Save the draft as the next version and return it.

    `base` is the version the caller's data was based on: None when it saw no draft (then one
    must not exist yet), a number when it loaded or saved that version, or FORCE. Raises
    DraftConflict when the stored draft is not at `base` (nothing is written then).
    """
    _valid(kind, key, data)
    now = now or utcnow()
    with writing(db) as s:
        if base is FORCE:
            row = s.scalar(_select(user_id, kind, key))
            base = None if row is None else row.version
        if base is None:
            try:
                with s.begin_nested():
                    row = WorkDraft(user_id=user_id, kind=kind, key=key, data=data, version=1,
                                    created_at=now, updated_at=now)  # fmt: skip
                    s.add(row)
                    s.flush()
            except IntegrityError:
                raise DraftConflict(_current(s, user_id, kind, key)) from None
            return _record(row)
        saved = s.execute(
            update(WorkDraft)
            .where(WorkDraft.user_id == user_id, WorkDraft.kind == kind,
                   WorkDraft.key == key, WorkDraft.version == base)
            .values(data=data, version=base + 1, updated_at=now)
            .returning(WorkDraft.created_at)  # the saved draft is known: not read back
            .execution_options(synchronize_session=False)
        ).one_or_none()  # fmt: skip
        if saved is None:
            raise DraftConflict(_current(s, user_id, kind, key))
        return DraftRecord(user_id, kind, key, dict(data), base + 1, saved.created_at, now)


def _current(s: Session, user_id: int, kind: str, key: str) -> DraftRecord | None:
    row = s.scalar(_select(user_id, kind, key).execution_options(populate_existing=True))
    return _record(row) if row else None


def delete_draft(
    db: Database | Session,
    *,
    user_id: int,
    kind: str,
    key: str = "",
    base: int | _Force = FORCE,
) -> bool:
    """Remove the draft (the work was finished or dropped). With a version as `base`, only
    that version is removed (DraftConflict when it changed or is gone). True when one was."""
    _valid(kind, key)
    with writing(db) as s:
        stmt = delete(WorkDraft).where(
            WorkDraft.user_id == user_id, WorkDraft.kind == kind, WorkDraft.key == key
        )
        if base is not FORCE:
            stmt = stmt.where(WorkDraft.version == base)
        done = s.execute(stmt.execution_options(synchronize_session=False)).rowcount
        if not done and base is not FORCE:
            raise DraftConflict(_current(s, user_id, kind, key))
        return bool(done)


__all__ = ["FORCE", "DraftConflict", "DraftRecord", "delete_draft", "draft_version", "get_draft",
           "save_draft"]

"""Scenarios and SOPs (with their rubrics and training assumptions) as versions in the database.

Every save adds an immutable version (who, when, a short reason, the YAML text and its
sha256), numbered 1, 2, ... per scenario or SOP; `content_items` points at the current one.
Nothing is deleted: a scenario is retired by a new version with `status: nonaktif`, an old
version is restored as a new version, and attempts keep pointing at the version they were
taken on (attempts.scenario_version is the first 12 hex digits of the version's hash, the same
`Scenario.content_version` a scenario file gets).

Saving is optimistic: the editor says which version its text is based on, and a save whose
base is no longer the current version is refused inside the transaction (`EditConflict`), so
two trainers never overwrite each other silently. Every text is validated by the same loaders
as `cso-trainer validate` before it is written; an SOP change is refused when it would make an
active scenario invalid.

Importing and exporting files is store/content_io.py; the parsed current content the pages run
on is store/content_snapshot.py.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, Literal, TypeVar

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from core.fmt import waktu
from scenarios.library import load_dialogue_data, load_scenario_text
from scenarios.models import Scenario
from sop.library import Library, load_sop_text
from sop.models import Sop
from sop.yamlfile import ContentError, Problem
from store.access import TRAINER, require_actor
from store.audit import record_audit
from store.content_snapshot import current_rows, effective_sops
from store.db import Database, reading, writing
from store.errors import StoreError
from store.models import ContentItem, ContentVersion, User
from store.types import utcnow

Kind = Literal["scenario", "sop"]
KIND_LABELS = {"scenario": "Skenario", "sop": "SOP"}
SOURCE_LABELS = {
    "bawaan": "file bawaan",
    "editor": "editor",
    "impor": "impor",
    "pulihkan": "pemulihan",
    "status": "ubah status",
}
MAX_REASON_CHARS = 300
MAX_TEXT_CHARS = {"scenario": 100_000, "sop": 400_000}
T = TypeVar("T")


def format_time(at: datetime) -> str:
    """'27 Nov 2025 14.03 WIB' (Jakarta time, written as everywhere else: core.fmt)."""
    return waktu(at)


def content_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


# ---------------------------------------------------------------- records and errors
@dataclass(frozen=True)
class VersionRecord:
    kind: str
    item_id: str
    number: int
    text: str
    content_hash: str
    source: str
    reason: str
    author_id: int | None
    author_name: str | None
    restored_from: int | None
    created_at: datetime

    @property
    def short_hash(self) -> str:
        """What attempts.scenario_version holds for this version."""
        return self.content_hash[:12]

    @property
    def who(self) -> str:
        return self.author_name or "sistem"


@dataclass(frozen=True)
class ItemRecord:
    kind: str
    item_id: str
    title: str
    status: str
    meta: dict[str, Any]
    current_number: int
    content_hash: str
    created_at: datetime
    updated_at: datetime
    updated_by: int | None
    updated_by_name: str | None

    @property
    def who(self) -> str:
        return self.updated_by_name or "sistem"


class EditConflict(StoreError):
    """The text was based on a version that is no longer the current one; nothing was saved."""

    def __init__(self, kind: str, item_id: str, current: VersionRecord):
        label = KIND_LABELS.get(kind, kind)
        super().__init__(
            "base_version",
            f"{label} sudah diubah oleh {current.who} pada {format_time(current.created_at)} "
            f"(versi {current.number}); muat ulang dulu.",
        )
        self.kind = kind
        self.item_id = item_id
        self.current = current


class NoChange(StoreError):
    """The text equals the current version; nothing was saved."""


# ---------------------------------------------------------------- reading
def _version_record(v: ContentVersion, item: ContentItem, author: str | None) -> VersionRecord:
    return VersionRecord(
        kind=item.kind, item_id=item.item_id, number=v.number, text=v.text,
        content_hash=v.content_hash, source=v.source, reason=v.reason, author_id=v.author_id,
        author_name=author, restored_from=v.restored_from, created_at=v.created_at,
    )


def _item_record(item: ContentItem, name: str | None) -> ItemRecord:
    return ItemRecord(
        kind=item.kind, item_id=item.item_id, title=item.title, status=item.status,
        meta=dict(item.meta or {}), current_number=item.current_number,
        content_hash=item.content_hash, created_at=item.created_at, updated_at=item.updated_at,
        updated_by=item.updated_by, updated_by_name=name,
    )


def _item(s: Session, kind: str, item_id: str, *, lock: bool = False) -> ContentItem | None:
    stmt = select(ContentItem).where(ContentItem.kind == kind, ContentItem.item_id == item_id)
    if lock:
        stmt = stmt.with_for_update()
    return s.scalars(stmt).first()


def _name(s: Session, user_id: int | None) -> str | None:
    if user_id is None:
        return None
    return s.scalar(select(User.display_name).where(User.id == user_id))


def list_items(db: Database | Session, kind: Kind) -> list[ItemRecord]:
    """Every scenario (or SOP) with its current version's summary, by id."""
    stmt = (
        select(ContentItem, User.display_name)
        .outerjoin(User, User.id == ContentItem.updated_by)
        .where(ContentItem.kind == kind)
        .order_by(ContentItem.item_id)
    )
    with reading(db) as s:
        return [_item_record(item, name) for item, name in s.execute(stmt)]


def get_item(db: Database | Session, kind: Kind, item_id: str) -> ItemRecord | None:
    with reading(db) as s:
        item = _item(s, kind, item_id)
        return None if item is None else _item_record(item, _name(s, item.updated_by))


def list_versions(db: Database | Session, kind: Kind, item_id: str) -> list[VersionRecord]:
    """Every version of one scenario or SOP, newest first."""
    with reading(db) as s:
        item = _item(s, kind, item_id)
        if item is None:
            return []
        rows = s.execute(
            select(ContentVersion, User.display_name)
            .outerjoin(User, User.id == ContentVersion.author_id)
            .where(ContentVersion.item_pk == item.id)
            .order_by(ContentVersion.number.desc())
        )
        return [_version_record(v, item, name) for v, name in rows]


def get_version(
    db: Database | Session, kind: Kind, item_id: str, number: int | None = None
) -> VersionRecord | None:
    """One version (default: the current one), or None."""
    with reading(db) as s:
        item = _item(s, kind, item_id)
        if item is None:
            return None
        return _get_version(s, item, item.current_number if number is None else number)


def _get_version(s: Session, item: ContentItem, number: int) -> VersionRecord | None:
    v = s.scalars(
        select(ContentVersion).where(
            ContentVersion.item_pk == item.id, ContentVersion.number == number
        )
    ).first()
    return None if v is None else _version_record(v, item, _name(s, v.author_id))


def version_for_attempt(
    db: Database | Session, scenario_id: str, scenario_version: str
) -> VersionRecord | None:
    """The scenario version an attempt was taken on (attempts.scenario_version is the first
    12 hex digits of its hash); the oldest one when a text was restored later."""
    with reading(db) as s:
        item = _item(s, "scenario", scenario_id)
        if item is None or not scenario_version:
            return None
        v = s.scalars(
            select(ContentVersion)
            .where(ContentVersion.item_pk == item.id,
                   ContentVersion.content_hash.startswith(scenario_version, autoescape=True))
            .order_by(ContentVersion.number)
        ).first()
        return None if v is None else _version_record(v, item, _name(s, v.author_id))


# ---------------------------------------------------------------- validating
def _size(kind: str, text: str, file: str) -> None:
    limit = MAX_TEXT_CHARS[kind]
    if len(text) > limit:
        raise ContentError([Problem(
            file, 1, "(dokumen)",
            f"teks terlalu besar ({len(text):,} karakter; maksimal {limit:,})".replace(",", "."),
        )])
    if "\x00" in text:
        raise ContentError([Problem(file, 1, "(dokumen)", "berisi karakter NUL (\\x00)")])


def validate_scenario(text: str, *, sops: Library, file: str = "<skenario>") -> Scenario:
    """The scenario of a text, checked as `cso-trainer validate` checks it (ContentError)."""
    _size("scenario", text, file)
    return load_scenario_text(text, file, sop_library=sops,
                              dialogue=load_dialogue_data(sop_library=sops))


def validate_sop(text: str, *, file: str = "<sop>") -> Sop:
    _size("sop", text, file)
    return load_sop_text(text, file)


def _reason(reason: str) -> str:
    reason = " ".join((reason or "").split())
    if not reason:
        raise StoreError("reason", "alasan perubahan wajib diisi (singkat saja)")
    if len(reason) > MAX_REASON_CHARS:
        raise StoreError("reason", f"terlalu panjang (maksimal {MAX_REASON_CHARS} karakter)")
    if "\x00" in reason:
        raise StoreError("reason", "berisi karakter NUL (\\x00)")
    return reason


def _scenario_meta(sc: Scenario) -> dict[str, Any]:
    return {"case": sc.case, "difficulty": sc.difficulty, "facts": dict(sc.facts),
            "persona": sc.persona.style}


def _sop_meta(sop: Sop, file: str | None) -> dict[str, Any]:
    meta: dict[str, Any] = {"version": sop.version, "cases": [c.id for c in sop.cases]}
    if file:
        meta["file"] = Path(file).name
    return meta


# ---------------------------------------------------------------- writing
def _transaction(db: Database | Session, work: Callable[[Session], T]) -> T:
    try:
        with writing(db) as s:
            return work(s)
    except IntegrityError:
        raise StoreError(
            "id", "disimpan orang lain pada saat yang sama; muat ulang dulu lalu coba lagi"
        ) from None


def _write(
    s: Session,
    kind: str,
    item_id: str,
    text: str,
    *,
    status: str,
    title: str,
    meta: dict[str, Any],
    base: int | None,
    author_id: int | None,
    reason: str,
    source: str,
    restored_from: int | None = None,
) -> VersionRecord:
    require_actor(s, author_id, TRAINER)  # the author's roles now, not when the page drew
    label = KIND_LABELS[kind]
    item = _item(s, kind, item_id, lock=True)
    digest = content_hash(text)
    now = utcnow()
    if item is None:
        if base is not None:
            raise StoreError("id", f"{label} '{item_id}' tidak ada")
        item = ContentItem(kind=kind, item_id=item_id, current_number=1, status=status,
                           title=title[:300], meta=meta, content_hash=digest, created_at=now,
                           updated_at=now, updated_by=author_id)
        s.add(item)
        s.flush()
        number = 1
    else:
        if base is None:
            raise StoreError("id", f"{label} dengan id '{item_id}' sudah ada; pilih id lain")
        if base != item.current_number:
            current = _get_version(s, item, item.current_number)
            assert current is not None
            raise EditConflict(kind, item_id, current)
        if digest == item.content_hash:
            raise NoChange("text", f"tidak ada perubahan dibanding versi {item.current_number}")
        number = item.current_number + 1
        item.current_number = number
        item.status, item.title, item.meta = status, title[:300], meta
        item.content_hash, item.updated_at, item.updated_by = digest, now, author_id
    version = ContentVersion(item_pk=item.id, number=number, text=text, content_hash=digest,
                             source=source, reason=reason, author_id=author_id,
                             restored_from=restored_from, created_at=now)
    s.add(version)
    s.flush()
    record_audit(s, actor_id=author_id, action=f"{kind}.simpan", target_type=kind,
                 target_id=item_id, old={"versi": number - 1} if number > 1 else None,
                 new={"versi": number, "hash": digest[:12], "sumber": source, "status": status},
                 comment=reason)
    return _version_record(version, item, _name(s, author_id))


def save_scenario(
    db: Database | Session,
    *,
    text: str,
    base_version: int | None,
    author_id: int | None,
    reason: str,
    item_id: str | None = None,
    source: str = "editor",
    restored_from: int | None = None,
) -> VersionRecord:
    """Save a scenario text as its next version (a new scenario when `base_version` is None).

    `item_id` is the scenario being edited: its id cannot change (duplicate instead).
    Raises ContentError when the text is invalid, EditConflict when `base_version` is not the
    current version, NoChange when nothing changed, StoreError for a bad reason or id.
    """
    reason = _reason(reason)

    def work(s: Session) -> VersionRecord:
        sops = effective_sops(s)
        sc = validate_scenario(text, sops=sops, file=f"{item_id or 'skenario'}")
        if item_id is not None and sc.id != item_id:
            raise StoreError("id", f"id skenario tidak dapat diubah (tetap '{item_id}'); "
                                   "gunakan Duplikat untuk membuat skenario dengan id lain")
        return _write(s, "scenario", sc.id, text, status=sc.status, title=sc.title,
                      meta=_scenario_meta(sc), base=base_version, author_id=author_id,
                      reason=reason, source=source, restored_from=restored_from)

    return _transaction(db, work)


def set_scenario_status(
    db: Database | Session,
    *,
    scenario_id: str,
    status: Literal["aktif", "nonaktif"],
    base_version: int,
    author_id: int | None,
    reason: str,
) -> VersionRecord:
    """Retire (nonaktif) or reactivate a scenario: a new version with only `status` changed."""
    from scenarios.authoring import set_values

    current = get_version(db, "scenario", scenario_id)
    if current is None:
        raise StoreError("id", f"skenario '{scenario_id}' tidak ada")
    text = set_values(current.text, {("status",): status})
    return save_scenario(db, text=text, base_version=base_version, author_id=author_id,
                         reason=reason, item_id=scenario_id, source="status")


def save_sop(
    db: Database | Session,
    *,
    text: str,
    base_version: int | None,
    author_id: int | None,
    reason: str,
    item_id: str | None = None,
    source: str = "editor",
    restored_from: int | None = None,
    file: str | None = None,
) -> VersionRecord:
    """Save an SOP text (rubrics, assumptions, ...) as its next version.

    Refused (ContentError) when the SOP is invalid or when it would make an active scenario
    invalid (e.g. a hint for a criterion the case no longer scores).
    """
    reason = _reason(reason)

    def work(s: Session) -> VersionRecord:
        sop = validate_sop(text, file=file or item_id or "<sop>")
        if item_id is not None and sop.id != item_id:
            raise StoreError("id", f"id SOP tidak dapat diubah (tetap '{item_id}')")
        current = effective_sops(s)
        new = Library()
        for other in current.sops.values():
            if other.id != sop.id:
                new.add(other, current.files.get(other.id, other.id))
        new.add(sop, file or sop.id)
        if new.problems:
            raise ContentError(new.problems)
        _check_scenarios_still_valid(s, new)
        old = _item(s, "sop", sop.id)
        meta = _sop_meta(sop, file or (old.meta.get("file") if old else None))
        return _write(s, "sop", sop.id, text, status="aktif", title=sop.title, meta=meta,
                      base=base_version, author_id=author_id, reason=reason, source=source,
                      restored_from=restored_from)

    return _transaction(db, work)


def _check_scenarios_still_valid(s: Session, sops: Library) -> None:
    problems: list[Problem] = []
    for item, version in current_rows(s, "scenario"):
        if item.status != "aktif":
            continue
        try:
            validate_scenario(version.text, sops=sops, file=f"skenario {item.item_id}")
        except ContentError as exc:
            problems.extend(exc.problems)
    if problems:
        raise ContentError([
            Problem(p.file, p.line, p.field,
                    f"{p.message} (perubahan SOP ini membuat skenario aktif tidak valid)")
            for p in problems
        ])


def restore_version(
    db: Database | Session,
    *,
    kind: Kind,
    item_id: str,
    number: int,
    base_version: int,
    author_id: int | None,
    reason: str,
) -> VersionRecord:
    """Make an old version current again, as a new version (checked against today's SOPs)."""
    old = get_version(db, kind, item_id, number)
    if old is None:
        raise StoreError("number", f"versi {number} dari '{item_id}' tidak ada")
    save = save_scenario if kind == "scenario" else save_sop
    return save(db, text=old.text, base_version=base_version, author_id=author_id,
                reason=reason, item_id=item_id, source="pulihkan", restored_from=number)

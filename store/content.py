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

The YAML files under scenarios/library and sop/library are the shipped defaults:
`import_shipped(db)` (run where the app starts) adds the missing ones, idempotently.
`content_snapshot(db)` is what the pages run on: the current SOPs and scenarios parsed once per
change (cached per database, keyed by the newest version id), with the scorer and dialogue
rules built from them and the rubric version label an attempt records.
"""

from __future__ import annotations

import hashlib
import io
import threading
import weakref
import zipfile
import zlib
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from functools import cached_property
from pathlib import Path
from typing import Any, Literal, TypeVar

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from core.content import content_kind
from core.fmt import waktu
from scenarios.library import ScenarioLibrary, load_dialogue_data, load_scenario_text
from scenarios.models import Scenario
from sop.library import Library, load_library, load_sop_text
from sop.models import Sop
from sop.yamlfile import ContentError, Problem, parse_yaml, read_text, yaml_files
from store.access import TRAINER, require_actor
from store.audit import record_audit
from store.db import Database, reading, writing
from store.errors import StoreError
from store.models import CONTENT_KINDS, ContentItem, ContentVersion, User
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
    for item, version in _current_rows(s, "scenario"):
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


# ---------------------------------------------------------------- import and export
@dataclass
class ImportReport:
    added: list[str] = field(default_factory=list)  # "scenario:id"
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    kept: list[str] = field(default_factory=list)  # shipped file changed, but a trainer edited
    problems: list[Problem] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return bool(self.added or self.updated)

    def summary(self) -> str:
        parts = [f"{len(self.added)} baru", f"{len(self.updated)} diperbarui",
                 f"{len(self.unchanged)} tetap"]
        if self.kept:
            parts.append(f"{len(self.kept)} dibiarkan (sudah diubah trainer)")
        if self.problems:
            parts.append(f"{len(self.problems)} masalah")
        return ", ".join(parts)


def import_shipped(
    db: Database,
    *,
    sop_paths: Iterable[Path] | None = None,
    scenario_paths: Iterable[Path] | None = None,
) -> ImportReport:
    """Put the shipped SOP and scenario files into the database; safe to run on every start.

    A file whose id is not in the database yet is added as version 1 (source "bawaan"). A
    shipped file that changed since is added as a new version only while nobody edited that
    item in the app (its current version is still a shipped one); otherwise it is left alone
    and listed in `kept`. Invalid files are reported in `problems` and skipped.
    """
    from core import config

    report = ImportReport()  # a fresh one per try below; `work` fills the current one
    sop_files = yaml_files(list(sop_paths) if sop_paths is not None else config.sop_dirs())
    sc_files = yaml_files(
        list(scenario_paths) if scenario_paths is not None else config.scenario_dirs()
    )

    def work(s: Session) -> None:
        files_lib = load_library(sop_files)
        report.problems.extend(files_lib.problems)
        for sop in files_lib.sops.values():
            text = read_text(Path(files_lib.files[sop.id]))
            _import_one(s, report, "sop", sop.id, text, title=sop.title,
                        meta=_sop_meta(sop, files_lib.files[sop.id]), status="aktif",
                        shipped=True, reason=f"file bawaan {Path(files_lib.files[sop.id]).name}")
        sops = effective_sops(s)
        for path in sc_files:
            try:
                text = read_text(path)
                sc = validate_scenario(text, sops=sops, file=str(path))
            except ContentError as exc:
                report.problems.extend(exc.problems)
                continue
            _import_one(s, report, "scenario", sc.id, text, title=sc.title,
                        meta=_scenario_meta(sc), status=sc.status, shipped=True,
                        reason=f"file bawaan {path.name}")

    for attempt in range(3):
        report = ImportReport()
        try:
            _transaction(db, work)
            return report
        except StoreError:  # another process imported at the same moment: read its result
            if attempt == 2:
                raise
    return report


def _import_one(s: Session, report: ImportReport, kind: str, item_id: str, text: str, *,
                title: str, meta: dict[str, Any], status: str, shipped: bool, reason: str,
                author_id: int | None = None) -> None:
    key = f"{kind}:{item_id}"
    item = _item(s, kind, item_id, lock=True)
    source = "bawaan" if shipped else "impor"
    if item is None:
        _write(s, kind, item_id, text, status=status, title=title, meta=meta, base=None,
               author_id=author_id, reason=reason, source=source)
        report.added.append(key)
        return
    if item.content_hash == content_hash(text):
        report.unchanged.append(key)
        return
    if shipped:
        current = _get_version(s, item, item.current_number)
        if current is None or current.source != "bawaan":
            report.kept.append(key)
            return
        reason = f"pembaruan {reason}"
    _write(s, kind, item_id, text, status=status, title=title, meta=meta,
           base=item.current_number, author_id=author_id, reason=reason, source=source)
    report.updated.append(key)


def import_texts(
    db: Database | Session,
    files: Mapping[str, str],
    *,
    author_id: int | None,
    reason: str,
) -> ImportReport:
    """Import content files (name -> YAML text; SOPs and scenarios, recognised by content).

    Every file is validated first, exactly as `cso-trainer validate` does (a scenario file's
    name must be its id); if any has a problem, nothing is written and ContentError carries
    every problem. Otherwise each file that differs from the current version becomes a new
    version (source "impor") in one transaction.
    """
    reason = _reason(reason)
    parsed: list[tuple[str, str, str]] = []  # (kind, name, text)
    problems: list[Problem] = []
    for name, text in files.items():
        try:
            _size("sop", text, name)
            data, _ = parse_yaml(text, name)
        except ContentError as exc:
            problems.extend(exc.problems)
            continue
        kind = content_kind(data)
        if kind == "unknown":
            problems.append(Problem(name, 1, "(dokumen)",
                                    "bukan file SOP (steps, cases) atau skenario (case)"))
            continue
        parsed.append((kind, name, text))
    if problems:
        raise ContentError(problems)

    def work(s: Session) -> ImportReport:
        report = ImportReport()
        errors: list[Problem] = []
        sops_new: list[tuple[Sop, str, str]] = []
        for kind, name, text in parsed:
            if kind == "sop":
                try:
                    sops_new.append((validate_sop(text, file=name), name, text))
                except ContentError as exc:
                    errors.extend(exc.problems)
        current = effective_sops(s)
        lib = Library()
        replaced = {sop.id for sop, _, _ in sops_new}
        for other in current.sops.values():
            if other.id not in replaced:
                lib.add(other, current.files.get(other.id, other.id))
        for sop, name, _ in sops_new:
            lib.add(sop, name)
        errors.extend(lib.problems)
        scenarios: list[tuple[Scenario, str]] = []
        for kind, name, text in parsed:
            if kind == "scenario":
                try:
                    scenarios.append((validate_scenario(text, sops=lib, file=name), text))
                except ContentError as exc:
                    errors.extend(exc.problems)
        if errors:
            raise ContentError(errors)
        for sop, name, text in sops_new:
            _import_one(s, report, "sop", sop.id, text, title=sop.title,
                        meta=_sop_meta(sop, name), status="aktif", shipped=False,
                        reason=reason, author_id=author_id)
        if sops_new:
            _check_scenarios_still_valid(s, lib)
        for sc, text in scenarios:
            _import_one(s, report, "scenario", sc.id, text, title=sc.title,
                        meta=_scenario_meta(sc), status=sc.status, shipped=False,
                        reason=reason, author_id=author_id)
        return report

    return _transaction(db, work)


def export_texts(
    db: Database | Session, *, kind: Kind = "scenario", active_only: bool = False
) -> dict[str, str]:
    """The current version of every scenario (or SOP) as file name -> YAML text, exactly as
    saved: importing these files again changes nothing."""
    out: dict[str, str] = {}
    with reading(db) as s:
        for item, version in _current_rows(s, kind):
            if active_only and item.status != "aktif":
                continue
            name = (item.meta or {}).get("file") if kind == "sop" else None
            out[name or f"{item.item_id}.yaml"] = version.text
    return dict(sorted(out.items()))


def zip_texts(files: Mapping[str, str]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, text in sorted(files.items()):
            info = zipfile.ZipInfo(name, date_time=(2020, 12, 8, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            zf.writestr(info, text.encode("utf-8"))
    return buf.getvalue()


MAX_ZIP_FILES = 1000
MAX_ZIP_MEMBER_BYTES = MAX_TEXT_CHARS["sop"] * 4
MAX_ZIP_TOTAL_BYTES = 40_000_000
_ZIP_CHUNK = 64 * 1024


class _ZipMemberError(Exception):
    """A member that cannot be read; the message is for the user."""


def _read_member(zf: zipfile.ZipFile, info: zipfile.ZipInfo, limit: int) -> bytes:
    """The member's bytes, decompressed in small chunks and never more than `limit` (the
    declared size is not trusted); _ZipMemberError with a message in Indonesian."""
    if info.flag_bits & 0x1:
        raise _ZipMemberError("file terenkripsi (berkata sandi); buat arsip tanpa kata sandi")
    if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
        # bzip2 and lzma are left out too: zipfile decompresses their chunks without a bound
        raise _ZipMemberError("metode kompresi tidak didukung; pakai zip biasa (deflate)")
    if info.file_size > limit:
        raise _ZipMemberError(f"file terlalu besar (maksimal {limit:,} byte)".replace(",", "."))
    chunks: list[bytes] = []
    size = 0
    try:
        with zf.open(info) as f:
            while chunk := f.read(_ZIP_CHUNK):
                size += len(chunk)
                if size > limit:
                    raise _ZipMemberError(
                        f"file terlalu besar setelah diekstrak (maksimal {limit:,} byte)"
                        .replace(",", "."))
                chunks.append(chunk)
    except zipfile.BadZipFile as exc:
        if "CRC" in str(exc):
            raise _ZipMemberError("arsip rusak: isi file tidak cocok dengan CRC-nya") from None
        raise _ZipMemberError("arsip rusak: file tidak dapat dibaca") from None
    except (RuntimeError, NotImplementedError, ValueError, EOFError, OSError, zlib.error):
        raise _ZipMemberError("arsip rusak: file tidak dapat dibaca") from None
    return b"".join(chunks)


def unzip_texts(data: bytes, *, name: str = "arsip.zip") -> dict[str, str]:
    """The .yaml/.yml files of a zip archive (folders flattened); ContentError if unreadable.

    Each member is read with a hard byte cap while decompressing; an encrypted, corrupt (CRC)
    or unknown-method member, or two members of one file name, is a problem naming the file.
    """
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, ValueError, OSError, EOFError, NotImplementedError):
        raise ContentError([Problem(name, 1, "(file)", "bukan arsip zip yang valid")]) from None
    out: dict[str, str] = {}
    where: dict[str, str] = {}  # file name -> the member it came from
    problems: list[Problem] = []
    total = 0
    with zf:
        members = [i for i in zf.infolist()
                   if not i.is_dir() and i.filename.lower().endswith((".yaml", ".yml"))]
        if len(members) > MAX_ZIP_FILES:
            raise ContentError([Problem(name, 1, "(file)",
                                        f"terlalu banyak file (maksimal {MAX_ZIP_FILES})")])
        for info in members:
            base = Path(info.filename).name
            label = f"{name}/{info.filename}"
            if base in where:
                problems.append(Problem(label, 1, "(file)",
                                        f"nama file ganda: {base} sudah ada di arsip "
                                        f"({where[base]}); ganti salah satu namanya"))
                continue
            where[base] = info.filename
            limit = min(MAX_ZIP_MEMBER_BYTES, MAX_ZIP_TOTAL_BYTES - total)
            try:
                raw = _read_member(zf, info, limit)
            except _ZipMemberError as exc:
                message = str(exc)
                if limit < MAX_ZIP_MEMBER_BYTES and "terlalu besar" in message:
                    message = (f"isi arsip terlalu besar (maksimal {MAX_ZIP_TOTAL_BYTES:,} "
                               "byte seluruhnya)").replace(",", ".")
                problems.append(Problem(label, 1, "(file)", message))
                continue
            total += len(raw)
            try:
                out[base] = raw.decode("utf-8")
            except UnicodeDecodeError as exc:
                problems.append(Problem(label, 1, "(file)",
                                        f"file bukan teks UTF-8: {exc.reason}"))
    if problems:
        raise ContentError(problems)
    return out


def _current_rows(s: Session, kind: str) -> list[tuple[ContentItem, ContentVersion]]:
    rows = s.execute(
        select(ContentItem, ContentVersion)
        .join(ContentVersion, (ContentVersion.item_pk == ContentItem.id)
              & (ContentVersion.number == ContentItem.current_number))
        .where(ContentItem.kind == kind)
        .order_by(ContentItem.item_id)
    )
    return [(item, version) for item, version in rows]


# ---------------------------------------------------------------- what the app runs on
def effective_sops(db: Database | Session) -> Library:
    """The current version of every SOP in the database (the shipped files while the database
    holds none)."""
    with reading(db) as s:
        rows = _current_rows(s, "sop")
    if not rows:
        return load_library()
    lib = Library()
    for item, version in rows:
        label = f"{item.item_id}@v{version.number}"
        try:
            lib.add(load_sop_text(version.text, label), label)
        except ContentError as exc:
            lib.problems.extend(exc.problems)
    return lib


@dataclass
class ContentSnapshot:
    """The current content, parsed: SOPs, scenarios, and what is built from them."""

    stamp: int  # id of the newest version (0: nothing in the database yet)
    sops: Library
    scenarios: ScenarioLibrary
    sop_numbers: dict[str, int] = field(default_factory=dict)
    scenario_numbers: dict[str, int] = field(default_factory=dict)

    def rubric_version(self, sop_id: str) -> str:
        """What attempts.rubric_version records for a score by this SOP's current rubric:
        '<sop id>@r<version number>' (e.g. 'pln123.tagihan_invoice@r3')."""
        number = self.sop_numbers.get(sop_id)
        if number is not None:
            return f"{sop_id}@r{number}"
        sop = self.sops.sops.get(sop_id)
        return f"{sop_id}@v{sop.version}" if sop else sop_id

    @cached_property
    def scorer(self):
        from scoring.scorer import Scorer

        return Scorer(self.sops)

    @cached_property
    def dialogue_rules(self):
        from scenarios.dialogue import load_dialogue_rules

        return load_dialogue_rules(self.sops)


def _stamp(s: Session) -> int:
    return int(s.scalar(select(func.max(ContentVersion.id))) or 0)


def _build_snapshot(s: Session, stamp: int) -> ContentSnapshot:
    sop_rows = _current_rows(s, "sop")
    sops = effective_sops(s)
    snap = ContentSnapshot(stamp=stamp, sops=sops, scenarios=ScenarioLibrary(),
                           sop_numbers={i.item_id: v.number for i, v in sop_rows})
    rows = _current_rows(s, "scenario")
    if not rows:
        from scenarios.library import load_scenarios

        snap.scenarios = load_scenarios(sop_library=sops)
        return snap
    dialogue = load_dialogue_data(sop_library=sops)
    for item, version in rows:
        label = f"{item.item_id}@v{version.number}"
        try:
            sc = load_scenario_text(version.text, label, sop_library=sops, dialogue=dialogue)
        except ContentError as exc:
            snap.scenarios.problems.extend(exc.problems)
            continue
        snap.scenarios.add(sc, label)
        snap.scenario_numbers[sc.id] = version.number
    return snap


_snap_lock = threading.Lock()
_snapshots: weakref.WeakKeyDictionary[Database, ContentSnapshot] = weakref.WeakKeyDictionary()


def content_snapshot(db: Database) -> ContentSnapshot:
    """The current content of `db`, parsed once per change (one cheap query per call)."""
    with db.session() as s:
        stamp = _stamp(s)
        with _snap_lock:
            snap = _snapshots.get(db)
        if snap is not None and snap.stamp == stamp:
            return snap
        snap = _build_snapshot(s, stamp)
    with _snap_lock:
        _snapshots[db] = snap
    return snap


def scenario_catalog(db: Database) -> ScenarioLibrary:
    """The current scenarios (active and retired; `.active()` for the ones to practise)."""
    return content_snapshot(db).scenarios


__all__ = [
    "CONTENT_KINDS",
    "ContentSnapshot",
    "EditConflict",
    "ImportReport",
    "ItemRecord",
    "NoChange",
    "VersionRecord",
    "content_snapshot",
    "effective_sops",
    "export_texts",
    "format_time",
    "get_item",
    "get_version",
    "import_shipped",
    "import_texts",
    "list_items",
    "list_versions",
    "restore_version",
    "save_scenario",
    "save_sop",
    "scenario_catalog",
    "set_scenario_status",
    "unzip_texts",
    "validate_scenario",
    "validate_sop",
    "version_for_attempt",
    "zip_texts",
]

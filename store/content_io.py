"""Content files in and out of the database: the shipped defaults, imports and exports.

The YAML files under scenarios/library and sop/library are the shipped defaults:
`import_shipped(db)` (run where the app starts) adds the missing ones, idempotently.
`import_texts` imports uploaded files as new versions (all or nothing), `export_texts` gives
the current versions back as files, `zip_texts`/`unzip_texts` pack them with hard size caps.
"""

from __future__ import annotations

import io
import zipfile
import zlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from sqlalchemy.orm import Session

from core.content import content_kind
from scenarios.models import Scenario
from sop.library import Library, load_library
from sop.models import Sop
from sop.yamlfile import ContentError, Problem, parse_yaml, read_text, yaml_files
from store.content_snapshot import current_rows, effective_sops
from store.db import Database, reading
from store.errors import StoreError
from store.versions import (
    MAX_TEXT_CHARS,
    _check_scenarios_still_valid,
    _get_version,
    _item,
    _reason,
    _scenario_meta,
    _size,
    _sop_meta,
    _transaction,
    _write,
    content_hash,
    validate_scenario,
    validate_sop,
)

Kind = Literal["scenario", "sop"]
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
        for item, version in current_rows(s, kind):
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

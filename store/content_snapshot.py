"""The current content of the database, parsed: what the pages run on.

`content_snapshot(db)` gives the current SOPs and scenarios parsed once per change (cached per
database, keyed by the newest version id) and the rubric version label an attempt records.
What is built from them and not stored (the scorer, the dialogue rules) is services/content.py.
"""

from __future__ import annotations

import threading
import weakref
from dataclasses import dataclass, field
from typing import Any, Literal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from scenarios.library import (
    ScenarioLibrary,
    load_dialogue_data,
    load_scenario_text,
    load_scenarios,
)
from sop.library import Library, load_library, load_sop_text
from sop.yamlfile import ContentError
from store.db import Database, reading
from store.models import ContentItem, ContentVersion

Kind = Literal["scenario", "sop"]
def current_rows(s: Session, kind: str) -> list[tuple[ContentItem, ContentVersion]]:
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
        rows = current_rows(s, "sop")
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
    """The current content, parsed: SOPs and scenarios."""

    stamp: int  # id of the newest version (0: nothing in the database yet)
    sops: Library
    scenarios: ScenarioLibrary
    sop_numbers: dict[str, int] = field(default_factory=dict)
    scenario_numbers: dict[str, int] = field(default_factory=dict)
    # what services build from this content once (services/content.py: scorer, dialogue rules)
    derived: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    def rubric_version(self, sop_id: str) -> str:
        """What attempts.rubric_version records for a score by this SOP's current rubric:
        '<sop id>@r<version number>' (e.g. 'pln123.tagihan_invoice@r3')."""
        number = self.sop_numbers.get(sop_id)
        if number is not None:
            return f"{sop_id}@r{number}"
        sop = self.sops.sops.get(sop_id)
        return f"{sop_id}@v{sop.version}" if sop else sop_id

def _stamp(s: Session) -> int:
    return int(s.scalar(select(func.max(ContentVersion.id))) or 0)


def _build_snapshot(s: Session, stamp: int) -> ContentSnapshot:
    sop_rows = current_rows(s, "sop")
    sops = effective_sops(s)
    snap = ContentSnapshot(stamp=stamp, sops=sops, scenarios=ScenarioLibrary(),
                           sop_numbers={i.item_id: v.number for i, v in sop_rows})
    rows = current_rows(s, "scenario")
    if not rows:
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

"""Work in progress of a page kept in the database (store.drafts), seen from the page.

A page keeps its state in st.session_state as before and mirrors it here: `PageDraft.save`
after every change, `PageDraft.load_once` when a Streamlit session first draws the page (a
reload, a new tab, another app process, a restarted server). The session remembers which
version of the draft it holds; when another tab saved a newer one, `save` refuses (nothing is
written) and `behind` says so, and the page offers to take the work over (`take_over`).

Streamlit may stop a run at any `st.session_state` access when a newer widget event arrives,
so a save can reach the database while the session never records the version it wrote
(quick typing in a form). Every save therefore carries this session's mark (`TAB_MARK`); a
stored draft with the session's own latest mark is its own work, not another tab's.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

import streamlit as st

from core import fmt
from store.drafts import (
    FORCE,
    DraftConflict,
    DraftRecord,
    delete_draft,
    draft_version,
    get_draft,
    save_draft,
)
from views.state import database

WIB = fmt.WIB
TAB_MARK = "_tab"  # in a draft's data: which session saved it last
GONE = "hilang"  # `behind`: the draft was finished or dropped in another tab
NEWER = "baru"  # `behind`: another tab saved a newer version


def jam(moment: dt.datetime | None) -> str:
    """"16:23" in WIB (the contact center's time)."""
    if moment is None:
        return "-"
    return moment.astimezone(WIB).strftime("%H:%M")


class PageDraft:
    """The draft of one kind (and key) of the signed-in user, as this session knows it."""

    def __init__(self, kind: str, key: str = "") -> None:
        self.kind, self.key = kind, key
        prefix = f"draf.{kind}.{key}."
        self.k_version, self.k_loaded = prefix + "versi", prefix + "dimuat"
        self.k_behind, self.k_at = prefix + "tertinggal", prefix + "waktu"
        self.k_mark = prefix + "tanda"

    # ------------------------------------------------------------ reading
    def load_once(self, user_id: int) -> DraftRecord | None:
        """The stored draft, on the first call in this session only (then None)."""
        ss = st.session_state
        if ss.get(self.k_loaded):
            return None
        ss[self.k_loaded] = True
        record = get_draft(database(), user_id=user_id, kind=self.kind, key=self.key)
        self._hold(record)
        return record

    def check(self, user_id: int) -> str | None:
        """Whether another tab moved the draft on since this session last held it: NEWER,
        GONE or None (also remembered for `behind`)."""
        ss = st.session_state
        if not ss.get(self.k_loaded):
            return None
        mine = ss.get(self.k_version)
        db = database()
        if draft_version(db, user_id=user_id, kind=self.kind, key=self.key) == mine:
            return ss.get(self.k_behind)  # the usual case: one small query, no data read
        record = get_draft(db, user_id=user_id, kind=self.kind, key=self.key)
        theirs = record.version if record else None
        if mine == theirs:
            return ss.get(self.k_behind)
        if self._own(record):  # this session's save whose version it did not get to record
            self._hold(record)
            return None
        ss[self.k_behind] = GONE if record is None else NEWER
        return ss[self.k_behind]

    def behind(self) -> str | None:
        return st.session_state.get(self.k_behind)

    def saved_at(self) -> dt.datetime | None:
        return st.session_state.get(self.k_at)

    # ------------------------------------------------------------ writing
    def save(self, user_id: int, data: dict[str, Any] | None, *, session=None,
             force: bool = False) -> bool:
        """Save (None: delete) the draft on the version this session holds. False, with
        nothing written, when another tab saved in between (`behind` says so then); with a
        `session`, DraftConflict is raised instead, so the caller's transaction rolls back."""
        ss = st.session_state
        if ss.get(self.k_behind) and not force:
            if session is not None:
                raise DraftConflict(None)
            return False
        base = FORCE if force else ss.get(self.k_version)
        db = session if session is not None else database()
        previous = ss.get(self.k_mark)
        if data is not None:
            mark = uuid.uuid4().hex
            ss[self.k_mark] = mark  # before the write: a stop here writes nothing
            data = {**data, TAB_MARK: mark}
        try:
            try:
                record = self._write(db, user_id, data, base)
            except DraftConflict as exc:
                # the stored draft is this session's own earlier save (see the module's doc)
                if exc.current is None or exc.current.data.get(TAB_MARK) != previous:
                    raise
                record = self._write(db, user_id, data, exc.current.version)
        except DraftConflict as exc:
            ss[self.k_behind] = NEWER if exc.current is not None else GONE
            if session is not None:
                raise
            return False
        self._hold(record)
        return True

    def _write(self, db, user_id: int, data: dict[str, Any] | None,
               base) -> DraftRecord | None:
        if data is None:
            if base is None and st.session_state.get(self.k_mark) is not None:
                stored = get_draft(db, user_id=user_id, kind=self.kind, key=self.key)
                base = stored.version if self._own(stored) else None  # saved, not recorded
            if base is not None:
                delete_draft(db, user_id=user_id, kind=self.kind, key=self.key, base=base)
            return None
        return save_draft(db, user_id=user_id, kind=self.kind, key=self.key, data=data,
                          base=base)  # fmt: skip

    def _own(self, record: DraftRecord | None) -> bool:
        mark = st.session_state.get(self.k_mark)
        return record is not None and mark is not None and record.data.get(TAB_MARK) == mark

    def take_over(self, user_id: int) -> DraftRecord | None:
        """Hold the newest stored draft again (this tab continues the work); returns it."""
        record = get_draft(database(), user_id=user_id, kind=self.kind, key=self.key)
        self._hold(record)
        st.session_state[self.k_loaded] = True
        return record

    def _hold(self, record: DraftRecord | None) -> None:
        ss = st.session_state
        ss[self.k_version] = record.version if record else None
        ss[self.k_at] = record.updated_at if record else None
        ss.pop(self.k_behind, None)


__all__ = ["GONE", "NEWER", "TAB_MARK", "WIB", "PageDraft", "jam"]

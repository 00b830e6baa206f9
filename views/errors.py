"""One handler for whatever goes wrong while a page runs: a short message in Indonesian with an
error id, never a traceback or a file path; the details go to the log under that id.

- `page_errors()` wraps each page run (app.py, around `navigation.run()`);
- `on_script_error` is the same handler for Streamlit's server (serve.py, `st.App(...,
  on_script_error=...)`), which also covers widget callbacks: they run before app.py does.

A refused write (`NoLongerAllowed`: the account lost the role or was disabled meanwhile) says
so; a busy database says to try again (the page keeps what was typed). Both are expected, so
they show their own message; anything else is "Terjadi kesalahan" with the id to report.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import streamlit as st

from store.db import BUSY_MESSAGE, is_busy
from store.errors import NoLongerAllowed

log = logging.getLogger("cso_trainer.halaman")

UNEXPECTED = (
    "Terjadi kesalahan pada aplikasi; tindakan terakhir mungkin belum tersimpan. Muat ulang "
    "halaman lalu coba lagi. Jika terulang, sampaikan kode kesalahan {id} kepada admin."
)


def error_id() -> str:
    """A short id to quote to an admin, e.g. "E-3F9A1C2B", also written in the log."""
    return "E-" + uuid.uuid4().hex[:8].upper()


def show_error(exc: BaseException) -> str:
    """Draw the short message for `exc` and log its details; returns the error id."""
    eid = error_id()
    if isinstance(exc, NoLongerAllowed):
        log.warning("[%s] ditolak: %s", eid, exc.message)
        st.error(exc.message, icon=":material/block:")
    elif is_busy(exc):
        log.warning("[%s] basis data sibuk", eid, exc_info=exc)
        st.warning(f"{BUSY_MESSAGE} (kode {eid})", icon=":material/hourglass_top:")
    else:
        log.error("[%s] kesalahan tak terduga di halaman", eid, exc_info=exc)
        st.error(UNEXPECTED.format(id=eid), icon=":material/error:")
    return eid


def on_script_error(exc: Exception) -> bool:
    """st.App's handler: show the short message instead of Streamlit's traceback."""
    try:
        show_error(exc)
    except Exception:  # drawing failed too (no script context): the log has it
        log.exception("kesalahan saat menampilkan pesan kesalahan")
    return True


@contextmanager
def page_errors() -> Iterator[None]:
    """Run a page; an exception it raises is shown as a short message (st.stop, st.rerun and
    st.switch_page are no exceptions of this kind and pass through)."""
    try:
        yield
    except Exception as exc:
        show_error(exc)

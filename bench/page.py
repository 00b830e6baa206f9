"""Benchmark: the server-side cost of one interaction on the Latihan page.

One interaction = the trainee sends a chat reply: the callback applies the dialogue rules and
the page reruns (data panel, chat, APKT form). Measured with Streamlit's AppTest (no browser,
no network): the time of one `run()` after setting the chat input, median of many, against a
trivial page with one chat input getting the same kind of input, interleaved in the same run so
both see the same machine. Before every sample the call is put back to the same mid-call state
(the opening line and two replies), so every sample draws the same amount.

AppTest always reruns the whole script, so this is the cost of the whole page; in the browser
the chat is an st.fragment and a reply reruns only the chat. `ratio_of_pairs_median` is the
median of the ratios of back-to-back samples, steadier than `ratio` on a busy machine.

Also reported, for information: the same interaction through app.py (sign-in check, menu and
account box around the page), against the trivial page measured beside it.
"""

from __future__ import annotations

import logging
import os
import statistics
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TARGET_RATIO_MAX = 3
CASE = "invoice.email.setuju_web"
WARMUP_REPLIES = ("Selamat siang, dengan Rina dari PLN 123, ada yang bisa dibantu?",
                  "Informasi tagihan bisa dilihat di website www.pln.co.id, bersedia mencoba?")
REPLY = "Apakah Bapak sudah punya akun di website PLN?"

LATIHAN_SCRIPT = """\
from views.practice_page import render

render()
"""
APP_SCRIPT = """\
import runpy

import streamlit as st

goto = st.session_state.pop("_bench_goto", None)
if goto:  # as typing /latihan into the address bar
    st.switch_page(st.Page(lambda: None, title=goto, url_path=goto))
runpy.run_path({app!r}, run_name="__main__")
"""
TRIVIAL_SCRIPT = """\
import streamlit as st

st.chat_input("Balasan", key="balasan")
"""


class _NoContextNoise(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        return "missing ScriptRunContext" not in record.getMessage()


@contextmanager
def _environment(folder: Path) -> Iterator[tuple[int, int]]:
    """A temporary database with two trainees (CSO_DATABASE_URL set meanwhile); yield their ids
    (one per page under test: a call in progress is kept per user, and two sessions of one
    user on one call would be two tabs, one of them told to step back)."""
    from store import Database, create_user

    url = f"sqlite:///{folder / 'bench.db'}"
    db = Database(url)
    db.upgrade()
    users = [create_user(db, username=name, display_name="Bench", roles=["trainee"])
             for name in ("bench", "bench2")]  # fmt: skip
    db.dispose()
    old = os.environ.get("CSO_DATABASE_URL")
    quiet = logging.getLogger("streamlit.runtime.scriptrunner_utils.script_run_context")
    noise = _NoContextNoise()
    os.environ["CSO_DATABASE_URL"] = url
    quiet.addFilter(noise)  # AppTest's session_state outside a run logs this on every set
    try:
        yield users[0].id, users[1].id
    finally:
        quiet.removeFilter(noise)
        if old is None:
            os.environ.pop("CSO_DATABASE_URL", None)
        else:
            os.environ["CSO_DATABASE_URL"] = old


def _latihan(script: Path, user_id: int, goto: bool = False):
    """An AppTest on the Latihan page in the middle of a call; returns (app test, call)."""
    from streamlit.testing.v1 import AppTest

    from store import Database
    from store.drafts import delete_draft
    from views import practice_page as page

    db = Database()  # the call of an earlier run is kept there; this one starts afresh
    delete_draft(db, user_id=user_id, kind="latihan")
    db.dispose()
    at = AppTest.from_file(str(script), default_timeout=60)
    at.session_state["cso_user_id"] = user_id
    if goto:
        at.session_state["_bench_goto"] = page.URL_PATH
    at.run()
    at.radio(key=page.K_KIND).set_value(page.CHOSEN).run()
    at.selectbox(key=page.K_CASE).set_value(CASE)
    at.button(key="latihan-mulai").click().run()
    for reply in WARMUP_REPLIES:
        at.chat_input(key=page.K_CHAT).set_value(reply).run()
    if at.exception:
        raise RuntimeError(f"Latihan page failed: {at.exception[0].message}")
    return at, at.session_state[page.K_CALL]


def _timed(step: Callable[[], object]) -> float:
    start = time.perf_counter()
    step()
    return (time.perf_counter() - start) * 1000


def bench_page(quick: bool = False) -> dict:
    """Median ms of one rerun of the Latihan page after a chat reply, and of a trivial page."""
    from streamlit.testing.v1 import AppTest

    from views import practice_page as page

    samples = 15 if quick else 60
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        scripts = {"latihan": LATIHAN_SCRIPT, "app": APP_SCRIPT.format(app=str(ROOT / "app.py")),
                   "trivial": TRIVIAL_SCRIPT}
        paths = {}
        for name, text in scripts.items():
            paths[name] = folder / f"{name}.py"
            paths[name].write_text(text, encoding="utf-8")
        with _environment(folder) as (user_id, other_id):
            latihan, call = _latihan(paths["latihan"], user_id)
            in_app, app_call = _latihan(paths["app"], other_id, goto=True)
            trivial = AppTest.from_file(str(paths["trivial"]), default_timeout=60)
            trivial.run()

            def latihan_reply() -> None:
                latihan.session_state[page.K_CALL] = call
                latihan.chat_input(key=page.K_CHAT).set_value(REPLY).run()

            def app_reply() -> None:
                in_app.session_state[page.K_CALL] = app_call
                in_app.chat_input(key=page.K_CHAT).set_value(REPLY).run()

            def trivial_reply() -> None:
                trivial.chat_input(key="balasan").set_value(REPLY).run()

            for step in (latihan_reply, app_reply, trivial_reply):  # warm
                step()
            lat, triv = [], []
            for _ in range(samples):  # interleaved: the same machine noise for both
                lat.append(_timed(latihan_reply))
                triv.append(_timed(trivial_reply))
            app, triv_app = [], []  # apart, so its garbage is not collected in the page's
            for _ in range(samples):
                app.append(_timed(app_reply))
                triv_app.append(_timed(trivial_reply))
            if latihan.exception or in_app.exception:
                raise RuntimeError("Latihan page failed during the benchmark")
            lines = len(latihan.chat_message)
    lm, tm, am, tam = (statistics.median(x) for x in (lat, triv, app, triv_app))
    return {
        "name": "page",
        "unit": "ms per rerun (AppTest, server side)",
        "interaction": "chat reply on the Latihan page, mid-call",
        "chat_lines_drawn": lines,
        "samples": samples,
        "latihan_rerun_ms_median": round(lm, 2),
        "trivial_rerun_ms_median": round(tm, 2),
        "ratio": round(lm / tm, 2),
        "ratio_of_pairs_median": round(statistics.median(a / b for a, b in zip(lat, triv,
                                                                                strict=True)), 2),
        "target_ratio_max": TARGET_RATIO_MAX,
        "latihan_in_app_rerun_ms_median": round(am, 2),
        "trivial_rerun_ms_median_beside_app": round(tam, 2),
        "ratio_in_app": round(am / tam, 2),
    }

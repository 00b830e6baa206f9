"""cProfile inside a benchmark's Streamlit server, one profile per kind of script run.

Only the load benchmark uses this (`python -m bench.load --profile DIR`): it writes a
`sitecustomize.py` into a temporary folder on the server's PYTHONPATH that calls `install()`
when CSO_BENCH_PROFILE names an output folder. Nothing in the app imports it.

Every script run (`ScriptRunner._run_script`, in the script thread: callbacks, the shell of
app.py and the page) is profiled on its own and added to the profile of its kind:
`<page url path>.<what triggered it>` (`rerun`, the key of the clicked button, the chat input,
`fragment` when only a fragment ran). Each kind is written as `<kind>.prof` (pstats) with
`runs.json` (runs, wall and script-thread CPU seconds per kind, the profiler's overhead
included), every 5 s and at exit. The profile's clock is the script thread's CPU time
(CSO_BENCH_PROFILE_CLOCK=wall: wall time, waits for the GIL and for locks included).
"""

from __future__ import annotations

import atexit
import cProfile
import json
import os
import pstats
import threading
import time
from pathlib import Path

_LOCK = threading.Lock()
_PROFILES: dict[str, pstats.Stats] = {}
_RUNS: dict[str, dict[str, float]] = {}


def _trigger(rerun_data) -> str:
    states = getattr(rerun_data, "widget_states", None)
    for w in getattr(states, "widgets", None) or []:
        kind = w.WhichOneof("value")
        if kind in ("trigger_value", "chat_input_value", "string_trigger_value"):
            tail = w.id.split("-", 2)
            return tail[2] if len(tail) == 3 else kind
    return "rerun"


def _page(runner) -> str:
    try:
        ctx = runner._get_script_run_ctx()
        pages = runner._pages_manager.get_pages()
        info = pages.get(ctx.page_script_hash) or {}
        return info.get("url_pathname") or info.get("page_name") or "main"
    except Exception:  # noqa: BLE001 - a profile label must never break a run
        return "?"


def _dump(folder: Path) -> None:
    with _LOCK:
        folder.mkdir(parents=True, exist_ok=True)
        for kind, prof in _PROFILES.items():
            prof.dump_stats(str(folder / f"{kind}.prof"))
        (folder / "runs.json").write_text(json.dumps(_RUNS, indent=2), encoding="utf-8")


def install() -> None:
    out = os.environ.get("CSO_BENCH_PROFILE")
    if not out:
        return
    from streamlit.runtime.scriptrunner import script_runner

    # cpu (default): each function's time is the script thread's own CPU time (time.thread_time),
    # so 20 threads waiting for the GIL or a lock do not inflate it; wall: time.perf_counter
    cpu = os.environ.get("CSO_BENCH_PROFILE_CLOCK", "cpu") != "wall"

    original = script_runner.ScriptRunner._run_script

    def _run_script(self, rerun_data):
        fragment = bool(getattr(rerun_data, "fragment_id_queue", None))
        trigger = _trigger(rerun_data)
        prof = cProfile.Profile(time.thread_time if cpu else time.perf_counter)
        start, cpu0 = time.perf_counter(), time.thread_time()
        prof.enable()
        try:
            return original(self, rerun_data)
        finally:
            prof.disable()
            seconds = time.perf_counter() - start
            cpu_seconds = time.thread_time() - cpu0
            kind = f"{_page(self)}.{trigger}" + (".fragment" if fragment else "")
            kind = kind.replace("/", "_").replace("$", "")
            with _LOCK:
                if kind in _PROFILES:
                    _PROFILES[kind].add(prof)
                else:
                    _PROFILES[kind] = pstats.Stats(prof)
                run = _RUNS.setdefault(kind, {"runs": 0, "seconds": 0.0, "cpu_seconds": 0.0})
                run["runs"] += 1
                run["seconds"] += seconds
                run["cpu_seconds"] += cpu_seconds

    script_runner.ScriptRunner._run_script = _run_script
    folder = Path(out)
    atexit.register(_dump, folder)

    def _every(period: float = 5.0) -> None:  # also while running: a killed server leaves them
        while True:
            time.sleep(period)
            try:
                _dump(folder)
            except Exception:  # noqa: BLE001
                pass

    threading.Thread(target=_every, daemon=True, name="bench-profile-dump").start()


SITECUSTOMIZE = "import bench.load_profile\nbench.load_profile.install()\n"

"""Load benchmark: N simulated trainees over the websocket against a real app server.

    python -m bench.load [--quick] [--json] [--sessions 1,20,50] [--profile DIR]
    cso-trainer bench --load [--quick] [--json]

For each N the benchmark starts a fresh `streamlit run serve.py` (as bin/start and
tests/e2e.py do) on a free port and a temporary SQLite database with the demo content, creates
N trainee accounts and signs each in through the app's own route (`store.sessions.start_session`
then `POST /_cso/sesi`, which answers with the HttpOnly `cso_sesi` cookie; the cookie goes on
the websocket handshake, as a browser sends it). Each trainee is one websocket speaking
Streamlit's protocol (bench/wsclient.py, no browser) and does, all N together, phase by phase:

    buka          open the app at / (a new tab: signed in by the cookie, the first page drawn)
    rerun         rerun the first page (no widget changed), 3 times
    ke_latihan    the menu link to /latihan
    pilih_kasus   "Pilih kasus" (radio; the page reruns)
    mulai         choose the case and press "Mulai panggilan"
    balas         a chat reply (the chat fragment reruns), 5 times
    isi_apkt      each APKT field as the browser sends it (action, sub issue type if shown,
                  IDPEL, Keterangan; each change reruns the page)
    simpan        "Simpan APKT & akhiri panggilan" (score and save the attempt)

Beside it, in the same run, the same client against a one-button page (a temporary script
with a title and a button, its own fresh server): N sessions open it (`buka`, right after the
app's `buka`), then click (`klik`) once after each later phase of the app, interleaved, so both
see the same machine. A phase starts when every session has finished the last one (N requests
in one burst, the worst moment of a training room), so every figure is of N concurrent
sessions:

    p50/p95       seconds from sending the BackMsg to the run's script_finished
    per_s         actions of the phase / wall time of the phase (throughput)
    cpu_ms        server CPU (user+system, /proc/<pid>/stat) during the phase / actions
    mb_per_session  (server RSS after the last phase - RSS before the first) / N

A warm-up trainee runs the whole flow once before measuring (imports, content, caches).
Figures, never pass/fail; `--profile DIR` also writes a cProfile of every kind of script run
inside the server (bench/load_profile.py), `--py-spy DIR` a py-spy sampling of the app server
(collapsed stacks; `.venv/bin/pip install py-spy`).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import http.client
import json
import os
import platform
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench.wsclient import FINISHED, RunResult, StreamlitSession

ROOT = Path(__file__).resolve().parent.parent
START_TIMEOUT = 90.0
SESSIONS = (1, 20, 50)
QUICK_SESSIONS = (1, 5)
FIRST_PAGE_RERUNS = 3
BUTTON_CLICKS = 7
CASE = "invoice.email.setuju_web"
REPLIES = (
    "Selamat siang, dengan Rina dari PLN 123, ada yang bisa dibantu?",
    "Boleh saya minta IDPEL Bapak/Ibu?",
    "Baik, terima kasih. Informasi tagihan bisa dilihat di website www.pln.co.id, "
    "bersedia mencoba?",
    "Apakah Bapak/Ibu sudah punya akun di website PLN?",
    "Silakan login, lalu pilih menu Tagihan dan ketik IDPEL Anda.",
)
KETERANGAN = "Pelanggan minta invoice via email, dipandu melihat tagihan di website."
BUTTON_SCRIPT = """\
import streamlit as st

st.title("Satu tombol")
if st.button("Klik", key="klik"):
    st.write("diklik")
"""
COOKIE = "cso_sesi"  # web.routes.COOKIE
HEADER = "X-CSO-Trainer"  # web.routes.HEADER
SESSION_PATH = "/_cso/sesi"  # web.routes.SESSION_PATH


# ---------------------------------------------------------------- the server
def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _healthy(url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as resp:
            return resp.status == 200
    except (urllib.error.URLError, OSError):
        return False


@dataclass
class Server:
    url: str
    pid: int
    folder: Path
    database_url: str

    def cpu_seconds(self) -> float:
        """User + system CPU of the server process so far (all its threads)."""
        fields = Path(f"/proc/{self.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def rss_mb(self) -> float:
        for line in Path(f"/proc/{self.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
        return float("nan")


def _app_env(folder: Path) -> dict[str, str]:
    env = {**os.environ, "CSO_DATA_DIR": str(folder), "CSO_DEMO": "1",
           "CSO_DATABASE_URL": f"sqlite:///{folder / 'cso_trainer.db'}"}  # fmt: skip
    env.pop("CSO_BENCH_PROFILE", None)
    return env


@contextlib.contextmanager
def start_server(folder: Path, *, script: str = "serve.py", demo: bool = True,
                 profile: Path | None = None) -> Iterator[Server]:
    """`streamlit run <script>` on a free port, its database the SQLite file in `folder`
    (with the demo accounts and content when `demo`, as bin/start makes them)."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    folder.mkdir(parents=True, exist_ok=True)
    env = _app_env(folder)
    if demo:
        subprocess.run([sys.executable, str(ROOT / "cli.py"), "demo-setup"], cwd=ROOT, env=env,
                       check=True, capture_output=True, timeout=180)  # fmt: skip
    if profile is not None:
        hook = folder / "profile-hook"
        hook.mkdir(exist_ok=True)
        from bench.load_profile import SITECUSTOMIZE

        (hook / "sitecustomize.py").write_text(SITECUSTOMIZE, encoding="utf-8")
        env["PYTHONPATH"] = os.pathsep.join([str(hook), str(ROOT), env.get("PYTHONPATH", "")])
        env["CSO_BENCH_PROFILE"] = str(profile)
    cmd = [
        sys.executable, "-m", "streamlit", "run", script,
        "--server.headless", "true",
        "--server.port", str(port),
        "--server.address", "127.0.0.1",
        "--browser.gatherUsageStats", "false",
        "--server.fileWatcherType", "none",
        "--server.runOnSave", "false",
    ]  # fmt: skip
    log_path = folder / f"streamlit-{port}.log"
    with open(log_path, "ab") as log:
        proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
        try:
            deadline = time.monotonic() + START_TIMEOUT
            while not _healthy(url):
                if proc.poll() is not None or time.monotonic() > deadline:
                    tail = log_path.read_text(errors="replace")[-3000:]
                    raise RuntimeError(f"streamlit server did not come up; log:\n{tail}")
                time.sleep(0.25)
            yield Server(url=url, pid=proc.pid, folder=folder,
                         database_url=env["CSO_DATABASE_URL"])  # fmt: skip
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=10)


# ---------------------------------------------------------------- trainees, signed in
def create_trainees(database_url: str, count: int, prefix: str = "latih") -> list[int]:
    from store import Database, create_user

    db = Database(database_url)
    try:
        return [create_user(db, username=f"{prefix}{i:03d}", display_name=f"Peserta {i}",
                            roles=["trainee"]).id for i in range(count)]  # fmt: skip
    finally:
        db.dispose()


def sign_in(server: Server, user_id: int) -> str:
    """The cso_sesi cookie of a new sign-in of `user_id`, as the browser gets it: a sign-in
    with its one-time hand-over code (store.sessions.start_session, what the login form
    does), then the code posted to the app's route, which answers with Set-Cookie."""
    from store import Database
    from store.sessions import start_session

    db = Database(server.database_url)
    try:
        _, code = start_session(db, user_id=user_id, client="127.0.0.1",
                                user_agent="bench.load")  # fmt: skip
    finally:
        db.dispose()
    host, port = server.url.removeprefix("http://").split(":")
    conn = http.client.HTTPConnection(host, int(port), timeout=30)
    try:
        conn.request("POST", SESSION_PATH, body=code.encode(),
                     headers={HEADER: "1", "Content-Type": "text/plain",
                              "Sec-Fetch-Site": "same-origin"})  # fmt: skip
        resp = conn.getresponse()
        resp.read()
        cookies = resp.headers.get_all("Set-Cookie") or []
    finally:
        conn.close()
    for header in cookies:
        m = re.match(rf"{COOKIE}=([^;]+)", header)
        if m:
            return m.group(1)
    raise RuntimeError(f"POST {SESSION_PATH} answered {resp.status} without the cookie")


# ---------------------------------------------------------------- what a trainee does
@dataclass
class Trainee:
    """One simulated trainee (a browser tab) and what it saw."""

    session: StreamlitSession
    timings: dict[str, list[float]] = field(default_factory=dict)
    fragment_runs: dict[str, int] = field(default_factory=dict)  # runs of only a fragment
    customer_lines: list[int] = field(default_factory=list)  # after the start and each reply
    idpel: str | None = None
    saved: bool = False
    problems: list[str] = field(default_factory=list)

    def record(self, action: str, run: RunResult) -> RunResult:
        self.timings.setdefault(action, []).append(run.seconds)
        if run.status == FINISHED.FINISHED_FRAGMENT_RUN_SUCCESSFULLY:
            self.fragment_runs[action] = self.fragment_runs.get(action, 0) + 1
        if run.exceptions:
            self.problems.extend(run.exceptions)
        return run


def _case_title(case_id: str) -> str:
    from sop.library import load_library

    for sop in load_library().sops.values():
        for case in sop.cases:
            if case.id == case_id:
                return case.title
    raise LookupError(case_id)


_IDPEL = re.compile(r"\|\s*IDPEL\s*\|\s*(\d+)\s*\|")


async def first_page(t: Trainee) -> None:
    t.record("buka", await t.session.open(""))


async def rerun_first_page(t: Trainee) -> None:
    t.record("rerun", await t.session.rerun())


async def to_latihan(t: Trainee) -> None:
    t.record("ke_latihan", await t.session.goto("latihan"))


async def choose_case(t: Trainee) -> None:
    s = t.session
    t.record("pilih_kasus", await s.change(s.widget("latihan.start.kind"), "Pilih kasus"))


async def start_call(t: Trainee, case_title: str) -> None:
    s = t.session
    s.set_value(s.widget("latihan.start.case"), case_title)
    run = t.record("mulai", await s.click(s.widget("latihan-mulai")))
    for text in run.texts:
        m = _IDPEL.search(text)
        if m:
            t.idpel = m.group(1)
    t.customer_lines.append(run.chat_authors.count("pelanggan"))


async def reply(t: Trainee, text: str) -> None:
    s = t.session
    run = t.record("balas", await s.chat(s.widget("latihan.chat"), text))
    t.customer_lines.append(run.chat_authors.count("pelanggan"))


def _form_widget(s: StreamlitSession, label: str):
    return s.widget(label=label, type="selectbox" if label in ("Tindakan", "Sub Issue Type")
                    else None)  # fmt: skip


async def fill_apkt(t: Trainee) -> None:
    s = t.session
    action = _form_widget(s, "Tindakan")
    t.record("isi_apkt", await s.change(action, action.options[0]))
    with contextlib.suppress(LookupError):  # only some actions ask for it
        sub = _form_widget(s, "Sub Issue Type")
        t.record("isi_apkt", await s.change(sub, sub.options[0]))
    t.record("isi_apkt", await s.change(s.widget(label="IDPEL", type="text_input"),
                                        t.idpel or "000000000000"))  # fmt: skip
    t.record("isi_apkt", await s.change(s.widget(label="Keterangan", type="text_area"),
                                        KETERANGAN))  # fmt: skip


async def submit(t: Trainee) -> None:
    s = t.session
    run = t.record("simpan", await s.click(s.widget("latihan-simpan")))
    # the result screen: the form is gone, "Panggilan baru" is there
    t.saved = s.has_widget("latihan-baru") and "Simpan APKT" not in " ".join(run.texts)


async def button_open(t: Trainee) -> None:
    t.record("buka", await t.session.open(""))


async def button_click(t: Trainee) -> None:
    s = t.session
    t.record("klik", await s.click(s.widget("klik")))


# ---------------------------------------------------------------- phases
@dataclass
class Phase:
    action: str
    actions: int = 0
    wall: float = 0.0
    cpu: float = 0.0


@dataclass
class Group:
    """The sessions of one server and the phases measured on it."""

    server: Server
    trainees: list[Trainee]
    phases: dict[str, Phase] = field(default_factory=dict)


async def _phase(group: Group, action: str, step, *args) -> None:
    trainees, server = group.trainees, group.server
    before = sum(len(t.timings.get(action, [])) for t in trainees)
    cpu0, t0 = server.cpu_seconds(), time.perf_counter()
    await asyncio.gather(*(step(t, *args) for t in trainees))
    wall, cpu = time.perf_counter() - t0, server.cpu_seconds() - cpu0
    p = group.phases.setdefault(action, Phase(action))
    p.actions += sum(len(t.timings.get(action, [])) for t in trainees) - before
    p.wall += wall
    p.cpu += cpu


async def latihan_flow(app: Group, case_title: str, button: Group | None = None) -> None:
    """Every trainee through the whole flow, phase by phase; after each phase, when given,
    a phase of the one-button page (its sessions open it, then click), so both see the same
    machine."""

    async def then_button(first: bool = False) -> None:
        if button is not None:
            if first:
                await _phase(button, "buka", button_open)
            else:
                await _phase(button, "klik", button_click)

    await _phase(app, "buka", first_page)
    await then_button(first=True)
    for _ in range(FIRST_PAGE_RERUNS):
        await _phase(app, "rerun", rerun_first_page)
        await then_button()
    for action, step, args in (("ke_latihan", to_latihan, ()),
                               ("pilih_kasus", choose_case, ()),
                               ("mulai", start_call, (case_title,))):  # fmt: skip
        await _phase(app, action, step, *args)
        await then_button()
    for text in REPLIES:
        await _phase(app, "balas", reply, text)
        await then_button()
    await _phase(app, "isi_apkt", fill_apkt)
    await then_button()
    await _phase(app, "simpan", submit)
    await then_button()


async def button_flow(button: Group) -> None:
    await _phase(button, "buka", button_open)
    for _ in range(BUTTON_CLICKS):
        await _phase(button, "klik", button_click)


def _pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))]


def _summary(trainees: list[Trainee], phases: dict[str, Phase], rss: tuple[float, float],
             n: int) -> dict[str, Any]:
    actions = {}
    for name, p in phases.items():
        times = [x for t in trainees for x in t.timings.get(name, [])]
        actions[name] = {
            "count": p.actions,
            "p50_s": round(statistics.median(times), 3),
            "p95_s": round(_pct(times, 0.95), 3),
            "per_s": round(p.actions / p.wall, 2) if p.wall else None,
            "cpu_ms": round(1000 * p.cpu / p.actions, 1) if p.actions else None,
        }
    total_actions = sum(p.actions for p in phases.values())
    total_wall = sum(p.wall for p in phases.values())
    return {
        "actions": actions,
        "all_actions_per_s": round(total_actions / total_wall, 2),
        "rss_before_mb": round(rss[0], 1),
        "rss_after_mb": round(rss[1], 1),
        "mb_per_session": round((rss[1] - rss[0]) / n, 2),
    }


# ---------------------------------------------------------------- one N
async def _connect(server: Server, cookies: list[dict[str, str] | None]) -> list[Trainee]:
    trainees = [Trainee(StreamlitSession(server.url, cookies=c)) for c in cookies]
    await asyncio.gather(*(t.session.connect() for t in trainees))
    return trainees


async def _close(trainees: list[Trainee]) -> None:
    await asyncio.gather(*(t.session.close() for t in trainees), return_exceptions=True)


async def _measure(app_server: Server, button_server: Server, n: int,
                   case_title: str) -> tuple[dict, dict, list[Trainee]]:
    users = create_trainees(app_server.database_url, n + 1)
    cookies = [{COOKIE: sign_in(app_server, u)} for u in users]
    # a warm-up trainee on each (imports, content, caches), as on a running server
    warm = Group(app_server, await _connect(app_server, cookies[:1]))
    await latihan_flow(warm, case_title)
    warm_button = Group(button_server, await _connect(button_server, [None]))
    await button_flow(warm_button)
    await _close(warm.trainees + warm_button.trainees)
    await asyncio.sleep(0.5)
    app = Group(app_server, await _connect(app_server, cookies[1:]))
    button = Group(button_server, await _connect(button_server, [None] * n))
    rss0 = app_server.rss_mb(), button_server.rss_mb()
    try:
        await latihan_flow(app, case_title, button)
        rss1 = app_server.rss_mb(), button_server.rss_mb()
    finally:
        await _close(app.trainees + button.trainees)
    return (_summary(app.trainees, app.phases, (rss0[0], rss1[0]), n),
            _summary(button.trainees, button.phases, (rss0[1], rss1[1]), n),
            app.trainees)  # fmt: skip


def _checks(trainees: list[Trainee], database_url: str) -> dict[str, Any]:
    """Did the actions do what they should: a call started, a customer line after each
    reply, the attempt saved (counted in the database)."""
    from sqlalchemy import create_engine, text

    engine = create_engine(database_url)
    try:
        with engine.connect() as conn:
            attempts = conn.execute(text(
                "SELECT count(*) FROM attempts a JOIN users u ON u.id = a.trainee_id "
                "WHERE u.username LIKE 'latih%'")).scalar_one()  # fmt: skip
    finally:
        engine.dispose()
    replies_answered = sum(
        all(b > a for a, b in zip(t.customer_lines, t.customer_lines[1:], strict=False))
        and len(t.customer_lines) == len(REPLIES) + 1
        for t in trainees
    )
    return {
        "calls_started": sum(bool(t.customer_lines and t.customer_lines[0] > 0)
                             for t in trainees),  # fmt: skip
        "all_replies_answered": replies_answered,
        "replies_as_fragment_runs": sum(t.fragment_runs.get("balas", 0) for t in trainees),
        "saved_on_screen": sum(t.saved for t in trainees),
        "attempts_in_database": attempts,  # the warm-up trainee's too
        "page_errors": sorted({p for t in trainees for p in t.problems})[:5],
    }


@contextlib.contextmanager
def py_spy(pid: int, output: Path | None) -> Iterator[None]:
    """`py-spy record` of the server while the block runs (collapsed stacks, threads apart,
    on-CPU samples only), when py-spy is installed and `output` given."""
    exe = Path(sys.executable).parent / "py-spy"
    if output is None or not exe.exists():
        yield
        return
    output.parent.mkdir(parents=True, exist_ok=True)
    proc = subprocess.Popen([str(exe), "record", "--pid", str(pid), "--format", "raw",
                             "--threads", "--rate", "100", "--nonblocking",
                             "--output", str(output)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
    try:
        yield
    finally:
        proc.send_signal(2)  # SIGINT: py-spy writes what it sampled
        try:
            proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            proc.kill()


def run_round(n: int, *, profile: Path | None = None,
              spy: Path | None = None) -> dict[str, Any]:
    """N trainees on the app and N sessions on the one-button page, each on a fresh server of
    its own, measured interleaved."""
    case_title = _case_title(CASE)
    with tempfile.TemporaryDirectory(prefix="cso-load-") as tmp:
        folder = Path(tmp)
        script = folder / "satu_tombol.py"
        script.write_text(BUTTON_SCRIPT, encoding="utf-8")
        with start_server(folder / "app", profile=profile) as app_server, \
                start_server(folder / "button", script=str(script), demo=False) as button_server:
            with py_spy(app_server.pid, spy):
                app, button, trainees = asyncio.run(_measure(app_server, button_server, n,
                                                             case_title))  # fmt: skip
            app["checks"] = _checks(trainees, app_server.database_url)
    return {"sessions": n, "app": app, "button": button, "vs_button": _ratios(app, button)}


def _ratios(app: dict, button: dict) -> dict[str, Any]:
    """Each app action against the one-button page's click (its open for `buka`)."""
    out = {}
    for name, a in app["actions"].items():
        b = button["actions"]["buka" if name == "buka" else "klik"]
        out[name] = {
            "p95_x": round(a["p95_s"] / b["p95_s"], 2) if b["p95_s"] else None,
            "per_s_of_button": round(a["per_s"] / b["per_s"], 2) if b["per_s"] else None,
            "cpu_x": round(a["cpu_ms"] / b["cpu_ms"], 2) if b["cpu_ms"] else None,
        }
    return out


def bench_load(sessions: tuple[int, ...] = SESSIONS, *, profile: Path | None = None,
               spy: Path | None = None) -> dict[str, Any]:
    rounds = []
    for n in sessions:
        print(f"... load N={n}", file=sys.stderr, flush=True)
        rounds.append(run_round(n, profile=(profile / f"n{n}") if profile else None,
                                spy=(spy / f"n{n}.txt") if spy else None))
    return {
        "name": "load",
        "unit": "seconds per action over the websocket (p50/p95), actions/s, server CPU ms "
                "per action, MB RSS per session",
        "flow": "buka, rerun x3 (first page), ke_latihan, pilih_kasus, mulai, balas x5, "
                "isi_apkt (3-4 fields), simpan; one-button page: buka, then klik after each "
                "app phase",
        "case": CASE,
        "rounds": rounds,
    }


# ---------------------------------------------------------------- printing
def print_table(result: dict[str, Any]) -> None:
    head = (f"{'N':>3} {'halaman':<9} {'aksi':<12} {'jml':>5} {'p50 s':>7} {'p95 s':>7} "
            f"{'aksi/s':>7} {'CPU ms':>7} {'p95 x':>6} {'/s x':>6}")  # fmt: skip
    print(head)
    print("-" * len(head))
    for r in result["rounds"]:
        n = r["sessions"]
        for page, data in (("app", r["app"]), ("1-tombol", r["button"])):
            for name, a in data["actions"].items():
                ratio = r["vs_button"].get(name, {}) if page == "app" else {}
                print(f"{n:>3} {page:<9} {name:<12} {a['count']:>5} {a['p50_s']:>7.3f} "
                      f"{a['p95_s']:>7.3f} {a['per_s']:>7.2f} {a['cpu_ms']:>7.1f} "
                      f"{_fmt(ratio.get('p95_x')):>6} {_fmt(ratio.get('per_s_of_button')):>6}")
            print(f"{n:>3} {page:<9} {'memori':<12} {data['mb_per_session']:>6.2f} MB/sesi "
                  f"(RSS {data['rss_before_mb']:.0f} -> {data['rss_after_mb']:.0f} MB), "
                  f"semua aksi {data['all_actions_per_s']:.2f}/s")
        c = r["app"]["checks"]
        print(f"{n:>3} cek: panggilan dimulai {c['calls_started']}/{n}, 5 balasan dijawab "
              f"{c['all_replies_answered']}/{n} (fragmen saja {c['replies_as_fragment_runs']}/"
              f"{len(REPLIES) * n}), tersimpan {c['saved_on_screen']}/{n} "
              f"(percobaan di basis data {c['attempts_in_database']}), "
              f"galat halaman {c['page_errors'] or 'tidak ada'}")
        print()
    print("p95 x, /s x: terhadap klik halaman satu tombol (buka: terhadap membukanya), N sesi "
          "bersamaan, diukur berselang-seling dalam putaran yang sama (server masing-masing).")


def _fmt(x: float | None) -> str:
    return "-" if x is None else f"{x:.2f}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.load", description=__doc__.split(
        "\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter)  # fmt: skip
    parser.add_argument("--quick", action="store_true", help="N = 1 and 5")
    parser.add_argument("--json", action="store_true", help="JSON instead of the table")
    parser.add_argument("--sessions", help="comma-separated N (default 1,20,50)")
    parser.add_argument("--profile", type=Path, metavar="DIR",
                        help="cProfile every kind of script run in the server into DIR/n<N>/")
    parser.add_argument("--py-spy", type=Path, metavar="DIR", dest="spy",
                        help="py-spy record of the app server (if installed) into DIR/n<N>.txt")
    args = parser.parse_args(argv)
    if args.sessions:
        sessions = tuple(int(x) for x in args.sessions.split(","))
    else:
        sessions = QUICK_SESSIONS if args.quick else SESSIONS
    result = {
        "machine": {"python": platform.python_version(), "cpus": os.cpu_count(),
                    "quick": args.quick},
        "benchmarks": [bench_load(sessions, profile=args.profile, spy=args.spy)],
    }
    if args.json:
        print(json.dumps(result, indent=2, ensure_ascii=False))
    else:
        m = result["machine"]
        print(f"Python {m['python']}, {m['cpus']} CPU (klien dan server di mesin yang sama)\n")
        print_table(result["benchmarks"][0])
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

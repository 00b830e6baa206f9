"""Helpers for end-to-end tests: a real `streamlit run` server and headless Debian Chromium.

Used by the fixtures in conftest.py; usable on their own too, e.g. to take screenshots:

    with streamlit_server(data_dir) as url, chromium() as browser:
        page = browser.new_page()
        page.goto(url)
        wait_idle(page)
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

# one free port and one health check for the browser tests and the load benchmark
from bench.load import _healthy, free_port

ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
IDLE = "[data-testid='stApp'][data-test-script-state='notRunning']"
START_TIMEOUT = 60.0


@contextlib.contextmanager
def streamlit_server(
    data_dir: Path,
    *,
    script: str = "serve.py",
    env: dict[str, str] | None = None,
    port: int | None = None,
    address: str = "127.0.0.1",
) -> Iterator[str]:
    """Run `streamlit run <script>` (serve.py: app.py with the sign-in cookie routes, as
    bin/start does) on `port` (default: a free one) with CSO_DATA_DIR=data_dir; yield its URL.

    Demo mode (CSO_DEMO=1, with `cso-trainer demo-setup` run first) unless `env` says
    CSO_DEMO=0: then the database starts empty. The database is the SQLite file in data_dir
    unless `env` names one (CSO_DATABASE_URL, e.g. PostgreSQL shared by two servers).

    Waits (at most START_TIMEOUT seconds) until /_stcore/health answers, and stops the server
    on exit. If the server does not come up, the error carries the end of its log.
    """
    port = port or free_port()
    url = f"http://127.0.0.1:{port}"
    data_dir.mkdir(parents=True, exist_ok=True)
    log_path = data_dir / f"streamlit-{port}.log"
    cmd = [
        sys.executable, "-m", "streamlit", "run", script,
        "--server.headless", "true",
        "--server.port", str(port),
        "--server.address", address,  # "::": dual-stack, IPv4 peers as ::ffff:a.b.c.d
        "--browser.gatherUsageStats", "false",
        "--server.fileWatcherType", "none",
        "--server.runOnSave", "false",
    ]  # fmt: skip
    run_env = {**os.environ, "CSO_DATA_DIR": str(data_dir), "CSO_DEMO": "1", **(env or {})}
    if "CSO_DATABASE_URL" not in (env or {}):
        run_env.pop("CSO_DATABASE_URL", None)  # the server's database: the SQLite in data_dir
    if run_env["CSO_DEMO"] == "1":  # the demo accounts, as bin/start makes them
        subprocess.run([sys.executable, str(ROOT / "cli.py"), "demo-setup"], cwd=ROOT,
                       env=run_env, check=True, capture_output=True, timeout=120)  # fmt: skip
    with open(log_path, "ab") as log:
        proc = subprocess.Popen(cmd, cwd=ROOT, env=run_env, stdout=log, stderr=subprocess.STDOUT)
        try:
            deadline = time.monotonic() + START_TIMEOUT
            while not _healthy(url):
                if proc.poll() is not None or time.monotonic() > deadline:
                    tail = log_path.read_text(errors="replace")[-3000:]
                    state = (
                        f"exited with {proc.returncode}"
                        if proc.poll() is not None
                        else (f"not healthy after {START_TIMEOUT:.0f}s")
                    )
                    raise RuntimeError(f"streamlit server {state}; log:\n{tail}")
                time.sleep(0.25)
            yield url
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=10)


@contextlib.contextmanager
def chromium(headless: bool = True):
    """A Playwright Browser on Debian's chromium (Playwright's own download does not work)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=headless
        )
        try:
            yield browser
        finally:
            browser.close()


def wait_idle(page, timeout: float = 30_000) -> None:
    """Wait until the Streamlit app has finished its current script run."""
    page.wait_for_selector("[data-testid='stApp']", timeout=timeout)
    # a rerun may start just after an action; give it a moment to begin before we wait
    page.wait_for_timeout(150)
    page.wait_for_selector(IDLE, timeout=timeout)


DEMO_TRAINEE = ("peserta1", "demo-pln-123")  # store.auth.DEMO_ACCOUNTS / DEMO_PASSWORD


def open_app(
    page, url: str, path: str = "", *, login: tuple[str, str] | None = DEMO_TRAINEE
) -> None:
    """Open the app (optionally a page's url_path) and wait until it has drawn.

    A new page is a new session: when the login form shows, sign in as `login` (by default
    the demo trainee; None leaves the login form as it is).
    """
    page.goto(f"{url}/{path}", wait_until="domcontentloaded")
    wait_idle(page)
    page.wait_for_selector("[data-testid='stMainBlockContainer']", timeout=30_000)
    if login is not None and page.locator(".st-key-login_username").count():
        sign_in(page, *login)


def sign_in(page, username: str, password: str) -> None:
    """Fill in the login form and press "Masuk"; wait until the app has drawn again."""
    page.locator(".st-key-login_username input").fill(username)
    page.locator(".st-key-login_password input").fill(password)
    page.get_by_role("button", name="Masuk", exact=True).click()
    wait_idle(page)


SESSION_COOKIE = "cso_sesi"  # web.routes.COOKIE


def forget_server_work(data_dir: Path) -> None:
    """Delete every user's work in progress (work_drafts) in a test server's SQLite database."""
    import sqlite3

    path = data_dir / "cso_trainer.db"
    if not path.exists():
        return
    with contextlib.closing(sqlite3.connect(path, timeout=30)) as conn:
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master")}
        if "work_drafts" in tables:
            conn.execute("DELETE FROM work_drafts")
            conn.commit()


def session_cookie(context, timeout: float = 15.0) -> dict:
    """The sign-in cookie once the browser holds it (the page hands it over right after the
    login, in the background); fails after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        found = [c for c in context.cookies() if c["name"] == SESSION_COOKIE]
        if found:
            return found[0]
        if time.monotonic() > deadline:
            raise AssertionError("the browser never got the sign-in cookie")
        time.sleep(0.1)


def screenshot(page, name: str, *, max_height: int = 12_000) -> Path:
    """Save a full-page screenshot into test-artifacts/ (gitignored) and return its path.

    Streamlit scrolls inside its main section, not the document, so a plain full-page shot
    shows only the window; the viewport is stretched to the content for the shot and restored.
    """
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    size = page.viewport_size or {"width": 1400, "height": 900}
    height = page.evaluate(
        "() => Math.max(...[...document.querySelectorAll("
        "\"[data-testid='stMain'], [data-testid='stMainBlockContainer']\")]"
        ".map(e => e.scrollHeight), document.documentElement.scrollHeight)"
    )
    page.set_viewport_size({"width": size["width"], "height": min(int(height), max_height)})
    page.wait_for_timeout(500)
    page.screenshot(path=str(path), full_page=True)
    page.set_viewport_size(size)
    return path

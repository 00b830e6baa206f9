"""deploy/nginx.conf, tested: two `streamlit run serve.py` processes behind Debian's nginx (on
free loopback ports), the health check and the page through nginx, the websocket upgrade passed
on (101 Switching Protocols from Streamlit), and every request of one client kept on the same
process (sticky sessions). nginx comes from Debian (`apt-get install -y nginx`, as .ci/run does).
"""

from __future__ import annotations

import base64
import contextlib
import os
import re
import shutil
import socket
import subprocess
import time
import urllib.request
from pathlib import Path

import pytest

from tests.e2e import ROOT, free_port, streamlit_server

NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
CONFIG = ROOT / "deploy" / "nginx.conf"

MAIN = """
daemon off;
master_process off;
pid {tmp}/nginx.pid;
error_log {tmp}/error.log info;
events {{ worker_connections 256; }}
http {{
    log_format cso '$request_uri $status upstream=$upstream_addr';
    access_log {tmp}/access.log cso;
    client_body_temp_path {tmp}/body;
    proxy_temp_path {tmp}/proxy;
    fastcgi_temp_path {tmp}/fastcgi;
    uwsgi_temp_path {tmp}/uwsgi;
    scgi_temp_path {tmp}/scgi;
    include {tmp}/cso-trainer.conf;
}}
"""


def site_config(port: int, backends: list[int]) -> str:
    """deploy/nginx.conf as shipped, with only the ports changed for this test."""
    text = CONFIG.read_text(encoding="utf-8")
    assert "listen 80;" in text and "127.0.0.1:8501" in text and "127.0.0.1:8502" in text
    text = text.replace("listen 80;", f"listen 127.0.0.1:{port};")
    text = text.replace("127.0.0.1:8501", f"127.0.0.1:{backends[0]}")
    return text.replace("127.0.0.1:8502", f"127.0.0.1:{backends[1]}")


@contextlib.contextmanager
def nginx(tmp: Path, port: int, backends: list[int]):
    assert os.access(NGINX, os.X_OK), (
        "nginx is missing: install Debian's nginx (apt-get install -y nginx), as .ci/run does")
    (tmp / "cso-trainer.conf").write_text(site_config(port, backends), encoding="utf-8")
    (tmp / "nginx.conf").write_text(MAIN.format(tmp=tmp), encoding="utf-8")
    test = subprocess.run([NGINX, "-t", "-p", str(tmp), "-c", str(tmp / "nginx.conf")],
                          capture_output=True, text=True, timeout=30)
    assert test.returncode == 0, test.stderr
    proc = subprocess.Popen([NGINX, "-p", str(tmp), "-c", str(tmp / "nginx.conf")],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 20
        while True:
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 1):
                break
            assert proc.poll() is None, (tmp / "error.log").read_text()
            assert time.monotonic() < deadline, "nginx did not start listening"
            time.sleep(0.1)
        yield f"http://127.0.0.1:{port}"
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def get(url: str) -> tuple[int, str]:
    with urllib.request.urlopen(url, timeout=10) as resp:
        return resp.status, resp.read().decode("utf-8", "replace")


def websocket_handshake(port: int) -> str:
    """The status line and headers of a websocket upgrade of /_stcore/stream through nginx."""
    key = base64.b64encode(os.urandom(16)).decode()
    request = (
        "GET /_stcore/stream HTTP/1.1\r\n"
        f"Host: 127.0.0.1:{port}\r\n"
        "Upgrade: websocket\r\n"
        "Connection: Upgrade\r\n"
        f"Sec-WebSocket-Key: {key}\r\n"
        "Sec-WebSocket-Version: 13\r\n"
        "Sec-WebSocket-Protocol: streamlit\r\n\r\n"
    )
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(request.encode())
        data = b""
        while b"\r\n\r\n" not in data:
            chunk = sock.recv(4096)
            if not chunk:
                break
            data += chunk
    return data.decode("latin-1")


def test_two_app_processes_behind_nginx_with_sticky_sessions_and_websockets(tmp_path):
    data = tmp_path / "data"
    env = {"CSO_DEMO": "0"}  # an empty app: the first page asks for the first admin
    with streamlit_server(data, env=env) as one, streamlit_server(data, env=env) as two:
        backends = [int(one.rsplit(":", 1)[1]), int(two.rsplit(":", 1)[1])]
        port = free_port()
        conf = tmp_path / "nginx"
        conf.mkdir()
        with nginx(conf, port, backends) as url:
            assert get(f"{url}/_stcore/health") == (200, "ok")
            status, page = get(url + "/")
            assert status == 200 and '<div id="root">' in page

            head = websocket_handshake(port)
            assert head.startswith("HTTP/1.1 101"), head
            assert re.search(r"(?im)^upgrade:\s*websocket", head)
            assert re.search(r"(?im)^sec-websocket-accept:", head)

            for _ in range(8):
                assert get(f"{url}/_stcore/health")[0] == 200
            time.sleep(0.3)  # the access log is written after each response
        log = (conf / "access.log").read_text()
    upstreams = set(re.findall(r"upstream=(\S+)", log))
    assert len(upstreams) == 1, log  # one client, one app process
    assert upstreams <= {f"127.0.0.1:{p}" for p in backends}
    assert "/_stcore/stream 101" in log


# ---------------------------------------------------------------- one sign-in, any process
@contextlib.contextmanager
def shared_database(tmp: Path):
    """The database both app processes share: a fresh PostgreSQL schema when
    CSO_TEST_POSTGRES_URL is set (as in CI), else one SQLite file."""
    base = os.environ.get("CSO_TEST_POSTGRES_URL")
    if not base:
        yield f"sqlite:///{tmp / 'bersama.db'}"
        return
    import uuid

    from sqlalchemy import create_engine

    from store.db import normalise_url

    url = normalise_url(base)
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = create_engine(url)
    with admin.begin() as conn:
        conn.exec_driver_sql(f"CREATE SCHEMA {schema}")
    try:
        yield url.update_query_dict({"options": f"-csearch_path={schema}"}).render_as_string(
            hide_password=False)
    finally:
        with admin.begin() as conn:
            conn.exec_driver_sql(f"DROP SCHEMA {schema} CASCADE")
        admin.dispose()


def upstreams(log: Path) -> list[str]:
    time.sleep(0.3)  # the access log is written after each response
    return re.findall(r"upstream=(\S+)", log.read_text())


@pytest.mark.browser
def test_signed_in_through_nginx_on_one_process_and_still_on_the_other(tmp_path, browser):
    from playwright.sync_api import expect

    from tests.e2e import session_cookie, wait_idle
    from tests.test_e2e_practice import CSO_LINES, say, start_setuju_web_call

    with shared_database(tmp_path) as db_url:
        env = {"CSO_DATABASE_URL": db_url}
        servers = [streamlit_server(tmp_path / f"data{i}", env=env) for i in (1, 2)]
        urls = [s.__enter__() for s in servers]
        running = [True, True]
        try:
            backends = [int(u.rsplit(":", 1)[1]) for u in urls]
            port = free_port()
            conf = tmp_path / "nginx"
            conf.mkdir()
            with nginx(conf, port, backends) as url:
                context = browser.new_context(viewport={"width": 1400, "height": 900})
                page = context.new_page()
                page.set_default_timeout(30_000)
                start_setuju_web_call(page, url)  # signs in through nginx, starts a call
                say(page, "Selamat siang, dengan Dewi di PLN 123, ada yang bisa dibantu?")
                cookie = session_cookie(context)
                served = {u for u in upstreams(conf / "access.log") if u != "-"}
                assert len(served) == 1, served  # sticky: one process so far
                first = backends.index(int(served.pop().rsplit(":", 1)[1]))

                seen = len((conf / "access.log").read_text())
                servers[first].__exit__(None, None, None)  # that process goes away
                running[first] = False
                page.reload(wait_until="domcontentloaded")  # nginx sends it to the other one
                wait_idle(page)
                expect(page.locator("[data-testid='stSidebar']").get_by_text(  # the other
                    "Dewi Lestari (demo)")).to_be_visible(timeout=60_000)  # process's 1st run
                expect(page.locator(".st-key-login_username")).to_have_count(0)
                expect(page.get_by_text("Panggilan dilanjutkan", exact=False)).to_be_visible()
                expect(page.locator(CSO_LINES)).to_have_count(1)
                time.sleep(0.3)
                since = (conf / "access.log").read_text()[seen:]
                assert f"127.0.0.1:{backends[1 - first]}" in since, since  # the other process
                assert cookie["value"] not in (conf / "access.log").read_text()
                context.close()
        finally:
            for server, up in zip(servers, running, strict=True):
                if up:
                    server.__exit__(None, None, None)

"""deploy/nginx.conf, tested: two `streamlit run app.py` processes behind Debian's nginx (on
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

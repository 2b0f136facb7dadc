"""builder.render.preview_server: a built site served under a sub-path, like GitHub Pages, and
nothing else: regular files inside the folder, no symlinks, no listings, no tracebacks, no
connection left open. Real sockets and real HTTP clients throughout."""

from __future__ import annotations

import http.client
import importlib.util
import os
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from builder.render.preview_server import serve_site

REPO = Path(__file__).resolve().parents[1]


def _get(url):
    with urllib.request.urlopen(url, timeout=5) as r:
        return r.status, r.headers.get("Content-Type"), r.read()


def _raw(base: str, path: str, method: str = "GET", headers: dict | None = None):
    """One request on a fresh connection, no redirect followed: (status, headers, body)."""
    u = urlsplit(base)
    conn = http.client.HTTPConnection(u.hostname, u.port, timeout=5)
    try:
        conn.putrequest(method, path, skip_accept_encoding=True)
        for k, v in (headers or {}).items():
            conn.putheader(k, v)
        conn.endheaders()
        r = conn.getresponse()
        return r.status, dict(r.getheaders()), r.read()
    finally:
        conn.close()


def _port(base: str) -> int:
    return urlsplit(base).port


def test_serves_under_the_prefix_only(tmp_path):
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "a.bin").write_bytes(b"\x00\x01")
    (tmp_path / "index.html").write_text("hi")
    big = os.urandom(3_000_000)  # past the one-write size: headers, then sendfile
    (tmp_path / "data" / "big.bin").write_bytes(big)
    with serve_site(tmp_path, prefix="/repo/") as base:
        assert base.endswith("/repo/")
        assert _get(base + "data/big.bin")[2] == big
        status, ctype, body = _get(base + "data/a.bin")
        assert status == 200 and body == b"\x00\x01" and ctype == "application/octet-stream"
        assert _get(base)[2] == b"hi"
        root = base[: -len("repo/")]
        with pytest.raises(urllib.error.HTTPError) as err:
            _get(root + "data/a.bin")
        assert err.value.code == 404
        assert _raw(base, "/other/index.html")[0] == 404
        status, headers, body = _raw(base, "/repo/data/a.bin", "HEAD")
        assert status == 200 and headers["Content-Length"] == "2" and body == b""


def test_prefix_redirect_has_a_length_so_curl_does_not_hang(tmp_path):
    (tmp_path / "index.html").write_text("hi")
    with serve_site(tmp_path, prefix="/repo/") as base:
        status, headers, body = _raw(base, "/repo")
        assert status == 301 and headers["Location"] == "/repo/"
        assert int(headers["Content-Length"]) == len(body)
        curl = "/usr/bin/curl"
        if os.path.exists(curl):  # what the issue saw: curl waited for a body that never came
            done = subprocess.run([curl, "-sS", "-i", "--max-time", "5", base[:-1]], check=False,
                                  capture_output=True, text=True)
            assert done.returncode == 0 and "301" in done.stdout, done.stderr


def test_serves_from_a_subprocess_too(tmp_path):
    (tmp_path / "x.txt").write_text("ok")
    with serve_site(tmp_path, prefix="/p/", subprocess_=True) as base:
        assert _get(base + "x.txt")[2] == b"ok"


def test_no_symlink_is_followed(tmp_path):
    site, outside = tmp_path / "site", tmp_path / "outside"
    site.mkdir()
    outside.mkdir()
    (outside / "secret.txt").write_text("secret")
    (site / "real.txt").write_text("real")
    (site / "sub").mkdir()
    (site / "sub" / "ok.txt").write_text("ok")
    os.symlink(outside / "secret.txt", site / "to_file.txt")  # out of the site
    os.symlink(outside, site / "to_dir")
    os.symlink(site / "real.txt", site / "inside.txt")  # inside: refused too, like every symlink
    os.symlink(site / "sub", site / "sublink")
    with serve_site(site, prefix="/repo/") as base:
        assert _raw(base, "/repo/real.txt")[2] == b"real"
        assert _raw(base, "/repo/sub/ok.txt")[2] == b"ok"
        for path in ("to_file.txt", "to_dir/secret.txt", "to_dir/", "inside.txt", "sublink/ok.txt"):
            status, _, body = _raw(base, "/repo/" + path)
            assert status == 404 and b"secret" not in body, path


def test_folders_index_html_or_404_never_a_listing(tmp_path):
    (tmp_path / "bare").mkdir()
    (tmp_path / "bare" / "file.txt").write_text("x")
    (tmp_path / "page").mkdir()
    (tmp_path / "page" / "index.html").write_text("page")
    with serve_site(tmp_path, prefix="/repo/") as base:
        status, _, body = _raw(base, "/repo/bare/")
        assert status == 404 and b"file.txt" not in body
        assert _raw(base, "/repo/bare")[0] == 301
        assert _raw(base, "/repo/page/")[:3:2] == (200, b"page")
        status, headers, body = _raw(base, "/repo/page?x=1")  # the prefix stays, the query too
        assert status == 301 and headers["Location"] == "/repo/page/?x=1"
        assert int(headers["Content-Length"]) == len(body)
        assert _raw(base, "/repo/bare/file.txt/")[0] == 404  # a file is not a folder


def test_odd_paths_get_4xx_and_nothing_on_stderr(tmp_path):
    """Through `python -m builder serve` itself; Ctrl+C then ends it cleanly."""
    (tmp_path / "index.html").write_text("hi")
    os.mkfifo(tmp_path / "pipe")  # opening it used to block the connection for good
    cmd = [sys.executable, "-m", "builder", "serve", "--dir", str(tmp_path), "--port", "0", "--prefix", "/repo/"]
    proc = subprocess.Popen(cmd, cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        line = proc.stdout.readline()
        base = line.split(" at ")[1].split()[0]
        expected = {"/repo/%00": 400, "/repo/a%00b.txt": 400, "/repo/../index.html": 404,
                    "/repo/%2e%2e/%2e%2e/etc/hostname": 404, "/repo/%ff%fe": 404, "/repo/pipe": 404,
                    "/repo/index.html%2f..%2f..%2fx": 404, "/nowhere": 404, "*": 400}
        for path, code in expected.items():
            assert _raw(base, path)[0] == code, path
        with socket.create_connection(("127.0.0.1", _port(base)), timeout=5) as s:  # a raw NUL byte
            s.sendall(b"GET /repo/\x00 HTTP/1.1\r\nHost: x\r\n\r\n")
            assert s.recv(100).startswith(b"HTTP/1.1 400")
        assert _raw(base, "/repo/")[2] == b"hi"  # still serving
        idle = socket.create_connection(("127.0.0.1", _port(base)), timeout=5)  # must not hold up the exit
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=10)
        idle.close()
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    assert proc.returncode == 0 and err == "", err


def test_idle_connections_are_closed_and_busy_ones_kept(tmp_path):
    (tmp_path / "index.html").write_text("hi")
    with serve_site(tmp_path, prefix="/repo/", idle_timeout=1.0) as base:
        silent = socket.create_connection(("127.0.0.1", _port(base)), timeout=10)
        t0 = time.monotonic()
        assert silent.recv(1) == b""  # the server hung up on a client that sent nothing
        assert 0.8 < time.monotonic() - t0 < 5
        silent.close()

        conn = http.client.HTTPConnection("127.0.0.1", _port(base), timeout=10)
        conn.request("GET", "/repo/")
        assert conn.getresponse().read() == b"hi"
        sock = conn.sock
        for _ in range(5):  # a request every 0.4 s for 2 s: longer than the timeout, never idle for it
            time.sleep(0.4)
            conn.request("GET", "/repo/")
            assert conn.getresponse().read() == b"hi"
        assert conn.sock is sock  # the same connection throughout
        t0 = time.monotonic()
        assert sock.recv(1) == b""  # then left idle: closed
        assert 0.8 < time.monotonic() - t0 < 5
        conn.close()


def test_leaving_serve_site_closes_open_connections(tmp_path):
    (tmp_path / "index.html").write_text("hi")
    threads_before = threading.active_count()
    with serve_site(tmp_path, prefix="/repo/") as base:
        kept = socket.create_connection(("127.0.0.1", _port(base)), timeout=5)
        kept.sendall(b"GET /repo/ HTTP/1.1\r\nHost: x\r\n\r\n")
        assert kept.recv(1000).endswith(b"\r\n\r\nhi")
        silent = socket.create_connection(("127.0.0.1", _port(base)), timeout=5)
        time.sleep(0.2)
        t0 = time.monotonic()
    assert time.monotonic() - t0 < 3
    assert threading.active_count() == threads_before  # no connection thread left behind
    for s in (kept, silent):
        try:  # a request on the old connection gets nothing: it was closed, not left serving
            s.sendall(b"GET /repo/ HTTP/1.1\r\nHost: x\r\n\r\n")
            assert s.recv(100) == b""
        except ConnectionError:
            pass
        s.close()


def test_keep_alive_requests_do_not_wait_for_the_delayed_ack(tmp_path):
    """Headers and body written separately waited ~40 ms each for the client's ACK (Nagle)."""
    (tmp_path / "data.bin").write_bytes(os.urandom(20_000))
    with serve_site(tmp_path, prefix="/repo/") as base:
        conn = http.client.HTTPConnection("127.0.0.1", _port(base), timeout=5)
        conn.request("GET", "/repo/data.bin")
        conn.getresponse().read()
        times = []
        for _ in range(30):
            t0 = time.perf_counter()
            conn.request("GET", "/repo/data.bin")
            assert len(conn.getresponse().read()) == 20_000
            times.append(time.perf_counter() - t0)
        conn.close()
    assert statistics.median(times) < 0.020, times  # was 44 ms; ~0.5 ms now


def _load_module():
    spec = importlib.util.spec_from_file_location("preview_server_load", REPO / "benchmarks" / "preview_server_load.py")
    mod = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = mod  # its dataclass looks its module up
    spec.loader.exec_module(mod)
    return mod


@pytest.mark.parametrize("keep_alive", [True, False], ids=["keep-alive", "close"])
def test_small_load_has_no_errors_and_every_body_right(tmp_path, keep_alive):
    load = _load_module()
    urls = load.make_site(tmp_path)
    with serve_site(tmp_path, prefix="/repo/") as base:
        r = load.run_load(base, urls, clients=4, requests=100, keep_alive=keep_alive, deadline_s=60)
        wrong = dict(urls, **{"data/small.bin": b"not the file"})  # the check itself can fail
        bad = load.run_load(base, wrong, clients=1, requests=len(urls), keep_alive=keep_alive, deadline_s=60)
    assert r.requests == 400 and r.errors == 0, r.first_errors
    assert r.connections == (4 if keep_alive else 400)
    assert bad.errors == 1 and "data/small.bin" in bad.first_errors[0]

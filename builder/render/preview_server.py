"""Serve a built site folder over HTTP on 127.0.0.1, optionally under a sub-path.

GitHub Pages serves a project site under /<repo>/, so everything the site requests must be
relative; serving under a prefix in tests catches any absolute URL. Used by the browser tests,
the benchmarks and `python -m builder serve`:

    with serve_site(Path("site"), prefix="/repo/") as base_url:   # http://127.0.0.1:PORT/repo/
        ...

What it serves, like a static host and nothing more:
- regular files inside the site folder, found without following any symlink: a symlink anywhere
  on the way (to a file, to a folder, inside or outside the site) is 404. The builder never
  writes symlinks, a static host's upload would not carry them the same way, and refusing all
  of them needs no judgement of where one points (os.open with O_NOFOLLOW, component by
  component, so nothing can be swapped in between a check and the open);
- a folder's index.html; a folder URL without its trailing slash redirects to it; a folder
  without index.html is 404 (no listings);
- paths outside the prefix, `..`, FIFOs, devices: 404; a NUL byte or a path that does not start
  with `/`: 400. Never a traceback on stderr: a request the server cannot make sense of is a
  4xx response.

Connections: HTTP/1.1 keep-alive; a connection that sends nothing for `idle_timeout` seconds
(a client that connects and stays silent, or a kept-alive connection left idle) is closed.
Each response goes out in one write for small files, and TCP_NODELAY is set: headers and body
in two small writes used to wait for the client's delayed ACK (Nagle), 40 ms per request.
Leaving `serve_site` closes every open connection and waits for their threads.
"""

from __future__ import annotations

import contextlib
import email.utils
import http.server
import mimetypes
import os
import signal
import socket
import stat
import subprocess
import sys
import threading
import time
from pathlib import Path
from urllib.parse import quote, unquote, urlsplit

IDLE_TIMEOUT_S = 5.0  # a silent or idle connection is closed after this
ONE_WRITE_MAX = 1 << 20  # files up to 1 MiB go out in one write with their headers
_CLOSE_WAIT_S = 2.0  # leaving serve_site: how long to wait for connection threads, in all

_TYPES = {
    ".bin": "application/octet-stream",
    ".webp": "image/webp",
    ".js": "text/javascript",
    ".mjs": "text/javascript",
    ".json": "application/json",
    ".txt": "text/plain; charset=utf-8",
    ".html": "text/html; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".svg": "image/svg+xml",
    ".wasm": "application/wasm",
}
_O_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
_O_NONBLOCK = getattr(os, "O_NONBLOCK", 0)  # a FIFO must not block the open
_O_DIRECTORY = getattr(os, "O_DIRECTORY", 0)
_O_BINARY = getattr(os, "O_BINARY", 0)


class _NotServed(Exception):
    """Internal: the request is answered with an error status (never escapes the handler)."""

    def __init__(self, status: int, why: str):
        super().__init__(why)
        self.status, self.why = status, why


def _content_type(name: str) -> str:
    ext = os.path.splitext(name)[1].lower()
    return _TYPES.get(ext) or mimetypes.guess_type(name)[0] or "application/octet-stream"


def _open_nofollow(name: str, dir_fd: int | None, parent: str) -> int:
    """Open `name` in the folder `dir_fd` (or the path `parent`) refusing a symlink."""
    flags = os.O_RDONLY | _O_NOFOLLOW | _O_NONBLOCK | _O_BINARY
    if dir_fd is not None:
        return os.open(name, flags, dir_fd=dir_fd)
    path = os.path.join(parent, name)  # no dir_fd (Windows): check, then open
    if os.path.islink(path):
        raise OSError(f"{path} is a symlink")
    return os.open(path, flags)


def _open_inside(root: str, names: list[str]) -> tuple[int, os.stat_result]:
    """An fd and its stat for root/names..., no component a symlink; OSError if there is none."""
    use_fd = os.open in os.supports_dir_fd
    fd = os.open(root, os.O_RDONLY | _O_DIRECTORY | _O_BINARY) if use_fd else -1
    path = root
    try:
        for name in names:
            nxt = _open_nofollow(name, fd if use_fd else None, path)
            if fd >= 0:
                os.close(fd)
            fd, path = nxt, os.path.join(path, name)
        if fd < 0:  # no dir_fd support and the root itself was asked for
            fd = os.open(root, os.O_RDONLY | _O_BINARY)
        return fd, os.fstat(fd)
    except BaseException:
        if fd >= 0:
            os.close(fd)
        raise


class _Handler(http.server.BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.1"  # keep-alive: one connection serves many small files, like a real host
    server_version = "CLIPAtlasPreview/1"
    disable_nagle_algorithm = True  # TCP_NODELAY: no 40 ms wait for the client's delayed ACK

    def setup(self):
        self.timeout = self.server.idle_timeout  # StreamRequestHandler sets it on the socket
        super().setup()

    def do_GET(self):  # noqa: N802 (http.server naming)
        self._serve(with_body=True)

    def do_HEAD(self):  # noqa: N802
        self._serve(with_body=False)

    def _serve(self, with_body: bool) -> None:
        try:
            self._serve_file(with_body)
        except _NotServed as e:
            body = f"{e.status} {e.why}\n".encode()
            self._send(e.status, {"Content-Type": "text/plain; charset=utf-8"}, body, len(body),
                       close=e.status == 400)

    def _serve_file(self, with_body: bool) -> None:
        raw = urlsplit(self.path)
        path = unquote(raw.path)  # bad UTF-8 turns into U+FFFD: no such file, 404
        if "\x00" in path or not path.startswith("/"):
            raise _NotServed(400, "bad path")
        prefix = self.server.prefix
        if path + "/" == prefix:  # /repo -> /repo/
            return self._redirect(quote(prefix), raw.query)
        if not path.startswith(prefix):
            raise _NotServed(404, "outside the site's prefix")
        parts = path[len(prefix):].split("/")
        if any(p in (".", "..") for p in parts):
            raise _NotServed(404, "not found")
        names = [p for p in parts if p]
        try:
            fd, st = _open_inside(self.server.root, names)
        except (OSError, ValueError):  # missing, a symlink, not a folder on the way, too long...
            raise _NotServed(404, "not found") from None
        try:
            if stat.S_ISDIR(st.st_mode):
                if not path.endswith("/"):
                    return self._redirect(raw.path + "/", raw.query)
                os.close(fd)
                fd = -1
                try:
                    fd, st = _open_inside(self.server.root, [*names, "index.html"])
                except OSError:
                    raise _NotServed(404, "no index.html in this folder") from None
                names = [*names, "index.html"]
            elif path.endswith("/"):
                raise _NotServed(404, "not a folder")
            if not stat.S_ISREG(st.st_mode):
                raise _NotServed(404, "not a regular file")
            self._send_file(fd, st, names[-1] if names else "index.html", with_body)
        finally:
            if fd >= 0:
                os.close(fd)

    def _send_file(self, fd: int, st: os.stat_result, name: str, with_body: bool) -> None:
        headers = {"Content-Type": _content_type(name),
                   "Last-Modified": email.utils.formatdate(st.st_mtime, usegmt=True)}
        if _not_modified(self.headers.get("If-Modified-Since"), st.st_mtime):
            return self._send(304, {"Last-Modified": headers["Last-Modified"]}, b"", None)
        size = st.st_size
        if not with_body:
            return self._send(200, headers, b"", size)
        if size <= ONE_WRITE_MAX:
            chunks, left = [], size
            while left > 0:
                chunk = os.read(fd, left)
                if not chunk:
                    break
                chunks.append(chunk)
                left -= len(chunk)
            body = b"".join(chunks)
            return self._send(200, headers, body, len(body))
        self._send(200, headers, b"", size)
        with os.fdopen(os.dup(fd), "rb") as f:
            self.connection.sendfile(f, 0, size)

    def _redirect(self, location: str, query: str) -> None:
        location += "?" + query if query else ""
        body = f"moved to {location}\n".encode()
        self._send(301, {"Location": location, "Content-Type": "text/plain; charset=utf-8"}, body, len(body))

    def _send(self, status: int, headers: dict, body: bytes, length: int | None, close: bool = False) -> None:
        """Status, headers and body in one write (the body may follow separately for big files)."""
        self.send_response(status)
        for key, value in headers.items():
            self.send_header(key, value)
        if length is not None:
            self.send_header("Content-Length", str(length))
        if close:
            self.send_header("Connection", "close")
        self._headers_buffer.append(b"\r\n")
        head = b"".join(self._headers_buffer)
        self._headers_buffer = []
        self.wfile.write(head + (body if self.command != "HEAD" else b""))

    def log_message(self, *args):  # quiet: tests and benchmarks print their own results
        pass


def _not_modified(since: str | None, mtime: float) -> bool:
    if not since:
        return False
    try:
        when = email.utils.parsedate_to_datetime(since)
    except (TypeError, ValueError, IndexError):
        return False
    return when.tzinfo is not None and int(mtime) <= when.timestamp()


class _Server(http.server.ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False  # server_close shuts the connections down and joins their threads itself
    request_queue_size = 128  # 20 clients connecting at once must not overflow the backlog (5)

    def __init__(self, address, root: Path, prefix: str, idle_timeout: float):
        self.root = os.path.realpath(root)
        self.prefix = prefix
        self.idle_timeout = idle_timeout
        self._live: dict[socket.socket, threading.Thread] = {}
        self._lock = threading.Lock()
        super().__init__(address, _Handler)

    def process_request(self, request, client_address):
        t = threading.Thread(target=self.process_request_thread, args=(request, client_address),
                             name="site-connection", daemon=True)
        with self._lock:
            self._live[request] = t
        t.start()

    def shutdown_request(self, request):
        with self._lock:
            self._live.pop(request, None)
        super().shutdown_request(request)

    def server_close(self):
        super().server_close()
        with self._lock:
            live = list(self._live.items())
        for sock, _ in live:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)  # a blocked recv or send returns at once
        deadline = time.monotonic() + _CLOSE_WAIT_S
        for _, thread in live:
            thread.join(max(0.0, deadline - time.monotonic()))

    def open_connections(self) -> int:
        with self._lock:
            return len(self._live)

    def handle_error(self, request, client_address):
        # a browser that navigates away mid-download resets the connection; a client that sends
        # nothing times out: neither is an error here
        if isinstance(sys.exc_info()[1], (ConnectionError, TimeoutError)):
            return
        super().handle_error(request, client_address)


def _make_server(root: Path, prefix: str, host: str, port: int,
                 idle_timeout: float = IDLE_TIMEOUT_S) -> tuple[_Server, str]:
    prefix = "/" + prefix.strip("/") + "/" if prefix.strip("/") else "/"
    server = _Server((host, port), Path(root), prefix, idle_timeout)
    return server, f"http://{host}:{server.server_address[1]}{quote(prefix)}"


def _serve_forever(server: _Server) -> None:
    # Ctrl+C must reach the main thread (`serve` sleeps there): a signal the kernel hands to a
    # server thread instead leaves the main thread asleep and the command hanging. The
    # connection threads, started from this one, inherit the mask.
    if hasattr(signal, "pthread_sigmask"):
        signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT, signal.SIGTERM})
    server.serve_forever()


@contextlib.contextmanager
def serve_site(root: Path, prefix: str = "/", host: str = "127.0.0.1", port: int = 0,
               subprocess_: bool = False, idle_timeout: float = IDLE_TIMEOUT_S):
    """Serve `root` at http://host:port<prefix>; yields the base URL.

    In a background thread by default; `subprocess_=True` serves from a separate Python process,
    so that timings taken by the caller (benchmarks) do not share its interpreter lock.
    """
    if subprocess_:
        cmd = [sys.executable, "-m", "builder.render.preview_server", str(root), "--prefix", prefix,
               "--host", host, "--port", str(port), "--idle-timeout", str(idle_timeout)]
        proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True, cwd=Path(__file__).resolve().parents[2])
        try:
            url = proc.stdout.readline().strip()
            if not url.startswith("http"):
                raise RuntimeError(f"preview server did not start: {url!r}")
            yield url
        finally:
            proc.terminate()
            proc.wait(timeout=10)
        return
    server, url = _make_server(Path(root), prefix, host, port, idle_timeout)
    thread = threading.Thread(target=_serve_forever, args=(server,), name="site-server", daemon=True)
    thread.start()
    try:
        yield url
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


if __name__ == "__main__":  # python -m builder.render.preview_server SITE [--prefix /repo/]
    import argparse

    ap = argparse.ArgumentParser(description="serve a built site on 127.0.0.1")
    ap.add_argument("root", type=Path)
    ap.add_argument("--prefix", default="/")
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--idle-timeout", type=float, default=IDLE_TIMEOUT_S)
    args = ap.parse_args()
    srv, base = _make_server(args.root, args.prefix, args.host, args.port, args.idle_timeout)
    print(base, flush=True)
    try:
        srv.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        srv.server_close()

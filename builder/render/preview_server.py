"""Serve a built site folder over HTTP on 127.0.0.1, optionally under a sub-path.

GitHub Pages serves a project site under /<repo>/, so everything the site requests must be
relative; serving under a prefix in tests catches any absolute URL. Used by the browser tests,
the benchmarks and `serve`-style previews:

    with serve_site(Path("site"), prefix="/repo/") as base_url:   # http://127.0.0.1:PORT/repo/
        ...
"""

from __future__ import annotations

import contextlib
import functools
import http.server
import subprocess
import sys
import threading
from pathlib import Path
from urllib.parse import unquote, urlsplit


class _Handler(http.server.SimpleHTTPRequestHandler):
    prefix = "/"
    protocol_version = "HTTP/1.1"  # keep-alive: one connection serves many small files, like a real host
    extensions_map = {
        **http.server.SimpleHTTPRequestHandler.extensions_map,
        ".bin": "application/octet-stream",
        ".webp": "image/webp",
        ".js": "text/javascript",
        ".json": "application/json",
        ".txt": "text/plain; charset=utf-8",
    }

    def _strip(self) -> bool:
        path = urlsplit(self.path).path
        if path + "/" == self.prefix:  # /repo -> /repo/
            self.send_response(301)
            self.send_header("Location", self.prefix)
            self.end_headers()
            return False
        if not unquote(path).startswith(self.prefix):
            self.send_error(404, "outside the site's prefix")
            return False
        self.path = "/" + self.path[len(self.prefix):]
        return True

    def do_GET(self):  # noqa: N802 (http.server naming)
        if self._strip():
            super().do_GET()

    def do_HEAD(self):  # noqa: N802
        if self._strip():
            super().do_HEAD()

    def log_message(self, *args):  # quiet: tests and benchmarks print their own results
        pass


class _Server(http.server.ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address):
        # a browser that navigates away mid-download resets the connection: not an error here
        if isinstance(sys.exc_info()[1], (ConnectionError, TimeoutError)):
            return
        super().handle_error(request, client_address)


def _make_server(root: Path, prefix: str, host: str, port: int) -> tuple[_Server, str]:
    prefix = "/" + prefix.strip("/") + "/" if prefix.strip("/") else "/"
    handler = type("SiteHandler", (_Handler,), {"prefix": prefix})
    server = _Server((host, port), functools.partial(handler, directory=str(Path(root))))
    return server, f"http://{host}:{server.server_address[1]}{prefix}"


@contextlib.contextmanager
def serve_site(root: Path, prefix: str = "/", host: str = "127.0.0.1", port: int = 0, subprocess_: bool = False):
    """Serve `root` at http://host:port<prefix>; yields the base URL.

    In a background thread by default; `subprocess_=True` serves from a separate Python process,
    so that timings taken by the caller (benchmarks) do not share its interpreter lock.
    """
    if subprocess_:
        cmd = [sys.executable, "-m", "builder.render.preview_server", str(root), "--prefix", prefix,
               "--host", host, "--port", str(port)]
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
    server, url = _make_server(Path(root), prefix, host, port)
    thread = threading.Thread(target=server.serve_forever, name="site-server", daemon=True)
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
    args = ap.parse_args()
    srv, base = _make_server(args.root, args.prefix, args.host, args.port)
    print(base, flush=True)
    try:
        srv.serve_forever()
    except KeyboardInterrupt:
        pass

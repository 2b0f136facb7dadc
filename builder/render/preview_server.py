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
import sys
import threading
from pathlib import Path
from urllib.parse import unquote, urlsplit


class _Handler(http.server.SimpleHTTPRequestHandler):
    prefix = "/"
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


@contextlib.contextmanager
def serve_site(root: Path, prefix: str = "/", host: str = "127.0.0.1", port: int = 0):
    """Serve `root` at http://host:port<prefix> in a background thread; yields the base URL."""
    prefix = "/" + prefix.strip("/") + "/" if prefix.strip("/") else "/"
    handler = type("SiteHandler", (_Handler,), {"prefix": prefix})
    server = _Server((host, port), functools.partial(handler, directory=str(Path(root))))
    thread = threading.Thread(target=server.serve_forever, name="site-server", daemon=True)
    thread.start()
    try:
        yield f"http://{host}:{server.server_address[1]}{prefix}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)

"""A bounded load test of the preview server, on loopback, against `python -m http.server`.

    python benchmarks/preview_server_load.py [--clients 20] [--requests 2000]

Generates a small site in a temporary folder (an index page, a folder page, binary files from
200 B to 300 kB), serves it with builder.render.preview_server (under /repo/, in its own
process) and with `python -m http.server` (the baseline, its own process too), and runs the
same load against each: CLIENTS threads x REQUESTS sequential GETs, with keep-alive (one
connection per client, reopened only if the server closes it) and without (a new connection
and `Connection: close` per request). Every body is compared with the file; any error, wrong
status or wrong body counts. Prints requests/s and p50/p95/p99 latency per run and the ratios
to the baseline; exits 1 if the preview server had any error. Stops by itself: every socket has
a timeout and the whole run a deadline.

tests/test_preview_server.py runs `run_load` with 4 clients x 100 requests.
"""

from __future__ import annotations

import argparse
import http.client
import os
import re
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from builder.render.preview_server import serve_site  # noqa: E402


def make_site(root: Path) -> dict[str, bytes]:
    """A small site; returns {URL path relative to the site root: expected body}."""
    rng = __import__("random").Random(13)
    files = {
        "index.html": b"<!doctype html><title>load</title><p>hello</p>\n",
        "page/index.html": b"<!doctype html><title>page</title>\n" * 20,
        "data/small.bin": rng.randbytes(200),
        "data/medium.bin": rng.randbytes(4_000),
        "data/large.bin": rng.randbytes(64_000),
        "data/huge.bin": rng.randbytes(300_000),
        "data/meta.json": b'{"points": 2000, "layers": ["a", "b"]}\n',
    }
    for rel, body in files.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_bytes(body)
    urls = dict(files)
    urls["page/"] = files["page/index.html"]
    urls[""] = files["index.html"]
    return urls


@dataclass
class Result:
    requests: int = 0
    errors: int = 0
    connections: int = 0
    elapsed_s: float = 0.0
    latencies_ms: list[float] = field(default_factory=list)
    first_errors: list[str] = field(default_factory=list)

    def pct(self, q: float) -> float:
        xs = sorted(self.latencies_ms)
        return xs[min(len(xs) - 1, int(q * len(xs)))] if xs else float("nan")

    def mean(self) -> float:
        return sum(self.latencies_ms) / len(self.latencies_ms) if self.latencies_ms else float("nan")

    @property
    def rps(self) -> float:
        return self.requests / self.elapsed_s if self.elapsed_s else 0.0


def run_load(base_url: str, urls: dict[str, bytes], clients: int, requests: int, keep_alive: bool,
             timeout_s: float = 10.0, deadline_s: float = 600.0) -> Result:
    """CLIENTS threads x REQUESTS GETs of base_url + each path in turn; checks every body."""
    parts = urlsplit(base_url)
    host, port, base = parts.hostname, parts.port, parts.path
    paths = sorted(urls)
    result, lock, stop = Result(), threading.Lock(), threading.Event()

    def client(k: int) -> None:
        lat, errs, conns, done = [], [], 0, 0
        conn = None
        for i in range(requests):
            if stop.is_set():
                break
            rel = paths[(k + i) % len(paths)]
            t0 = time.perf_counter()
            try:
                if conn is None or not keep_alive:
                    conn = http.client.HTTPConnection(host, port, timeout=timeout_s)
                if conn.sock is None:
                    conns += 1
                conn.request("GET", base + rel, headers={} if keep_alive else {"Connection": "close"})
                resp = conn.getresponse()
                body = resp.read()
                if resp.status != 200 or body != urls[rel]:
                    errs.append(f"{rel}: status {resp.status}, {len(body)} bytes (want {len(urls[rel])})")
                if not keep_alive:
                    conn.close()
            except (OSError, http.client.HTTPException) as exc:
                errs.append(f"{rel}: {type(exc).__name__}: {exc}")
                conn.close()
                conn = None
            lat.append((time.perf_counter() - t0) * 1000)
            done += 1
        if conn is not None:
            conn.close()
        with lock:
            result.requests += done
            result.errors += len(errs)
            result.connections += conns
            result.latencies_ms += lat
            result.first_errors += errs[: max(0, 5 - len(result.first_errors))]

    threads = [threading.Thread(target=client, args=(k,), daemon=True) for k in range(clients)]
    t0 = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join(max(0.0, deadline_s - (time.perf_counter() - t0)))
    stop.set()
    for t in threads:  # a client past the deadline stops at its next request (socket timeout at most)
        t.join(timeout_s + 1)
    result.elapsed_s = time.perf_counter() - t0
    missing = clients * requests - result.requests
    if missing:
        result.errors += missing
        result.first_errors.append(f"{missing} requests not made before the {deadline_s:.0f} s deadline")
    return result


class _HttpServerBaseline:
    """`python -m http.server` on a free port of 127.0.0.1, serving `root`."""

    def __init__(self, root: Path):
        cmd = [sys.executable, "-u", "-m", "http.server", "0", "--bind", "127.0.0.1", "--directory", str(root)]
        self.proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        line = self.proc.stdout.readline()
        m = re.search(r"\(http://127\.0\.0\.1:(\d+)/\)", line)
        if not m:
            self.close()
            raise RuntimeError(f"python -m http.server did not start: {line!r}")
        self.url = f"http://127.0.0.1:{m.group(1)}/"

    def close(self) -> None:
        self.proc.terminate()
        self.proc.wait(timeout=10)


def _line(name: str, mode: str, r: Result) -> str:
    return (f"{name:22s} {mode:10s} {r.requests:7d} req {r.errors:4d} errors {r.connections:6d} conns "
            f"{r.rps:6.0f} req/s  p50 {r.pct(0.50):6.2f}  p95 {r.pct(0.95):6.2f}  p99 {r.pct(0.99):7.2f}  "
            f"max {max(r.latencies_ms, default=0):7.1f}  mean {r.mean():6.2f} ms")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--clients", type=int, default=20)
    ap.add_argument("--requests", type=int, default=2000, help="per client")
    ap.add_argument("--deadline", type=float, default=300.0, help="seconds, per run")
    args = ap.parse_args(argv)
    print(f"{args.clients} clients x {args.requests} requests, loopback, Python {sys.version.split()[0]}, "
          f"{os.cpu_count()} CPUs")
    results: dict[tuple[str, str], Result] = {}
    with tempfile.TemporaryDirectory(prefix="atlas-load-") as tmp:
        root = Path(tmp)
        urls = make_site(root)
        with serve_site(root, prefix="/repo/", subprocess_=True) as url:
            for mode, ka in (("keep-alive", True), ("close", False)):
                r = run_load(url, urls, args.clients, args.requests, ka, deadline_s=args.deadline)
                results["preview_server", mode] = r
                print(_line("preview_server", mode, r), flush=True)
        baseline = _HttpServerBaseline(root)
        try:
            for mode, ka in (("keep-alive", True), ("close", False)):
                r = run_load(baseline.url, urls, args.clients, args.requests, ka, deadline_s=args.deadline)
                results["http.server", mode] = r
                print(_line("python -m http.server", mode, r), flush=True)
        finally:
            baseline.close()
    print("(python -m http.server speaks HTTP/1.0: it closes every connection, keep-alive or not)")
    for mode in ("keep-alive", "close"):
        ours, base = results["preview_server", mode], results["http.server", mode]
        print(f"ratio preview_server / http.server, {mode:10s}: req/s x{ours.rps / base.rps:.2f}, "
              f"p50 x{ours.pct(0.5) / base.pct(0.5):.2f}, p95 x{ours.pct(0.95) / base.pct(0.95):.2f}, "
              f"mean x{ours.mean() / base.mean():.2f}")
    bad = [(k, r) for k, r in results.items() if r.errors]
    for (name, mode), r in bad:
        print(f"{name} {mode}: {r.errors} errors, e.g. {r.first_errors[:3]}")
    return 1 if any(name == "preview_server" for (name, _), _ in bad) else 0


if __name__ == "__main__":
    sys.exit(main())

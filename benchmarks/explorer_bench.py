"""Explorer benchmark: synthetic sites of 10K, 100K and 1M points (and a built site via --site).

For each site, in headless Chromium (SwiftShader unless --gpu):
  payload      bytes per point the global view loads before its first frame
  first frame  ms from navigation start to the first drawn (and finished) frame; median of runs
  orbit p95    ms per frame while the mouse orbits the camera (draw + gl.finish, so GPU work counts);
               big sets draw a uniform subset while moving, every point at rest
  hover p95    ms per pick on mousemove (picking is computed on the CPU when asked: the first pick
               after a camera move is reported separately as "first pick")
  click p95    ms from click to the next frame after the local view panel is filled (includes
               fetching the point's shard)

Pictures (--pictures-size, default 15,000 points): orbit p95 with the camera close to a cluster,
pictures off (dots only) and on, in the same page, interleaved over --picture-rounds rounds.

Baseline: a bare hand-written WebGL page (no regl, no UI) that fetches the 10K site's positions
and draws them; time to its first (finished) draw call. Ratios are ours / baseline.

    python benchmarks/explorer_bench.py [--sizes 10000,100000,1000000] [--site path/to/site]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))  # the synthetic-site generator lives there
from builder.render.preview_server import serve_site  # noqa: E402
from synthetic_site import make_synthetic_site  # noqa: E402
from playwright.sync_api import TimeoutError as PlaywrightTimeout  # noqa: E402

CHROMIUM_ARGS = ["--use-angle=swiftshader", "--enable-unsafe-swiftshader", "--no-sandbox",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
VIEWPORT = {"width": 1280, "height": 800}
TARGETS = {"first_frame_10k_ms": 1000, "first_frame_1m_ms": 1000, "click_p95_ms": 100, "hover_p95_100k_ms": 8}
CLOSE_VIEW = {"distance": 0.45, "theta": 0.6, "phi": 0.35}  # near a cluster: pictures on screen

BASELINE_HTML = """<!doctype html><meta charset="utf-8"><title>baseline</title>
<style>html,body{margin:0;height:100%;background:#0d1017}canvas{width:100%;height:100%;display:block}</style>
<canvas id="c"></canvas>
<script>
// Bare WebGL: fetch float16 positions, decode, upload, one drawArrays(POINTS), finish.
(async () => {
  const res = await fetch('data/DATASET/positions.bin');
  const u16 = new Uint16Array(await res.arrayBuffer());
  const f32 = new Float32Array(u16.length);
  for (let i = 0; i < u16.length; i++) {
    const h = u16[i], e = (h >> 10) & 31, f = h & 1023, s = h & 0x8000 ? -1 : 1;
    f32[i] = e === 0 ? s * f * 5.960464477539063e-8 : s * (1 + f / 1024) * Math.pow(2, e - 15);
  }
  const c = document.getElementById('c');
  c.width = c.clientWidth; c.height = c.clientHeight;
  const gl = c.getContext('webgl');
  const sh = (type, src) => { const s = gl.createShader(type); gl.shaderSource(s, src); gl.compileShader(s); return s; };
  const prog = gl.createProgram();
  gl.attachShader(prog, sh(gl.VERTEX_SHADER, 'attribute vec3 p; void main(){ gl_Position = vec4(p.xy * 0.8, 0.0, 1.0); gl_PointSize = 3.0; }'));
  gl.attachShader(prog, sh(gl.FRAGMENT_SHADER, 'precision mediump float; void main(){ gl_FragColor = vec4(0.35, 0.66, 1.0, 1.0); }'));
  gl.linkProgram(prog); gl.useProgram(prog);
  const buf = gl.createBuffer(); gl.bindBuffer(gl.ARRAY_BUFFER, buf); gl.bufferData(gl.ARRAY_BUFFER, f32, gl.STATIC_DRAW);
  gl.enableVertexAttribArray(0); gl.vertexAttribPointer(0, 3, gl.FLOAT, false, 0, 0);
  gl.clearColor(0.05, 0.06, 0.09, 1); gl.clear(gl.COLOR_BUFFER_BIT);
  gl.drawArrays(gl.POINTS, 0, f32.length / 3);
  gl.finish();
  window.__baseline = performance.now();
})();
</script>
"""


def p95(xs) -> float:
    return float(np.percentile(np.asarray(xs, float), 95)) if len(xs) else float("nan")


def open_page(browser, url: str, timeout_ms: int = 180_000):
    ctx = browser.new_context(viewport=VIEWPORT)  # fresh context: cold HTTP cache every time
    page = ctx.new_page()
    page.goto(url, timeout=timeout_ms)  # a busy machine may take long to load a million points
    page.wait_for_function("window.__atlas && (window.__atlas.firstFrameMs || window.__atlas.error)", timeout=timeout_ms)
    err = page.evaluate("window.__atlas.error")
    if err:
        raise RuntimeError(f"explorer failed: {err}")
    return ctx, page


def first_frames(browser, url: str, runs: int) -> list[float]:
    out = []
    for _ in range(runs):
        ctx, page = open_page(browser, url)
        out.append(page.evaluate("window.__atlas.firstFrameMs"))
        ctx.close()
    return out


def measure_site(browser, root: Path, runs: int, frames: int, hovers: int, clicks: int) -> dict:
    manifest_path = next((root / "data").glob("*/manifest.json"))
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    n = manifest["counts"]["N"]
    payload = sum(manifest["buffers"][b]["bytes"] for b in ("positions", "modality", "category"))
    out = {"points": n, "payload_bytes_per_point": payload / n, "manifest_bytes": manifest_path.stat().st_size}
    with serve_site(root, prefix="/repo/", subprocess_=True) as base:
        url = base + "explorer/"
        firsts = first_frames(browser, url, runs)
        out["first_frame_ms"] = statistics.median(firsts)
        out["first_frame_runs_ms"] = [round(x) for x in firsts]

        ctx, page = open_page(browser, url)
        page.wait_for_function("window.__atlas.state.textReady", timeout=180_000)
        box = page.locator("#view").bounding_box()
        cx, cy = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2

        orbit = _orbit(page, cx, cy, frames)
        out["orbit_frames"], out["orbit_p95_ms"], out["orbit_wall_ms_per_step"] = orbit["frames"], orbit["p95"], orbit["wall"]
        out["orbit_drawn"] = orbit["drawn"]

        # hover: the camera just moved, so the first pick renders the id buffer
        page.evaluate("window.__atlas.timings.hover.length = 0")
        rng = np.random.default_rng(0)
        for _ in range(hovers):
            page.mouse.move(box["x"] + rng.uniform(0.2, 0.8) * box["width"], box["y"] + rng.uniform(0.2, 0.8) * box["height"])
        hover_ms = page.evaluate("window.__atlas.timings.hover.slice()")
        out["pick_render_ms"] = hover_ms[0] if hover_ms else float("nan")  # the first pick after the move
        out["hover_p95_ms"] = p95(hover_ms[1:])
        out["hover_n"] = len(hover_ms)

        # click -> local view, on points that are visible and pickable right now. The explorer
        # prefetches a hovered point's shard after 80 ms: "cold" clicks 40 ms after the cursor
        # arrives (the shard is fetched on click), "hovered" after 250 ms, as a reader's cursor rests
        for mode in ("cold", "hovered"):
            out.update(_clicks(page, rng, n, clicks, mode))
        ctx.close()
    return out


def _orbit(page, cx: float, cy: float, frames: int) -> dict:
    """One mouse step per frame, waiting for each frame to be drawn -> frame times."""
    page.evaluate("window.__atlas.renderer.syncFrames = true; window.__atlas.timings.frame.length = 0")
    page.mouse.move(cx, cy)
    page.mouse.down()
    drawn = []
    t0 = time.perf_counter()
    for f in range(frames):
        page.mouse.move(cx + 6 * (f + 1), cy + 2 * np.sin(f / 5), steps=1)
        drawn.append(page.evaluate("new Promise(r => requestAnimationFrame(() => requestAnimationFrame("
                                   "() => r({...window.__atlas.scene.stats}))))"))
    wall = time.perf_counter() - t0
    page.mouse.up()
    frame_ms = page.evaluate("window.__atlas.timings.frame.slice()")
    page.evaluate("window.__atlas.renderer.syncFrames = false")
    return {"frames": len(frame_ms), "p95": p95(frame_ms), "times": frame_ms, "wall": 1000 * wall / frames,
            "drawn": float(np.median([d["drawn"] for d in drawn])) if drawn else 0,
            "pictures": float(np.median([d["pictures"] for d in drawn])) if drawn else 0}


def measure_pictures(browser, root: Path, frames: int, rounds: int = 3) -> dict:
    """Orbit p95 close to a cluster, dots only and pictures, in the same page, interleaved for
    `rounds` rounds (dots, pictures, dots, pictures, ...: software GL's frame times drift by 2x
    over a minute, so one pass of each compares two different machines). Reports each mode's
    frames pooled over the rounds, and the ratio of every round."""
    with serve_site(root, prefix="/repo/", subprocess_=True) as base:
        ctx, page = open_page(browser, base + "explorer/")
        page.wait_for_function("window.__atlas.state.textReady", timeout=180_000)
        # the camera close to the first image, which sits in a cluster; every orbit starts there
        def close_up():
            page.evaluate("""(v) => { const a = window.__atlas; a.camera.setView({...v, target: a.scene.position(0)});
                a.renderer.invalidate(); }""", CLOSE_VIEW)
            page.wait_for_timeout(300)
        close_up()
        box = page.locator("#view").bounding_box()
        cx, cy = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
        runs = {"dots": [], "pictures": []}
        for r in range(rounds):
            for key, on in (("dots", False), ("pictures", True)):
                page.evaluate(f"window.__atlas.scene.setPictures({str(on).lower()})")
                if on and r == 0:  # let the atlas pages in view load first (they are fetched on first need)
                    page.evaluate("new Promise(r => requestAnimationFrame(r))")
                    page.wait_for_function("window.__atlas.scene.loadedPages() > 0", timeout=60_000)
                    page.wait_for_timeout(1500)
                close_up()  # every orbit sees the same views
                runs[key].append(_orbit(page, cx, cy, frames))
        out = {key: {"p95": p95([f for run in rs for f in run["times"]]),
                     "pictures": float(np.median([run["pictures"] for run in rs])),
                     "rounds_p95": [round(run["p95"], 1) for run in rs]} for key, rs in runs.items()}
        out["round_ratios"] = [round(p["p95"] / d["p95"], 2) for d, p in zip(runs["dots"], runs["pictures"])]
        out["pages_loaded"] = page.evaluate("window.__atlas.scene.loadedPages()")
        ctx.close()
    return out


def _clicks(page, rng, n: int, clicks: int, mode: str) -> dict:
    click_ms, misses = [], 0
    page.evaluate("window.__atlas.timings.clickParts.length = 0")
    for c in range(clicks):
            cands = [int(x) for x in rng.integers(0, n, 400)]
            hit = page.evaluate("""(cands) => { const a = window.__atlas;
                for (const i of cands) { const q = a.projectPoint(i);
                  if (q.onCanvas && a.pick(q.x, q.y) === i) return {i, x: q.x, y: q.y}; } return null; }""", cands)
            if hit is None:
                page.keyboard.press("-")  # zoom out a little and try again
                continue
            before = page.evaluate("window.__atlas.timings.click.length")
            page.mouse.move(hit["x"], hit["y"])
            page.wait_for_timeout(250 if mode == "hovered" else 40)
            page.mouse.click(hit["x"], hit["y"])
            try:
                page.wait_for_function(f"window.__atlas.timings.click.length > {before}", timeout=30_000)
            except PlaywrightTimeout:
                misses += 1
                continue
            click_ms.append(page.evaluate("window.__atlas.timings.click.at(-1)"))
            page.wait_for_function("!window.__atlas.camera.flight", timeout=30_000)
            page.keyboard.press("Escape")
    parts = page.evaluate("window.__atlas.timings.clickParts.slice()")
    key = "click" if mode == "cold" else "click_hovered"
    return {
        f"{key}_p95_ms": p95(click_ms),
        f"{key}_median_ms": float(np.median(click_ms)) if click_ms else float("nan"),
        f"{key}_n": len(click_ms),
        f"{key}_misses": misses,
        f"{key}_parts_median_ms": {k: round(float(np.median([p[k] for p in parts])), 1) for k in parts[0]} if parts else {},
    }


def measure_baseline(browser, root: Path, dataset: str, runs: int) -> dict:
    """Bare WebGL page vs the explorer on the same site, loads interleaved after a warm-up
    (the first WebGL context of a browser pays for starting its GPU process)."""
    (root / "baseline.html").write_text(BASELINE_HTML.replace("DATASET", dataset), encoding="utf-8")
    base_ms, ours_ms = [], []

    def baseline_once(url):
        ctx = browser.new_context(viewport=VIEWPORT)
        page = ctx.new_page()
        page.goto(url)
        page.wait_for_function("window.__baseline", timeout=60_000)
        t = page.evaluate("window.__baseline")
        ctx.close()
        return t

    with serve_site(root, prefix="/repo/", subprocess_=True) as base:
        baseline_once(base + "baseline.html")  # warm-up, not counted
        for _ in range(runs):
            base_ms.append(baseline_once(base + "baseline.html"))
            ours_ms += first_frames(browser, base + "explorer/", 1)
    return {"first_draw_ms": statistics.median(base_ms), "explorer_ms": statistics.median(ours_ms),
            "runs_ms": [round(x) for x in base_ms], "explorer_runs_ms": [round(x) for x in ours_ms]}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--sizes", default="10000,100000,1000000", help="synthetic site sizes, comma-separated")
    ap.add_argument("--site", type=Path, help="also measure this built site (e.g. the demo build)")
    ap.add_argument("--workdir", type=Path, help="where synthetic sites go (default: a temporary folder)")
    ap.add_argument("--runs", type=int, default=3, help="page loads per first-frame median")
    ap.add_argument("--frames", type=int, default=60)
    ap.add_argument("--hovers", type=int, default=100)
    ap.add_argument("--clicks", type=int, default=20)
    ap.add_argument("--chromium", default="/usr/bin/chromium")
    ap.add_argument("--gpu", action="store_true", help="use the machine's GPU instead of SwiftShader")
    ap.add_argument("--pictures-size", type=int, default=15_000, help="site size for dots vs pictures (0: skip)")
    ap.add_argument("--picture-rounds", type=int, default=3, help="interleaved rounds of dots and pictures")
    args = ap.parse_args(argv)
    from playwright.sync_api import sync_playwright

    sizes = [int(s) for s in args.sizes.split(",") if s]
    work = args.workdir or Path(tempfile.mkdtemp(prefix="atlas-bench-"))
    results = {}
    load_before = os.getloadavg()
    try:
        with sync_playwright() as pw:
            launch_args = [a for a in CHROMIUM_ARGS if not (args.gpu and "swiftshader" in a)]
            browser = pw.chromium.launch(executable_path=args.chromium, args=launch_args)
            baseline_ms = None
            for n in sizes:
                root = work / f"synthetic-{n}"
                t0 = time.perf_counter()
                make_synthetic_site(root, n)
                gen_s = time.perf_counter() - t0
                frames = args.frames if n < 500_000 else max(10, args.frames // 2)
                if baseline_ms is None:  # first (smallest) site; also warms the browser up
                    b = measure_baseline(browser, root, "synthetic", args.runs)
                    baseline_ms = b["first_draw_ms"]
                    results["baseline"] = {"points": n, **b}
                r = measure_site(browser, root, args.runs, frames, args.hovers, args.clicks)
                r["generate_s"] = gen_s
                results[f"synthetic {n:,}"] = r
                print(f"measured synthetic {n:,} (generated in {gen_s:.1f} s)", file=sys.stderr)
                if args.workdir is None:
                    shutil.rmtree(root, ignore_errors=True)
            if args.pictures_size:
                root = work / f"synthetic-{args.pictures_size}"
                make_synthetic_site(root, args.pictures_size)
                results["pictures"] = {"points": args.pictures_size, **measure_pictures(browser, root, args.frames, args.picture_rounds)}
                if args.workdir is None:
                    shutil.rmtree(root, ignore_errors=True)
            if args.site:
                results[f"site {args.site}"] = measure_site(browser, args.site, args.runs, args.frames, args.hovers, args.clicks)
            browser.close()
    finally:
        if args.workdir is None:
            shutil.rmtree(work, ignore_errors=True)
    report(results)
    print(f"load average (1, 5, 15 min): before {tuple(round(x, 2) for x in load_before)}, "
          f"after {tuple(round(x, 2) for x in os.getloadavg())} on {os.cpu_count()} CPUs")
    return 0


def report(results: dict) -> None:
    base = results.get("baseline", {}).get("first_draw_ms")
    head = (f"{'site':<22}{'B/pt':>6}{'first frame':>13}{'vs base':>9}{'orbit p95':>11}{'hover p95':>11}"
            f"{'first pick':>13}{'click p95':>11}{'hovered':>10}")
    print(head)
    print("-" * len(head))
    for name, r in results.items():
        if name in ("baseline", "pictures"):
            continue
        ratio = f"{r['first_frame_ms'] / base:.2f}x" if base else "-"
        print(f"{name:<22}{r['payload_bytes_per_point']:>6.1f}{r['first_frame_ms']:>10.0f} ms{ratio:>9}"
              f"{r['orbit_p95_ms']:>8.1f} ms{r['hover_p95_ms']:>8.2f} ms{r['pick_render_ms']:>10.1f} ms{r['click_p95_ms']:>8.1f} ms"
              f"{r['click_hovered_p95_ms']:>7.1f} ms")
    if base:
        b = results["baseline"]
        print(f"{'baseline (bare WebGL)':<22}{'':>6}{base:>10.0f} ms   (fetch {b['points']:,} float16 positions, one drawArrays)")
        print(f"interleaved with the baseline on the same site: explorer {b['explorer_ms']:.0f} ms = "
              f"{b['explorer_ms'] / base:.2f}x (runs: baseline {b['runs_ms']}, explorer {b['explorer_runs_ms']})")
    print()
    checks = []
    r10 = next((r for k, r in results.items() if k.startswith("synthetic") and r["points"] == 10_000), None)
    r100 = next((r for k, r in results.items() if k.startswith("synthetic") and r["points"] == 100_000), None)
    r1m = next((r for k, r in results.items() if k.startswith("synthetic") and r["points"] == 1_000_000), None)
    if r10:
        checks.append(("first frame 10K <= 1 s", r10["first_frame_ms"] <= TARGETS["first_frame_10k_ms"], f"{r10['first_frame_ms']:.0f} ms"))
    for key, label in (("click_p95_ms", "cold: shard fetched on click"), ("click_hovered_p95_ms", "hovered 250 ms first")):
        clicks = [r[key] for k, r in results.items() if k not in ("baseline", "pictures")]
        if clicks:
            checks.append((f"click -> local view p95 <= 100 ms, {label} (all sites)",
                           max(clicks) <= TARGETS["click_p95_ms"], f"max {max(clicks):.1f} ms"))
    if r100:
        checks.append(("hover pick p95 <= 8 ms at 100K", r100["hover_p95_ms"] <= TARGETS["hover_p95_100k_ms"], f"{r100['hover_p95_ms']:.2f} ms"))
    if r1m:
        checks.append(("1M points load and orbit", r1m["orbit_frames"] > 0, f"first frame {r1m['first_frame_ms']:.0f} ms, "
                       f"{r1m['orbit_frames']} orbit frames, p95 {r1m['orbit_p95_ms']:.0f} ms"))
        checks.append(("first frame 1M <= 1 s", r1m["first_frame_ms"] <= TARGETS["first_frame_1m_ms"],
                       f"{r1m['first_frame_ms']:.0f} ms (manifest {r1m['manifest_bytes'] / 1024:.1f} KB)"))
    if r1m and r100:
        ratio = r1m["orbit_p95_ms"] / r100["orbit_p95_ms"]
        checks.append(("orbit p95 1M <= 2x 100K (same run)", ratio <= 2, f"{r1m['orbit_p95_ms']:.1f} ms vs "
                       f"{r100['orbit_p95_ms']:.1f} ms = {ratio:.2f}x (median dots drawn in motion {r1m['orbit_drawn']:,.0f})"))
    pics = results.get("pictures")
    if pics:
        d, p = pics["dots"], pics["pictures"]
        ratio = p["p95"] / d["p95"]
        checks.append((f"orbit p95 with pictures <= 2x dots only at {pics['points']:,} points", ratio <= 2,
                       f"pictures {p['p95']:.1f} ms ({p['pictures']:.0f} pictures per frame) vs dots {d['p95']:.1f} ms = {ratio:.2f}x "
                       f"(frames of {len(pics['round_ratios'])} interleaved rounds pooled; per round: dots {d['rounds_p95']}, "
                       f"pictures {p['rounds_p95']}, ratios {pics['round_ratios']}); {pics['pages_loaded']} atlas pages loaded"))
    for name, ok, value in checks:
        print(f"[{'PASS' if ok else 'FAIL'}] {name}: {value}")
    for name, r in results.items():
        if "generate_s" in r:
            print(f"{name}: generated in {r['generate_s']:.1f} s; first-frame runs {r['first_frame_runs_ms']} ms; "
                  f"manifest {r['manifest_bytes']:,} B; {r['hover_n']} hovers; orbit {r['orbit_wall_ms_per_step']:.0f} ms/step wall")
            for key in ("click", "click_hovered"):
                print(f"    {key}: {r[key + '_n']} clicks, median {r[key + '_median_ms']:.0f} ms, "
                      f"median parts {r[key + '_parts_median_ms']}")


if __name__ == "__main__":
    raise SystemExit(main())

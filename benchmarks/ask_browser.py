"""Ask the model in the browser: how long the reader waits, on a built site, in headless Chromium
over loopback (python -m builder build --demo-size 5000 gives 15,000 points).

  first answer   ms from the explorer being ready to the first query's answer: downloading the
                 model files and the wasm runtime, starting onnxruntime-web, tokenising,
                 encoding and scoring every point (median of --runs fresh pages, empty cache)
  query p95      ms per later query, end to end through the UI path (atlas.ask: encode, score
                 every point, shade the map, place the marker, fill the panel), each asked once
                 the camera rests after the previous one (as a reader types the next query);
                 the same asked back to back, while the camera still flies to the previous
                 answer (its frames hold up the main thread); and atlas.query alone (encode +
                 score + top-k)
  map p95        ms per any-prompt saliency map (atlas.saliency: encode the prompt, one dot
                 product per patch of the image's dense features)

    python benchmarks/ask_browser.py --site SITE [--runs 3] [--queries 60]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from builder.render.preview_server import serve_site  # noqa: E402
from playwright.sync_api import sync_playwright  # noqa: E402

CHROMIUM_ARGS = ["--use-angle=swiftshader", "--enable-unsafe-swiftshader", "--no-sandbox",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
TARGETS = {"first_answer_ms": 2000, "query_p95_ms": 50, "map_p95_ms": 20}
WORDS = ["red", "blue", "green", "yellow", "purple", "orange", "pink", "cyan"]
SHAPES = ["star", "circle", "square", "triangle", "heart", "cross", "ring", "diamond"]


def p95(xs: list[float]) -> float:
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(0.95 * (len(xs) - 1))))]


def first_answer(browser, url: str) -> dict:
    ctx = browser.new_context(viewport={"width": 1280, "height": 800})
    page = ctx.new_page()
    page.goto(url + "explorer/")
    out = page.evaluate("""async () => { await window.atlas.ready; const t0 = performance.now();
        await window.atlas.query('a red star', 10); const t1 = performance.now();
        return {ms: t1 - t0, since_navigation_ms: t1}; }""")
    ctx.close()
    return out


def later(browser, url: str, n: int) -> dict:
    ctx = browser.new_context(viewport={"width": 1280, "height": 800})
    page = ctx.new_page()
    page.goto(url + "explorer/")
    page.evaluate("async () => { await window.atlas.ready; await window.atlas.query('warm up', 10); }")
    texts = [f"a {c} {s}" for c in WORDS for s in SHAPES][:n]
    res = page.evaluate("""async (texts) => {
        const ui = [], back = [], api = [], maps = [];
        // a reader's next query comes after the map has flown to the last one: wait (untimed)
        // until the camera rests and a frame is drawn
        const settle = () => new Promise((r) => { const w = () => (__atlas.camera.flight
          ? setTimeout(w, 20) : requestAnimationFrame(() => requestAnimationFrame(r))); w(); });
        for (const t of texts) { await settle(); const t0 = performance.now(); await window.atlas.ask(t); ui.push(performance.now() - t0); }
        for (const t of texts) { const t0 = performance.now(); await window.atlas.ask(t); back.push(performance.now() - t0); }
        for (const t of texts) { const t0 = performance.now(); await window.atlas.query(t, 10); api.push(performance.now() - t0); }
        const bm = (await (await fetch('../data/' + __atlas.state.dataset + '/manifest.json')).json()).browser_model;
        if (bm.dense) for (const t of texts) {
          const t0 = performance.now(); await window.atlas.saliency(bm.dense.images[0], t); maps.push(performance.now() - t0); }
        return {ui, back, api, maps, points: __atlas.pointCount, dtype: bm.text.dtype, bytes: bm.text.bytes};
    }""", texts)
    ctx.close()
    return res


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--site", required=True, type=Path)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--queries", type=int, default=60)
    ap.add_argument("--chromium", default="/usr/bin/chromium")
    args = ap.parse_args()
    with serve_site(args.site, prefix="/repo/") as url, sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=args.chromium, args=CHROMIUM_ARGS)
        firsts = [first_answer(browser, url) for _ in range(args.runs)]
        res = later(browser, url, args.queries)
        browser.close()
    out = {
        "points": res["points"], "text_tower": f"{res['dtype']}, {res['bytes'] / 1e6:.1f} MB",
        "first_answer_ms": round(statistics.median(f["ms"] for f in firsts), 1),
        "first_answer_since_navigation_ms": round(statistics.median(f["since_navigation_ms"] for f in firsts), 1),
        "query_p95_ms": round(p95(res["ui"]), 1), "query_back_to_back_p95_ms": round(p95(res["back"]), 1),
        "query_api_p95_ms": round(p95(res["api"]), 1),
        "map_p95_ms": round(p95(res["maps"]), 1) if res["maps"] else None, "queries": len(res["ui"]),
    }
    for key, target in TARGETS.items():
        if out.get(key) is not None:
            out[key + "_target"] = target
    print(json.dumps(out, indent=1))


if __name__ == "__main__":
    main()

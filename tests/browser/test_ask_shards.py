"""Ask the model on a sharded query index (#14), in Chromium: a demo-world site built with a small
browser_model.shard_rows, so the worker downloads only the centroids and fetches the probed shards
per query. "a red star" still finds red stars; the top 10 equals a numpy probe of the same shard
files; a point's row read through the assign file equals its flat row; the map is shaded with the
unscored points (NaN) left out; the shard cache stays within its byte bound."""

from __future__ import annotations

import json
import os

import numpy as np
import pytest

from builder import config
from builder.compute import query_index as Q
from builder.pipeline import build
from builder.render.preview_server import serve_site
from explorer_helpers import assert_clean, atlas_api, open_explorer, red_stars_in_top_images

pytestmark = pytest.mark.browser

SIZE = 1000  # about 15 red stars: enough for a top 10 (as test_ask.py)
SHARD_ROWS = 1000  # the build has more points than this: sharded


@pytest.fixture(scope="module")
def shard_site(tmp_path_factory):
    root = tmp_path_factory.mktemp("ask-shards")
    cache = os.environ.get("ATLAS_TEST_CACHE") or str(root / "cache")
    cfg = config.load(None, dataset__size=SIZE, cache_dir=cache, neurons__enabled=False, saliency__enabled=False,
                      topology__enabled=False, robustness__enabled=False, browser_model__shard_rows=SHARD_ROWS,
                      browser_model__dense_images=0)
    build(cfg, root / "site", progress=False, log=lambda m: None)
    data = root / "site" / "data" / "demo"
    manifest = json.loads((data / "manifest.json").read_text())
    ix = manifest["browser_model"]["index"]
    assert ix["shards"], "the build did not shard the index"
    d = ix["dim"]
    shards = [{"ids": np.fromfile(data / s["ids"], "<u4").astype(np.int64),
               "q": np.fromfile(data / s["file"], np.int8).reshape(-1, d),
               "scales": np.fromfile(data / s["scales"], "<f4")} for s in ix["shards"]]
    items = json.loads((data / "items.json").read_text())
    with serve_site(root / "site", prefix="/repo/") as url:
        yield {"url": url, "manifest": manifest, "ix": ix, "shards": shards, "items": items,
               "centroids": np.fromfile(data / ix["centroids"], "<f4").reshape(-1, d)}


_api = atlas_api


def _probe(site, v: np.ndarray, k: int):
    """The browser's rule in numpy: the probe best centroids' shards, int8 scoring, top k."""
    best = np.argsort(-(site["centroids"] @ v), kind="stable")[: site["ix"]["probe"]]
    ids = np.concatenate([site["shards"][c]["ids"] for c in best])
    s = np.concatenate([(site["shards"][c]["q"].astype(np.float32) @ v) * site["shards"][c]["scales"] for c in best])
    order = np.lexsort((ids, -s))[:k]
    return ids[order], s[order]


def test_a_red_star_returns_red_stars_from_the_probed_shards(page, shard_site):
    open_explorer(page, shard_site["url"])
    _, red_stars = red_stars_in_top_images(page, shard_site["items"]["labels"])
    print(f"sharded index ({len(shard_site['shards'])} shards, probe {shard_site['ix']['probe']}): "
          f"{red_stars} of the top 10 images of 'a red star' are red stars")
    assert red_stars >= 9
    stats = _api(page, "window.__atlas.model.stats()")
    assert stats["cachedShards"] <= shard_site["ix"]["probe"] and stats["centroidBytes"] == shard_site["centroids"].nbytes
    # nothing but the probed shards came down: no flat index, no other shard
    shard_files = [u for u in page.requests if "/model/index-" in u and u.endswith(".i8")]
    assert 0 < len(shard_files) <= shard_site["ix"]["probe"]
    assert not any(u.endswith("/model/index.i8") for u in page.requests)
    # the worker and ort's .wasm come with the build's version (index.html), never a stale cache
    v = page.get_attribute('meta[name="atlas-worker-version"]', "content")
    assert v and any(u.endswith(f"/explorer/ask-worker.js?v={v}") for u in page.requests)
    assert any(u.endswith(f".wasm?v={v}") for u in page.requests)
    assert not any(u.endswith(("/ask-worker.js", ".wasm")) for u in page.requests)
    assert_clean(page, shard_site["url"])


def test_the_top_10_equals_a_numpy_probe_of_the_same_shards(page, shard_site):
    open_explorer(page, shard_site["url"])
    for text in ["a red star", "a blue circle on grass", "the word CAT"]:
        v = np.array(_api(page, "Array.from(await window.atlas.embedText(arg))", text), np.float32)
        got = _api(page, "window.atlas.query({vector: arg}, 10)", v.tolist())
        ids, scores = _probe(shard_site, v, 10)
        assert [h["index"] for h in got] == ids.tolist(), text
        assert np.allclose([h["score"] for h in got], scores, atol=1e-5)
    assert_clean(page, shard_site["url"])


def test_a_points_row_through_the_assign_file_equals_its_flat_row(page, shard_site):
    open_explorer(page, shard_site["url"])
    n = shard_site["ix"]["rows"]
    picks = [0, 1, n // 2, n - 1] + np.random.default_rng(1).choice(n, 6, replace=False).tolist()
    rows = np.array(_api(page, "Promise.all(arg.map(async (i) => Array.from(await window.__atlas.model.row(i))))", picks))
    for p, got in zip(picks, rows):
        sh = next(s for s in shard_site["shards"] if p in s["ids"])
        at = int(np.searchsorted(sh["ids"], p))
        want = Q.dequantise(sh["q"][at : at + 1], sh["scales"][at : at + 1])[0]
        assert np.allclose(got, want, atol=1e-6), p
    assert _api(page, "window.__atlas.model.stats()")["assignBytes"] == 2 * n  # uint16, fetched on the first row
    err = _api(page, "window.__atlas.model.row(arg).then(() => '', (e) => e.message)", n + 5)
    assert "no point" in err
    zs = _api(page, "window.atlas.zeroShot(arg)", 0)  # zero-shot of a point reads its row the same way
    assert zs and all(np.isfinite(r["cosine"]) for f in zs for r in f["rows"])
    assert_clean(page, shard_site["url"])


def test_the_map_is_shaded_with_unscored_points_left_out(page, shard_site):
    open_explorer(page, shard_site["url"])
    page.fill("#search-input", "a yellow heart")
    page.press("#search-input", "Enter")
    page.wait_for_selector("#ask .ask-images li", timeout=60000)
    s = page.evaluate("""() => { const a = __atlas.state.ask; const sc = a.scores; let nan = 0;
        for (const v of sc) if (Number.isNaN(v)) nan++;
        return {nan, n: sc.length, lo: a.lo, hi: a.hi, shaded: __atlas.scene.shaded, images: a.images.map((h) => h.score),
                captions: a.captions.map((h) => h.score), top: a.top.length, xyz: a.xyz}; }""")
    assert s["shaded"] and s["top"] == 10 and len(s["xyz"]) == 3 and all(np.isfinite(s["xyz"]))
    assert 0 < s["nan"] < s["n"]  # some points were not scored, some were
    assert np.isfinite(s["lo"]) and np.isfinite(s["hi"]) and s["lo"] < s["hi"]
    assert s["images"] and all(np.isfinite(s["images"])) and all(np.isfinite(s["captions"]))
    assert "NaN" not in page.inner_text("#ask")
    assert_clean(page, shard_site["url"])


def test_the_shard_cache_stays_within_its_byte_bound(page, shard_site):
    open_explorer(page, shard_site["url"])
    ix = shard_site["ix"]
    one = max(s["rows"] for s in ix["shards"]) * (ix["dim"] + 8)
    bound = 3 * one  # room for three of the largest shards: fewer than one query probes
    _api(page, "window.atlas.loadModel({cacheBytes: arg})", bound)
    rng = np.random.default_rng(0)
    for _ in range(12):
        v = rng.normal(size=ix["dim"]).astype(np.float32)
        _api(page, "window.atlas.query({vector: arg}, 10)", (v / np.linalg.norm(v)).tolist())
        st = _api(page, "window.__atlas.model.stats()")
        assert st["cacheLimit"] == bound and st["shardBytes"] <= bound
        assert st["indexBytes"] == st["centroidBytes"] + st["shardBytes"] + st["assignBytes"]
    print("shard cache after 12 random queries:", st)
    assert st["shardFetches"] > st["cachedShards"]  # shards were evicted and fetched again
    assert_clean(page, shard_site["url"])


def test_the_default_shard_cache_is_96_mb(page, shard_site):
    open_explorer(page, shard_site["url"])
    _api(page, "window.atlas.query('a red star', 5)")
    st = _api(page, "window.__atlas.model.stats()")
    assert st["cacheLimit"] == 96 * 1024 * 1024 and st["shardBytes"] <= st["cacheLimit"]
    assert_clean(page, shard_site["url"])

"""The browser-model stage's sharded query index on a real build (#14): a demo build with a small
browser_model.shard_rows writes k-means shards, their centroids and the point -> shard file, and
the manifest names them all; probing the shards with a point's own row finds it."""

from __future__ import annotations

import json

import numpy as np
import pytest

from builder import config
from builder.compute import query_index as Q

SIZE = 300


@pytest.fixture(scope="module")
def sharded_site(tmp_path_factory):
    from builder.pipeline import build
    from support import NO_ANALYSES

    root = tmp_path_factory.mktemp("bm-shards")
    over = {**NO_ANALYSES, "browser_model__enabled": True, "browser_model__shard_rows": 300,
            "browser_model__dense_images": 0}
    cfg = config.load(None, dataset__size=SIZE, cache_dir=str(root / "cache"), embed__workers=0, **over)
    report = build(cfg, root / "site", progress=False, log=lambda m: None)
    data = root / "site" / "data" / "demo"
    return {"data": data, "report": report, "manifest": json.loads((data / "manifest.json").read_text(encoding="utf-8"))}


def test_a_build_above_shard_rows_writes_shards_centroids_and_the_assign_file(sharded_site):
    m, data = sharded_site["manifest"], sharded_site["data"]
    ix = m["browser_model"]["index"]
    n, d = m["counts"]["N"], m["browser_model"]["embed_dim"]
    assert ix["rows"] == n > 300 and ix["dim"] == d
    assert ix["file"] is None and ix["scales"] is None and ix["probe"] == 12
    shards = ix["shards"]
    assert len(shards) == ix["clusters"] >= 2
    assert ix["assign_dtype"] == "uint16" and ix["assign"] == "model/index.assign.u16"
    assign = np.fromfile(data / ix["assign"], "<u2")
    assert len(assign) == n and assign.max() == len(shards) - 1
    cent = np.fromfile(data / ix["centroids"], "<f4").reshape(-1, d)
    assert len(cent) == len(shards) and np.allclose(np.linalg.norm(cent, axis=1), 1, atol=1e-4)
    seen = np.zeros(n, int)
    for s, sh in enumerate(shards):
        ids = np.fromfile(data / sh["ids"], "<u4")
        assert len(ids) == sh["rows"] and np.all(np.diff(ids.astype(np.int64)) > 0)  # ascending: binary search
        assert np.all(assign[ids] == s)  # the assign file agrees with the shards
        assert (data / sh["file"]).stat().st_size == sh["rows"] * d
        assert (data / sh["scales"]).stat().st_size == 4 * sh["rows"]
        seen[ids] += 1
    assert np.all(seen == 1)  # the shards partition the points
    report = sharded_site["report"]["metrics"]["browser_model"]["index"]
    assert report["sharded"] and report["clusters"] == len(shards) and report["recall_at_10"] >= 0.8, report


def test_probing_the_shards_finds_each_point_in_its_own_shard(sharded_site):
    """A point's own dequantised row, as the browser scores it, ranks its own shard among the probed
    ones and the point itself first (what row() and a query both rely on)."""
    m, data = sharded_site["manifest"], sharded_site["data"]
    ix = m["browser_model"]["index"]
    d = ix["dim"]
    cent = np.fromfile(data / ix["centroids"], "<f4").reshape(-1, d)
    assign = np.fromfile(data / ix["assign"], "<u2")
    found = 0
    for p in np.random.default_rng(0).choice(ix["rows"], 50, replace=False):
        sh = ix["shards"][assign[p]]
        ids = np.fromfile(data / sh["ids"], "<u4")
        at = np.searchsorted(ids, p)
        q = np.fromfile(data / sh["file"], np.int8).reshape(-1, d)
        row = Q.dequantise(q[at : at + 1], np.fromfile(data / sh["scales"], "<f4")[at : at + 1])[0]
        best = np.argsort(-(cent @ row), kind="stable")[: ix["probe"]]
        found += int(assign[p] in best)
    assert found >= 48, found

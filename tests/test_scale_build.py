"""Scale (#17) in real builds of the demo world with the thresholds lowered, so that the paths
large datasets take run on small data: sampled retrieval, approximate kNN, UMAP fitted on a
sample, duplicates folded; a warm rebuild that loads no model; an embed stage killed after its
first checkpoint resumes from it."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from builder import config
from builder.pipeline import build
from support import NO_ANALYSES

SIZE = 300
LOWERED = {"metrics__recall_queries_above": 200, "metrics__recall_queries": 150, "local__exact_max": 400,
           "projection__fit_sample_above": 600, "projection__fit_sample": 400}


@pytest.fixture(scope="module")
def scaled(tmp_path_factory):
    root = tmp_path_factory.mktemp("scaled")
    cfg = config.load(None, dataset__size=SIZE, cache_dir=str(root / "cache"), **NO_ANALYSES, **LOWERED)
    report = build(cfg, root / "site", progress=False, log=lambda m: None)
    return root, cfg, report


def test_large_data_paths_run_on_small_data_and_are_reported(scaled):
    root, _, report = scaled
    m = report["metrics"]
    assert m["retrieval_queries"] == {"images": 150, "captions": 150, "sampled": True}
    assert m["retrieval"]["i2t@10"] > 0.3
    dup = m["duplicates"]
    assert dup["points"] == 3 * SIZE and dup["copies"] > 0 and dup["distinct"] == dup["points"] - dup["copies"]
    assert dup["distinct"] > 400  # so kNN was approximate
    assert m["knn"]["method"] == "approx" and m["knn"]["recall"]["sample"] == min(1000, dup["distinct"])
    assert m["knn"]["recall"]["recall"] > 0.8
    assert m["umap"] == {"backend": "umap-learn", "parallel": False, "fitted_on": 400,
                         "placed_by_transform": dup["distinct"] - 400}
    assert m["umap_trustworthiness"]["value"] > 0.8
    page = (root / "site" / "metrics.html").read_text(encoding="utf-8")
    assert "seeded sample of 150 image and 150 caption queries" in page and "placed by the fitted model" in page


def test_copies_of_a_caption_share_its_position(scaled):
    root, _, report = scaled
    pos = np.fromfile(root / "site" / "data" / "demo" / "positions.bin", np.float16).reshape(-1, 3)
    assert len(pos) == 3 * SIZE
    _, counts = np.unique(pos.view(np.dtype((np.void, 6))).ravel(), return_counts=True)
    assert len(counts) <= report["metrics"]["duplicates"]["distinct"]  # copies are coincident (badged x n)
    assert counts.max() > 1


def test_warm_rebuild_loads_no_model_and_recomputes_nothing(scaled, tmp_path):
    root, cfg, _ = scaled
    lines = []
    report = build(cfg, tmp_path / "again", progress=False, log=lines.append)
    stages = {s["name"]: s for s in report["stages"]}
    assert stages["model"] == {"name": "model", "seconds": 0.0, "cached": True,
                               "note": "not loaded: every stage that needs it came from the cache"}
    for name in ("embed-images", "embed-captions", "metrics", "knn", "umap", "local-views", "clusters"):
        assert stages[name]["cached"], name
    assert report["metrics"]["umap_trustworthiness"] == build(cfg, tmp_path / "third", progress=False,
                                                              log=lambda m: None)["metrics"]["umap_trustworthiness"]


def _folder_dataset(root: Path, n: int) -> Path:
    rng = np.random.default_rng(0)
    for i in range(n):
        arr = rng.integers(0, 255, (24, 24, 3), dtype=np.uint8)
        Image.fromarray(arr).save(root / f"{i:04d}.png")
        (root / f"{i:04d}.txt").write_text(f"noise picture {i}\n", encoding="utf-8")
    return root


def test_killed_embed_stage_resumes_from_its_checkpoints(tmp_path):
    (tmp_path / "imgs").mkdir()
    data = _folder_dataset(tmp_path / "imgs", 600)
    cache = tmp_path / "cache"
    toml = tmp_path / "build.toml"
    toml.write_text(f'cache_dir = "{cache}"\n[dataset]\nkind = "folder"\npath = "{data}"\n'
                    '[embed]\nbatch_size = 8\nworkers = 0\ncheckpoint_every = 32\n'
                    + "".join(f"[{a}]\nenabled = false\n" for a in ("saliency", "neurons", "topology", "robustness")),
                    encoding="utf-8")
    cmd = [sys.executable, "-m", "builder", "build", "--config", str(toml), "--out", str(tmp_path / "site"),
           "--no-progress"]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    deadline = time.time() + 400
    def checkpointed() -> bool:  # a checkpoint is an embeddings chunk and a thumbnails chunk
        return len({p.parent for p in cache.glob("items/*/chunk-*.npz")}) >= 2

    while not checkpointed() and time.time() < deadline and proc.poll() is None:
        time.sleep(0.05)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    assert checkpointed(), "no checkpoint was written before the deadline"
    rerun = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, start_new_session=True)
    note = ""
    for line in rerun.stderr:  # the embed stage's closing line, then the rest of the build is not needed
        if line.startswith("[embed-images] ") and not line.startswith("[embed-images] ..."):
            note = line
            break
    os.killpg(rerun.pid, signal.SIGKILL)
    rerun.wait()
    # e.g. "[embed-images] 3.1s (embedded 568 of 600 images (32 from cache))": finished blocks read back
    m = re.search(r"embedded ([\d,]+) of 600 images \(([\d,]+) from cache\)", note)
    assert m, note
    from_cache = int(m.group(2).replace(",", ""))
    assert from_cache >= 32 and from_cache % 32 == 0 and int(m.group(1).replace(",", "")) == 600 - from_cache

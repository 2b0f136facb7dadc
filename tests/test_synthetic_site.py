"""tests/synthetic_site.py: a valid site of any size, checked against the contract."""

from __future__ import annotations

import json
import time

import numpy as np
import pytest

from builder import contract
from builder.render import site as site_mod
from synthetic_site import HOSTILE, make_synthetic_site


@pytest.fixture(scope="module")
def small(tmp_path_factory):
    root = tmp_path_factory.mktemp("syn")
    try:
        return make_synthetic_site(root, 3000, k=12, seed=3)
    except site_mod.BundleError as exc:
        pytest.skip(f"explorer not bundled: {exc}")


def _read(info, name, dtype):
    return np.fromfile(info["root"] / "data" / info["dataset"] / f"{name}.bin", dtype=np.dtype(dtype).newbyteorder("<"))


def test_counts_and_global_payload(small):
    c = small["counts"]
    assert c["N"] == 3000 and c["I"] + c["C"] == 3000 and c["K"] == 12
    b = small["manifest"]["buffers"]
    assert sum(b[n]["bytes"] for n in ("positions", "modality", "category")) == 8 * c["N"]
    pos = _read(small, "positions", "float16").reshape(-1, 3).astype(np.float32)
    assert np.isfinite(pos).all() and np.linalg.norm(pos, axis=1).max() <= 1.001
    modality = _read(small, "modality", "uint8")
    assert (modality[: c["I"]] == 0).all() and (modality[c["I"]:] == 1).all()
    cap_img = _read(small, "caption_image", "uint32")
    assert (np.diff(cap_img.astype(np.int64)) >= 0).all() and cap_img.max() < c["I"]
    # every caption shares its image's category
    category = _read(small, "category", "uint8")
    assert (category[c["I"]:] == category[cap_img]).all()


def test_local_shards_hold_valid_neighbours(small):
    c, local = small["counts"], small["manifest"]["local"]
    r, k, n = local["rows_per_shard"], c["K"], c["N"]
    assert local["shards"] == -(-n // r)
    last = local["shards"] - 1
    rows = n - last * r
    blob = (small["root"] / "data" / small["dataset"] / local["file_pattern"].format(index=last)).read_bytes()
    assert len(blob) == rows * (k * 4 + k * 2 * 2 + k * 2 + 2 * 2)
    nb = np.frombuffer(blob[: rows * k * 4], dtype="<u4").reshape(rows, k)
    points = np.arange(last * r, n)[:, None]
    assert (nb < n).all() and (nb != points).all()
    assert all(len(set(row)) == k for row in nb.tolist())  # no repeats
    off = rows * k * 4 + rows * k * 4
    dist = np.frombuffer(blob[off: off + rows * k * 2], dtype="<f2").astype(np.float32).reshape(rows, k)
    assert (np.diff(dist, axis=1) >= 0).all()  # nearest first
    evr = np.frombuffer(blob[off + rows * k * 2:], dtype="<f2").astype(np.float32).reshape(rows, 2)
    assert ((evr >= 0) & (evr <= 1)).all() and (evr[:, 0] >= evr[:, 1]).all()


def test_captions_include_hostile_and_unicode_text(small):
    data = small["root"] / "data" / small["dataset"]
    blob = (data / "captions.txt").read_bytes()
    offsets = _read(small, "caption_offsets", "uint32")
    texts = [blob[a:b].decode("utf-8") for a, b in zip(offsets[:-1], offsets[1:])]
    i = small["counts"]["I"]
    for point, text in small["hostile"].items():
        assert texts[point - i] == text
    assert set(small["hostile"].values()) == set(HOSTILE.values())
    assert texts[small["unicode"]["point"] - i] == small["unicode"]["text"]
    assert small["search"]["query"] in texts[small["search"]["point"] - i]
    assert sum(small["search"]["query"] in t for t in texts) == 1


def test_atlas_and_manifest_shape(small):
    m = small["manifest"]
    atlas = m["atlas"]
    assert atlas["count"] == small["counts"]["I"]
    assert len(atlas["pages"]) == -(-atlas["count"] // (atlas["cols"] * atlas["rows"]))
    sums = json.loads((small["root"] / "data" / "synthetic" / m["checksums"]["file"]).read_text())
    for page in atlas["pages"]:
        assert page in sums["files"]
    assert m["schema_version"] == contract.SCHEMA_VERSION
    assert set(contract.MANIFEST_KEYS) <= set(m)
    assert len(m["legends"]["category"]["names"]) == small["counts"]["L"]
    index = json.loads((small["root"] / "data" / "index.json").read_text())
    assert index[0]["manifest"] == "synthetic/manifest.json"
    assert (small["root"] / "explorer" / "index.html").exists()


def test_same_seed_same_bytes(tmp_path):
    try:
        a = make_synthetic_site(tmp_path / "a", 500, k=8, seed=5, thumbs=False)
        b = make_synthetic_site(tmp_path / "b", 500, k=8, seed=5, thumbs=False)
    except site_mod.BundleError as exc:
        pytest.skip(str(exc))
    assert a["manifest"]["buffers"] == b["manifest"]["buffers"]
    assert a["manifest"]["checksums"] == b["manifest"]["checksums"]  # the shards' checksums are in that file
    assert a["manifest"]["atlas"] is None


@pytest.mark.slow
def test_a_million_points_in_well_under_a_minute(tmp_path):
    t0 = time.perf_counter()
    try:
        info = make_synthetic_site(tmp_path, 1_000_000, thumbs=True)
    except site_mod.BundleError as exc:
        pytest.skip(str(exc))
    assert time.perf_counter() - t0 < 45
    assert info["counts"]["N"] == 1_000_000

"""Bring your own embeddings (#17 item 5): a site from clip-retrieval's output layout and from a
Parquet table with a vector column, written here in those formats; no model is loaded."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from PIL import Image

from builder import config
from builder.datasets.embeddings import collect_embeddings
from builder.errors import AtlasError
from builder.pipeline import build

D = 32


def _pairs(n: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """n image vectors around 6 topics and a caption vector near each image."""
    rng = np.random.default_rng(seed)
    topics = rng.normal(size=(6, D))
    t = np.arange(n) % 6
    img = topics[t] + 0.4 * rng.normal(size=(n, D))
    txt = img + 0.3 * rng.normal(size=(n, D))
    return img.astype(np.float32), txt.astype(np.float32), [f"topic {k} item {i}" for i, k in enumerate(t)]


def write_clip_retrieval(root: Path, n: int, parts: int = 2, images: int = 0) -> Path:
    """clip-retrieval's layout: img_emb/img_emb_<i>.npy, text_emb/text_emb_<i>.npy,
    metadata/metadata_<i>.parquet (image_path, caption); the first `images` rows have a PNG."""
    img, txt, caps = _pairs(n)
    for sub in ("img_emb", "text_emb", "metadata", "images"):
        (root / sub).mkdir(parents=True, exist_ok=True)
    for i in range(images):
        Image.fromarray(np.full((20, 20, 3), (40 * i) % 255, np.uint8)).save(root / "images" / f"{i}.png")
    bounds = np.linspace(0, n, parts + 1).astype(int)
    for p, (a, b) in enumerate(zip(bounds[:-1], bounds[1:])):
        np.save(root / "img_emb" / f"img_emb_{p}.npy", img[a:b])
        np.save(root / "text_emb" / f"text_emb_{p}.npy", txt[a:b])
        pq.write_table(pa.table({"image_path": [f"images/{i}.png" for i in range(a, b)], "caption": caps[a:b],
                                 "url": [f"http://example.invalid/{i}" for i in range(a, b)]}),
                       root / "metadata" / f"metadata_{p}.parquet")
    return root


def write_vector_table(path: Path, n: int, bad_rows=()) -> Path:
    """One Parquet table: id, caption, label:topic, vector (image), text_vector (caption)."""
    img, txt, caps = _pairs(n, seed=1)
    vec = [None if i in bad_rows else img[i].tolist() for i in range(n)]
    pq.write_table(pa.table({"id": [f"row-{i}" for i in range(n)], "caption": caps,
                             "label:topic": [c.split()[1] for c in caps], "vector": vec,
                             "text_vector": [t.tolist() for t in txt]}), path)
    return path


def _cfg(tmp_path: Path, data: Path, **over) -> config.Config:
    return config.load(None, dataset__kind="embeddings", dataset__path=str(data), cache_dir=str(tmp_path / "cache"),
                       **over)


def test_clip_retrieval_layout_is_read_in_part_order(tmp_path):
    root = write_clip_retrieval(tmp_path / "cr", 50, parts=3, images=4)
    col = collect_embeddings(root, "cr")
    img, txt, caps = _pairs(50)
    assert [r.captions[0] for r in col.records] == caps
    unit = img / np.linalg.norm(img, axis=1, keepdims=True)
    assert np.allclose(col.precomputed["image"], unit, atol=1e-6) and col.precomputed["text"].shape == (50, D)
    assert [bool(r.file) for r in col.records[:6]] == [True] * 4 + [False] * 2  # rows 4.. have no image file


def test_a_site_builds_from_clip_retrieval_output_without_the_model(tmp_path):
    root = write_clip_retrieval(tmp_path / "cr", 240, images=10)
    lines = []
    report = build(_cfg(tmp_path, root), tmp_path / "site", progress=False, log=lines.append)
    stages = {s["name"]: s for s in report["stages"]}
    assert stages["model"]["note"] == "not needed: precomputed embeddings"
    assert "thumbnails of 10 (230 without a readable image path)" in stages["embed-images"]["note"]
    assert "embed-captions" not in stages
    m = report["metrics"]
    assert m["retrieval"]["i2t@10"] > 0.5 and m["zero_shot_skipped"].startswith("needs the model")
    for name in ("saliency", "neurons", "topology", "robustness"):
        assert m[name] == {"skipped": "needs the model; this build reads precomputed embeddings"}
        assert f"[{name}] skipped: needs the model" in "\n".join(lines)
    man = json.loads((tmp_path / "site" / "data" / "embeddings" / "manifest.json").read_text())
    assert man["counts"]["I"] == 240 and man["counts"]["C"] == 240 and man["atlas"]["count"] == 240
    assert man["model"]["name"] == "precomputed embeddings"
    metrics_page = (tmp_path / "site" / "metrics.html").read_text(encoding="utf-8")
    assert "Skipped: zero-shot classification needs the model" in metrics_page


def test_a_vector_table_builds_and_reports_its_bad_rows_and_missing_thumbnails(tmp_path):
    table = write_vector_table(tmp_path / "points.parquet", 200, bad_rows=(3, 7))
    lines = []
    report = build(_cfg(tmp_path, table, saliency__enabled=False, neurons__enabled=False, topology__enabled=False,
                        robustness__enabled=False), tmp_path / "site", progress=False, log=lines.append)
    assert report["dataset"]["counts"]["used"] == 198 and report["dataset"]["counts"]["skipped"] == 2
    issues = {i["id"]: i["reason"] for i in report["issues"]}
    assert issues == {"row-3": "no usable image embedding", "row-7": "no usable image embedding"}
    assert any("without thumbnails" in line for line in lines)
    man = json.loads((tmp_path / "site" / "data" / "embeddings" / "manifest.json").read_text())
    assert man["atlas"]["count"] == 0 and man["atlas"]["pages"] == []
    assert man["legends"]["category"]["field"] == "topic"


def test_bad_inputs_are_clear_errors(tmp_path):
    (tmp_path / "empty").mkdir()
    with pytest.raises(AtlasError, match="no img_emb/img_emb_0.npy"):
        collect_embeddings(tmp_path / "empty", "x")
    table = write_vector_table(tmp_path / "t.parquet", 10)
    with pytest.raises(AtlasError, match="no vector column 'emb'.*columns found: id, caption"):
        collect_embeddings(table, "x", vector_column="emb")
    root = write_clip_retrieval(tmp_path / "cr", 20)
    np.save(root / "text_emb" / "text_emb_1.npy", np.zeros((3, D), np.float32))
    with pytest.raises(AtlasError, match="text_emb has 13 rows but img_emb has 20"):
        collect_embeddings(root, "x")

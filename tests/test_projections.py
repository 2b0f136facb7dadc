"""The three 3D projections (UMAP, PCA, t-SNE): their compute functions, the config that picks
them, and what a build writes for them (buffers, manifest.projections, trustworthiness in the
report and on the method and metrics pages, the reported t-SNE skip)."""

from __future__ import annotations

import json

import numpy as np
import pytest

from builder import config
from builder.compute import projection
from builder.errors import ConfigError
from builder.pipeline import build
from support import NO_ANALYSES, write_colour_dataset


def _clusters(n_per: int = 60, k: int = 4, dim: int = 24, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """k well-separated unit-norm clusters: float[n_per * k, dim] and their labels."""
    rng = np.random.default_rng(seed)
    centres = rng.normal(size=(k, dim)) * 4
    x = np.concatenate([c + rng.normal(size=(n_per, dim)) for c in centres])
    return x / np.linalg.norm(x, axis=1, keepdims=True), np.repeat(np.arange(k), n_per)


def test_pca_3d_is_a_deterministic_linear_map_of_the_embedding():
    x, _ = _clusters()
    a, b = projection.pca_3d(x), projection.pca_3d(x.copy())
    assert a.shape == (len(x), 3) and a.dtype == np.float32
    assert np.array_equal(a, b)
    # linear: an affine function of the embedding reproduces it exactly
    design = np.hstack([x, np.ones((len(x), 1))])
    coef, *_ = np.linalg.lstsq(design, a.astype(np.float64), rcond=None)
    assert np.abs(design @ coef - a).max() < 1e-4
    # its first axis carries the most variance, and the layout has the unit 99th-percentile radius
    var = a.var(axis=0)
    assert var[0] >= var[1] >= var[2]
    assert abs(np.percentile(np.linalg.norm(a, axis=1), 99) - 1) < 1e-3


def test_pca_3d_in_blocks_matches_an_svd_of_the_whole_matrix():
    """The blocked scatter-matrix PCA gives the SVD's axes (signs fixed the same way)."""
    rng = np.random.default_rng(3)
    x = (rng.normal(size=(2500, 24)) * np.linspace(4, 0.2, 24)).astype(np.float32)
    c = x.astype(np.float64) - x.mean(axis=0, dtype=np.float64)
    axes = np.linalg.svd(c, full_matrices=False)[2][:3]
    axes *= np.sign(axes[np.arange(3), np.abs(axes).argmax(axis=1)])[:, None]
    expected = projection.normalise_positions(c @ axes.T)
    got = projection.pca_3d(x, block=700)  # several blocks, the last one short
    assert np.allclose(got, expected, atol=1e-5), float(np.abs(got - expected).max())


def test_pca_3d_keeps_a_gap_between_two_groups_on_its_first_axis():
    """The modality gap: two groups offset along one direction are split along PCA's first axis."""
    rng = np.random.default_rng(1)
    gap = np.zeros(16)
    gap[3] = 8.0
    x = np.concatenate([rng.normal(size=(100, 16)), rng.normal(size=(100, 16)) + gap])
    pos = projection.pca_3d(x)
    first, second = pos[:100, 0], pos[100:, 0]
    assert first.max() < second.min() or second.max() < first.min()  # no overlap along the first axis


def test_tsne_3d_is_three_dimensional_deterministic_and_keeps_neighbours():
    x, labels = _clusters()
    a = projection.tsne_3d(x, perplexity=20, seed=0)
    assert a.shape == (len(x), 3) and a.dtype == np.float32 and np.isfinite(a).all()
    assert np.array_equal(a, projection.tsne_3d(x, perplexity=20, seed=0))
    assert np.ptp(a[:, 2]) > 0.1  # a real third axis, not a flat 2D layout
    assert projection.trustworthiness(x, a, k=15)["value"] > 0.9
    # each cluster's nearest neighbours in the layout are of its own cluster
    d = np.linalg.norm(a[:, None] - a[None], axis=2)
    np.fill_diagonal(d, np.inf)
    assert (labels[d.argmin(axis=1)] == labels).mean() > 0.95


@pytest.mark.parametrize("n", [1, 3, 9])
def test_projections_of_tiny_inputs_do_not_fail(n):
    x = np.random.default_rng(0).normal(size=(n, 8))
    for fn in (projection.pca_3d, projection.tsne_3d):
        pos = fn(x)
        assert pos.shape == (n, 3) and np.isfinite(pos).all()


def test_config_checks_the_projection_methods():
    assert config.load(None).projection.methods == ("umap", "pca", "tsne")
    with pytest.raises(ConfigError, match="projection.methods .* not allowed; allowed: umap, pca, tsne"):
        config.load(None, projection__methods=["umap", "isomap"])


def _build(tmp_path, n: int, **over):
    manifest = write_colour_dataset(tmp_path / "ds", n=n)
    cfg = config.load(None, dataset__kind="manifest", dataset__path=str(manifest), cache_dir=str(tmp_path / "c"),
                      embed__workers=0, **{**NO_ANALYSES, **over})
    report = build(cfg, tmp_path / "s", progress=False, log=lambda m: None)
    site = tmp_path / "s"
    return report, site, json.loads((site / "data" / "manifest" / "manifest.json").read_text())


def test_build_writes_each_projection_with_its_trustworthiness(tmp_path):
    report, site, m = _build(tmp_path, 40)  # 40 images + 80 captions
    n = m["counts"]["N"]
    proj = m["projections"]
    assert proj["default"] == "umap" and proj["skipped"] == []
    assert [(p["key"], p["buffer"]) for p in proj["methods"]] == [
        ("umap", "positions"), ("pca", "positions_pca"), ("tsne", "positions_tsne")]
    layouts = {}
    for p in proj["methods"]:
        spec = m["buffers"][p["buffer"]]
        assert spec["dtype"] == "float16" and spec["shape"] == [n, 3]
        layouts[p["key"]] = np.fromfile(site / "data" / "manifest" / spec["file"], "<f2").reshape(n, 3)
        tw = report["metrics"]["projections"][p["key"]]["trustworthiness"]
        assert p["trustworthiness"] == tw and 0.5 < tw["value"] <= 1.0 and tw["k"] == 15
    assert not np.allclose(layouts["umap"], layouts["pca"]) and not np.allclose(layouts["pca"], layouts["tsne"])
    assert [s["name"] for s in report["stages"] if s["name"] in ("umap", "pca", "tsne")] == ["umap", "pca", "tsne"]
    # the pages show the build's figures
    method = (site / "method.html").read_text(encoding="utf-8").replace("\\", "")
    metrics = (site / "metrics.html").read_text(encoding="utf-8").replace("\\", "")
    for key, label in (("umap", "UMAP"), ("pca", "PCA"), ("tsne", "t-SNE")):
        value = f"{report['metrics']['projections'][key]['trustworthiness']['value']:.3f}"
        assert value in method and value in metrics


def test_tsne_above_its_limit_is_skipped_and_reported(tmp_path):
    report, site, m = _build(tmp_path, 6, projection__methods=["pca", "tsne", "pca"], projection__tsne_max_points=10)
    assert m["projections"]["default"] == "pca"
    assert [p["key"] for p in m["projections"]["methods"]] == ["pca"]
    assert "positions_tsne" not in m["buffers"]
    (skip,) = m["projections"]["skipped"]
    distinct = report["metrics"]["duplicates"]["distinct"]  # identical captions are laid out once
    assert skip["key"] == "tsne" and f"{distinct} distinct points > projection.tsne_max_points = 10" in skip["reason"]
    assert "skipped" in report["metrics"]["projections"]["tsne"]
    assert "umap_trustworthiness" not in report["metrics"]
    stage = next(s for s in report["stages"] if s["name"] == "tsne")
    assert "skipped" in stage.get("note", "")
    assert "tsne_max_points" in (site / "metrics.html").read_text(encoding="utf-8").replace("\\", "")


def test_only_a_skipped_tsne_is_a_clear_error(tmp_path):
    from builder.errors import BuildError

    with pytest.raises(BuildError, match="no projection was built"):
        _build(tmp_path, 6, projection__methods=["tsne"], projection__tsne_max_points=10)

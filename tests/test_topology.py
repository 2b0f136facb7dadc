"""Topology: known answers (a noisy circle has one long H1 bar, identical diagrams are at distance
0, a subspace is at 0 degrees from itself and 90 from an orthogonal one), invariants (death >=
birth, one infinite H0 bar handled explicitly), two routes compared, and the analysis end to end."""

from __future__ import annotations

import json
import re
import warnings

import numpy as np
import pytest

from builder.compute import topology as T
from builder.config import ConfigError, from_dict

from support import tiny_context, tiny_model, write_images


def noisy_circle(n=120, noise=0.03, seed=0):
    rng = np.random.default_rng(seed)
    t = rng.uniform(0, 2 * np.pi, n)
    return np.c_[np.cos(t), np.sin(t), np.zeros(n)] + rng.normal(0, noise, (n, 3))


def clusters(n_groups=6, per=60, dim=64, spread=0.25, seed=0):
    rng = np.random.default_rng(seed)
    centres = rng.normal(size=(n_groups, dim))
    x = np.concatenate([c + spread * np.linalg.norm(c) / np.sqrt(dim) * rng.normal(size=(per, dim)) for c in centres])
    return T.unit_rows(x), np.repeat(np.arange(n_groups), per)


# -- persistence ----------------------------------------------------------------------------------

def test_noisy_circle_has_one_long_h1_bar():
    p = T.persistence(noisy_circle())
    life = np.sort(p["h1"][:, 1] - p["h1"][:, 0])[::-1]
    assert life[0] > 0.5
    assert len(life) == 1 or life[1] < 0.2 * life[0]


def test_death_after_birth_and_one_infinite_h0_bar():
    x, _ = clusters(3, 40)
    p = T.persistence(x)
    for key in ("h0", "h1"):
        d = p[key]
        assert np.isfinite(d).all() and (d[:, 1] >= d[:, 0]).all()
    assert np.allclose(p["h0"][:, 0], 0)
    assert p["h0_infinite"] == 1 and p["h1_infinite"] == 0
    assert len(p["h0"]) == len(x) - 1  # every other component dies, finitely
    assert T.persistence(x[:1])["h0_infinite"] == 1 and len(T.persistence(x[:1])["h0"]) == 0


def test_greedy_subsampling_reports_cover():
    x, _ = clusters(4, 100)
    p = T.persistence(x, max_points=50)
    assert p["n_points"] == 400 and p["n_used"] == 50 and p["r_cover"] > 0
    assert len(p["h0"]) == 49
    full = T.persistence(x, max_points=1000)
    assert full["n_used"] == 400 and full["r_cover"] == 0
    # stability: the sample's diagram is within 2 r_cover of the full set's (bottleneck)
    assert T.bottleneck(p["h0"], full["h0"]) <= 2 * p["r_cover"] + 1e-9


# -- distances ------------------------------------------------------------------------------------

def test_identical_diagrams_are_at_distance_zero():
    p = T.persistence(noisy_circle())
    for key in ("h0", "h1"):
        d = T.diagram_distance(p[key], p[key].copy())
        assert d["method"] == "exact"
        assert d["wasserstein"] == pytest.approx(0, abs=1e-12)
        assert d["bottleneck"] == pytest.approx(0, abs=1e-12)
        assert d["sliced"] == pytest.approx(0, abs=1e-12)


def test_known_distances_to_an_empty_diagram():
    one = np.array([[0.0, 1.0]])
    assert T.wasserstein(one, np.zeros((0, 2))) == pytest.approx(1 / np.sqrt(2))  # Euclidean to the diagonal
    assert T.bottleneck(one, np.zeros((0, 2))) == pytest.approx(0.5)  # L-infinity to the diagonal


def test_infinite_h0_bar_is_explicit_and_costs_nothing():
    a = np.array([[0.0, 0.2], [0.0, 0.5], [0.0, np.inf]])
    b = np.array([[0.0, 0.3], [0.0, np.inf]])
    finite, n_inf = T.split_infinite(a)
    assert n_inf == 1 and finite.shape == (2, 2)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # persim would warn about the infinite point; we never pass it
        d = T.diagram_distance(a, b)
    assert d["wasserstein"] == pytest.approx(T.wasserstein(a[:2], b[:1]))
    assert d["bottleneck"] == pytest.approx(T.bottleneck(a[:2], b[:1]))


def test_sliced_wasserstein_matches_persim():
    from persim import sliced_wasserstein

    x, _ = clusters(2, 40)
    a, b = T.persistence(x[:40]), T.persistence(x[40:])
    for key in ("h0", "h1"):
        assert T.sliced_wasserstein(a[key], b[key], 50) == pytest.approx(
            sliced_wasserstein(a[key], b[key], 50), rel=1e-5, abs=1e-7)


def test_distance_matrix_switches_to_sliced_for_large_diagrams():
    dg = [T.persistence(c)["h0"] for c in np.split(clusters(3, 30)[0], 3)]
    exact = T.distance_matrix(dg, exact_max=1000)
    approx = T.distance_matrix(dg, exact_max=5)
    assert exact["method"] == "exact" and approx["method"] == "sliced" and approx["wasserstein"] is None
    assert np.allclose(exact["sliced"], approx["sliced"])
    assert np.allclose(np.diag(exact["wasserstein"]), 0) and np.allclose(exact["wasserstein"], exact["wasserstein"].T)


# -- subspace angles ------------------------------------------------------------------------------

def test_subspace_angles_self_zero_orthogonal_ninety():
    rng = np.random.default_rng(0)
    a = np.linalg.qr(rng.normal(size=(20, 3)))[0]
    assert np.allclose(T.angles_deg(a, a), 0, atol=1e-5)
    e = np.eye(20)
    assert np.allclose(T.angles_deg(e[:, :3], e[:, 5:8]), 90)
    # two groups in orthogonal coordinate blocks
    x = np.zeros((40, 20))
    x[:20, :3] = rng.normal(size=(20, 3))
    x[20:, 5:8] = rng.normal(size=(20, 3))
    t = T.subspace_angle_table(x, np.repeat([0, 1], 20), 2, energy=0.99, max_dim=3)
    assert t["dim"] == 3 and np.allclose(t["mean"][0, 1], 90) and t["mean"][0, 0] == 0


def test_categories_separate_more_than_random_splits():
    x, labels = clusters(6, 60)
    t = T.subspace_angle_table(x, labels, 6, energy=0.9, max_dim=10, seed=0)
    between = t["mean"][~np.eye(6, dtype=bool)].mean()
    assert between > t["random"] + 15
    assert between > 3 * t["within"].mean()


def test_modality_gap():
    x, _ = clusters(3, 50)
    same = T.modality_gap(x, x.copy())
    assert same["centroid_distance"] == pytest.approx(0, abs=1e-12) and same["gap_share"] == pytest.approx(0, abs=1e-12)
    rng = np.random.default_rng(1)
    img = T.unit_rows(np.r_[[10.0, 0, 0, 0]] + rng.normal(0, 0.1, (100, 4)))
    txt = T.unit_rows(np.r_[[0, 10.0, 0, 0]] + rng.normal(0, 0.1, (100, 4)))
    far = T.modality_gap(img, txt, np.arange(100))
    assert far["centroid_distance"] == pytest.approx(np.sqrt(2), rel=0.02)
    assert 0.95 < far["gap_share"] <= 1 and 0.95 < far["direction_share"] <= 1
    assert far["matched_cosine"] == pytest.approx(0, abs=0.05)


def test_mean_cross_similarity_is_the_block_mean():
    x, labels = clusters(3, 10)
    m = T.mean_cross_similarity(x, labels, x, labels, 3)
    full = x @ x.T
    assert m[0, 1] == pytest.approx(full[:10, 10:20].mean())


# -- summaries ------------------------------------------------------------------------------------

def test_off_diagonal_and_its_mean():
    m = [[0.0, 1.0, 2.0], [1.0, 0.0, 6.0], [2.0, 6.0, 0.0]]
    a = T.off_diagonal(m)
    assert np.isnan(np.diag(a)).all() and a[0, 2] == 2.0 and m[0][0] == 0.0  # a copy
    assert T.mean_off_diagonal(m) == pytest.approx(3.0)
    assert T.mean_off_diagonal([[5.0]]) is None


def test_keep_groups_renumbers_and_drops_small_groups():
    labels = np.array([0, 0, 0, 1, 1, 2, 2, 2, -1])
    other = np.array([0, 1, 1, 1, 2, 2, 2])
    keep, new = T.keep_groups(labels, other, 3, minimum=2)
    assert keep == [1, 2]  # group 0 has a single member in `other`
    assert new.tolist() == [-1, -1, -1, 0, 0, 1, 1, 1, -1]
    keep, new = T.keep_groups(labels, other, 3, minimum=3)
    assert keep == [2] and new.tolist() == [-1, -1, -1, -1, -1, 0, 0, 0, -1]


def test_shared_histogram_counts_both_sets_on_one_grid():
    h = T.shared_histogram(np.array([0.0, 0.1, 0.9]), np.array([1.0, 2.0]), 2)
    assert h["edges"][0] == 0.0 and h["edges"][-1] == pytest.approx(2.0) and len(h["edges"]) == 3
    assert h["a"].tolist() == [3, 0] and h["b"].tolist() == [1, 1]
    empty = T.shared_histogram(np.zeros(0), np.zeros(0), 5)
    assert empty["a"].sum() == 0 and len(empty["edges"]) == 2


def test_diagram_record_keeps_the_diagram_and_summarises_it():
    p = T.persistence(noisy_circle(40))
    rec = T.diagram_record({**p, "extra": 1})
    assert set(rec) == {"h0", "h1", "h0_infinite", "n_points", "n_used", "r_cover", "summary"}
    life = p["h1"][:, 1] - p["h1"][:, 0]
    assert rec["summary"]["h1"]["count"] == len(p["h1"]) and rec["summary"]["h1"]["max"] == pytest.approx(life.max())
    assert rec["summary"]["h0"]["total"] == pytest.approx(p["h0"][:, 1].sum())  # H0 bars are born at 0


# -- orchestration --------------------------------------------------------------------------------

def test_config_fields_and_errors():
    cfg = from_dict({"topology": {"blur_sigmas": [0, 1.5, 3], "max_points": 100}})
    assert cfg.topology.blur_sigmas == (0, 1.5, 3) and cfg.topology.max_points == 100
    with pytest.raises(ConfigError, match=r"topology.blur_sigmas = .* allowed: numbers in 0..50, starting with 0"):
        from_dict({"topology": {"blur_sigmas": [1, 2]}})
    with pytest.raises(ConfigError, match="topology.max_points = 2 is not allowed; allowed: 8..20000"):
        from_dict({"topology": {"max_points": 2}})


HOSTILE = "<script>alert(1)</script>"


@pytest.fixture(scope="module")
def topology_run(tmp_path_factory):
    from builder.analyses.topology import analysis as topology

    root = tmp_path_factory.mktemp("topo")
    ctx = tiny_context(root, tiny_model("tiny-vit"), write_images(root / "img", 24, hostile=HOSTILE),
                       {"topology": {"enabled": True, "perturb_per_category": 5, "blur_sigmas": [0, 2],
                                     "noise_std": [0.1], "salt_pepper": [0.05]}})
    return ctx, topology.run(ctx), topology.run(ctx)


def test_run_writes_pages_files_and_metrics(topology_run):
    ctx, out, again = topology_run
    assert not out.cached and again.cached
    assert {"topology/index.md", "topology/diagrams.md", "topology/perturbations.md", "topology/geometry.md"} <= set(out.pages)
    assert any(k.endswith(".svg") for k in out.pages)
    tables = json.loads(out.files["tables.json"])
    assert tables["field"] == "colour" and len(tables["categories"]) == 3
    assert tables["perturbations"]["reembed_max_abs_diff"] < 1e-4
    assert json.loads(out.files["diagrams.json"])["images"][0]["h0_infinite"] == 1
    assert again.files == out.files and again.pages == out.pages  # same bytes, fresh or cached
    m = out.metrics
    assert m["categories"] == 3 and m["modality_gap"] > 0 and "stage_seconds" in m


def test_pages_have_no_unescaped_html_from_labels(topology_run):
    _, out, _ = topology_run
    for path, text in out.pages.items():
        s = text if isinstance(text, str) else text.decode("utf-8", "replace") if path.endswith(".svg") else ""
        assert "<script" not in s, path
    assert "&lt;script&gt;alert\\(1\\)&lt;/script&gt;" in out.pages["topology/diagrams.md"]  # shown as text
    svg = b"".join(v for k, v in out.pages.items() if k.endswith(".svg")).decode()
    assert "&lt;script&gt;" in svg
    assert set(re.findall(r"https?://[^\"' ]+", svg)) == {"http://www.w3.org/2000/svg"}  # no fetches


def test_figures_read_well_and_come_in_the_order_of_the_tables(topology_run):
    from figure_checks import page_figures, svg_problems, uncaptioned

    _, out, _ = topology_run
    svgs = {k: v for k, v in out.pages.items() if k.endswith(".svg")}
    assert len(svgs) >= 15
    for path, data in svgs.items():
        assert svg_problems(data, path) == []
    for path, text in out.pages.items():
        if path.endswith(".md"):
            assert uncaptioned(text) == [], path
            for _, src, caption in page_figures(text):
                assert f"topology/{src}" in svgs and len(caption) > 30, (path, src)
    # figures and tables of the blur page both go H0, then H1
    page = out.pages["topology/perturbations.md"]
    figures = [src for _, src, _ in page_figures(page) if "wasserstein" in src]
    assert figures == ["figures/blur-wasserstein-h0.svg", "figures/blur-wasserstein-h1.svg"]
    assert page.index("Wasserstein distance, H0, original vs blurred") < page.index("Wasserstein distance, H1, original")
    # the pooled sample (far larger distances) has a panel of its own
    assert svgs["topology/figures/blur-wasserstein-h0.svg"].count(b'class="ylabel"') == 2


def test_run_without_labels_skips_categories(tmp_path):
    from builder.analyses.topology import analysis as topology
    from builder.records import Record

    recs = [Record(r.id, r.image, r.captions, {}) for r in write_images(tmp_path / "img", 9)]
    ctx = tiny_context(tmp_path, tiny_model("tiny-vit"), recs, {"topology": {"perturb_per_category": 2,
                                                                       "blur_sigmas": [0, 1], "noise_std": [],
                                                                       "salt_pepper": []}})
    out = topology.run(ctx)
    tables = json.loads(out.files["tables.json"])
    assert tables["categories"] == [] and "no label field" in tables["why_no_categories"]
    assert "No categories" in out.pages["topology/index.md"]
    assert tables["perturbations"]["groups"] == "all"


def test_greedy_subsample_and_distance_matrix_match_ripser():
    from ripser import ripser
    from ripser.ripser import get_greedy_perm

    x, _ = clusters(3, 40)
    idx, r_cover = T.greedy_subsample(x, 25)
    ref_idx, lambdas, _ = get_greedy_perm(x, n_perm=25)
    assert np.array_equal(idx, ref_idx)
    assert r_cover <= lambdas[-1] + 1e-9  # the true cover radius, after the last pick
    ours = T.persistence(x, max_points=25)
    theirs = ripser(x, maxdim=1, n_perm=25)["dgms"]
    for dim, key in ((0, "h0"), (1, "h1")):
        assert np.allclose(ours[key], T.split_infinite(theirs[dim])[0], atol=1e-6)

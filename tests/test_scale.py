"""Scale (#17): bounded retrieval on a query sample, approximate kNN with measured recall, exact
duplicates folded, UMAP's routes (sampled fit + transform, the parallel option, the cuML guard)."""

import numpy as np
import pytest

from builder.compute import duplicates, metrics, neighbours, projection


def _unit(rng, n, d):
    x = rng.normal(size=(n, d)).astype(np.float32)
    return x / np.linalg.norm(x, axis=1, keepdims=True)


def _clustered(rng, n, d=16, centres=20, spread=0.3):
    """n unit vectors around `centres` random centres."""
    c = _unit(rng, centres, d)
    x = c[rng.integers(0, centres, n)] + spread * rng.normal(size=(n, d)).astype(np.float32) / np.sqrt(d)
    return (x / np.linalg.norm(x, axis=1, keepdims=True)).astype(np.float32)


def test_retrieval_on_a_query_sample_is_the_brute_force_recall_of_those_queries():
    rng = np.random.default_rng(0)
    img = _unit(rng, 300, 8)
    owner = np.repeat(np.arange(300), 2)
    txt = _unit(rng, 600, 8) * 0.5 + img[owner]
    txt /= np.linalg.norm(txt, axis=1, keepdims=True)
    full, _ = metrics.retrieval_recall_both(img, txt, owner, ks=(1, 5))
    same_all, _ = metrics.retrieval_recall_both(img, txt, owner, ks=(1, 5), queries=10_000)
    assert same_all == full  # a sample as large as the data is the data
    sampled, _ = metrics.retrieval_recall_both(img, txt, owner, ks=(1, 5), queries=50, seed=3, block=7)
    q_img, q_txt = metrics.query_sample(300, 50, 3), metrics.query_sample(600, 50, 4)
    assert len(q_img) == len(q_txt) == 50 and len(set(q_img)) == 50
    top_i = np.argsort(-(img[q_img] @ txt.T), axis=1, kind="stable")
    top_t = np.argsort(-(txt[q_txt] @ img.T), axis=1, kind="stable")
    for k in (1, 5):
        assert sampled[f"i2t@{k}"] == pytest.approx(np.mean([(owner[r[:k]] == q).any() for q, r in zip(q_img, top_i)]))
        assert sampled[f"t2i@{k}"] == pytest.approx(np.mean([(r[:k] == owner[q]).any() for q, r in zip(q_txt, top_t)]))
    assert sampled != full  # a different (smaller) set of queries


def test_approx_knn_has_self_first_and_a_measured_recall_close_to_exact():
    rng = np.random.default_rng(0)
    x = _clustered(rng, 1500)
    idx, dist = neighbours.approx_knn(x, 16, seed=0)
    assert idx.shape == (1500, 16) and (idx[:, 0] == np.arange(1500)).all() and (dist[:, 0] == 0).all()
    assert (np.diff(dist[:, 1:], axis=1) >= -1e-6).all()  # nearest first
    again, _ = neighbours.approx_knn(x, 16, seed=0)
    assert (again == idx).all()  # seeded, one thread: the same graph
    r = neighbours.knn_recall(idx, x, sample=400, seed=1)
    assert r["sample"] == 400 and r["k"] == 15 and r["recall"] > 0.9
    exact, _ = neighbours.exact_knn(x, 16)
    assert neighbours.knn_recall(exact, x, sample=400)["recall"] == 1.0
    shuffled = exact.copy()
    shuffled[:, 1:] = rng.permutation(exact[:, 1:].ravel()).reshape(1500, 15)
    assert neighbours.knn_recall(shuffled, x, sample=400)["recall"] < 0.1  # the measure can fail


def test_knn_auto_is_exact_up_to_the_threshold_and_approx_above():
    x = _clustered(np.random.default_rng(2), 500)
    assert neighbours.knn(x, 8, "cpu", "auto", exact_max=500)[2] == "exact"
    assert neighbours.knn(x, 8, "cpu", "auto", exact_max=499)[2] == "approx"


def test_self_first_moves_the_point_to_column_zero():
    idx = np.array([[3, 0, 1], [1, 2, 3], [2, -1, 0]])
    dist = np.array([[0.1, 0.0, 0.2], [0.0, 0.3, 0.4], [0.0, 0.5, 0.6]], np.float32)
    i, d = neighbours.self_first(idx, dist)
    assert i[:, 0].tolist() == [0, 1, 2] and d[:, 0].tolist() == [0, 0, 0]
    assert i[0].tolist() == [0, 3, 1] and i[1].tolist() == [1, 2, 3] and i[2].tolist() == [2, 0, 2]
    assert d[0].tolist() == pytest.approx([0.0, 0.1, 0.2])


def test_duplicates_are_folded_and_expanded_back():
    x = np.array([[1, 0], [0, 1], [1, 0], [0.6, 0.8], [0, 1], [1, 0]], np.float32)
    first, inverse = duplicates.unique_rows(x)
    assert first.tolist() == [0, 1, 3] and inverse.tolist() == [0, 1, 0, 2, 1, 0]
    assert duplicates.copies(inverse) == 3
    idx_u, dist_u = neighbours.exact_knn(x[first], 2)
    idx, dist = duplicates.expand_knn(idx_u, dist_u, first, inverse)
    assert idx[:, 0].tolist() == list(range(6)) and (dist[:, 0] == 0).all()
    assert (np.isin(idx[:, 1], first)).all()  # neighbours are distinct points' first rows
    assert idx[2, 1] == idx[0, 1] and idx[5, 1] == idx[0, 1]  # a copy has its value's neighbours


def test_repeated_points_split_the_knn_graph_and_folding_them_joins_it():
    rng = np.random.default_rng(0)
    base = _clustered(rng, 400, centres=2, spread=0.5)
    reps = np.repeat(_unit(rng, 30, 16), 20, axis=0)  # 30 texts, each said 20 times
    x = np.concatenate([base, reps])
    k = 15
    raw = duplicates.graph_components(neighbours.exact_knn(x, k)[0])
    first, _ = duplicates.unique_rows(x)
    folded = duplicates.graph_components(neighbours.exact_knn(x[first], k)[0])
    assert raw >= 30 and folded < raw and folded <= 3


def test_umap_fitted_on_a_sample_places_the_rest_and_is_deterministic():
    x = _clustered(np.random.default_rng(0), 1200, centres=4)
    knn_i, knn_d = neighbours.exact_knn(x, 15)
    a, how = projection.layout(x, knn_i, knn_d, 15, 0.1, 0, False, 1000, 600, "umap-learn")
    b, _ = projection.layout(x, knn_i, knn_d, 15, 0.1, 0, False, 1000, 600, "umap-learn")
    assert how == {"backend": "umap-learn", "parallel": False, "fitted_on": 600, "placed_by_transform": 600}
    assert a.shape == (1200, 3) and np.isfinite(a).all() and a.tobytes() == b.tobytes()
    assert projection.trustworthiness(x, a, k=15)["value"] > 0.8
    _, whole = projection.layout(x, knn_i, knn_d, 15, 0.1, 0, False, 0, 600, "umap-learn")
    assert whole["placed_by_transform"] == 0 and whole["fitted_on"] == 1200


def test_umap_parallel_runs_unseeded_on_every_core_and_stays_trustworthy():
    x = _clustered(np.random.default_rng(0), 600, centres=4)
    knn_i, knn_d = neighbours.exact_knn(x, 15)
    pos, how = projection.layout(x, knn_i, knn_d, 15, 0.1, 0, True, 0, 100, "umap-learn")
    assert how["parallel"] is True and projection.trustworthiness(x, pos, k=15)["value"] > 0.8


def test_cuml_backend_is_guarded():
    has = projection.backend_available("cuml")
    assert projection.choose_backend("umap-learn", True) == "umap-learn"
    assert projection.choose_backend("auto", False) == "umap-learn"
    assert projection.choose_backend("auto", True) == ("cuml" if has else "umap-learn")
    if not has:
        with pytest.raises(ValueError, match=r"needs RAPIDS cuML and a CUDA device.*clip-atlas\[gpu\]"):
            projection.choose_backend("cuml", True)
    assert not projection.backend_available("no_such_module_for_sure")


def test_layout_bytes_are_the_same_in_two_processes():
    """Determinism across processes (the cache hides it within one build): the seeded route of
    the sampled fit, run in two fresh interpreters, gives identical position bytes."""
    import subprocess
    import sys

    code = ("import hashlib, numpy as np; from builder.compute import neighbours, projection\n"
            "rng = np.random.default_rng(0); c = rng.normal(size=(4, 16)).astype(np.float32)\n"
            "x = c[rng.integers(0, 4, 900)] + 0.3 * rng.normal(size=(900, 16)).astype(np.float32)\n"
            "x /= np.linalg.norm(x, axis=1, keepdims=True)\n"
            "i, d = neighbours.exact_knn(x, 15)\n"
            "a, _ = projection.layout(x, i, d, 15, 0.1, 0, False, 800, 500, 'umap-learn')\n"
            "b, _ = projection.layout(x, i, d, 15, 0.1, 0, False, 0, 500, 'umap-learn')\n"
            "print(hashlib.sha256(a.tobytes() + b.tobytes()).hexdigest())")
    runs = [subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=900) for _ in range(2)]
    assert all(r.returncode == 0 for r in runs), runs[0].stderr[-2000:]
    assert runs[0].stdout == runs[1].stdout and len(runs[0].stdout.strip()) == 64


def test_no_site_file_may_exceed_100_mb_and_sizes_are_reported():
    from builder.io.artifacts import ContractError
    from builder.io.writer import MAX_FILE_BYTES, SiteWriter

    w = SiteWriter()
    w.add_files({"a.bin": b"x" * 1000, "b.bin": b"y" * 10})
    assert w.size_figures(10) == {"site_bytes": 1010, "site_bytes_per_point": 101.0, "largest_file": "a.bin",
                                  "largest_file_bytes": 1000}
    with pytest.raises(ContractError, match=r"'big.bin' would be 100 MB; no file may exceed 100 MB .*shard it"):
        w.add_files({"big.bin": bytes(MAX_FILE_BYTES + 1)})

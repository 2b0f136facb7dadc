"""Pure compute: kNN against brute force, local PCA against scikit-learn, UMAP determinism, metrics."""

import numpy as np
import pytest

from builder.compute import clusters, local_views, metrics, neighbours, projection
from builder.io.cache import Cache


def _unit(rng, n, d):
    x = rng.normal(size=(n, d)).astype(np.float32)
    return x / np.linalg.norm(x, axis=1, keepdims=True)


def test_exact_knn_matches_brute_force_in_any_block_size():
    x = _unit(np.random.default_rng(0), 300, 16)
    idx, dist = neighbours.exact_knn(x, 8, block=64)
    sims = x @ x.T
    for i in range(0, 300, 37):
        want = np.argsort(-sims[i], kind="stable")[:8]
        assert idx[i, 0] == i and dist[i, 0] == 0
        assert set(idx[i, 1:]) == set(want[want != i][:7])
        np.testing.assert_allclose(dist[i], 1 - sims[i, idx[i]], atol=1e-5)
    idx2, _ = neighbours.exact_knn(x, 8, block=300)
    assert (idx2 == idx).all()
    no_self, _ = neighbours.exact_knn(x, 7, include_self=False)
    assert (no_self[:, 0] != np.arange(300)).all()


def test_local_pca_agrees_with_sklearn():
    from sklearn.decomposition import PCA

    rng = np.random.default_rng(1)
    x = _unit(rng, 200, 32)
    nb, _ = neighbours.exact_knn(x, 11, include_self=False)
    xy, evr = local_views.local_pca(x, nb, batch=50)
    for i in (0, 17, 199):
        group = x[np.concatenate([[i], nb[i]])].astype(np.float64)
        pca = PCA(n_components=2).fit(group)
        scores = pca.transform(group)
        ref = scores[1:] - scores[0]
        for axis in range(2):  # equal up to the sign of each axis
            a, b = xy[i, :, axis], ref[:, axis]
            assert min(np.abs(a - b).max(), np.abs(a + b).max()) < 1e-4
        np.testing.assert_allclose(evr[i], pca.explained_variance_ratio_, atol=1e-5)
    assert (evr[:, 0] >= evr[:, 1]).all()


def test_umap_is_deterministic_and_trustworthy():
    rng = np.random.default_rng(2)
    centres = _unit(rng, 4, 24)
    x = np.concatenate([c + 0.15 * rng.normal(size=(60, 24)) for c in centres]).astype(np.float32)
    x /= np.linalg.norm(x, axis=1, keepdims=True)
    idx, dist = neighbours.exact_knn(x, 15)
    a = projection.umap_3d(x, idx, dist, 15, 0.1, seed=3)
    b = projection.umap_3d(x, idx, dist, 15, 0.1, seed=3)
    assert a.shape == (240, 3) and np.array_equal(a, b)
    assert np.percentile(np.linalg.norm(a, axis=1), 99) == pytest.approx(1.0, abs=1e-3)
    assert projection.trustworthiness(x, a, k=10)["value"] > 0.85
    labels = clusters.kmeans_clusters(x, 4, seed=0)
    assert sorted(np.bincount(labels).tolist()) == [60, 60, 60, 60]


def test_retrieval_and_zero_shot_known_answers():
    img = np.eye(4, dtype=np.float32)
    txt = np.eye(4, dtype=np.float32)[[0, 0, 1, 2, 3, 3]]
    r = metrics.retrieval_recall(img, txt, np.array([0, 0, 1, 2, 3, 3]), ks=(1, 5))
    assert r["i2t@1"] == 1.0 and r["t2i@1"] == 1.0
    shuffled = metrics.retrieval_recall(img, txt, np.array([1, 1, 2, 3, 0, 0]), ks=(1,))
    assert shuffled["i2t@1"] == 0.0
    cls = metrics.class_embeddings(np.eye(4, dtype=np.float32), np.array([0, 0, 1, 1]), 2)
    assert metrics.zero_shot_accuracy(np.eye(4, dtype=np.float32), cls, np.array([0, 0, 1, 1])) == 1.0


def test_retrieval_counting_captions_with_the_same_text():
    """Two images share the caption text "a cat": strict recall marks the image that ranks the
    other's caption first wrong; counting the same text, it is right. Known answers, then
    against a brute-force loop on random data."""
    img = np.eye(3, dtype=np.float32)
    txt = np.eye(3, dtype=np.float32)[[0, 0, 2]]  # captions 0, 1 (same text, images 0, 1), 2 (image 2)
    owner, ids = np.array([0, 1, 2]), metrics.text_ids(["a cat", "a cat", "a dog"])
    strict, same = metrics.retrieval_recall_both(img, txt, owner, ids, ks=(1,))
    # image 1 ties with every caption and gets caption 0 (ties: lower index); caption 1 gets image 0
    assert strict == {"i2t@1": pytest.approx(2 / 3), "t2i@1": pytest.approx(2 / 3)}
    assert same == {"i2t@1": 1.0, "t2i@1": 1.0}
    assert metrics.shared_text_captions(ids, owner) == 2
    assert metrics.shared_text_captions(metrics.text_ids(["a", "a"]), np.array([0, 0])) == 0  # one image

    rng = np.random.default_rng(0)
    unit = lambda a: (a / np.linalg.norm(a, axis=1, keepdims=True)).astype(np.float32)  # noqa: E731
    img, txt = unit(rng.normal(size=(40, 6))), unit(rng.normal(size=(90, 6)))
    owner = np.sort(rng.integers(0, 40, 90))
    texts = [f"t{v}" for v in rng.integers(0, 45, 90)]
    strict, same = metrics.retrieval_recall_both(img, txt, owner, metrics.text_ids(texts), ks=(1, 5), block=7)
    sim = img @ txt.T
    own = [{texts[c] for c in np.flatnonzero(owner == i)} for i in range(40)]
    for k in (1, 5):
        top_t = [np.argsort(-sim[i], kind="stable")[:k] for i in range(40)]
        top_i = [np.argsort(-sim[:, c], kind="stable")[:k] for c in range(90)]
        assert strict[f"i2t@{k}"] == pytest.approx(np.mean([np.isin(top_t[i], np.flatnonzero(owner == i)).any()
                                                            for i in range(40)]))
        assert strict[f"t2i@{k}"] == pytest.approx(np.mean([owner[c] in top_i[c] for c in range(90)]))
        assert same[f"i2t@{k}"] == pytest.approx(np.mean([bool({texts[c] for c in top_t[i]} & own[i])
                                                          for i in range(40)]))
        assert same[f"t2i@{k}"] == pytest.approx(np.mean([any(texts[c] in own[j] for j in top_i[c])
                                                          for c in range(90)]))
        assert same[f"i2t@{k}"] >= strict[f"i2t@{k}"] and same[f"t2i@{k}"] >= strict[f"t2i@{k}"]


def test_cache_round_trip_and_damage(tmp_path):
    c = Cache(tmp_path)
    c.save_items("ns", ["a", "b"], np.arange(6, dtype=np.float32).reshape(2, 3))
    c.save_items("ns", ["c"], np.ones((1, 3), np.float32))
    got = c.load_items("ns", ["a", "c", "zz"])
    assert sorted(got) == ["a", "c"] and got["a"].tolist() == [0, 1, 2]
    assert c.load_items("other", ["a"]) == {}
    c.save_stage("umap", "k" * 64, {"pos": np.zeros(3)})
    assert c.load_stage("umap", "k" * 64)["pos"].shape == (3,)
    c.stage_path("umap", "k" * 64).write_bytes(b"garbage")
    assert c.load_stage("umap", "k" * 64) is None


def test_zero_shot_rules_mean_and_max_differ_where_prompts_enumerate_subclasses():
    e = np.eye(3, dtype=np.float32)
    image = e[[0]]  # a "red star"
    prompts = np.stack([e[0], e[2], 0.8 * e[0] + 0.6 * e[1]])  # star: red star, blue star; circle: one prompt
    owner = np.array([0, 0, 1])
    mean = metrics.zero_shot_scores(image, prompts, owner, 2, "mean")
    best = metrics.zero_shot_scores(image, prompts, owner, 2, "max")
    np.testing.assert_allclose(mean, [[np.sqrt(0.5), 0.8]], rtol=1e-5)  # the blurred mean loses to circle
    np.testing.assert_allclose(best, [[1.0, 0.8]], rtol=1e-5)
    with pytest.raises(ValueError, match="allowed: 'mean', 'max'"):
        metrics.zero_shot_scores(image, prompts, owner, 2, "median")

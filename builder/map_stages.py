"""The map's stages: exact duplicates folded, kNN (exact or approximate), UMAP 3D, trustworthiness
and the local views, each timed and cached (`builder.pipeline.cached_stage`).

Every distinct embedding is one point of the kNN graph and of the layout; its copies (a caption
text said by many images) get its position, its neighbours and its local view, so the graph does
not fall into one piece per repeated caption. The explorer shows coincident points with a x n badge.
"""

from __future__ import annotations

import numpy as np
import torch

from builder.compute import duplicates, local_views, neighbours, projection
from builder.errors import BuildError
from builder.io.cache import hash_arrays


def cached_stage(b, name: str, version: int, inputs: list, params: dict, entry: dict, compute) -> dict:
    """A stage's result through the one cache rule (inputs' hashes + parameters + VERSION)."""
    result, entry["cached"] = b.cache.cached(name, version, inputs, params, compute)
    return result


def trustworthiness(b, distinct: np.ndarray, u_hash: str, pos: np.ndarray) -> dict:
    """Trustworthiness (k = 15, seeded sample) of the layout `pos` of the distinct points, cached."""
    seed = b.cfg.projection.seed
    return cached_stage(b, "trustworthiness", projection.VERSION, [u_hash, hash_arrays(pos)], {"k": 15, "seed": seed},
                        {}, lambda: {"t": projection.trustworthiness(distinct, pos, k=15, seed=seed)})["t"]


def map_stages(b, joint: np.ndarray, unique: tuple, device, k_local: int, kk: int) -> dict:
    """joint float32[N, D], unique = duplicates.unique_rows(joint) -> {"idx", "dist" (kNN of all N points, self first), "pos" float32[N, 3],
    "xy", "evr" (local views), "distinct" (the distinct rows), "distinct_hash"}; b.metrics gets "duplicates",
    "knn" and "umap_trustworthiness"."""
    cfg, p = b.cfg, b.cfg.projection
    first, inverse = unique
    distinct = joint[first]
    u_hash = hash_arrays(distinct)
    on_gpu = torch.device(device).type == "cuda"
    method = cfg.local.knn if cfg.local.knn != "auto" else (
        "exact" if on_gpu or len(distinct) <= cfg.local.exact_max else "approx")
    with b.stage("knn") as e:
        def compute_knn() -> dict:
            idx, dist, used = neighbours.knn(distinct, kk, device, method, seed=p.seed)
            out = {"idx": idx, "dist": dist, "method": used}
            if used == "approx":
                out["recall"] = neighbours.knn_recall(idx[:, : min(kk, 16)], distinct, cfg.local.recall_sample,
                                                      p.seed, device)
            return out

        knn_u = cached_stage(b, "knn", neighbours.VERSION, [u_hash], {"k": kk, "method": method}, e, compute_knn)
        e["note"] = f"{knn_u['method']}, {len(distinct):,} distinct of {len(joint):,} points"
        if knn_u["method"] == "exact" and not on_gpu:  # the one stage whose work grows with N squared: say why
            e["note"] += f" (work grows with N²: used on a CPU up to local.exact_max = {cfg.local.exact_max:,})"
        pieces = duplicates.graph_components(knn_u["idx"][:, : min(p.n_neighbors, knn_u["idx"].shape[1])])
        b.metrics["knn"] = {"method": knn_u["method"], "k": int(knn_u["idx"].shape[1] - 1),
                            **({"recall": knn_u["recall"]} if "recall" in knn_u else {})}
        b.metrics["duplicates"] = {"points": int(len(joint)), "distinct": int(len(distinct)),
                                   "copies": duplicates.copies(inverse), "graph_components": pieces}
    pos_u = None
    if "umap" in p.methods:  # the other projections are project_all's
        backend = projection.choose_backend(p.backend, on_gpu)
        with b.stage("umap") as e:
            params = {"n_neighbors": p.n_neighbors, "min_dist": p.min_dist, "seed": p.seed, "parallel": p.parallel,
                      "fit_sample_above": p.fit_sample_above, "fit_sample": p.fit_sample, "backend": backend}

            def compute_umap() -> dict:
                pos, how = projection.layout(distinct, knn_u["idx"], knn_u["dist"], p.n_neighbors, p.min_dist, p.seed,
                                             p.parallel, p.fit_sample_above, p.fit_sample, backend)
                return {"pos": pos, "how": how}

            lay = cached_stage(b, "umap", projection.VERSION, [u_hash], params, e, compute_umap)
            pos_u = lay["pos"]
            b.metrics["umap"] = lay["how"]
            b.metrics["umap_trustworthiness"] = trustworthiness(b, distinct, u_hash, pos_u)
    with b.stage("local-views") as e:
        nb_u = knn_u["idx"][:, 1 : k_local + 1]
        local = cached_stage(b, "local", local_views.VERSION, [u_hash], {"k": k_local}, e, lambda: dict(zip(
            ("xy", "evr"), local_views.local_pca(distinct, nb_u, device))))
    idx, dist = duplicates.expand_knn(knn_u["idx"], knn_u["dist"], first, inverse)
    return {"idx": idx, "dist": dist, "pos": None if pos_u is None else pos_u[inverse], "xy": local["xy"][inverse],
            "evr": local["evr"][inverse], "distinct": distinct, "distinct_hash": u_hash}


def project_all(b, joint: np.ndarray, m: dict, unique: tuple) -> dict[str, np.ndarray]:
    """Every projection in cfg.projection.methods, in that order: {method: float32[N, 3]}. UMAP is
    map_stages' (m["pos"]); PCA and t-SNE are each their own cached stage, computed on the distinct
    points (unique = duplicates.unique_rows(joint)) and given to every copy, as UMAP is. Each one's
    trustworthiness (k = 15) goes to b.metrics["projections"][method]; t-SNE above
    projection.tsne_max_points distinct points is skipped, and the skip reported there."""
    p = b.cfg.projection
    _, inverse = unique
    distinct, u_hash = m["distinct"], m["distinct_hash"]  # map_stages' (no second copy or hash)
    n = len(distinct)
    compute = {
        "pca": (projection.PCA_VERSION, {}, lambda: projection.pca_3d(distinct)),
        "tsne": (projection.TSNE_VERSION, {"perplexity": p.tsne_perplexity, "seed": p.seed},
                 lambda: projection.tsne_3d(distinct, p.tsne_perplexity, p.seed)),
    }
    layouts, figures = {}, b.metrics.setdefault("projections", {})
    for method in dict.fromkeys(p.methods):  # in order, each once
        if method == "umap":
            layouts[method] = m["pos"]
            figures[method] = {"label": projection.LABELS[method], "trustworthiness": b.metrics["umap_trustworthiness"],
                               "params": {"n_neighbors": p.n_neighbors, "min_dist": p.min_dist, "seed": p.seed}}
            continue
        version, params, fn = compute[method]
        with b.stage(method) as e:
            if method == "tsne" and p.tsne_max_points and n > p.tsne_max_points:
                reason = (f"skipped: {n:,} distinct points > projection.tsne_max_points = {p.tsne_max_points:,} "
                          f"(3D t-SNE runs its Barnes-Hut method, minutes at this size)")
                e.update(cached=False, note=reason)
                figures[method] = {"label": projection.LABELS[method], "skipped": reason}
                b.log(f"note: t-SNE {reason}")
                continue
            pos = cached_stage(b, method, version, [u_hash], params, e, lambda: {"pos": fn()})["pos"]
            tw = trustworthiness(b, distinct, u_hash, pos)
        layouts[method] = pos[inverse]
        figures[method] = {"label": projection.LABELS[method], "trustworthiness": tw, "params": params}
    if not layouts:
        raise BuildError("no projection was built: projection.methods has only t-SNE, and it was skipped "
                         f"({n:,} distinct points > projection.tsne_max_points); add umap or pca, or raise the limit")
    return layouts

"""A synthetic site for tests and benchmarks: valid data of any size, no model, no dataset.

    info = make_synthetic_site(Path("/tmp/site"), n_points=100_000)

writes /tmp/site/data/synthetic/ through the one writer (`SiteWriter`), the explorer, and a
tiny docs home page. Everything is vectorised numpy: a million points take seconds.

The world: L categories ("red circle", "blue square", ...) are blobs on a sphere, each split into
sub-clusters. Images sit in their blob; captions sit near their image, shifted by a constant
"modality gap". Neighbours are drawn from the same category, near in cluster and position; the
local 2D layouts are the real PCA of each point's neighbour offsets in 3D. Thumbnails show the
category's colour and shape. A few captions are hostile HTML, one is non-ASCII, one holds a
unique word for search tests — `info` says which points they are.

Thumbnail atlas pages repeat with a period of ATLAS_DISTINCT_PAGES pages (categories are drawn
with the same period, so every thumbnail still matches its point): at a million points that
keeps generation to seconds.
"""

from __future__ import annotations

from io import BytesIO
from pathlib import Path

import numpy as np
from PIL import Image

from builder import contract
from builder.compute import projection
from builder.io.artifacts import DatasetArtifacts
from builder.io.writer import SiteWriter
from builder.render.site import explorer_files

SLUG = "synthetic"
COLOURS = {"red": (230, 72, 72), "blue": (72, 130, 235), "green": (70, 190, 100), "yellow": (240, 205, 60)}
SHAPES = ("circle", "square", "triangle")
CATEGORIES = [(c, s) for s in SHAPES for c in COLOURS]  # 12 categories
BACKGROUNDS = {"grey": (120, 124, 130), "white": (232, 232, 226), "dark": (40, 44, 52), "sand": (205, 180, 140)}
SIZES = ("small", "medium", "large")
SUBCLUSTERS = 3
CELL, COLS, ROWS = 64, 16, 16
ATLAS_DISTINCT_PAGES = 8
PERIOD = ATLAS_DISTINCT_PAGES * COLS * ROWS  # images whose attributes repeat

# caption index -> text; shown as literal text by a correct explorer, and would set
# window.__xss if any of it ever ran.
HOSTILE = {
    3: '<img src=x onerror="window.__xss=1">',
    5: "<script>window.__xss=2</script>",
    8: '"><svg onload="window.__xss=3"> & <b>not bold</b>',
    10: '<a href="javascript:window.__xss=4">click me</a> <iframe src="javascript:window.__xss=5">',
}
UNICODE = (12, "café — 猫 on a 🟥 square, naïve “quotes”")
SEARCH_WORD = "unicorn"


def _positions(rng, cat_img: np.ndarray, n_img: int, caption_image: np.ndarray):
    """Clustered 3D positions (float32, centred, unit radius) and sub-cluster ids of images."""
    n_cat = len(CATEGORIES)
    golden = np.pi * (3 - np.sqrt(5))
    idx = np.arange(n_cat) + 0.5
    y = 1 - 2 * idx / n_cat
    r = np.sqrt(1 - y * y)
    centres = 0.62 * np.stack([r * np.cos(golden * idx), y, r * np.sin(golden * idx)], axis=1)
    sub_offsets = rng.normal(0, 0.13, (n_cat, SUBCLUSTERS, 3))
    sub = rng.integers(0, SUBCLUSTERS, n_img)
    img = centres[cat_img] + sub_offsets[cat_img, sub] + rng.normal(0, 0.055, (n_img, 3))
    gap = np.array([0.22, -0.12, 0.08])  # captions sit apart from images, like CLIP's modality gap
    cap = 0.85 * img[caption_image] + gap + rng.normal(0, 0.045, (len(caption_image), 3))
    pos = np.concatenate([img, cap]).astype(np.float32)
    pos -= pos.mean(axis=0)
    pos /= np.linalg.norm(pos, axis=1).max()
    return pos, sub


def _captions(rng, cat_img, bg_img, caption_image) -> list[str]:
    names = [f"{c} {s}" for c, s in CATEGORIES]
    bgs = list(BACKGROUNDS)
    n_cap = len(caption_image)
    size = rng.integers(0, len(SIZES), n_cap)
    tmpl = np.arange(n_cap) % 3
    cat = cat_img[caption_image]
    bg = bg_img[caption_image]
    texts = [
        (f"a {SIZES[s]} {names[c]} on a {bgs[b]} background" if t == 0 else
         f"{names[c]}, {SIZES[s]}, in front of {bgs[b]}" if t == 1 else
         f"photo of one {names[c]} ({SIZES[s]}) against {bgs[b]}")
        for c, b, s, t in zip(cat.tolist(), bg.tolist(), size.tolist(), tmpl.tolist())
    ]
    for c, text in HOSTILE.items():
        if c < n_cap:
            texts[c] = text
    if UNICODE[0] < n_cap:
        texts[UNICODE[0]] = UNICODE[1]
    if n_cap > 20:
        texts[n_cap // 2] = f"a {SEARCH_WORD} made of glass standing on a {names[cat[n_cap // 2]]}"
    return texts


def _items(cat_img, bg_img) -> dict:
    """items.json: per image an id, a file name relative to the (imagined) dataset root, labels."""
    bgs = list(BACKGROUNDS)
    n = len(cat_img)
    labels = [{"colour": CATEGORIES[c][0], "shape": CATEGORIES[c][1], "background": bgs[b]}
              for c, b in zip(cat_img.tolist(), bg_img.tolist())]
    return {"ids": [f"syn-{i:06d}" for i in range(n)], "files": [f"images/{i:06d}.png" for i in range(n)],
            "labels": labels}


def _local_views(rng, pos, cat, modality, cluster, k: int, chunk: int = 1 << 16) -> dict[str, np.ndarray]:
    """Neighbours from the same category (near in cluster and x), their distances and local PCA."""
    n = len(pos)
    k = min(k, n - 1)
    # grouped by category, then modality (CLIP's gap: an image's nearest are mostly images), cluster, x
    order = np.lexsort((pos[:, 0], cluster, modality, cat))
    rank = np.empty(n, dtype=np.int64)
    rank[order] = np.arange(n)
    starts = np.searchsorted(cat[order], np.arange(256))
    sizes = np.diff(np.append(starts, n))
    half = np.arange(1, k + 1)
    steps = np.where(half % 2 == 1, (half + 1) // 2, -(half // 2))  # 1, -1, 2, -2, ...
    out = {
        "neighbours": np.empty((n, k), np.uint32),
        "local_xy": np.empty((n, k, 2), np.float16),
        "local_dist": np.empty((n, k), np.float16),
        "local_evr": np.empty((n, 2), np.float16),
    }
    for a in range(0, n, chunk):
        p = np.arange(a, min(n, a + chunk))
        g_start, g_size = starts[cat[p]], sizes[cat[p]]
        small = g_size <= k  # a tiny category: take the window from the whole ordering
        base = np.where(small, 0, g_start)[:, None]
        size = np.where(small, n, g_size)[:, None]
        nb = order[base + (rank[p][:, None] - base + steps[None, :]) % size]
        off = pos[nb] - pos[p][:, None, :]
        dist = np.linalg.norm(off, axis=2) / 2 + rng.uniform(0.02, 0.05, (len(p), 1))
        srt = np.argsort(dist, axis=1, kind="stable")
        nb, off, dist = (np.take_along_axis(nb, srt, 1), np.take_along_axis(off, srt[:, :, None], 1),
                         np.take_along_axis(dist, srt, 1))
        centred = off - off.mean(axis=1, keepdims=True)
        cov = np.einsum("nki,nkj->nij", centred, centred) / k
        vals, vecs = np.linalg.eigh(cov + 1e-9 * np.eye(3))  # ascending
        axes = vecs[:, :, ::-1][:, :, :2]
        out["neighbours"][p] = nb
        out["local_xy"][p] = np.einsum("nki,nij->nkj", off, axes)
        out["local_dist"][p] = dist
        # 3D gives an optimistic ratio; scale like a high-dimensional embedding would show
        out["local_evr"][p] = 0.6 * vals[:, ::-1][:, :2] / vals.sum(axis=1, keepdims=True)
    return out


def _masks() -> np.ndarray:
    """Boolean masks [shape, size, CELL, CELL] for circle, square, triangle at three sizes."""
    yy, xx = np.mgrid[0:CELL, 0:CELL] + 0.5
    c = CELL / 2
    out = np.zeros((len(SHAPES), len(SIZES), CELL, CELL), bool)
    for j, r in enumerate((11, 17, 24)):
        out[0, j] = (xx - c) ** 2 + (yy - c) ** 2 <= r * r
        out[1, j] = (abs(xx - c) <= r * 0.85) & (abs(yy - c) <= r * 0.85)
        out[2, j] = (yy >= c - r) & (yy <= c + r * 0.8) & (abs(xx - c) <= (yy - (c - r)) * 0.6)
    return out


def _atlas_pages(rng, base_cat, base_bg) -> list[bytes]:
    """WebP pages for the first PERIOD images (one page per COLS*ROWS of them)."""
    masks = _masks()
    shade = np.linspace(1.08, 0.88, CELL)[:, None, None]  # soft vertical light
    size = rng.integers(0, len(SIZES), len(base_cat))
    jitter = rng.integers(-8, 9, (len(base_cat), 2))
    bg_cols = np.array(list(BACKGROUNDS.values()), np.float32)
    pages = []
    per = COLS * ROWS
    for k in range(len(base_cat) // per):
        page = np.zeros((ROWS * CELL, COLS * CELL, 3), np.float32)
        for cell in range(per):
            i = k * per + cell
            colour, shape = CATEGORIES[base_cat[i]]
            tile = np.broadcast_to(bg_cols[base_bg[i]] * shade, (CELL, CELL, 3)).copy()
            m = np.roll(masks[SHAPES.index(shape), size[i]], tuple(jitter[i]), axis=(0, 1))
            tile[m] = np.array(COLOURS[colour], np.float32) * shade[np.nonzero(m)[0], 0]
            r, c = divmod(cell, COLS)
            page[r * CELL:(r + 1) * CELL, c * CELL:(c + 1) * CELL] = tile
        buf = BytesIO()
        Image.fromarray(np.clip(page, 0, 255).astype(np.uint8)).save(buf, "WEBP", quality=82, method=3)
        pages.append(buf.getvalue())
    return pages


def category_of_points(cat_img: np.ndarray, caption_image: np.ndarray) -> np.ndarray:
    """Each point's category: images', then captions' (their image's)."""
    return np.concatenate([cat_img, cat_img[caption_image]])


def make_synthetic_site(out_dir: Path, n_points: int, k: int = 30, seed: int = 0, thumbs: bool = True,
                        projections: bool | None = None, browser_model: tuple[dict, dict] | None = None) -> dict:
    """Write a complete synthetic site (data + explorer) into out_dir; return what tests need.
    `browser_model`: (manifest entry, {relpath under data/synthetic/: bytes}) for a site with the
    model in the browser (benchmarks/ask_index_bench.py), else none.

    Returns {"root", "dataset", "counts", "manifest", "hostile": {point: text},
             "search": {"query", "point"}, "unicode": {"point", "text"},
             "items": items.json's {"ids", "files", "labels"}}.
    """
    if n_points < 4:
        raise ValueError("n_points must be at least 4")
    out_dir = Path(out_dir)
    rng = np.random.default_rng(seed)
    n_img = max(2, round(n_points / 3))
    n_cap = n_points - n_img
    caption_image = (np.arange(n_cap, dtype=np.int64) * n_img) // n_cap  # sorted, ~2 per image
    base_cat = rng.integers(0, len(CATEGORIES), PERIOD)
    base_bg = rng.integers(0, len(BACKGROUNDS), PERIOD)
    cat_img = base_cat[np.arange(n_img) % PERIOD]
    bg_img = base_bg[np.arange(n_img) % PERIOD]

    pos, sub = _positions(rng, cat_img, n_img, caption_image)
    cluster_img = (cat_img * SUBCLUSTERS + sub).astype(np.uint8)
    category = np.concatenate([cat_img, cat_img[caption_image]]).astype(np.uint8)
    cluster = np.concatenate([cluster_img, cluster_img[caption_image]])
    modality = np.concatenate([np.zeros(n_img, np.uint8), np.ones(n_cap, np.uint8)])
    texts = _captions(rng, cat_img, bg_img, caption_image)

    w = DatasetArtifacts(SLUG)
    w.add_buffer("positions", pos.astype(np.float16))
    # A second projection, as a build writes one (by default up to 200,000 points: the million-point
    # site is about load time): PCA of synthetic features (the 3D position, and the category
    # one-hot, which PCA spreads along other axes than the clusters').
    projections = n_points <= 200_000 if projections is None else projections
    if projections:
        features = np.hstack([pos, 1.5 * np.eye(len(CATEGORIES))[category_of_points(cat_img, caption_image)]])
        w.add_buffer("positions_pca", projection.pca_3d(features).astype(np.float16))
    w.add_buffer("modality", modality)
    w.add_buffer("category", category)
    w.add_buffer("cluster", cluster)
    w.add_buffer("caption_image", caption_image.astype(np.uint32))
    w.add_text("captions", texts)
    local = _local_views(rng, pos, category, modality, cluster, k)
    w.add_local_views(local, contract.DEFAULT_ROWS_PER_SHARD)
    items = _items(cat_img, bg_img)
    w.add_json("items.json", items)
    atlas = None
    if thumbs:
        pages = _atlas_pages(rng, base_cat, base_bg)
        n_pages = -(-n_img // (COLS * ROWS))
        names = [f"thumbs/atlas-{p:04d}.webp" for p in range(n_pages)]
        for p, name in enumerate(names):
            w.add_file(name, pages[p % len(pages)])
        atlas = {"cell": CELL, "cols": COLS, "rows": ROWS, "pages": names, "count": n_img}
    if browser_model:
        for rel, data in browser_model[1].items():
            w.add_file(rel, data)
    counts = {"N": n_points, "I": n_img, "C": n_cap, "K": local["neighbours"].shape[1], "L": len(CATEGORIES)}
    meta = {
        "legends": {
            "category": {"field": "category", "names": [f"{c} {s}" for c, s in CATEGORIES]},
            "cluster": {"names": [f"{c} {s} · {j + 1}" for c, s in CATEGORIES for j in range(SUBCLUSTERS)]},
            "modality": ["image", "caption"],
        },
        "atlas": atlas,
        "projections": {"default": "umap", "skipped": [], "methods": [
            {"key": "umap", "label": "UMAP", "buffer": "positions", "trustworthiness": None},
            {"key": "pca", "label": "PCA", "buffer": "positions_pca", "trustworthiness": None}][: 2 if projections else 1]},
        "model": {"name": "synthetic", "description": "no model: clustered random positions"},
        "build": {"generator": "tests/synthetic_site.py", "seed": seed},
    }
    if browser_model:
        meta["browser_model"] = browser_model[0]
    site = SiteWriter()
    manifest = site.add_dataset(w, counts=counts, meta=meta)
    site.add_files(explorer_files([{"name": SLUG, "title": f"Synthetic · {n_points:,} points",
                                    "manifest": f"{SLUG}/manifest.json"}], title="CLIP Atlas", manifests={SLUG: manifest}))
    site.add_files({"index.html": '<!doctype html><meta charset="utf-8"><title>CLIP Atlas (synthetic)</title>'
                    '<h1>CLIP Atlas — synthetic site</h1><p><a href="explorer/">Open the explorer</a></p>\n'})
    site.write(out_dir)
    search_point = n_img + n_cap // 2 if n_cap > 20 else -1
    return {
        "root": out_dir,
        "dataset": SLUG,
        "counts": counts,
        "manifest": manifest,
        "hostile": {n_img + c: t for c, t in HOSTILE.items() if c < n_cap},
        "search": {"query": SEARCH_WORD, "point": search_point},
        "unicode": {"point": n_img + UNICODE[0], "text": UNICODE[1]} if UNICODE[0] < n_cap else None,
        "items": items,
    }

"""Gather the whole site for the one writer: data buffers, thumbnails, explorer, docs.

Nothing here writes a file: everything goes to a `builder.io.writer.SiteWriter`."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from builder import contract, resources
from builder.config import Config
from builder.io.artifacts import DatasetArtifacts
from builder.io.writer import SiteWriter
from builder.render.thumbs import COLS, ROWS, atlas_pages

CONTENT_DIR = resources.content()


def add_data(writer: SiteWriter, cfg: Config, r: dict) -> dict:
    """The dataset's buffers and files (checked against the contract), under data/<slug>/;
    returns the manifest."""
    col = r["collection"]
    n_img, n_cap = len(col.records), len(r["captions"])
    n = n_img + n_cap
    k = r["neighbours"].shape[1]  # = r["parameters"]["local.k"]["used"]
    w = DatasetArtifacts(cfg.dataset.slug)
    projections = add_projections(w, r["layouts"], r.get("projection_figures") or {})
    w.add_buffer("modality", np.concatenate([np.zeros(n_img, np.uint8), np.ones(n_cap, np.uint8)]))
    w.add_buffer("category", r["category"].astype(np.uint8))
    w.add_buffer("cluster", r["clusters"].astype(np.uint8))
    fields = []
    for f, (field, names, values) in enumerate(r["label_fields"]):
        w.add_buffer(contract.label_buffer(f), values.astype(np.uint8))
        prompts, owner = col.class_prompts(field, names)  # the zero-shot prompts the metrics used
        fields.append({"field": field, "buffer": contract.label_buffer(f), "names": names,
                       "prompts": [[p for p, o in zip(prompts, owner) if o == v] for v in range(len(names))]})
    w.add_buffer("caption_image", r["caption_image"].astype(np.uint32))
    w.add_text("captions", r["captions"])
    w.add_local_views({"neighbours": r["neighbours"], "local_xy": r["local_xy"].astype(np.float16),
                       "local_dist": r["local_dist"].astype(np.float16),
                       "local_evr": r["local_evr"].astype(np.float16)}, cfg.local.rows_per_shard)
    cols, rows = COLS, ROWS
    pages = r["atlas_pages"] if "atlas_pages" in r else atlas_pages(r["thumbs"], cols, rows)
    for i, page in enumerate(pages):
        w.add_file(f"thumbs/atlas-{i:03d}.webp", page)
    for name, result in r["analyses"].items():
        for rel, data in result.files.items():
            w.add_file(f"{name}/{rel}", data)
        if result.buffers:
            w.add_analysis_buffers(name, result.buffers, result.counts)
    browser = r.get("browser_model") or {}
    for rel, data in (browser.get("files") or {}).items():
        w.add_file(rel, data)
    w.add_json("items.json", {"ids": [rec.id for rec in col.records],
                              "labels": [rec.labels for rec in col.records],
                              "files": [rec.file for rec in col.records]})
    meta = {
        "title": cfg.site.title,
        "legends": {"category": {"field": r["category_field"] or "", "names": r["category_names"]},
                    "cluster": {"names": [f"cluster {i}" for i in range(int(r["clusters"].max(initial=0)) + 1)]},
                    "modality": ["image", "caption"], "fields": fields, "prompt_rule": col.prompt_rule},
        "projections": projections,
        "atlas": {"cell": cfg.site.thumb_size, "cols": cols, "rows": rows,
                  "pages": [f"thumbs/atlas-{i:03d}.webp" for i in range(len(pages))], "count": n_img},
        "model": r["model"],
        "build": build_meta(cfg, r["parameters"]),
    }
    if browser.get("manifest"):
        meta["browser_model"] = browser["manifest"]
    counts = {"N": n, "I": n_img, "C": n_cap, "K": k, "L": len(r["category_names"])}
    return writer.add_dataset(w, counts, meta)


def add_projections(w: DatasetArtifacts, layouts: dict, figures: dict) -> dict:
    """The layouts {method: float[N, 3]} (the first is the default, buffer "positions"; the others
    positions_<method>) -> manifest.projections; `figures` is the report's metrics.projections
    (trustworthiness, skips)."""
    from builder.compute.projection import LABELS

    methods = []
    for i, (key, pos) in enumerate(layouts.items()):
        buffer = "positions" if i == 0 else f"positions_{key}"
        w.add_buffer(buffer, np.asarray(pos).astype(np.float16))
        methods.append({"key": key, "label": LABELS.get(key, key), "buffer": buffer,
                        "trustworthiness": (figures.get(key) or {}).get("trustworthiness")})
    skipped = [{"key": k, "label": f.get("label", k), "reason": f["skipped"]} for k, f in figures.items()
               if isinstance(f, dict) and "skipped" in f]
    return {"default": next(iter(layouts)), "methods": methods, "skipped": skipped}


def build_meta(cfg: Config, used: dict) -> dict:
    """manifest.build: the parameters as used; a clamped one also says what was requested
    ({"k": 7, "requested": 30, "clamped": true})."""
    def value(key: str, name: str) -> dict:
        u = used[key]
        return {name: u["used"], **({"requested": u["requested"], "clamped": True} if u["clamped"] else {})}

    p = cfg.projection
    return {"umap": {**value("projection.n_neighbors", "n_neighbors"), "min_dist": p.min_dist, "metric": "cosine",
                     "seed": p.seed},
            "local": {**value("local.k", "k"), "pca": "per-point 2D PCA of the point and its k neighbours"},
            "clusters": {"method": "k-means", **value("cluster.n_clusters", "k")}}


def assemble_site(writer: SiteWriter, cfg: Config, r: dict, report: dict, cache_root: Path | None = None,
                  pending: tuple[str, ...] = ()) -> None:
    """Docs pages, data buffers and the explorer, into `writer`. The docs show the report as it
    stands before the artifacts' sizes are added to it; `pending` names the stages still running
    (their times are filled in later by `report_page.fill_stage_times`)."""
    from builder.render import pages
    from builder.render.docs import SITE_SCRIPTS, render_docs
    from builder.render.home import home_page
    from builder.render.site import explorer_files, page_assets

    generated: dict = dict(pages.report_pages(report, pending))
    generated.update(page_assets(SITE_SCRIPTS, cache_root))
    for name, result in r["analyses"].items():
        generated.update(result.pages)
        generated.update(page_assets(result.bundled, cache_root))
    home = CONTENT_DIR / "index.md"
    replace = {"index.md": home_page(home.read_text(encoding="utf-8"), report)} if home.is_file() else {}
    writer.add_files(render_docs(CONTENT_DIR, generated, cfg.site.title, replace=replace))
    slug = cfg.dataset.slug
    manifest = add_data(writer, cfg, r)
    report["artifacts"] = {"bytes_per_point_global": sum(
        manifest["buffers"][b]["bytes"] for b in ("positions", "modality", "category")) / manifest["counts"]["N"]}
    writer.add_files(explorer_files([{"name": slug, "title": r["collection"].description,
                                      "manifest": f"{slug}/manifest.json"}], cfg.site.title,
                                    manifests={slug: manifest}, cache_dir=cache_root))

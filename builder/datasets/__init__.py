"""Dataset adapters: each turns a source into a `Collection` of Records plus reported issues.

Under --strict (cfg.strict) each adapter stops at its first issue, in dataset order (see
`common.ItemLog`)."""

from __future__ import annotations

import dataclasses
from pathlib import Path

from builder.config import Config
from builder.records import Collection


def collect(cfg: Config, cache_root: Path, progress: bool = True) -> Collection:
    """Read the dataset named by `cfg.dataset` (the demo world is generated into the cache, with
    a progress bar unless `progress` is false)."""
    d = cfg.dataset
    if d.kind == "demo":
        from builder.datasets import demo
        from builder.datasets.manifest import collect_manifest

        world = "" if d.world == 1 else f"-world{d.world}"
        root = cache_root / "demo-world" / f"seed{d.seed}-n{d.size}{world}"
        manifest = demo.materialise(root, size=d.size, seed=d.seed, progress=progress, world=d.world)
        col = collect_manifest(manifest, d.slug, d.limit, d.seed, label_prompts=demo.label_prompts(),
                               description=f"procedural demo world{'' if d.world == 1 else ' ' + str(d.world)}: {d.size} images, seed {d.seed}",
                               strict=cfg.strict)
        return dataclasses.replace(col, prompt_rule=demo.PROMPT_RULE)
    if d.kind == "coco":
        from builder.datasets.coco import collect_coco

        return collect_coco(cfg.resolve(d.path), cfg.resolve(d.captions), d.slug,
                            cfg.resolve(d.instances) if d.instances else None,
                            cfg.resolve(d.karpathy) if d.karpathy else None, d.split, d.limit, d.seed, cfg.strict)
    if d.kind == "manifest":
        from builder.datasets.manifest import collect_manifest

        return collect_manifest(cfg.resolve(d.path), d.slug, d.limit, d.seed, strict=cfg.strict)
    if d.kind == "folder":
        from builder.datasets.folder import collect_folder

        return collect_folder(cfg.resolve(d.path), d.slug, d.limit, d.seed, cfg.strict)
    if d.kind == "embeddings":
        from builder.datasets.embeddings import collect_embeddings

        return collect_embeddings(cfg.resolve(d.path), d.slug, d.limit, d.seed, d.vector_column, d.text_vector_column)
    raise ValueError(f"unknown dataset kind {d.kind!r}")

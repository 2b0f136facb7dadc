"""Analyses: optional stages that run after the embeddings (saliency, neurons, topology,
robustness). Each is a package `builder.analyses.<name>` exposing

    ANALYSIS = Analysis("<name>", <Name>Config, run)      # run(ctx: AnalysisContext) -> AnalysisOutput

listed in `builder.analyses.registry`, and switched on by `[<name>] enabled = true` (its own
config section, declared in its config.py). The package orchestrates; the maths lives in
builder.compute (pure: arrays in, arrays out). An analysis writes nothing: the pipeline's one
writer takes its `buffers` (declared in builder.contract.ANALYSIS_BUFFERS) and `files` under
data/<dataset>/<name>/, its `pages` (markdown, and bytes assets such as figures) and `bundled`
page scripts (built from site_templates/explorer/src/pages) into the docs, and its `metrics`
into the build report under metrics.<name>.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np


@dataclass
class AnalysisContext:
    """Everything an analysis may use. Arrays are in collection order; captions are flattened
    in record order and caption_image[c] is the image of caption c."""

    cfg: object  # builder.config.Config
    collection: object  # builder.records.Collection (after unreadable images were removed)
    model: object  # builder.models.loading.LoadedModel (open_clip model, preprocess, tokenizer, device)
    image_emb: np.ndarray  # float32[I, D], unit norm
    text_emb: np.ndarray  # float32[C, D], unit norm
    captions: list[str]
    caption_image: np.ndarray  # uint32[C]
    cache: object  # builder.io.cache.Cache
    bar: object  # bar(total, desc) -> tqdm-like context manager
    log: object  # log(str)


@dataclass
class AnalysisOutput:
    """What an analysis wants written (it writes nothing itself): buffers declared in
    contract.ANALYSIS_BUFFERS[<name>] (with the counts their shapes name), other files, pages."""

    files: dict[str, bytes] = field(default_factory=dict)  # relpath under data/<dataset>/<name>/
    buffers: dict[str, np.ndarray] = field(default_factory=dict)  # name -> array, see the contract
    counts: dict[str, int] = field(default_factory=dict)  # sizes the buffers' shapes name
    pages: dict[str, str | bytes] = field(default_factory=dict)  # docs path -> markdown or asset bytes
    bundled: tuple[str, ...] = ()  # docs paths the writer fills from the explorer bundle (render.site.page_assets)
    metrics: dict = field(default_factory=dict)
    cached: bool = False

"""Neuron galleries: for chosen units, an optimised image beside the dataset images that excite
the unit most, and the captions nearest to those images.

    run(ctx) -> AnalysisOutput
      files  data/<dataset>/neurons/index.json, units/<layer>/<unit>.webp (optimised image),
             units/<layer>/<unit>-top.webp and -crops.webp (exemplar strips: whole images, and
             the square around the unit's strongest position)
      pages  neurons/index.md (the galleries), neurons/method.md; bundled: neurons/neurons.js, neurons.css
      metrics units, share of optimised images beating the best dataset image, timings

Cached parts: the optimised images (key: model, units, recipe), the dataset pass (key: model,
images, units) and the batched-vs-sequential check; pages are rendered on every build, never
cached. The maths is in builder.compute.neurons, builder.compute.fvis and builder.compute.unit_stats.
"""

from __future__ import annotations

import time

import numpy as np

from builder.analyses import AnalysisContext, AnalysisOutput
from builder.analyses.neurons import files as unit_files
from builder.analyses.neurons import names as unit_names
from builder.analyses.neurons import pages as unit_pages
from builder.analyses.neurons import tables
from builder.compute import neurons as N
from builder.compute.fvis.probes import probes_for
from builder.errors import ConfigError
from builder.io.cache import hash_arrays

CACHE_VERSION = 5  # 3: MLP units climb a monotone stand-in of the GELU; 4: one-gather jitter, names; 5: polish
FIELDS = ("mean", "peak", "argmax", "grid")


# -- what to visualise ----------------------------------------------------------------------------

BLOCK_KINDS = ("mlp hidden units", "residual stream", "attention output channels", "attention heads")


def every_block_by_default(spec) -> bool:
    """Whether a model's default layers are every block (default_layers): the demo model's, whose
    blocks are cheap; any other model's are an early, a middle and the last block."""
    return spec.source == "demo"


def default_layers(model, every_block: bool = False) -> list[str]:
    """Every unit kind (ViT: MLP units, residual stream, attention output channels, attention
    heads) of every block (`every_block`: the demo model, whose blocks are cheap) or of an early, a
    middle and the last block, early to late; layer2..layer4 (ResNet)."""
    probes = probes_for(model)
    names = list(probes)
    mlps = [n for n in names if n.endswith(".mlp.gelu")]
    if mlps:
        chosen = mlps if every_block else (mlps[0], mlps[len(mlps) // 2], mlps[-1])
        blocks = list(dict.fromkeys(n.removesuffix(".mlp.gelu") for n in chosen))
        return [n for n in names if probes[n].kind in BLOCK_KINDS
                and any(n == b or n.startswith(b + ".") for b in blocks)]
    stages = [n for n in names if n in ("visual.layer2", "visual.layer3", "visual.layer4")]
    return stages or names[-1:]


def choose_units(model, cfg, every_block: bool = False) -> dict[str, list[int]]:
    """{layer name: unit indices} from the config (no layers named: default_layers), or
    ConfigError naming the allowed layers/units."""
    probes = probes_for(model)
    names = list(cfg.layers) or default_layers(model, every_block)
    bad = [n for n in names if n not in probes]
    if bad:
        listing = ", ".join(f"{n} ({p.kind}, {p.units} units)" for n, p in probes.items())
        raise ConfigError(f"neurons.layers: {bad[0]!r} is not a layer whose units can be visualised in this "
                          f"model; allowed: {listing}")
    out = {}
    for name in dict.fromkeys(names):
        try:
            out[name] = N.parse_units(cfg.units, probes[name].units)
        except N.UnitSpecError as exc:
            raise ConfigError(f"neurons.units for layer {name!r}: {exc}") from None
    return out


DEMO_STEPS, USUAL_STEPS = 64, 512  # neurons.steps = 0 (auto): the demo model, any other model


def steps_for(lm, cfg) -> int:
    """neurons.steps, or for 0 (auto) DEMO_STEPS on the demo model and USUAL_STEPS on any other."""
    return cfg.steps or (DEMO_STEPS if lm.spec.source == "demo" else USUAL_STEPS)


def recipe_for(lm, cfg) -> N.Recipe:
    p = lm.preprocessing
    size, mean, std = p.input_size, p.mean, p.std
    return N.Recipe(size=cfg.size or max(size), input_size=size, mean=mean, std=std, steps=steps_for(lm, cfg), lr=cfg.lr,
                    robust=cfg.robustness, fourier=cfg.fourier, decorrelate=cfg.decorrelate, polish=cfg.polish)


# -- the two heavy parts ----------------------------------------------------------------------------

def optimise(ctx: AnalysisContext, units: dict[str, list[int]], recipe: N.Recipe) -> tuple[dict, bool]:
    """Optimised images uint8[N, s, s, 3], activation float32[N], curve float32[steps, N] (cached)."""
    cfg, lm = ctx.cfg.neurons, ctx.model
    jobs = N.make_jobs(units, cfg.seed)
    params = {"jobs": [(j.layer, j.unit, j.seed) for j in jobs], "recipe": recipe.__dict__,
              "batch_size": cfg.batch_size, "device": lm.device.type}

    def compute() -> dict:
        n_batches = len(N.plan_batches(jobs, cfg.batch_size))
        started = time.perf_counter()
        with ctx.bar(n_batches * recipe.steps, f"neurons: {len(jobs)} units x {recipe.steps} steps") as bar:
            out = N.visualise(lm.model, probes_for(lm.model), jobs, recipe, cfg.batch_size, lm.device,
                              on_step=bar.update)
        return {"images": N.to_uint8(out["images"]), "activation": out["activation"], "peak": out["peak"],
                "curve": out["curve"],
                "seconds": np.asarray([time.perf_counter() - started]), "batches": np.asarray(n_batches)}

    return ctx.cache.cached("neurons-optimised", CACHE_VERSION, [lm.fingerprint], params, compute)


def dataset_pass(ctx: AnalysisContext, units: dict[str, list[int]]) -> tuple[dict, bool]:
    """Per layer: mean and peak float32[I, U], argmax int32[I, U], grid int32[2] (cached)."""
    lm, layers = ctx.model, list(units)
    flat, hit = ctx.cache.cached("neurons-dataset", CACHE_VERSION, [lm.fingerprint, hash_arrays(ctx.image_emb)],
                                 {"units": units}, lambda: _dataset_pass(ctx, units))
    return {name: {k: flat[f"{i}.{k}"] for k in FIELDS} for i, name in enumerate(layers)}, hit


def _dataset_pass(ctx: AnalysisContext, units: dict[str, list[int]]) -> dict[str, np.ndarray]:
    from builder.io.image_dataset import ImageFiles, image_loader

    lm, col = ctx.model, ctx.collection
    layers = list(units)
    probes = probes_for(lm.model)
    ds = ImageFiles([r.image for r in col.records], lm.preprocess, 0)
    loader = image_loader(ds, ctx.cfg.embed.batch_size, ctx.cfg.embed.workers)
    n = len(col.records)
    order: list[np.ndarray] = []

    def batches():
        with ctx.bar(n, "neurons: dataset pass") as bar:
            for idx, tensors, _, errors in loader:
                if len(idx):
                    order.append(idx.numpy())
                    yield tensors
                bar.update(len(idx) + len(errors))

    acts = N.dataset_activations(lm.model, [probes[name] for name in layers], units, batches(), lm.device)
    rows = np.concatenate(order) if order else np.zeros(0, np.int64)
    out = {}
    for name in layers:
        mean = np.full((n, len(units[name])), -np.inf, np.float32)  # an image unreadable now never wins
        peak = np.full((n, len(units[name])), -np.inf, np.float32)
        argmax = np.zeros((n, len(units[name])), np.int32)
        mean[rows], peak[rows], argmax[rows] = acts[name]["mean"], acts[name]["peak"], acts[name]["argmax"]
        out[name] = {"mean": mean, "peak": peak, "argmax": argmax, "grid": acts[name]["grid"]}
    return {f"{i}.{k}": out[name][k] for i, name in enumerate(layers) for k in FIELDS}


def sequential_check(ctx: AnalysisContext, units: dict[str, list[int]], recipe: N.Recipe, n: int) -> dict:
    """Optimise the first `n` units in one batch and one at a time: times and the largest
    difference (cached with the inputs, so a rebuild does no model work)."""
    lm = ctx.model
    jobs = N.make_jobs(units, ctx.cfg.neurons.seed)[:n]
    params = {"jobs": [(j.layer, j.unit, j.seed) for j in jobs], "recipe": recipe.__dict__, "device": lm.device.type}
    result, _ = ctx.cache.cached("neurons-sequential", CACHE_VERSION, [lm.fingerprint], params,
                                 lambda: _time_both(lm, jobs, recipe))
    return result


def _time_both(lm, jobs: list[N.Job], recipe: N.Recipe) -> dict:
    probes = probes_for(lm.model)
    t0 = time.perf_counter()
    batched = N.visualise(lm.model, probes, jobs, recipe, len(jobs), lm.device)
    t1 = time.perf_counter()
    one = N.visualise(lm.model, probes, jobs, recipe, 1, lm.device)
    t2 = time.perf_counter()
    return {"units": len(jobs), "batched_seconds": round(t1 - t0, 3), "sequential_seconds": round(t2 - t1, 3),
            "speedup": round((t2 - t1) / max(t1 - t0, 1e-9), 2),
            "max_pixel_difference": float(np.abs(batched["images"] - one["images"]).max()) if jobs else 0.0}


def cached_files(ctx: AnalysisContext, units: dict[str, list[int]], acts: dict, opt: dict, table: dict) -> dict:
    """The optimised images and exemplar strips as WebP (unit_files.files), cached: decoding the
    exemplars and encoding the strips is most of a rebuild's work otherwise. Keyed by what they are
    made of: the model, the images (their embeddings), the optimised pictures and the settings."""
    import dataclasses

    cfg, lm = ctx.cfg.neurons, ctx.model
    params = {k: v for k, v in dataclasses.asdict(cfg).items() if k not in ("enabled", "sequential_check")}
    files, _ = ctx.cache.cached_files(
        "neurons-files", CACHE_VERSION, [lm.fingerprint, hash_arrays(ctx.image_emb), hash_arrays(opt["images"])],
        {"units": units, "config": params}, lambda: unit_files.files(ctx, units, acts, opt, table))
    return files


# -- the analysis -----------------------------------------------------------------------------------

def run(ctx: AnalysisContext) -> AnalysisOutput:
    cfg = ctx.cfg.neurons
    started = time.perf_counter()
    units = choose_units(ctx.model.model, cfg, every_block=every_block_by_default(ctx.model.spec))
    recipe = recipe_for(ctx.model, cfg)
    t0 = time.perf_counter()
    acts, acts_cached = dataset_pass(ctx, units)
    t1 = time.perf_counter()
    opt, opt_cached = optimise(ctx, units, recipe)
    t2 = time.perf_counter()
    check = sequential_check(ctx, units, recipe, cfg.sequential_check) if cfg.sequential_check else None
    t_names = time.perf_counter()
    named = unit_names.name_units(ctx, units, acts)
    names_seconds = time.perf_counter() - t_names
    units_table = tables.unit_table(ctx, units, acts, opt, named)
    files = cached_files(ctx, units, acts, opt, units_table)
    index = unit_files.index_json(ctx, units, acts, opt, recipe, units_table, check, named["concepts"],
                                  named.get("weak_below"))
    files["index.json"] = index
    n_units = sum(len(v) for v in units.values())
    optimised = np.asarray(opt["activation"], np.float64)
    best = np.concatenate([units_table[name]["dataset_max"] for name in units]) if units else np.zeros(0)
    metrics = {
        "units": n_units,
        "layers": list(units),
        "steps": recipe.steps,
        "image_size": recipe.size,
        "batch_size": cfg.batch_size,
        "share_exceeding_dataset_max": round(N.exceed_share(optimised, best), 4),
        "median_ratio_to_dataset_max": round(float(np.median(optimised / np.maximum(np.abs(best), 1e-9))), 3)
        if n_units else None,
        "by_kind": tables.kind_summary(ctx.model.model, units_table),
        "naming": {"method": "Spearman rank correlation of activation and image-text similarity profiles",
                   "concepts": len(named["concepts"]), "seconds": round(names_seconds, 3),
                   "accuracy": named["accuracy"], "weak_below": named.get("weak_below"), "weak_rule": named.get("weak_rule"),
                   "chance_best": named.get("chance_best"), "images": len(ctx.image_emb),
                   "strong_share": tables.strong_name_share(units_table)},
        "dataset_pass_seconds": round(t1 - t0, 3),
        "dataset_pass_layers": len(units),
        "optimise_seconds": round(t2 - t1, 3),
        "optimise_seconds_per_unit": round(float(opt["seconds"][0]) / max(n_units, 1), 4),
        "cached": {"dataset_pass": acts_cached, "optimised": opt_cached},
        "seconds": round(time.perf_counter() - started, 3),
    }
    agreement = tables.label_agreement_summary(units_table)
    if agreement:
        metrics["exemplar_label_agreement"] = agreement
    if check:
        metrics["batched_vs_sequential"] = check
    claim = unit_pages.optimised_claim(metrics)
    metrics["claims"] = [{**claim.as_dict(), "page": "neurons/index.md"}]
    pages = unit_pages.pages(ctx, units, recipe, units_table, metrics, claim)
    return AnalysisOutput(files=files, pages=pages, metrics=metrics, cached=acts_cached and opt_cached,
                          bundled=unit_pages.PAGE_SCRIPTS)

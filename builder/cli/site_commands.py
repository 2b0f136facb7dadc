"""`build`, `info` and `serve`: build a site, describe the model and dataset, preview a site.
Thin: parse options, call, report (errors are reported by the group in builder.cli)."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from builder import config as config_mod
from builder.analyses.registry import ANALYSES

ANALYSIS_NAMES = tuple(a.name for a in ANALYSES)


def dataset_options(fn):
    """Options shared by `build` and `info` that choose the config, dataset and model."""
    options = [
        click.option("--config", "config_path", type=click.Path(dir_okay=False), default=None,
                     help="TOML config file. Without it: the demo world and the demo model."),
        click.option("--dataset", "kind", type=click.Choice(config_mod.DATASET_KINDS), default=None,
                     help="Dataset kind (overrides dataset.kind)."),
        click.option("--data", "data_path", default=None,
                     help="Dataset path: manifest file (.jsonl/.csv) or image folder (overrides dataset.path)."),
        click.option("--name", default=None, help="Dataset short name used in URLs (data/<name>/)."),
        click.option("--limit", type=int, default=None, help="Keep at most this many images (0 = all)."),
        click.option("--seed", type=int, default=None, help="Sampling seed (and the demo world's seed)."),
        click.option("--demo-size", type=int, default=None, help="Demo world: number of images (default 5000)."),
        click.option("--demo-world", type=int, default=None, help=(
            "Demo world 1 (default) or 2 (written words that captions mention, synonyms, non-square images); "
            "world 2 wants a model trained on it: train-demo --world 2 --out FILE, then --checkpoint FILE.")),
        click.option("--model", "model_name", default=None,
                     help="Registered model name: demo, ViT-B-32/openai, RN50/openai, ... (see `info --models`)."),
        click.option("--checkpoint", default=None, type=click.Path(dir_okay=False),
                     help="Local checkpoint file with the weights for the chosen model's architecture "
                          "(with the demo model: a `train-demo --out FILE` weights file)."),
        click.option("--device", type=click.Choice(config_mod.DEVICES), default=None,
                     help="Compute device; auto picks CUDA when available."),
        click.option("--cache-dir", default=None, help="Cache folder (default ~/.cache/clip-atlas)."),
    ]
    for opt in reversed(options):
        fn = opt(fn)
    return fn


def load_config(config_path, kind, data_path, name, limit, seed, demo_size, demo_world, model_name, checkpoint, device,
                cache_dir, **extra) -> config_mod.Config:
    """The config file (or defaults) with command-line overrides; paths given on the command line
    are relative to the current folder, paths in the file relative to the file."""
    data_path, checkpoint, cache_dir = (str(Path(p).absolute()) if p else p for p in (data_path, checkpoint, cache_dir))
    return config_mod.load(
        config_path, dataset__kind=kind, dataset__path=data_path, dataset__name=name, dataset__limit=limit,
        dataset__seed=seed, dataset__size=demo_size, dataset__world=demo_world, model__name=model_name, model__checkpoint=checkpoint,
        embed__device=device, cache_dir=cache_dir, **extra)


def analysis_switches(spec: str | None) -> dict:
    """--analyses 'none' | 'saliency,topology' -> {"saliency__enabled": True, ...} for every analysis;
    None -> {} (the config decides)."""
    if spec is None:
        return {}
    names = [n.strip() for n in spec.split(",") if n.strip()]
    names = [] if names == ["none"] else names
    bad = [n for n in names if n not in ANALYSIS_NAMES]
    if bad:
        raise config_mod.ConfigError(f"--analyses: unknown analysis {bad[0]!r}; allowed: none, or a comma-separated "
                                     f"list of {', '.join(ANALYSIS_NAMES)}")
    return {f"{n}__enabled": n in names for n in ANALYSIS_NAMES}


@click.command()
@dataset_options
@click.option("--out", "out_dir", default="site", show_default=True, type=click.Path(file_okay=False),
              help="Output folder; replaced atomically when the build succeeds.")
@click.option("--batch-size", type=int, default=None, help="Images per forward pass (embed.batch_size).")
@click.option("--workers", type=int, default=None, help="Image-decoding worker processes (embed.workers).")
@click.option("--strict", is_flag=True, default=None, help="Fail on the first bad item instead of skipping it.")
@click.option("--no-progress", is_flag=True, help="Hide progress bars (stage timings are still printed).")
@click.option("--analyses", default=None, metavar="LIST", help=(
    "Analyses to run: 'none', or a comma-separated list of " + ", ".join(ANALYSIS_NAMES) + " (the others are "
    "left out). Default: those the config enables (without a config: all of them)."))
@click.option("--browser-model/--no-browser-model", "browser_model", default=None, help=(
    "Export the model for the explorer's Ask box (browser_model.enabled). Default: the config decides (on)."))
@click.option("--umap-parallel", is_flag=True, default=None, help=(
    "Run UMAP on every core (projection.parallel): faster, but not seeded, so positions change between builds."))
def build(out_dir, batch_size, workers, strict, no_progress, analyses, browser_model, umap_parallel, **opts):
    """Build the site: embeddings, UMAP 3D, local views, metrics, explorer and pages, and the
    analyses (saliency maps, neuron galleries, topology, robustness)."""
    from builder.issues import summary_lines
    from builder.pipeline import build as run_build
    from builder.signals import sigterm_as_interrupt

    cfg = load_config(**opts, embed__batch_size=batch_size, embed__workers=workers, strict=strict,
                      browser_model__enabled=browser_model, projection__parallel=umap_parallel,
                      **analysis_switches(analyses))
    with sigterm_as_interrupt():
        report = run_build(cfg, Path(out_dir), progress=not no_progress, log=lambda m: click.echo(m, err=True))
    c = report["dataset"]["counts"]
    click.echo(f"built {out_dir}: {c['used']} images, {c['captions']} captions "
               f"({c['skipped']} skipped, {c['repaired']} repaired) in {report['seconds_total']:.1f}s")
    for line in summary_lines(report["issues"], max_groups=5):  # the issues by kind; the report lists every one
        click.echo(f"  {line}")
    r = report["metrics"].get("retrieval", {})
    if r:
        click.echo("retrieval  " + "  ".join(f"{k} {v:.3f}" for k, v in r.items()))
    for field, z in report["metrics"].get("zero_shot", {}).items():
        click.echo(f"zero-shot {field}: {z['accuracy']:.3f} over {z['classes']} classes")
    click.echo(f"report: {Path(out_dir) / 'build-report.json'}")


@click.command()
@dataset_options
@click.option("--layers", is_flag=True, help="List every layer of the vision tower with its unit count.")
@click.option("--models", "list_models", is_flag=True, help="List the registered model names and exit.")
@click.option("--no-dataset", is_flag=True, help="Describe only the model (skip reading the dataset).")
def info(layers, list_models, no_dataset, **opts):
    """Describe the model (architecture, weights, sizes) and the dataset (counts, categories)."""
    from builder.models.registry import REGISTRY, resolve

    if list_models:
        for name, spec in REGISTRY.items():
            click.echo(f"{name:32s} {spec.arch:22s} {spec.describe()}")
        return
    cfg = load_config(**opts)
    from builder.models.loading import load_model

    lm = load_model(resolve(cfg.model, cfg.base_dir), cfg.embed.device)
    click.echo("model")
    for k, v in lm.info().items():
        click.echo(f"  {k:16s} {v}")
    if layers:
        from builder.compute.fvis.probes import probes_for
        from builder.models.inspect import vision_layers

        visualisable = probes_for(lm.model)
        click.echo("vision tower layers (name, kind, units; * = can go in [neurons] layers)")
        for row in vision_layers(lm.model):
            mark = "*" if row["name"] in visualisable else " "
            click.echo(f"  {mark} {row['name']:48s} {row['kind']:24s} {row['units']}")
    if no_dataset:
        return
    from builder.datasets import collect
    from builder.io.cache import Cache, default_cache_dir

    col = collect(cfg, Cache(cfg.resolve(cfg.cache_dir) if cfg.cache_dir else default_cache_dir()).root)
    click.echo("dataset")
    click.echo(f"  {'name':16s} {col.name}")
    click.echo(f"  {'description':16s} {col.description}")
    for k, v in col.counts().items():
        click.echo(f"  {k:16s} {v}")
    for f in sorted(col.label_fields()):
        counts = col.label_counts(f)
        shown = ", ".join(f"{v} ({n})" for v, n in list(counts.items())[:30])
        click.echo(f"  label {f}: {len(counts)} categories: {shown}")


@click.command()
@click.option("--dir", "site_dir", default="site", show_default=True, type=click.Path(file_okay=False),
              help="The built site folder.")
@click.option("--port", default=8000, show_default=True, help="Port on 127.0.0.1 (0 picks a free one).")
@click.option("--prefix", default="/", show_default=True,
              help="Serve under this sub-path, e.g. /my-repo/ to preview a GitHub Pages project site.")
def serve(site_dir, port, prefix):
    """Serve a built site on http://127.0.0.1:PORT/ (any static host works the same way)."""
    import time

    from builder.render.preview_server import serve_site

    root = Path(site_dir)
    if not (root / "index.html").is_file():
        raise click.ClickException(f"{site_dir!r} has no index.html; run `python -m builder build --out {site_dir}` first")
    try:
        with serve_site(root, prefix=prefix, port=port) as url:
            click.echo(f"serving {root} at {url}  (Ctrl+C to stop)")
            while True:
                time.sleep(3600)
    except OSError as exc:
        raise click.ClickException(f"cannot serve on 127.0.0.1:{port}: {exc.strerror or exc}") from None
    except KeyboardInterrupt:
        sys.exit(0)

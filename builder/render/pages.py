"""Generated explanatory pages: pure functions from the build report (a dict) to markdown.

Every function tolerates missing or malformed keys: it renders what exists and says what is not
there. Anything that came from the dataset or the config (captions, labels, ids, paths, reasons,
names) is untrusted: MkDocs passes raw HTML through Markdown, so such text goes through
`md_text` / `md_code`, which make it inert (visible characters, never markup).
"""

from __future__ import annotations


from builder.issues import issues_csv
from builder.render.markdown import _dict, _get, _list, _num, fmt_pct, fmt_value, md_table, md_text
from builder.render.metrics_page import metrics_page, projection_rows  # noqa: F401 (metrics_page: one of this module's pages)
from builder.render.report_page import ISSUES_CSV, build_report_page  # noqa: F401 (idem)


def _model_name(report: dict) -> str:
    model = _dict(report.get("model"))
    cfg = _dict(_get(report, "config", "model"))
    return str(model.get("name") or cfg.get("name") or cfg.get("arch") or "the model")


# -- method ---------------------------------------------------------------------------------------

def method_page(report: dict) -> str:
    """What was computed, how, and with which parameters."""
    report = _dict(report)
    cfg = _dict(report.get("config"))
    model = _dict(report.get("model"))
    sections = {k: dict(_dict(cfg.get(k))) for k in ("projection", "local", "cluster")}
    capped = _used_parameters(report, sections)
    proj, local, cluster = sections.values()
    embed = _dict(cfg.get("embed"))
    out = ["# Method\n",
           "How this site was computed. Everything below happened once, when the site was built; "
           "nothing is computed while you browse.\n"]

    out.append("## Model\n")
    rows = [
        ["Name", fmt_value(model.get("name") or _get(cfg, "model", "name"))],
        ["Architecture", fmt_value(model.get("arch") or _get(cfg, "model", "arch"))],
        ["Weights", fmt_value(model.get("weights_source") or _get(cfg, "model", "pretrained")
                              or _get(cfg, "model", "checkpoint"))],
        ["Embedding size", fmt_value(model.get("embed_dim"))],
        ["Input image size", _px(model.get("image_size"))],
        ["Parameters", fmt_value(model.get("params"))],
    ]
    out.append(md_table(["", "Value"], rows))

    dim = model.get("embed_dim")
    dim_text = f"{dim}-dimensional" if isinstance(dim, int) else "high-dimensional"
    out.append("## Steps\n")
    out.append(
        f"1. **Embed.** Every image goes through the image encoder and every caption through the "
        f"text encoder of {md_text(_model_name(report))}. Each output is a {dim_text} vector, "
        f"scaled to length 1 (L2-normalised), so the dot product of two vectors is their cosine "
        f"similarity. {_batch(embed)}\n"
        f"2. **Project to 3D.** All image and caption vectors together are laid out in "
        f"three dimensions: {_projections_text(report, proj)}. These are the explorer's global "
        f"views; its projection menu switches between them.\n"
        f"3. **Local views (kNN + PCA).** For every point, its "
        f"{fmt_value(local.get('k')) if 'k' in local else 'k'} nearest neighbours by cosine "
        f"similarity are found in the full {dim_text} space (not in the 3D map), and that "
        f"neighbourhood is projected to 2D with PCA. This is what a click in the explorer "
        f"shows; it was precomputed for every point and stored in shards of "
        f"{fmt_value(local.get('rows_per_shard')) if 'rows_per_shard' in local else 'a few hundred'} "
        f"rows, so a click loads one small file.\n"
        f"4. **Clusters.** k-means ({_params(cluster, ['n_clusters', 'seed'])}) on the embeddings "
        f"gives an alternative colouring.\n"
        f"5. **Metrics.** Retrieval recall, zero-shot accuracy and the trustworthiness of the 3D "
        f"map are computed from the same embeddings: see [Metrics](metrics.md).\n"
    )
    if capped:
        out.append("The dataset has too few points for some configured values; the values above are "
                   f"the ones used, capped from the configuration: {', '.join(capped)}.\n")
    rows = projection_rows(_dict(report.get("metrics")))
    if rows:
        out.append("## How faithful is each projection?\n")
        out.append("Trustworthiness (k = 15): are a point's nearest neighbours in the 3D layout also "
                   "near it in the full embedding space? 1.0 means no false neighbours. Measured in this "
                   "build; see [Metrics](metrics.md#how-faithful-is-the-3d-map).\n")
        out.append(md_table(["Projection", "Trustworthiness (k = 15)", "Points sampled"], rows, "lrr"))
    out.append(
        "Every step is a function of its inputs and parameters and is cached under a hash of "
        "both, and all random generators are seeded: the same configuration and data give the "
        "same site.\n"
    )
    out.append("See [How to read the views](reading.md) for what these projections keep and what "
               "they distort, and the [build report](build-report.md) for timings and the full "
               "configuration.\n")
    return "\n".join(out)


PROJECTION_TEXT = {
    "umap": "with UMAP ({params}), which keeps each point's neighbourhood",
    "pca": "with PCA, a linear projection on the three directions of largest variance (the modality "
           "gap and other global directions stay visible; local neighbourhoods blur)",
    "tsne": "with t-SNE (openTSNE, Barnes-Hut, perplexity {perplexity}), which keeps neighbourhoods "
            "and separates clusters more than UMAP; distances between clusters mean little",
}


def _projections_text(report: dict, proj: dict) -> str:
    """The projections of this build (metrics.projections, else UMAP alone), in one sentence."""
    figures = _dict(_get(report, "metrics", "projections")) or {"umap": {}}
    parts = []
    for key, fig in figures.items():
        fig = _dict(fig)
        if key not in PROJECTION_TEXT:
            continue
        text = PROJECTION_TEXT[key].format(params=_params(proj, ["n_neighbors", "min_dist", "seed"]),
                                           perplexity=fmt_value(_get(fig, "params", "perplexity")))
        parts.append(text + (f" (_{md_text(fig['skipped'], 200)}_)" if "skipped" in fig else ""))
    return "; ".join(parts) or "with UMAP"


def _px(value) -> str:
    if isinstance(value, int) and not isinstance(value, bool):
        return f"{value} × {value} px"
    if isinstance(value, (list, tuple)) and len(value) == 2:
        return f"{fmt_value(value[0])} × {fmt_value(value[1])} px"
    return fmt_value(value)


def _used_parameters(report: dict, sections: dict[str, dict]) -> list[str]:
    """Put the values used (report "parameters") into the config `sections`; returns one
    "section.field requested -> used" per capped value."""
    capped = []
    for key, p in _dict(report.get("parameters")).items():
        section, _, name = str(key).partition(".")
        p = _dict(p)
        if p.get("clamped") and section in sections and "used" in p:
            sections[section][name] = p["used"]
            capped.append(f"{md_text(key)} {fmt_value(p.get('requested'))} → {fmt_value(p['used'])}")
    return capped


def _params(section: dict, names: list[str]) -> str:
    parts = [f"{md_text(n)} = {fmt_value(section[n])}" for n in names if n in section]
    return ", ".join(parts) if parts else "default parameters"


def _batch(embed: dict) -> str:
    bits = []
    if "batch_size" in embed:
        bits.append(f"batches of {fmt_value(embed['batch_size'])}")
    if "device" in embed:
        bits.append(f"device {fmt_value(embed['device'])}")
    return f"({', '.join(bits).capitalize()}.)" if bits else ""


# -- dataset --------------------------------------------------------------------------------------

COUNT_MEANINGS = (
    ("read", "items the dataset reader saw"),
    ("used", "images that made it into the site"),
    ("skipped", "items left out (unreadable image, no usable caption, path outside the dataset, ...)"),
    ("repaired", "items kept after a fix (e.g. an empty caption dropped, whitespace normalised)"),
    ("captions", "captions embedded (an image may have several)"),
)
NOT_RECORDED = "_Not recorded in this build._\n"


def dataset_page(report: dict) -> str:
    """A dataset card: source, counts, label distributions, and what was skipped."""
    report = _dict(report)
    ds = _dict(report.get("dataset"))
    cfg = _dict(_get(report, "config", "dataset"))
    out = ["# Dataset\n"]
    name = ds.get("name") or cfg.get("name") or cfg.get("kind")
    if name:
        out.append(f"**Name:** {md_text(name)}\n")
    if ds.get("description"):
        out.append(f"**Description:** {md_text(ds['description'])}\n")

    out.append("## Source\n")
    rows = [[md_text(k), fmt_value(cfg[k])] for k in ("kind", "path", "name", "limit", "seed", "size")
            if k in cfg]
    if cfg.get("kind") == "demo":
        out.append("The demo world: procedurally generated pictures of shapes with known colours, "
                   "sizes and positions, some with a word written on them, and captions generated "
                   "from the same ground truth. It needs no download.\n")
    out.append(md_table(["Setting", "Value"], rows) if rows else NOT_RECORDED)
    if "limit" in cfg:
        out.append("A limit of 0 means every item was kept; otherwise a seeded random sample of "
                   "that many images.\n")

    out.append("## Counts\n")
    counts = _dict(ds.get("counts"))
    rows = [[k.capitalize(), fmt_value(counts[k]), meaning] for k, meaning in COUNT_MEANINGS if k in counts]
    rows += [[md_text(k), fmt_value(v), ""] for k, v in counts.items() if k not in dict(COUNT_MEANINGS)]
    out.append(md_table(["", "Count", "Meaning"], rows, "lrl") if rows else NOT_RECORDED)
    if counts.get("skipped") or counts.get("repaired"):
        out.append("Every skipped or repaired item is listed, with the reason, in the "
                   "[build report](build-report.md#issues).\n")

    out.append("## Labels\n")
    labels = _dict(ds.get("labels"))
    if not labels:
        out.append("_This dataset has no ground-truth labels; points are coloured by cluster._\n")
    else:
        out.append("Ground-truth attributes that come with the images. The explorer can colour "
                   "points by them, and zero-shot accuracy on the [Metrics](metrics.md) page is "
                   "measured against them.\n")
    for field in sorted(labels, key=str):
        out.append(f"### {md_text(field)}\n")
        out.append(_distribution(labels[field]))
    return "\n".join(out)


def _distribution(values) -> str:
    values = {k: v for k, v in _dict(values).items() if _num(v) is not None}
    total = sum(values.values())
    rows = [[md_text(k), fmt_value(v), fmt_pct(v / total) if total else "n/a"]
            for k, v in sorted(values.items(), key=lambda kv: (-kv[1], str(kv[0])))]
    return md_table(["Value", "Images", "Share"], rows, "lrr")


def report_pages(report: dict, pending: tuple[str, ...] = ()) -> dict[str, str | bytes]:
    """The generated pages: {"method.md": ..., "dataset.md": ..., "metrics.md": ...,
    "build-report.md": ...}, and the issues' CSV file when there are issues. `pending`: the
    stages still running while the pages are made (see report_page.fill_stage_times)."""
    out: dict[str, str | bytes] = {
        "method.md": method_page(report),
        "dataset.md": dataset_page(report),
        "metrics.md": metrics_page(report),
        "build-report.md": build_report_page(report, pending=pending),
    }
    issues = _list(_dict(report).get("issues"))
    if any(isinstance(i, dict) for i in issues):
        out[ISSUES_CSV] = issues_csv(issues).encode("utf-8")
    return out

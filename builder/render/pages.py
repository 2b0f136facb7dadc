"""Generated explanatory pages: pure functions from the build report (a dict) to markdown.

Every function tolerates missing or malformed keys: it renders what exists and says what is not
there. Anything that came from the dataset or the config (captions, labels, ids, paths, reasons,
names) is untrusted: MkDocs passes raw HTML through Markdown, so such text goes through
`md_text` / `md_code`, which make it inert (visible characters, never markup).
"""

from __future__ import annotations


from builder.render.markdown import (
    _dict, _get, _list, _num, fmt_float, fmt_pct, fmt_value, md_code, md_table, md_text)


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
        f"2. **Project to 3D (UMAP).** All image and caption vectors together are laid out in "
        f"three dimensions with UMAP ({_params(proj, ['n_neighbors', 'min_dist', 'seed'])}). "
        f"This is the global view of the explorer.\n"
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
    out.append(
        "Every step is a function of its inputs and parameters and is cached under a hash of "
        "both, and all random generators are seeded: the same configuration and data give the "
        "same site.\n"
    )
    out.append("See [How to read the views](reading.md) for what these projections keep and what "
               "they distort, and the [build report](build-report.md) for timings and the full "
               "configuration.\n")
    return "\n".join(out)


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


# -- metrics --------------------------------------------------------------------------------------

RETRIEVAL_KS = (1, 5, 10)


def metrics_page(report: dict) -> str:
    """Retrieval recall, zero-shot accuracy, map trustworthiness, and whatever else was measured."""
    report = _dict(report)
    metrics = _dict(report.get("metrics"))
    out = ["# Metrics\n",
           "Numbers that say how well the model and the 3D map do on this dataset. They are "
           "computed on the images and captions shown on this site, so they depend on its size: "
           "finding the right caption among 500 is easier than among 50,000. If the model was "
           "trained on these images, or on others made the same way (as the demo model is on "
           "the demo world), they measure fit rather than generalisation.\n"]

    out.append("## Retrieval\n")
    out.append("Recall@k: for each image, are any of its own captions among the k captions most "
               "similar to it (image → text)? For each caption, is its own image among the k most "
               "similar images (text → image)? The share of hits is the recall. Random guessing "
               "would score about k × (correct answers per query) / (number of candidates).\n")
    retrieval = _dict(metrics.get("retrieval"))
    rows = []
    for key, label in (("i2t", "Image → text"), ("t2i", "Text → image")):
        if any(f"{key}@{k}" in retrieval for k in RETRIEVAL_KS):
            rows.append([label] + [fmt_pct(retrieval.get(f"{key}@{k}")) for k in RETRIEVAL_KS])
    out.append(md_table(["Direction"] + [f"R@{k}" for k in RETRIEVAL_KS], rows, "lrrr")
               if rows else NOT_RECORDED)

    out.append("## Zero-shot classification\n")
    zero_shot = _dict(metrics.get("zero_shot"))
    rules = {_dict(v).get("rule") for v in zero_shot.values()}
    how = ("each value scores as its best-matching sentence (the sentences name kinds of the value, "
           "such as \"a red star\" and \"a blue star\" for \"star\", so their average would blur them)"
           if rules == {"max"} else "the vectors are averaged per value")
    out.append("For each label field (say, colour), every possible value is described by one or "
               "more sentences such as \"a photo of something red\"; the text encoder turns them "
               f"into vectors, and {how}. Each image is then given the value that matches the image's "
               "own vector best. No classifier is trained: the labels only "
               "score the answers. The majority baseline is what always guessing the most common "
               "value would score.\n")
    labels = _dict(_get(report, "dataset", "labels"))
    rows = []
    for field in sorted(zero_shot, key=str):
        dist = {k: v for k, v in _dict(labels.get(field)).items() if _num(v) is not None}
        total = sum(dist.values())
        chance = fmt_pct(max(dist.values()) / total) if total else "n/a"
        entry = zero_shot[field]
        accuracy = _dict(entry).get("accuracy") if isinstance(entry, dict) else entry
        rows.append([md_text(field), fmt_pct(accuracy), str(len(dist)) if dist else "n/a", chance])
    out.append(md_table(["Field", "Accuracy", "Classes", "Majority baseline"], rows, "lrrr") if rows else NOT_RECORDED)

    out.append("## How faithful is the 3D map?\n")
    out.append("Trustworthiness (Venna and Kaski) asks whether a point's nearest neighbours in the 3D "
               "map were also near it in the full embedding space. It is 1.0 when no point has "
               "false neighbours in the map and drops as more do; as a rough guide, values above "
               "0.9 mean that local structure is largely kept. It says nothing about distances between far-apart "
               "groups, which UMAP does not preserve.\n")
    tw = metrics.get("umap_trustworthiness")
    if isinstance(tw, dict):
        detail = f" (k = {fmt_value(tw.get('k'))}, on {fmt_value(tw.get('sample'))} points)"
        tw = tw.get("value")
    else:
        detail = ""
    out.append(f"**Trustworthiness:** {fmt_float(tw)}{detail}\n" if tw is not None else NOT_RECORDED)

    known = {"retrieval", "zero_shot", "umap_trustworthiness"}
    extra = {k: v for k, v in metrics.items() if k not in known}
    if extra:
        out.append("## Other measurements\n")
        out.append(md_table(["Metric", "Value"], _flat_rows(extra)))

    published = _dict(report.get("published"))
    if published:
        out.append("## Published figures for comparison\n")
        out.append("Reference numbers reported elsewhere for this model. They come from a different "
                   "(usually larger) test set, so expect differences.\n")
        source = published.get("source")
        rows = []
        for k, v in published.items():
            if k == "source":
                continue
            if isinstance(v, dict):
                rows.append([md_text(k), _metric_value(k, v.get("value")), md_text(v.get("source") or source)])
            else:
                rows.append([md_text(k), _metric_value(k, v), md_text(source)])
        out.append(md_table(["Metric", "Value", "Source"], rows, "lrl"))
    return "\n".join(out)


def _metric_value(key, value) -> str:
    v = _num(value)
    if v is not None and 0 <= v <= 1 and ("@" in str(key) or "acc" in str(key).lower()):
        return fmt_pct(v)
    return fmt_value(value)


def _flat_rows(d: dict, prefix: str = "") -> list[list[str]]:
    rows = []
    for k, v in d.items():
        name = f"{prefix}{k}"
        if isinstance(v, dict) and v:
            rows += _flat_rows(v, name + " / ")
        else:
            rows.append([md_text(name), _metric_value(name, v) if _num(v) is not None else fmt_value(v)])
    return rows


# -- build report ---------------------------------------------------------------------------------

MAX_ISSUES = 1000


def build_report_page(report: dict, max_issues: int = MAX_ISSUES) -> str:
    """Stage timings, every skipped or repaired item (up to `max_issues`), the full configuration."""
    report = _dict(report)
    out = ["# Build report\n"]
    if "schema_version" in report:
        out.append(f"Artifact schema version: {fmt_value(report['schema_version'])}.\n")

    out.append("## Stages\n")
    stages = [s for s in _list(report.get("stages")) if isinstance(s, dict)]
    total = sum(_num(s.get("seconds")) or 0.0 for s in stages)
    rows = [[md_text(s.get("name", "?")), fmt_float(s.get("seconds"), 2),
             "cached" if s.get("cached") else "computed",
             fmt_pct((_num(s.get("seconds")) or 0.0) / total) if total else "n/a"] for s in stages]
    if rows:
        out.append(f"Total: {total:.1f} s. A cached stage reused the result of an earlier build "
                   f"with identical inputs and parameters.\n")
    out.append(md_table(["Stage", "Seconds", "Result", "Share"], rows, "lrlr") if rows else NOT_RECORDED)

    out.append("## Issues\n")
    issues = [i for i in _list(report.get("issues")) if isinstance(i, dict)]
    if not issues:
        out.append("No item was skipped or repaired.\n" if "issues" in report else NOT_RECORDED)
    else:
        out.append("Items that were skipped or repaired while reading the dataset, and why. "
                   "A bad item never stops the build unless it runs with `--strict`.\n")
        summary: dict[tuple[str, str], int] = {}
        for i in issues:
            key = (str(i.get("action", "?")), str(i.get("reason", "?")))
            summary[key] = summary.get(key, 0) + 1
        rows = [[md_text(a), md_text(r, 200), fmt_value(n)]
                for (a, r), n in sorted(summary.items(), key=lambda kv: (-kv[1], kv[0]))]
        out.append(md_table(["Action", "Reason", "Items"], rows, "llr"))
        shown = issues[:max_issues]
        if len(issues) > len(shown):
            out.append(f"The first {len(shown):,} of {len(issues):,} issues; the machine-readable "
                       f"build report lists them all.\n")
        rows = [[md_code(i.get("id"), 120), md_code(i.get("source"), 160), md_text(i.get("action")),
                 md_text(i.get("reason"), 300)] for i in shown]
        out.append(md_table(["Id", "Source", "Action", "Reason"], rows))

    out.append("## Configuration\n")
    cfg = _dict(report.get("config"))
    if not cfg:
        out.append(NOT_RECORDED)
    scalars = [[md_text(k), fmt_value(v)] for k, v in cfg.items() if not isinstance(v, dict)]
    if scalars:
        out.append(md_table(["Setting", "Value"], scalars))
    for section, values in cfg.items():
        if isinstance(values, dict):
            out.append(f"**[{md_text(section)}]**\n")
            rows = [[md_text(k), fmt_value(v)] for k, v in values.items()]
            out.append(md_table(["Setting", "Value"], rows))
    return "\n".join(out)


def report_pages(report: dict) -> dict[str, str]:
    """All generated pages of this module: {"method.md": ..., "dataset.md": ..., ...}."""
    return {
        "method.md": method_page(report),
        "dataset.md": dataset_page(report),
        "metrics.md": metrics_page(report),
        "build-report.md": build_report_page(report),
    }

"""The metrics page: retrieval (strict and counting captions with the same text), zero-shot
accuracy, the map's trustworthiness, then one labelled table (name, value, meaning) per analysis.

A pure function from the build report (a dict) to markdown that tolerates missing or malformed
keys; untrusted text goes through `md_text`.
"""

from __future__ import annotations

from builder.render.demo_model_page import demo_model_section
from builder.render.markdown import _dict, _get, _num, fmt_float, fmt_pct, fmt_value, md_table, md_text
from builder.render.metric_labels import LABELS, measurement_rows

RETRIEVAL_KS = (1, 5, 10)
NOT_RECORDED = "_Not recorded in this build._\n"
ANALYSIS_TITLES = {"saliency": "Saliency", "neurons": "Neurons", "topology": "Topology and geometry",
                   "robustness": "Robustness", "browser_model": "Model in the browser"}
PAGELESS = ("browser_model",)  # a stage with figures but no pages of its own


def metrics_page(report: dict) -> str:
    """Retrieval recall, zero-shot accuracy, map trustworthiness, and every analysis's measurements."""
    report = _dict(report)
    metrics = _dict(report.get("metrics"))
    out = ["# Metrics\n",
           "Numbers that say how well the model and the 3D map do on this dataset. They are "
           "computed on the images and captions shown on this site, so they depend on its size: "
           "finding the right caption among 500 is easier than among 50,000. If the model was "
           "trained on these images, or on others made the same way (as the demo model is on "
           "the demo world), they measure fit rather than generalisation.\n"]
    out += retrieval_section(metrics)
    out += zero_shot_section(report, metrics)
    out += trustworthiness_section(metrics)
    for name in [n for n in ANALYSIS_TITLES if n in metrics] + sorted(
            (n for n in metrics if n not in ANALYSIS_TITLES and n not in CORE), key=str):
        out += analysis_section(name, metrics[name])
    out += demo_model_section(report)
    out += published_section(report)
    return "\n".join(out)


CORE = ("retrieval", "retrieval_same_text", "caption_texts", "zero_shot", "umap_trustworthiness", "projections")


def retrieval_section(metrics: dict) -> list[str]:
    out = ["## Retrieval\n",
           "Recall@k: for each image, is a correct caption among the k captions most similar to it "
           "(image → text)? For each caption, is a correct image among the k most similar images "
           "(text → image)? The share of hits is the recall. Random guessing would score about "
           "k × (correct answers per query) / (number of candidates).\n"]
    strict, same = _dict(metrics.get("retrieval")), _dict(metrics.get("retrieval_same_text"))
    rows = []
    for key, label in (("i2t", "Image → text"), ("t2i", "Text → image")):
        for figures, counted in ((strict, "strict"), (same, "same text")):
            if any(f"{key}@{k}" in figures for k in RETRIEVAL_KS):
                rows.append([f"{label}, {counted}"] + [fmt_pct(figures.get(f"{key}@{k}")) for k in RETRIEVAL_KS])
    if not rows:
        return out + [NOT_RECORDED]
    out.append(md_table(["Direction, counting"] + [f"R@{k}" for k in RETRIEVAL_KS], rows, "lrrr"))
    out.append("**Strict** counts only an image's own captions, and a caption's own image, as correct. "
               "**Same text** also counts a caption with exactly the same text as one of the image's own "
               "(it belongs to another image, but says the same thing), and an image that has a caption with "
               "the query's text: a model cannot tell such answers apart, so strict recall marks it wrong for "
               "ranking first an image that its caption describes word for word. The two are equal when no "
               "caption text is shared.\n")
    texts = _dict(metrics.get("caption_texts"))
    shared, total = _num(texts.get("shared")), _num(texts.get("captions"))
    if shared is not None and total:
        out.append(f"Here {fmt_value(int(shared))} of the {fmt_value(int(total))} captions "
                   f"({fmt_pct(shared / total)}) have a text that is also a caption of another image "
                   f"({fmt_value(texts.get('distinct'))} distinct texts in all).\n")
    return out


def zero_shot_section(report: dict, metrics: dict) -> list[str]:
    out = ["## Zero-shot classification\n"]
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
    return out


def trustworthiness_section(metrics: dict) -> list[str]:
    out = ["## How faithful is the 3D map?\n",
           "Trustworthiness (Venna and Kaski) asks whether a point's nearest neighbours in the 3D "
           "map were also near it in the full embedding space. It is 1.0 when no point has "
           "false neighbours in the map and drops as more do; as a rough guide, values above "
           "0.9 mean that local structure is largely kept. It says nothing about distances between far-apart "
           "groups, which UMAP does not preserve.\n"]
    rows = projection_rows(metrics)
    if rows:
        out.append(md_table(["Projection", "Trustworthiness (k = 15)", "Points sampled"], rows, "lrr"))
        out.append("PCA is linear: it keeps global directions (such as the gap between images and "
                   "captions) at the cost of local neighbourhoods; UMAP and "
                   "t-SNE bend space to keep neighbours together.\n")
        return out
    tw = metrics.get("umap_trustworthiness")
    if isinstance(tw, dict):
        detail = f" (k = {fmt_value(tw.get('k'))}, on {fmt_value(tw.get('sample'))} points)"
        tw = tw.get("value")
    else:
        detail = ""
    out.append(f"**Trustworthiness:** {fmt_float(tw)}{detail}\n" if tw is not None else NOT_RECORDED)
    return out


def projection_rows(metrics: dict) -> list[list[str]]:
    """One row per projection of metrics.projections: its label, trustworthiness and sample (or
    why it was skipped)."""
    rows = []
    for key, fig in _dict(metrics.get("projections")).items():
        fig = _dict(fig)
        label = md_text(fig.get("label") or key)
        if "skipped" in fig:
            rows.append([label, f"_{md_text(fig['skipped'], 200)}_", ""])
            continue
        tw = _dict(fig.get("trustworthiness"))
        rows.append([label, fmt_float(tw.get("value")), fmt_value(tw.get("sample"))])
    return rows


def analysis_section(name: str, metrics) -> list[str]:
    """One analysis's measurements as a labelled table (its timings are on the build report)."""
    title = ANALYSIS_TITLES.get(name) or str(name).replace("_", " ").capitalize()
    out = [f"## {md_text(title)}\n"]
    m = _dict(metrics)
    if name in LABELS and name not in PAGELESS:
        out.append(f"Measured by the {md_text(title.lower())} analysis: see [its pages]({name}/index.md) for "
                   "figures and method. Its timings are on the [build report](build-report.md).\n")
    if isinstance(m.get("skipped"), str):
        out.append(f"_Skipped: {md_text(m['skipped'], 300)}_\n")
    if not isinstance(metrics, dict):
        return out + [md_table(["Measurement", "Value", "Meaning"], [[md_text(name), fmt_value(metrics), ""]], "lrl")]
    rows = measurement_rows(str(name), m)
    out.append(md_table(["Measurement", "Value", "Meaning"], rows, "lll") if rows else NOT_RECORDED)
    return out


def published_section(report: dict) -> list[str]:
    published = _dict(report.get("published"))
    if not published:
        return []
    out = ["## Published figures for comparison\n",
           "Reference numbers reported elsewhere for this model. They come from a different "
           "(usually larger) test set, so expect differences. They count retrieval strictly.\n"]
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
    return out


def _metric_value(key, value) -> str:
    v = _num(value)
    if v is not None and 0 <= v <= 1 and ("@" in str(key) or "acc" in str(key).lower()):
        return fmt_pct(v)
    return fmt_value(value)

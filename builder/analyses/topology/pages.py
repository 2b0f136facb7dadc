"""Markdown pages and SVG figures of the topology analysis, from its (JSON) result.

Category names come from the dataset: in markdown they go through md_text, in figures through
XML escaping (builder.render.figures)."""

from __future__ import annotations

import numpy as np

from builder.compute import topology as T
from builder.render import figure_grids as grids
from builder.render import figures as fig
from builder.render.markdown import fmt_float, fmt_pct, md_table, md_text

PERTURB_NAMES = {"blur": "blur σ", "gaussian": "noise std", "salt_pepper": "salt & pepper"}


def _f(v, digits=4) -> str:
    return fmt_float(v, digits) if v is not None else "n/a"


def _method(d: dict) -> str:
    return ("exact (persim: Hungarian matching for Wasserstein, Hopcroft-Karp binary search for bottleneck)"
            if d.get("method") == "exact" else
            "approximated: sliced Wasserstein (the diagrams were too large for exact matchings)")


def pages(r: dict) -> dict:
    out: dict = {}
    out["topology/index.md"] = index_page(r)
    out["topology/diagrams.md"] = persistence_page(r, out)
    out["topology/perturbations.md"] = perturbation_page(r, out)
    out["topology/geometry.md"] = geometry_page(r, out)
    return out


# -- index ----------------------------------------------------------------------------------------

def index_page(r: dict) -> str:
    names = r.get("categories", [])
    p = r.get("params", {})
    out = ["# Topology and geometry\n",
           "How the embeddings are arranged, beyond what a 3D map can show: the *shape* of each "
           "category's cloud of points (persistent homology), how that shape changes when the "
           "images are blurred or made noisy, the angles between the subspaces that categories "
           "occupy, and the gap between images and captions. Everything was computed once, when "
           "the site was built.\n",
           "- [Persistence diagrams](diagrams.md): components and loops of each category, "
           "images and captions, and distances between categories.\n"
           "- [Blur and noise](perturbations.md): diagrams of re-embedded blurred / noisy images "
           "compared with the originals.\n"
           "- [Subspace angles and modality gap](geometry.md).\n"]
    out.append("## Summary\n")
    gap = r.get("gap", {})
    rows = [["Category field", md_text(r.get("field")) if r.get("field") else "none"],
            ["Categories", str(len(names))],
            ["Images / captions", f"{r['counts']['all_images']:,} / {r['counts']['all_captions']:,}"],
            ["Modality gap (centroid distance)", _f(gap.get("centroid_distance"))],
            ["Share of variance explained by modality", fmt_pct(gap.get("gap_share"))]]
    ang = r.get("angles", {}).get("images")
    if ang:
        m = np.asarray(ang["mean"], dtype=float)
        off = m[~np.eye(len(m), dtype=bool)]
        rows += [["Mean angle between category subspaces (images)", f"{off.mean():.2f}°"],
                 ["Mean angle between two halves of one category", f"{np.mean(ang['within']):.2f}°"],
                 ["Mean angle between random groups of the same sizes", f"{ang['random']:.2f}°"],
                 ["Subspace dimension k", str(ang["dim"])]]
    out.append(md_table(["", "Value"], rows, "lr"))
    if not names:
        out.append(f"!!! note \"No categories\"\n    The per-category parts are left out: "
                   f"{md_text(r.get('why_no_categories') or 'no label field to group by')}. "
                   f"Diagrams of all images and all captions, the blur / noise comparison on a "
                   f"random sample and the modality gap are still shown.\n")
    if r.get("dropped_categories"):
        out.append(f"Categories left out for having fewer than 4 images or captions: "
                   f"{', '.join(md_text(n) for n in r['dropped_categories'])}.\n")
    out.append("## Method\n")
    out.append(
        f"- **Distance.** Embeddings are unit vectors; the distance between two of them is the "
        f"Euclidean (chord) distance d = √(2 − 2 cos), a true metric that orders pairs exactly as "
        f"cosine similarity does (1 − cos = d²/2). Births and deaths are such distances.\n"
        f"- **Persistence.** Vietoris–Rips filtration with ripser, homology in dimensions 0 "
        f"(connected components) and 1 (loops), coefficients mod 2.\n"
        f"- **Subsampling.** A set larger than {p.get('max_points')} points is cut to "
        f"{p.get('max_points')} by greedy farthest-point sampling (the permutation of ripser's `n_perm`). The sample "
        f"covers the set within its covering radius r (listed per diagram); by the stability "
        f"theorem its diagram is within 2r of the full set's in bottleneck distance. Greedy sampling "
        f"keeps the extent of a set, not its density: outliers are picked early.\n"
        f"- **The infinite H0 bar.** Every non-empty set has one component that never dies. It is "
        f"counted separately and drawn as a triangle on the dashed ∞ line of the diagrams; it is "
        f"left out of every distance. That is exact, not an approximation: every diagram has this "
        f"one bar, born at 0, and infinite bars can only be matched with each other, at cost "
        f"|0 − 0| = 0, so both distances below are those of the finite parts.\n"
        f"- **Diagram distances.** The 1-Wasserstein distance (sum of the Euclidean lengths of an "
        f"optimal matching, points may be matched to the diagonal) and the bottleneck distance (the "
        f"longest L∞ edge of the best matching) are exact, computed with persim, whenever every "
        f"diagram of a table has at most {p.get('exact_max_points')} finite points. Larger "
        f"diagrams get the sliced Wasserstein approximation ({p.get('sliced_directions')} "
        f"directions) instead: exact matchings of diagrams of a few thousand points take minutes. "
        f"Each table says which it shows.\n"
        f"- **Subspaces.** A category's subspace is spanned by the top k right singular vectors of "
        f"its (uncentred) embedding matrix: the directions its points mostly lie along, the shared "
        f"mean direction included. k is the same for all categories: the number of components the "
        f"most spread category needs for {fmt_pct(p.get('subspace_energy'))} of its energy (sum of "
        f"squared norms), capped at {p.get('subspace_max_dim')}.\n")
    out.append("How long this took, in total and per part, is in the [build report](../build-report.md) "
               "(metrics, topology). Time is left off this page so that the same data and settings "
               "give the same page.\n")
    out.append("## Limits\n")
    out.append("- Persistent homology sees the sample, not the population: a few hundred points in a "
               "space of hundreds of dimensions give many short-lived loops that are sampling noise. "
               "Read the points far from the diagonal; compare distances with each other, not with an "
               "absolute scale.\n"
               "- Distances between diagrams depend on the number of points: compare categories of "
               "similar size, or the same set before and after a perturbation (as on the blur page).\n"
               "- Principal angles depend on the chosen dimension k and on how many images a "
               "category has; the within-category (split-half) and random-group angles are the "
               "yardsticks to judge a between-category angle by.\n"
               "- Categories are one label field; they simplify the data, as the original study "
               "notes for its five categories.\n")
    return "\n".join(out)


# -- persistence ----------------------------------------------------------------------------------

def _panels(dgms: list[dict], titles: list[str]) -> list[dict]:
    return [{"title": t, "h0": d["h0"], "h1": d["h1"], "h0_infinite": d["h0_infinite"]} for d, t in zip(dgms, titles)]


def persistence_page(r: dict, assets: dict) -> str:
    names = r.get("categories", [])
    dg = r.get("diagrams", {})
    out = ["# Persistence diagrams\n",
           "A persistence diagram summarises the shape of a point cloud at every scale at once. "
           "Grow a ball around every point; as the radius grows, balls touch and components merge "
           "(H0), and rings of touching balls enclose holes that later fill in (H1, loops). Each "
           "feature is a dot at (birth, death): the distances at which it appears and disappears.\n",
           "**How to read it.** Every dot lies above the diagonal. Dots far from the diagonal are "
           "features that persist over a wide range of scales, the robust structure of the cloud; "
           "dots close to it are short-lived, mostly noise of the sample. H0 dots all have birth 0: "
           "their death is the distance at which a point (or group) joined the rest, so high H0 "
           "deaths mean well-separated clusters or outliers. The barcode shows the same features "
           "as horizontal bars from birth to death, the longest first.\n"]
    if names:
        for m in ("images", "captions"):
            assets[f"topology/figures/diagrams-{m}.svg"] = grids.diagram_grid(
                _panels(dg[m], names), title=f"Persistence diagrams of the {m} of each category")
            assets[f"topology/figures/barcodes-{m}.svg"] = grids.barcode_grid(
                _panels(dg[m], names), title=f"Barcodes of the {m} of each category (longest bars)")
        out.append("## Diagrams per category\n")
        out.append("![Persistence diagrams of the image embeddings of each category]"
                   "(figures/diagrams-images.svg)\n")
        out.append("![Persistence diagrams of the caption embeddings of each category]"
                   "(figures/diagrams-captions.svg)\n")
        out.append("## Barcodes\n")
        out.append("![Barcodes of the image embeddings of each category](figures/barcodes-images.svg)\n")
        out.append("![Barcodes of the caption embeddings of each category](figures/barcodes-captions.svg)\n")
    all_dgms = [d for d in (dg.get("all", {}).get("images"), dg.get("all", {}).get("captions")) if d]
    assets["topology/figures/diagrams-all.svg"] = grids.diagram_grid(
        _panels(all_dgms, ["all images", "all captions"]), cols=2, title="All images and all captions")
    out.append("## All images, all captions\n")
    out.append("![Persistence diagrams of all images and of all captions](figures/diagrams-all.svg)\n")

    out.append("## Diagram statistics\n")
    out.append("Points: size of the set; used: points in the computation after greedy subsampling; "
               "r: covering radius of the sample. Persistence = death − birth; the infinite H0 bar "
               "is not counted.\n")
    rows = []
    sets = [(md_text(n), m, dg[m][g]) for m in ("images", "captions") for g, n in enumerate(names)] if names else []
    sets += [("all", m, dg["all"][m]) for m in ("images", "captions") if dg.get("all", {}).get(m)]
    for label, m, d in sets:
        s0, s1 = d["summary"]["h0"], d["summary"]["h1"]
        rows.append([label, m, f"{d['n_points']:,}", f"{d['n_used']:,}", _f(d["r_cover"]),
                     _f(s0["max"]), str(s1["count"]), _f(s1["max"]), _f(s1["total"])])
    out.append(md_table(["Set", "Modality", "Points", "Used", "r", "H0 max death", "H1 bars",
                         "H1 max", "H1 total"], rows, "llrrrrrrr"))

    if names and r.get("distances"):
        out.append("## Distances between categories\n")
        out.append("How different the shapes of two categories are. 0 means identical diagrams. The "
                   "Wasserstein distance adds up every mismatch; the bottleneck distance is the single "
                   "worst one, so it reacts to the most persistent features only.\n")
        for m in ("images", "captions"):
            dist = r["distances"][m]
            key = "wasserstein" if dist["h1"].get("method") == "exact" and dist["h0"].get("method") == "exact" \
                else "sliced"
            label = "Wasserstein" if key == "wasserstein" else "Sliced Wasserstein"
            for d in ("h0", "h1"):
                assets[f"topology/figures/distance-{m}-{d}.svg"] = fig.heatmap(
                    T.off_diagonal(dist[d][key]), names, names, f"{label} distance, {d.upper()}, {m}")
            out.append(f"### {m.capitalize()}\n")
            out.append(f"H0: {_method(dist['h0'])}. H1: {_method(dist['h1'])}.\n")
            out.append(f"![{label} distances between the H0 diagrams of the {m} of each category]"
                       f"(figures/distance-{m}-h0.svg)\n")
            out.append(f"![{label} distances between the H1 diagrams of the {m} of each category]"
                       f"(figures/distance-{m}-h1.svg)\n")
            cols = [("h0", "wasserstein"), ("h1", "wasserstein"), ("h0", "bottleneck"), ("h1", "bottleneck"),
                    ("h0", "sliced"), ("h1", "sliced")]
            exact = all(dist[d].get("method") == "exact" for d in ("h0", "h1"))
            cols = [(d, k) for d, k in cols if k in dist[d] and not (exact and k == "sliced")]
            rows = [[md_text(names[i]), md_text(names[j])] + [_f(dist[d][k][i][j]) for d, k in cols]
                    for i in range(len(names)) for j in range(i + 1, len(names))]
            out.append(_collapsed(f"Every pair of categories, {m} (sortable table)", md_table(
                ["Category", "Category"] + [f"{k.capitalize()} {d.upper()}" for d, k in cols],
                rows, "ll" + "r" * len(cols))))
        ivc = r.get("image_vs_caption", {})
        if ivc:
            out.append("### Images against captions, per category\n")
            out.append("The distance between the diagram of a category's images and that of its "
                       "captions: how differently the two modalities arrange the same category.\n")
            kinds = ("wasserstein", "bottleneck") if all(x["method"] == "exact" for d in ("h0", "h1")
                                                          for x in ivc[d]) else ("wasserstein", "bottleneck", "sliced")
            rows = [[md_text(n)] + [_f(ivc[d][g].get(k)) for d in ("h0", "h1") for k in kinds]
                    for g, n in enumerate(names)]
            heads = [f"{k.capitalize()} {d.upper()}" for d in ("h0", "h1") for k in kinds]
            out.append("Exact distances where both diagrams have at most "
                       f"{r['params']['exact_max_points']} finite points" + ("." if len(kinds) == 2 else
                       "; otherwise only the sliced approximation (n/a in the exact columns).") + "\n")
            out.append(md_table(["Category"] + heads, rows, "l" + "r" * len(heads)))
    return "\n".join(out)


# -- perturbations --------------------------------------------------------------------------------

def _level_label(lv: dict) -> str:
    return f"{PERTURB_NAMES.get(lv['kind'], lv['kind'])} {lv['level']:g}"


def _collapsed(title: str, body: str) -> str:
    """A closed, expandable block (pymdownx.details) around markdown `body` (a long table)."""
    inner = "\n".join(("    " + line) if line else "" for line in body.splitlines())
    return f'??? note "{title}"\n\n{inner}\n'


def perturbation_page(r: dict, assets: dict) -> str:
    p = r.get("perturbations", {})
    names = r.get("categories", [])
    out = ["# Blur and noise\n",
           "Does the shape of a category change when its images are degraded? A sample of images "
           "is re-embedded after Gaussian blur of increasing strength and after two kinds of "
           "noise, and each version's persistence diagram is compared with the original's. As in "
           "the study this page follows, small distances at mild blur and growing distances at "
           "stronger blur mean the model's representation of the category degrades gradually.\n"]
    if "skipped" in p:
        out.append(f"_Not computed: {md_text(p['skipped'])}._\n")
        return "\n".join(out)
    levels = p["levels"]
    blur = [i for i, lv in enumerate(levels) if lv["kind"] == "blur"]
    sig = [levels[i]["level"] for i in blur]
    out.append(f"**Sample.** {p['n_images']:,} images"
               + (f", up to {r['params']['perturb_per_category']} per category" if names else ", drawn at random")
               + ". Blur sigma is in pixels of the model's input image; noise is added to pixel "
               "values in 0..1 (Gaussian: standard deviation; salt & pepper: share of pixels set "
               "to black or white). Noise is seeded, the same for every build.\n")
    out.append(f"Check: re-embedding unperturbed sample images reproduces the site's embeddings within "
               f"{p['reembed_max_abs_diff']:.1e} (largest coordinate difference).\n")
    if p.get("failed"):
        out.append(f"{len(p['failed'])} sample images could not be decoded and were left out.\n")

    series = []
    if names and p.get("per_category"):
        for d in ("h1", "h0"):
            cc = fig.category_colours(names)
            series = [{"name": n, "x": sig, "y": [p["per_category"][g][d][i]["wasserstein"] for i in blur],
                       "colour": cc[g]} for g, n in enumerate(names)]
            series.append({"name": "pooled sample", "x": sig,
                           "y": [p["pooled"]["distance"][d][i]["wasserstein"] for i in blur],
                           "dash": True, "colour": "#444444"})
            assets[f"topology/figures/blur-wasserstein-{d}.svg"] = fig.line_chart(
                series, f"Wasserstein distance to the original, {d.upper()}", "blur sigma (pixels)",
                "Wasserstein distance")
        out.append("## Distance to the original under blur\n")
        out.append("One line per category (its sampled images), the dashed line for the whole "
                   "sample pooled. At sigma 0 the distance is 0 by construction. Distances of "
                   "different categories are comparable only roughly (they depend on the number "
                   "of points); read each line's rise.\n")
        out.append("![Wasserstein distance between the H1 diagram of the original and of the blurred "
                   "images, per category](figures/blur-wasserstein-h1.svg)\n")
        out.append("![Wasserstein distance between the H0 diagram of the original and of the blurred "
                   "images, per category](figures/blur-wasserstein-h0.svg)\n")
        for d in ("h0", "h1"):
            heads = ["Category"] + [f"σ = {s:g}" for s in sig[1:]]
            rows = [[md_text(n)] + [_f(p["per_category"][g][d][i]["wasserstein"]) for i in blur[1:]]
                    for g, n in enumerate(names)]
            rows.append(["pooled sample"] + [_f(p["pooled"]["distance"][d][i]["wasserstein"]) for i in blur[1:]])
            out.append(f"**Wasserstein distance, {d.upper()}, original vs blurred** (exact)\n")
            out.append(md_table(heads, rows, "l" + "r" * (len(heads) - 1)))
        for d in ("h0", "h1"):
            heads = ["Category"] + [f"σ = {s:g}" for s in sig[1:]]
            rows = [[md_text(n)] + [_f(p["per_category"][g][d][i]["bottleneck"]) for i in blur[1:]]
                    for g, n in enumerate(names)]
            rows.append(["pooled sample"] + [_f(p["pooled"]["distance"][d][i]["bottleneck"]) for i in blur[1:]])
            out.append(_collapsed(f"Bottleneck distance, {d.upper()}, original vs blurred (exact)",
                                  md_table(heads, rows, "l" + "r" * (len(heads) - 1))))
        others = [i for i, lv in enumerate(levels) if lv["kind"] != "blur"]
        if others:
            out.append("## Noise\n")
            for d in ("h0", "h1"):
                heads = ["Category"] + [md_text(_level_label(levels[i])) for i in others]
                rows = [[md_text(n)] + [_f(p["per_category"][g][d][i]["wasserstein"]) for i in others]
                        for g, n in enumerate(names)]
                rows.append(["pooled sample"] + [_f(p["pooled"]["distance"][d][i]["wasserstein"]) for i in others])
                out.append(f"**Wasserstein distance, {d.upper()}, original vs noisy** (exact)\n")
                out.append(md_table(heads, rows, "l" + "r" * (len(heads) - 1)))
    out.append("## The pooled sample\n")
    dist = p["pooled"]["distance"]
    kinds = ["wasserstein", "bottleneck"] if all(x["method"] == "exact" for d in dist for x in dist[d]) \
        else ["wasserstein", "bottleneck", "sliced"]
    rows = [[md_text(_level_label(lv)), _f(p["mean_cosine"][i])] + [_f(dist[d][i].get(k)) for k in kinds
                                                                     for d in ("h0", "h1")]
            for i, lv in enumerate(levels)]
    out.append("Mean cosine similarity of each image's perturbed embedding with its original, and "
               "the distances between the diagrams of the whole sample, perturbed and original. "
               + ("Exact distances." if len(kinds) == 2 else
                  f"Diagrams with more than {r['params']['exact_max_points']} finite points get the "
                  "sliced approximation only (n/a in the exact columns).") + "\n")
    out.append(md_table(["Perturbation", "Mean cosine"] + [f"{k.capitalize()} {d.upper()}" for k in kinds
                                                           for d in ("h0", "h1")], rows, "l" + "r" * (1 + 2 * len(kinds))))
    panels = [{"title": f"sigma {levels[i]['level']:g}", **{k: p["pooled"]["diagrams"][i][k]
                                                           for k in ("h0", "h1", "h0_infinite")}} for i in blur]
    assets["topology/figures/blur-diagrams.svg"] = grids.diagram_grid(
        panels, cols=3, title="Pooled sample: persistence diagrams at each blur level")
    out.append("![Persistence diagrams of the pooled sample at each blur level](figures/blur-diagrams.svg)\n")
    pca = p["pca"]
    legend = names or ["sample"]
    assets["topology/figures/blur-pca.svg"] = grids.scatter_grid(
        [{"title": f"sigma {s:g}", "xy": xy, "group": pca["group"]} for s, xy in zip(pca["levels"], pca["xy"])],
        legend, title="Pooled sample in one fixed 2D PCA frame, per blur level")
    out.append("The sample in 2D, one panel per blur level. The frame (principal components of the "
               "original embeddings) is the same in every panel, so movement between panels is "
               "movement of the embeddings, not of the projection; the original study showed the "
               "same with UMAP, which re-fits each panel. Two dimensions hide most of the "
               "structure: use it to see drift and collapse, not distances.\n")
    out.append("![The pooled sample projected to 2D by PCA at each blur level](figures/blur-pca.svg)\n")
    return "\n".join(out)


# -- geometry -------------------------------------------------------------------------------------

def geometry_page(r: dict, assets: dict) -> str:
    names = r.get("categories", [])
    out = ["# Subspace angles and modality gap\n"]
    ang = r.get("angles")
    out.append("## Subspace angles\n")
    if not ang:
        out.append(f"_Needs categories: {md_text(r.get('why_no_categories') or 'none')}._\n")
    else:
        a = ang["images"]
        out.append(f"Each category occupies mostly a few directions of the embedding space: its "
                   f"principal subspace, here of dimension k = {a['dim']} for images and "
                   f"{ang['captions']['dim']} for captions (see [Method](index.md#method)). The principal "
                   f"angles between two such subspaces (scipy.linalg.subspace_angles) say how far apart "
                   f"they lie: 0° for a shared direction, 90° for perpendicular ones. The heatmaps show "
                   f"the mean of the k angles, in degrees.\n")
        out.append("**Yardsticks.** Two random halves of one category are not at 0° (sampling noise), "
                   "and groups drawn at random from all images are not either: a between-category "
                   "angle means something only where it is clearly above both.\n")
        rows = [[m, f"{np.mean(np.asarray(ang[m]['mean'])[~np.eye(len(names), dtype=bool)]):.2f}",
                 f"{np.mean(ang[m]['within']):.2f}", f"{ang[m]['random']:.2f}", str(ang[m]["dim"])]
                for m in ("images", "captions")]
        out.append(md_table(["Modality", "Between categories (°)", "Within (split halves, °)",
                             "Random groups (°)", "k"], rows, "lrrrr"))
        for m in ("images", "captions"):
            assets[f"topology/figures/angles-{m}.svg"] = fig.heatmap(
                T.off_diagonal(ang[m]["mean"]), names, names,
                f"Mean principal angle between category subspaces, {m} (degrees)", "{:.1f}")
            out.append(f"![Mean principal angles between the subspaces of the {m} of each category, in degrees]"
                       f"(figures/angles-{m}.svg)\n")
        for m in ("images", "captions"):
            x = ang[m]
            rows = [[md_text(names[i]), md_text(names[j]), f"{x['min'][i][j]:.2f}", f"{x['mean'][i][j]:.2f}",
                     f"{x['max'][i][j]:.2f}"] for i in range(len(names)) for j in range(i + 1, len(names))]
            out.append(_collapsed(f"{m.capitalize()}: principal angles of every pair (degrees, sortable table)",
                                  md_table(["Category", "Category", "Smallest", "Mean", "Largest"], rows, "llrrr")))
        rows = [[md_text(n), f"{ang['images']['within'][g]:.2f}", f"{ang['captions']['within'][g]:.2f}",
                 str(ang["images"]["dims_needed"][g]), str(r["counts"]["images"][g]), str(r["counts"]["captions"][g])]
                for g, n in enumerate(names)]
        out.append("**Per category**: the split-half angle, and how many components the category "
                   "itself would need for the energy target.\n")
        out.append(md_table(["Category", "Within, images (°)", "Within, captions (°)", "k needed (images)",
                             "Images", "Captions"], rows, "lrrrrr"))

    out.append("## Modality gap\n")
    gap = r.get("gap", {})
    out.append("In CLIP-like models image embeddings and caption embeddings sit in two separate "
               "regions of the space (the *modality gap*), even for an image and its own caption. "
               "Measured here:\n")
    rows = [["Distance between the image centroid and the caption centroid", _f(gap.get("centroid_distance"))],
            ["Cosine similarity of the two centroids", _f(gap.get("centroid_cosine"))],
            ["Share of the variance explained by modality (R² of the image/caption indicator, "
             "both modalities weighted equally)", fmt_pct(gap.get("gap_share"))],
            ["Share of the variance along the gap direction", fmt_pct(gap.get("direction_share"))],
            ["Mean cosine similarity of a caption with its own image", _f(gap.get("matched_cosine"))],
            ["Mean cosine similarity of any caption with any image", _f(gap.get("mean_cross_cosine"))],
            ["Total variance, images / captions", f"{_f(gap.get('var_images'))} / {_f(gap.get('var_captions'))}"]]
    out.append(md_table(["Measure", "Value"], rows, "lr"))
    out.append("The variance share is (‖Δ‖²/4) / ((var_images + var_captions)/2 + ‖Δ‖²/4), with Δ "
               "the difference of the centroids and var the mean squared distance of a modality's "
               "points to their centroid: the part of the joint set's spread that knowing the "
               "modality alone explains. A share near 0 means the two clouds overlap; near 100 % "
               "means they are two tight, separate clusters.\n")
    h = gap.get("histogram")
    if h:
        assets["topology/figures/modality-gap.svg"] = fig.histogram(
            [{"name": "images", "counts": h["images"]}, {"name": "captions", "counts": h["captions"]}],
            h["edges"], "Position along the gap direction", "coordinate along the centroid difference")
        out.append("Every image and caption projected on the line through the two centroids (0 is "
                   "their midpoint). Two separate humps are the gap; their overlap is how much "
                   "the modalities mix along it.\n")
        out.append("![Histogram of image and caption positions along the modality gap direction]"
                   "(figures/modality-gap.svg)\n")
    if names and r.get("cross_similarity") is not None:
        out.append("## Similarity between categories\n")
        out.append("Mean cosine similarity between every image of the row's category and every "
                   "caption of the column's category (left), and between images (right). A bright "
                   "diagonal means captions and images of the same category are more alike than "
                   "across categories; the level of the whole matrix reflects the modality gap.\n")
        assets["topology/figures/similarity-image-caption.svg"] = fig.heatmap(
            r["cross_similarity"], names, names, "Images (rows) vs captions (columns): mean cosine", "{:.2f}")
        assets["topology/figures/similarity-image-image.svg"] = fig.heatmap(
            r["self_similarity"], names, names, "Images vs images: mean cosine", "{:.2f}")
        out.append("![Mean cosine similarity between the images and the captions of each pair of "
                   "categories](figures/similarity-image-caption.svg)\n")
        out.append("![Mean cosine similarity between the images of each pair of categories]"
                   "(figures/similarity-image-image.svg)\n")
    return "\n".join(out)

"""Markdown pages and SVG figures of the topology analysis, from its (JSON) result: the values,
tables and figures here, the prose in templates/*.md.j2.

Category names come from the dataset: in markdown they go through md_text (in the tables built
here, or the `text` filter in the templates), in figures through XML escaping
(builder.render.figures). Distances (births, deaths, diagram distances) are chord distances
between unit vectors, √(2 − 2 cos): the figures' axes say "distance"."""

from __future__ import annotations

import numpy as np

from builder.analyses.topology import claims as topology_claims
from builder.compute import topology as T
from builder.render import figure_charts as charts
from builder.render import figure_grids as grids
from builder.render import figures as fig
from builder.render.markdown import fmt_float, md_table, md_text
from builder.render.templates import render

PACKAGE = "builder.analyses.topology"
PERTURB_NAMES = {"blur": "blur σ", "gaussian": "noise std", "salt_pepper": "salt & pepper"}
DIMS = ("h0", "h1")
MODALITIES = ("images", "captions")


def _f(v, digits=4) -> str:
    return fmt_float(v, digits) if v is not None else "n/a"


def _page(name: str, r: dict, **values) -> str:
    """The template `name` filled with the result `r` and `values`; blocks in a template are
    separated by blank lines, so a page ends in exactly one newline whichever block comes last."""
    return render(PACKAGE, name, r=r, names=r.get("categories", []), collapsed=_collapsed,
                  **values).rstrip("\n") + "\n"


def _method(d: dict) -> str:
    return ("exact (persim: Hungarian matching for Wasserstein, Hopcroft-Karp binary search for bottleneck)"
            if d.get("method") == "exact" else
            "approximated: sliced Wasserstein (the diagrams were too large for exact matchings)")


def _collapsed(title: str, body: str) -> str:
    """A closed, expandable block (pymdownx.details) around markdown `body` (a long table)."""
    inner = "\n".join(("    " + line) if line else "" for line in body.splitlines())
    return f'??? note "{title}"\n\n{inner}\n'


def _right(heads: list) -> str:
    """Alignment of a table whose first column is a name and the others numbers."""
    return "l" + "r" * (len(heads) - 1)


CLAIM_PAGES = {"gap": "topology/geometry.md", "blur": "topology/perturbations.md", "angles": "topology/geometry.md"}


def pages(r: dict) -> dict:
    out: dict = {}
    out["topology/index.md"] = index_page(r)
    out["topology/diagrams.md"] = persistence_page(r, out)
    out["topology/perturbations.md"] = perturbation_page(r, out)
    out["topology/geometry.md"] = geometry_page(r, out)
    return out


# -- index ----------------------------------------------------------------------------------------

def index_page(r: dict) -> str:
    ang = r.get("angles", {}).get("images")
    angles = {"between": T.mean_off_diagonal(ang["mean"]), "within": float(np.mean(ang["within"])),
              "random": ang["random"], "dim": ang["dim"]} if ang else None
    return _page("index.md.j2", r, p=r.get("params", {}), gap=r.get("gap", {}), angles=angles)


# -- persistence ----------------------------------------------------------------------------------

def _panels(dgms: list[dict], titles: list[str]) -> list[dict]:
    return [{"title": t, "h0": d["h0"], "h1": d["h1"], "h0_infinite": d["h0_infinite"]} for d, t in zip(dgms, titles)]


def persistence_page(r: dict, assets: dict) -> str:
    names = r.get("categories", [])
    dg = r.get("diagrams", {})
    if names:
        for m in MODALITIES:
            assets[f"topology/figures/diagrams-{m}.svg"] = grids.diagram_grid(
                _panels(dg[m], names), title=f"Persistence diagrams of the {m} of each category")
            assets[f"topology/figures/barcodes-{m}.svg"] = grids.barcode_grid(
                _panels(dg[m], names), title=f"Barcodes of the {m} of each category (longest bars)")
    all_dgms = [d for d in (dg.get("all", {}).get("images"), dg.get("all", {}).get("captions")) if d]
    assets["topology/figures/diagrams-all.svg"] = grids.diagram_grid(
        _panels(all_dgms, ["all images", "all captions"]), title="All images and all captions")
    rows = []
    sets = [(md_text(n), m, dg[m][g]) for m in MODALITIES for g, n in enumerate(names)] if names else []
    sets += [("all", m, dg["all"][m]) for m in MODALITIES if dg.get("all", {}).get(m)]
    for label, m, d in sets:
        s0, s1 = d["summary"]["h0"], d["summary"]["h1"]
        rows.append([label, m, f"{d['n_points']:,}", f"{d['n_used']:,}", _f(d["r_cover"]),
                     _f(s0["max"]), str(s1["count"]), _f(s1["max"]), _f(s1["total"])])
    distances = category_distances(r, assets) if names and r.get("distances") else []
    ivc = image_vs_caption(r) if distances else None
    return _page("diagrams.md.j2", r, statistics=rows, distances=distances, image_vs_caption=ivc)


def category_distances(r: dict, assets: dict) -> list[dict]:
    names = r["categories"]
    out = []
    for m in MODALITIES:
        dist = r["distances"][m]
        exact = all(dist[d].get("method") == "exact" for d in DIMS)
        key = "wasserstein" if exact else "sliced"
        label = "Wasserstein" if key == "wasserstein" else "Sliced Wasserstein"
        for d in DIMS:
            assets[f"topology/figures/distance-{m}-{d}.svg"] = charts.heatmap(
                T.off_diagonal(dist[d][key]), names, names, f"{label} distance, {d.upper()}, {m}",
                xlabel="category", ylabel="category", unit=f"{label.lower()} distance")
        cols = [("h0", "wasserstein"), ("h1", "wasserstein"), ("h0", "bottleneck"), ("h1", "bottleneck"),
                ("h0", "sliced"), ("h1", "sliced")]
        cols = [(d, k) for d, k in cols if k in dist[d] and not (exact and k == "sliced")]
        rows = [[md_text(names[i]), md_text(names[j])] + [_f(dist[d][k][i][j]) for d, k in cols]
                for i in range(len(names)) for j in range(i + 1, len(names))]
        pairs = md_table(["Category", "Category"] + [f"{k.capitalize()} {d.upper()}" for d, k in cols],
                         rows, "ll" + "r" * len(cols))
        out.append({"modality": m, "label": label, "methods": {d: _method(dist[d]) for d in DIMS}, "pairs": pairs})
    return out


def image_vs_caption(r: dict) -> dict | None:
    ivc = r.get("image_vs_caption", {})
    if not ivc:
        return None
    exact = all(x["method"] == "exact" for d in DIMS for x in ivc[d])
    kinds = ("wasserstein", "bottleneck") if exact else ("wasserstein", "bottleneck", "sliced")
    rows = [[md_text(n)] + [_f(ivc[d][g].get(k)) for d in DIMS for k in kinds]
            for g, n in enumerate(r["categories"])]
    heads = ["Category"] + [f"{k.capitalize()} {d.upper()}" for d in DIMS for k in kinds]
    return {"exact": exact, "table": md_table(heads, rows, _right(heads))}


# -- perturbations --------------------------------------------------------------------------------

def _level_label(lv: dict) -> str:
    return f"{PERTURB_NAMES.get(lv['kind'], lv['kind'])} {lv['level']:g}"


def _level_table(p: dict, names: list[str], d: str, kind: str, columns: list[int], heads: list[str]) -> str:
    """Distance `kind` of dimension `d` to the original at the levels `columns`: a row per category
    and one for the pooled sample."""
    rows = [[md_text(n)] + [_f(p["per_category"][g][d][i][kind]) for i in columns] for g, n in enumerate(names)]
    rows.append(["pooled sample"] + [_f(p["pooled"]["distance"][d][i][kind]) for i in columns])
    return md_table(heads, rows, _right(heads))


def perturbation_page(r: dict, assets: dict) -> str:
    p = r.get("perturbations", {})
    claim = topology_claims.blur(r)
    if "skipped" in p:
        return _page("perturbations.md.j2", r, skipped=p["skipped"], claim=claim)
    names = r.get("categories", [])
    levels = p["levels"]
    blur = [i for i, lv in enumerate(levels) if lv["kind"] == "blur"]
    sig = [levels[i]["level"] for i in blur]
    per_category = None
    if names and p.get("per_category"):
        cc = fig.category_colours(names)
        for d in DIMS:  # the pooled sample has many more points, so larger distances: a panel of its own
            series = [{"name": n, "x": sig, "y": [p["per_category"][g][d][i]["wasserstein"] for i in blur],
                       "colour": cc[g]} for g, n in enumerate(names)]
            pooled = [{"name": "pooled sample", "x": sig, "colour": "#444444", "dash": True,
                       "y": [p["pooled"]["distance"][d][i]["wasserstein"] for i in blur]}]
            assets[f"topology/figures/blur-wasserstein-{d}.svg"] = charts.line_panels(
                [{"title": "Each category", "ylabel": "Wasserstein distance", "series": series},
                 {"title": "The pooled sample", "ylabel": "Wasserstein distance", "series": pooled, "legend": False}],
                f"Wasserstein distance to the original, {d.upper()}", "blur sigma (pixels)")
        heads = ["Category"] + [f"σ = {s:g}" for s in sig[1:]]
        others = [i for i, lv in enumerate(levels) if lv["kind"] != "blur"]
        noise_heads = ["Category"] + [md_text(_level_label(levels[i])) for i in others]
        per_category = {
            "blur_wasserstein": [(d, _level_table(p, names, d, "wasserstein", blur[1:], heads)) for d in DIMS],
            "blur_bottleneck": [(d, _level_table(p, names, d, "bottleneck", blur[1:], heads)) for d in DIMS],
            "noise_wasserstein": [(d, _level_table(p, names, d, "wasserstein", others, noise_heads))
                                  for d in DIMS] if others else []}
    dist = p["pooled"]["distance"]
    exact = all(x["method"] == "exact" for d in dist for x in dist[d])
    kinds = ["wasserstein", "bottleneck"] if exact else ["wasserstein", "bottleneck", "sliced"]
    rows = [[md_text(_level_label(lv)), _f(p["mean_cosine"][i])] + [_f(dist[d][i].get(k)) for k in kinds for d in DIMS]
            for i, lv in enumerate(levels)]
    pooled = md_table(["Perturbation", "Mean cosine"] + [f"{k.capitalize()} {d.upper()}" for k in kinds for d in DIMS],
                      rows, "l" + "r" * (1 + 2 * len(kinds)))
    panels = [{"title": f"sigma {levels[i]['level']:g}", **{k: p["pooled"]["diagrams"][i][k]
                                                           for k in ("h0", "h1", "h0_infinite")}} for i in blur]
    assets["topology/figures/blur-diagrams.svg"] = grids.diagram_grid(
        panels, title="Pooled sample: persistence diagrams at each blur level")
    pca = p["pca"]
    assets["topology/figures/blur-pca.svg"] = grids.scatter_grid(
        [{"title": f"sigma {s:g}", "xy": xy, "group": pca["group"]} for s, xy in zip(pca["levels"], pca["xy"])],
        names or ["sample"], title="Pooled sample in one fixed 2D PCA frame, per blur level",
        xlabel="PC 1 (distance)", ylabel="PC 2 (distance)")
    return _page("perturbations.md.j2", r, skipped=None, p=p, per_category=per_category, pooled_exact=exact,
                 pooled_table=pooled, claim=claim)


# -- geometry -------------------------------------------------------------------------------------

def geometry_page(r: dict, assets: dict) -> str:
    names = r.get("categories", [])
    ang = r.get("angles")
    values = {"angles": ang, "gap": r.get("gap", {}), "similarity": bool(names and r.get("cross_similarity") is not None),
              "claims": topology_claims.claims(r)}
    if ang:
        values["angle_rows"] = [[m, f"{T.mean_off_diagonal(ang[m]['mean']):.2f}", f"{np.mean(ang[m]['within']):.2f}",
                                 f"{ang[m]['random']:.2f}", str(ang[m]["dim"])] for m in MODALITIES]
        for m in MODALITIES:
            assets[f"topology/figures/angles-{m}.svg"] = charts.heatmap(
                T.off_diagonal(ang[m]["mean"]), names, names,
                f"Mean principal angle between category subspaces, {m}", "{:.1f}", xlabel="category",
                ylabel="category", unit="degrees")
        values["pair_tables"] = [(m, md_table(["Category", "Category", "Smallest", "Mean", "Largest"], [
            [md_text(names[i]), md_text(names[j]), f"{x['min'][i][j]:.2f}", f"{x['mean'][i][j]:.2f}",
             f"{x['max'][i][j]:.2f}"] for i in range(len(names)) for j in range(i + 1, len(names))], "llrrr"))
            for m, x in ((m, ang[m]) for m in MODALITIES)]
        values["category_rows"] = [
            [md_text(n), f"{ang['images']['within'][g]:.2f}", f"{ang['captions']['within'][g]:.2f}",
             str(ang["images"]["dims_needed"][g]), str(r["counts"]["images"][g]), str(r["counts"]["captions"][g])]
            for g, n in enumerate(names)]
    h = values["gap"].get("histogram")
    if h:
        assets["topology/figures/modality-gap.svg"] = charts.histogram(
            [{"name": "images", "counts": h["images"]}, {"name": "captions", "counts": h["captions"]}],
            h["edges"], "Position along the gap direction", "distance along the gap (0 = midpoint)")
    if values["similarity"]:
        assets["topology/figures/similarity-image-caption.svg"] = charts.heatmap(
            r["cross_similarity"], names, names, "Images (rows) vs captions (columns): mean cosine", "{:.2f}",
            xlabel="captions of the category", ylabel="images of the category", unit="mean cosine")
        assets["topology/figures/similarity-image-image.svg"] = charts.heatmap(
            r["self_similarity"], names, names, "Images vs images: mean cosine", "{:.2f}",
            xlabel="images of the category", ylabel="images of the category", unit="mean cosine")
    return _page("geometry.md.j2", r, **values)

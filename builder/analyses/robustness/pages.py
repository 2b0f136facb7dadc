"""Markdown pages and SVG figures of the robustness analysis, from its (JSON) result: the values,
tables and figures here, the prose in templates/*.md.j2."""

from __future__ import annotations

import base64

from builder.analyses.robustness import claims as robustness_claims
from builder.render import figure_charts as charts
from builder.render import figures as fig
from builder.render.markdown import fmt_float, fmt_pct, md_code, md_text
from builder.render.templates import render

PACKAGE = "builder.analyses.robustness"
SWEEPS = {
    "grey": ("Grey pixels", "share of pixels replaced by grey", "fraction"),
    "gaussian": ("Gaussian noise", "noise standard deviation (pixel values 0..1)", "std"),
    "salt_pepper": ("Salt and pepper", "share of pixels set to black or white", "fraction"),
    "blur": ("Gaussian blur", "blur sigma (pixels of the model input)", "sigma"),
}


def _f(v, digits=3) -> str:
    return fmt_float(v, digits) if v is not None else "n/a"


CLAIM_PAGES = {"grey": "robustness/index.md", "sparsity": "robustness/activations.md",
               "blend": "robustness/activations.md"}


def pages(r: dict) -> dict:
    out: dict = {}
    claims = robustness_claims.claims(r)
    out["robustness/index.md"] = index_page(r, out, claims)
    out["robustness/activations.md"] = activations_page(r, out, claims)
    return out


def index_page(r: dict, assets: dict, claims: dict | None = None) -> str:
    claims = claims or robustness_claims.claims(r)
    if r.get("skipped"):
        return render(PACKAGE, "index.md.j2", r=r, claims=claims)
    h, w = r["input_size"]
    return render(PACKAGE, "index.md.j2", r=r, width=w, height=h, sweeps=sweeps(r, assets), claims=claims,
                  **preprocessing(r, assets), **attack(r, assets))


def sweeps(r: dict, assets: dict) -> list[dict]:
    out = []
    for kind, (title, xlabel, column) in SWEEPS.items():
        s = r["sweeps"].get(kind)
        if not s:
            continue
        assets[f"robustness/figures/{kind}.svg"] = charts.line_chart(
            [{"name": "mean (band: 25th to 75th percentile)", "x": s["levels"], "y": s["mean"], "lo": s["q25"],
              "hi": s["q75"]},
             {"name": "worst image", "x": s["levels"], "y": s["min"], "dash": True, "colour": "#777777"}],
            f"{title}: similarity to the original", xlabel, "cosine similarity")
        rows = [[f"{lv:g}", _f(s["mean"][i]), _f(s["median"][i]), _f(s["q25"][i]), _f(s["q75"][i]), _f(s["min"][i])]
                for i, lv in enumerate(s["levels"])]
        out.append({"kind": kind, "title": title, "xlabel": xlabel, "column": column, "rows": rows,
                    "fit": s.get("linear_fit") or {}})
    return out


def preprocessing(r: dict, assets: dict) -> dict:
    pre = r.get("preprocessing", {})
    v = pre.get("variants") or []
    if v:
        assets["robustness/figures/preprocessing.svg"] = charts.bar_chart(
            [x["name"] for x in v], [x["mean"] for x in v], "Mean similarity with the reference preprocessing",
            "mean cosine similarity", "preprocessing variant")
    rows = [[md_code(x["name"]), md_text(x["description"]), _f(x["mean"]), _f(x["median"]), _f(x["min"]),
             fmt_pct(x["share_below_0_9"])] for x in v]
    return {"pre": pre, "variant_rows": rows}


def attack(r: dict, assets: dict) -> dict:
    a = r.get("attack", {})
    if a.get("skipped"):
        return {"a": a}
    if a["attacked"]:
        assets["robustness/figures/attack.svg"] = charts.line_panels([
            {"title": "Class changed", "ylabel": "share of images", "ylim": (0, 1.05), "legend": False,
             "series": [{"name": "class changed", "x": a["budgets"], "y": a["flip_rate"]}]},
            {"title": "Similarity to the clean image", "ylabel": "cosine similarity", "legend": False,
             "series": [{"name": "cosine to clean", "x": a["budgets"], "y": a["cosine"], "colour": fig.colour(3)}]}],
            "Few-pixel attack", "pixels changed (log scale)", xlog=True)
    rows = [[f"{b:,}", fmt_pct(s), fmt_pct(f), _f(c)] for b, s, f, c in
            zip(a["budgets"], a["share"], a["flip_rate"], a["cosine"])]
    ex = r.get("attack_example")
    if ex:
        for name in ("clean", "adversarial", "changed"):
            assets[f"robustness/figures/attack-{name}.png"] = base64.b64decode(ex[f"{name}_png"])
    return {"a": a, "attack_rows": rows, "example": ex}


def activations_page(r: dict, assets: dict, claims: dict | None = None) -> str:
    claims = claims or robustness_claims.claims(r)
    sp = r.get("sparsity", {})
    if r.get("skipped") or not sp or sp.get("skipped"):
        return render(PACKAGE, "activations.md.j2", why_not=r.get("skipped") or sp.get("skipped") or "no result",
                      claims=claims)
    eps = r["params"]["sparsity_eps"]
    blocks = sp["blocks"]
    x = list(range(len(blocks)))
    assets["robustness/figures/sparsity.svg"] = charts.line_panels([
        {"title": f"Near zero (|a| < {eps:g})", "ylabel": "share of activations", "legend": False,
         "series": [{"name": "near zero", "x": x, "y": [b["near_zero"] for b in blocks]}]},
        {"title": "Non-positive (a ≤ 0)", "ylabel": "share of activations", "legend": False,
         "series": [{"name": "non-positive", "x": x, "y": [b["nonpositive"] for b in blocks], "colour": fig.colour(3)}]}],
        "Share of silent activations by depth", "block (0 = first)")
    rows = [[str(i), md_text(b["name"]), fmt_pct(b["near_zero"]), fmt_pct(b["nonpositive"]), _f(b["mean_abs"])]
            for i, b in enumerate(blocks)]
    bl = r.get("blend")
    blend_rows = []
    if bl:
        near = bl["near_zero"]
        series = [{"name": f"t = {t:.2f}", "x": list(range(len(bl["blocks"]))), "y": near[i],
                   "colour": fig.viridis(0.85 * t)} for i, t in enumerate(bl["t"])]
        assets["robustness/figures/blend.svg"] = charts.line_chart(
            series, "Near-zero share by depth, noise (t = 0) to image (t = 1)", "block (0 = first)",
            "share near zero")
        blend_rows = [[f"{t:.2f}", fmt_pct(near[i][0]), fmt_pct(near[i][-1]), fmt_pct(bl["nonpositive"][i][0]),
                       fmt_pct(bl["nonpositive"][i][-1]), _f(bl["similarity"][i])] for i, t in enumerate(bl["t"])]
    return render(PACKAGE, "activations.md.j2", why_not="", sp=sp, eps=eps, block_rows=rows, blend=bl,
                  blend_rows=blend_rows, claims=claims)

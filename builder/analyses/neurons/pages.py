"""The neuron pages: the galleries' frame with the layer tables, and the method page, from the
templates in templates/ (the prose); this module computes the values they show. Layer names and
kinds go through `md_code` / `md_text`, the model's name through the `text` filter."""

from __future__ import annotations

import html

import numpy as np

from builder.analyses.neurons.layers import depth_word
from builder.compute import neurons as N
from builder.compute.fvis.probes import probes_for
from builder.models.inspect import vision_layers
from builder.render.markdown import fmt_pct, md_code, md_text
from builder.render.templates import render

PACKAGE = "builder.analyses.neurons"
PAGE_SCRIPTS = ("neurons/neurons.js", "neurons/neurons.css")  # from the explorer bundle (src/pages/)


def optimised_claim(metrics: dict):
    """The claim "optimised images beat the dataset", measured per unit kind (the weakest kind decides)."""
    from builder.analyses.insights import INSIGHTS

    spec = INSIGHTS["optimised"]
    shares = [k["share_exceeding_dataset_max"] for k in metrics.get("by_kind", [])
              if k["share_exceeding_dataset_max"] is not None]
    if not shares:
        return spec.measure("no unit was optimised")
    return spec.measure(weakest=min(shares), share=metrics.get("share_exceeding_dataset_max"),
                        units=metrics.get("units", 0))


def pages(ctx, units: dict[str, list[int]], recipe: N.Recipe, table: dict, metrics: dict,
          claim=None) -> dict[str, str | bytes]:
    claim = claim or optimised_claim(metrics)
    return {
        "neurons/index.md": gallery_page(ctx, units, table, metrics, claim),
        "neurons/method.md": method_page(ctx, recipe, metrics),
    }


def gallery_page(ctx, units: dict[str, list[int]], table: dict, metrics: dict, claim) -> str:
    model = ctx.model.model
    probes = probes_for(model)
    layer_rows = []
    for name, t in table.items():
        exceed = np.mean(t["optimised"] > t["dataset_max"]) if len(t["units"]) else float("nan")
        layer_rows.append([md_code(name), md_text(probes[name].kind), md_text(depth_word(model, name)),
                           f"{len(t['units']):,}", fmt_pct(exceed)])
    inspector_rows = [[md_code(e["name"]), md_text(e["kind"]), f"{e['units']:,}", f"{e['params']:,}",
                       "shown here" if e["name"] in units else ("yes" if e["name"] in probes else "–")]
                      for e in vision_layers(model)]
    return render(PACKAGE, "index.md.j2", slug=html.escape(ctx.cfg.dataset.slug, quote=True),
                  units=metrics.get("units", 0), layers=len(units), model=ctx.model.spec.name,
                  share=metrics.get("share_exceeding_dataset_max"), layer_rows=layer_rows,
                  inspector_rows=inspector_rows, claim=claim,
                  kind_rows=[[md_text(k["kind"]), f"{k['units']:,}", fmt_pct(k["share_exceeding_dataset_max"])]
                             for k in metrics.get("by_kind", [])],
                  naming=metrics.get("naming") or {},
                  naming_rows=[[md_text(f), f"{a['units']:,}", fmt_pct(a["accuracy"])]
                               for f, a in ((metrics.get("naming") or {}).get("accuracy") or {}).items()])


def method_page(ctx, recipe: N.Recipe, metrics: dict) -> str:
    share = metrics.get("share_exceeding_dataset_max")
    polish_steps = recipe.steps - N.polish_from(recipe) if recipe.robust else 0
    return render(PACKAGE, "method.md.j2", recipe=recipe, cmp=metrics.get("batched_vs_sequential") or {},
                  polish_steps=polish_steps, units=metrics.get("units", 0),
                  per_unit=metrics.get("optimise_seconds_per_unit"),
                  resized=tuple(recipe.input_size) != (recipe.size, recipe.size),
                  mean=", ".join(f"{v:.3f}" for v in recipe.mean), std=", ".join(f"{v:.3f}" for v in recipe.std),
                  by_peak=ctx.cfg.neurons.exemplars == "peak", share=share,
                  strong=isinstance(share, float) and share >= 0.5)

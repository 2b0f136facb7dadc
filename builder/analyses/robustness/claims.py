"""The robustness pages' claims (builder.analyses.insights): similarity falls linearly with grey
pixels (index page); sparsity rises with depth and the last block is dense again, and the first
and last blocks react oppositely from noise to image (activations page). Pure: result dict in."""

from __future__ import annotations

from builder.analyses.insights import INSIGHTS
from builder.render.claims import Claim


def grey(r: dict) -> Claim:
    spec = INSIGHTS["grey"]
    fit = ((r.get("sweeps") or {}).get("grey") or {}).get("linear_fit") or {}
    if not fit:
        return spec.measure("the grey sweep has fewer than three levels, too few for a line")
    return spec.measure(slope=fit.get("slope"), r2=fit.get("r2"))


def sparsity(r: dict) -> Claim:
    spec = INSIGHTS["sparsity"]
    blocks = (r.get("sparsity") or {}).get("blocks") or []
    if len(blocks) < 3:
        return spec.measure(f"the vision tower has {len(blocks)} measured block(s); the claim needs three")
    return spec.measure(first=blocks[0]["near_zero"], penult=blocks[-2]["near_zero"], last=blocks[-1]["near_zero"])


def blend(r: dict) -> Claim:
    spec = INSIGHTS["blend"]
    bl = r.get("blend") or {}
    near = bl.get("near_zero") or []
    if len(near) < 2 or len(near[0]) < 2:
        return spec.measure("the noise-to-image blend was not measured")
    return spec.measure(first=near[-1][0] - near[0][0], last=near[-1][-1] - near[0][-1])


def claims(r: dict) -> dict[str, Claim]:
    if r.get("skipped"):
        why = f"not computed: {r['skipped']}"
        return {k: INSIGHTS[k].measure(why) for k in ("grey", "sparsity", "blend")}
    return {"grey": grey(r), "sparsity": sparsity(r), "blend": blend(r)}

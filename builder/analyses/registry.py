"""Every analysis, in the order they run (and their sections appear in the config and the report).

Adding an analysis: a package builder/analyses/<name>/ exposing ANALYSIS, and one line here.
"""

from __future__ import annotations

from builder.analyses import neurons, robustness, saliency, topology

ANALYSES = (saliency.ANALYSIS, neurons.ANALYSIS, topology.ANALYSIS, robustness.ANALYSIS)
BY_NAME = {a.name: a for a in ANALYSES}


def enabled(cfg) -> list[str]:
    """Names of the analyses whose section says enabled = true, in running order."""
    return [a.name for a in ANALYSES if getattr(getattr(cfg, a.name, None), "enabled", False)]


def run(name: str, ctx):
    return BY_NAME[name].run(ctx)

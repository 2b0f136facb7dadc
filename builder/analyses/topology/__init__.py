"""Topology and geometry: persistence diagrams per category and under blur, diagram distances, subspace
angles, the modality gap.

config.py is its [topology] config section, analysis.py runs it (run(ctx) -> AnalysisOutput), pages.py
computes its pages' values, tables and figures, templates/*.md.j2 hold their prose; the maths is in
builder.compute.
"""

from builder.analyses.topology.config import TopologyConfig
from builder.analyses.spec import Analysis

ANALYSIS = Analysis("topology", TopologyConfig, "builder.analyses.topology.analysis")

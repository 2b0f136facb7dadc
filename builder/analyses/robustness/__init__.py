"""Robustness: similarity under occlusion, noise and blur; preprocessing choices; activation sparsity by
depth; few-pixel attacks.

config.py is its [robustness] config section, analysis.py runs it (run(ctx) -> AnalysisOutput), pages.py
computes its pages' values, tables and figures, templates/*.md.j2 hold their prose; the maths is in
builder.compute.
"""

from builder.analyses.robustness.config import RobustnessConfig
from builder.analyses.spec import Analysis

ANALYSIS = Analysis("robustness", RobustnessConfig, "builder.analyses.robustness.analysis")

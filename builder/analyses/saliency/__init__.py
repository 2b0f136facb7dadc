"""Saliency maps: where in an image a text prompt "looks"; prompt prefixes; typographic attacks.

config.py is its [saliency] config section, analysis.py runs it (run(ctx) -> AnalysisOutput), pages.py
renders its pages from the prose in templates/, prompts.py picks the prompts; the maths is in
builder.compute.saliency.
"""

from builder.analyses.saliency.config import SaliencyConfig
from builder.analyses.spec import Analysis

ANALYSIS = Analysis("saliency", SaliencyConfig, "builder.analyses.saliency.analysis")

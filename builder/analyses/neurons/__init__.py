"""Neuron galleries: images optimised to excite single units, beside the dataset images that excite them most.

config.py is its [neurons] config section, analysis.py runs it (run(ctx) -> AnalysisOutput), pages.py
renders its pages; the maths is in builder.compute.
"""

from builder.analyses.neurons.analysis import run
from builder.analyses.neurons.config import NeuronsConfig
from builder.analyses.spec import Analysis

ANALYSIS = Analysis("neurons", NeuronsConfig, run)

"""Neuron galleries: images optimised to excite single units, beside the dataset images that excite them most.

config.py is its [neurons] config section, analysis.py runs it (run(ctx) -> AnalysisOutput; its cached
parts and CACHE_VERSION), tables.py builds the per-unit tables, files.py the images and index.json,
pages.py the pages from the prose in templates/, layers.py names layers' files and depths; the maths
is in builder.compute (neurons, fvis, unit_stats).
"""

from builder.analyses.neurons.config import NeuronsConfig
from builder.analyses.spec import Analysis

ANALYSIS = Analysis("neurons", NeuronsConfig, "builder.analyses.neurons.analysis")

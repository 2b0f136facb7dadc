"""What an analysis is to the rest of the builder: a name, a config section, a run function."""

from __future__ import annotations

import importlib
from dataclasses import dataclass


@dataclass(frozen=True)
class Analysis:
    """name     its config section's name ([name]) and its folder under data/<dataset>/ and the docs
    config   the section's frozen dataclass (declared with builder.schema.setting; `enabled` switches it on)
    runner   the module whose run(ctx: AnalysisContext) -> AnalysisOutput runs it; imported only when
             the analysis runs, so that reading the config (and `--help`) does not import torch"""

    name: str
    config: type
    runner: str

    def run(self, ctx):
        return importlib.import_module(self.runner).run(ctx)

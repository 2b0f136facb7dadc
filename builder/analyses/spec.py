"""What an analysis is to the rest of the builder: a name, a config section, a run function."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable


@dataclass(frozen=True)
class Analysis:
    """name     its config section's name ([name]) and its folder under data/<dataset>/ and the docs
    config   the section's frozen dataclass (declared with builder.schema.setting; `enabled` switches it on)
    run      run(ctx: AnalysisContext) -> AnalysisOutput"""

    name: str
    config: type
    run: Callable

"""The top-level Config: the core sections, then the analyses' sections (each analysis package
owns its section; builder.analyses.registry lists them), then the build-wide fields. Built with
`make_dataclass`, so a new analysis changes nothing here."""

from __future__ import annotations

import dataclasses
from pathlib import Path

from builder.analyses.registry import ANALYSES
from builder.config.core import CORE_SECTIONS
from builder.schema import setting

ANALYSIS_SECTIONS = {a.name: a.config for a in ANALYSES}
SECTIONS = {**CORE_SECTIONS, **ANALYSIS_SECTIONS}  # in the order of Config's fields (and the build report)


class _ConfigMethods:
    def as_dict(self) -> dict:
        return dataclasses.asdict(self)

    def resolve(self, path: str) -> Path:
        """A path from the config, relative to the config file's folder."""
        p = Path(path).expanduser()
        return p if p.is_absolute() else (Path(self.base_dir) / p)


Config = dataclasses.make_dataclass(
    "Config",
    [(name, cls, dataclasses.field(default_factory=cls)) for name, cls in SECTIONS.items()] + [
        ("cache_dir", str, setting("", doc="cache folder (default ~/.cache/clip-atlas, or under $XDG_CACHE_HOME)")),
        ("strict", bool, setting(False, doc="fail on the first bad item instead of skipping it")),
        ("base_dir", str, setting(".", doc=(
            "folder relative paths are resolved against; set to the config file's folder when loading one"))),
    ],
    bases=(_ConfigMethods,), frozen=True)
Config.__module__ = __name__  # (make_dataclass's `module=` needs Python 3.12)
Config.__doc__ = "The whole build configuration: one frozen dataclass per section, then the build-wide fields."

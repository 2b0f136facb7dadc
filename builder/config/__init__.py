"""Build configuration: frozen dataclasses, loaded from TOML and validated once.

Errors name the offending field and the values it allows. Every section and field is optional;
the defaults build the demo world with the demo model. Fields are declared with
`builder.schema.setting` (default, doc, allowed values); `reference_markdown()` lists them all.
"""

from builder.config.core import (
    CORE_SECTIONS, DATASET_KINDS, DEVICES, ClusterConfig, DatasetConfig, EmbedConfig, LocalConfig, ModelConfig,
    ProjectionConfig, SiteConfig,
)
from builder.config.loading import from_dict, load, validate
from builder.config.reference import reference_markdown
from builder.schema import ConfigError, Spec, setting
from builder.config.top import ANALYSIS_SECTIONS, SECTIONS, Config

__all__ = [
    "ANALYSIS_SECTIONS", "CORE_SECTIONS", "DATASET_KINDS", "DEVICES", "SECTIONS",
    "ClusterConfig", "Config", "ConfigError", "DatasetConfig", "EmbedConfig", "LocalConfig", "ModelConfig",
    "ProjectionConfig", "SiteConfig", "Spec", "from_dict", "load", "reference_markdown", "setting", "validate",
]

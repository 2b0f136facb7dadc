"""Every expected failure of a build, under one base class, AtlasError.

The command line catches AtlasError once and prints `Error: <message>` (exit code 1), so the
message must say what went wrong and what to do. Anything else is a bug and keeps its traceback.
Each class also derives from the built-in error it replaced, so `except ValueError` and
friends keep working. Stdlib only: setup.py imports the bundler, which raises BundleError.

The modules that raised them first re-export them (`from builder.config import ConfigError`).
"""

from __future__ import annotations


class AtlasError(Exception):
    """An expected failure; its message is shown to the user as is."""


class ConfigError(AtlasError, ValueError):
    """A configuration value is missing, of the wrong type or not among the allowed values."""


class ContractError(AtlasError, ValueError):
    """Artifacts that break the data contract between the builder and the explorer."""


class OutputError(AtlasError, RuntimeError):
    """The output folder cannot be written or must not be replaced."""


class ModelUnavailable(AtlasError, RuntimeError):
    """The model's weights cannot be loaded (not cached and no network, or a bad file)."""


class DemoWeightsMissing(AtlasError, FileNotFoundError):
    """The demo model's weights file is not there."""


class DatasetNotFound(AtlasError, FileNotFoundError):
    """A dataset file or folder named by the config does not exist or cannot be read."""


class BuildError(AtlasError, RuntimeError):
    """The build cannot go on (e.g. --strict and a bad item, or nothing left to show)."""


class BundleError(AtlasError, RuntimeError):
    """The explorer's JavaScript could not be bundled; the message says what to do."""


class DocsBuildError(AtlasError, RuntimeError):
    """The explanatory pages could not be built; the message says which page or setting failed."""


class UnitSpecError(AtlasError, ValueError):
    """A [neurons] units selection that does not fit the layer."""


class UnknownLayer(AtlasError, ValueError):
    """A layer name that is not a visualisable layer of this model."""


class UnsupportedTower(AtlasError, ValueError):
    """An image tower the saliency methods do not support."""

"""A model that loads on first use: a rebuild whose stages all come from the cache never loads it.

`LazyModel` knows, without loading, what cache keys need (`spec`, `fingerprint`, `device`); any
other attribute (`model`, `tokenizer`, `preprocess`, `info()`, ...) loads the weights once, inside
the `on_load` context (the build's timed "model" stage), and is then the LoadedModel's.
"""

from __future__ import annotations

from builder.models.loading import LoadedModel, load_model, model_fingerprint, pick_device


class LazyModel:
    def __init__(self, spec, device: str, on_load):
        self.spec = spec
        self.device = pick_device(device)
        self.fingerprint = model_fingerprint(spec)
        self._on_load = on_load  # () -> context manager, e.g. lambda: clock.stage("model")
        self._loaded: LoadedModel | None = None

    @property
    def loaded(self) -> bool:
        return self._loaded is not None

    def get(self) -> LoadedModel:
        if self._loaded is None:
            with self._on_load():
                self._loaded = load_model(self.spec, self.device)
        return self._loaded

    def __getattr__(self, name: str):  # only for what __init__ did not set
        if name.startswith("_"):
            raise AttributeError(name)
        return getattr(self.get(), name)

"""Content-addressed cache: per-item arrays (embeddings, thumbnails) and whole stage outputs.

One rule for stage results: `Cache.cached(stage, version, inputs, params, compute)`. The key is
the stage's inputs' hashes, its parameters and the `VERSION` kept next to its compute function,
so changing the code (and its VERSION) never serves a stale result. Only compute results are
cached; pages are rendered on every build.

Item caches are keyed by content (an image file's sha256, a caption's sha256) inside a
namespace that names everything else the value depends on (e.g. the model's fingerprint), so
adding images computes only the new ones. Stage outputs are keyed by a hash of their inputs and
parameters. Every write goes to a temporary name and is renamed into place: an interrupted build
never leaves a corrupt entry.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

import numpy as np

from builder.io.jsonio import json_bytes

_JSON = "__json__"  # the npz entry holding a result's JSON-able part


def default_cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "clip-atlas"


def hash_json(obj) -> str:
    return hashlib.sha256(json.dumps(obj, sort_keys=True, default=str).encode()).hexdigest()


def hash_arrays(*arrays: np.ndarray) -> str:
    h = hashlib.sha256()
    for a in arrays:
        a = np.ascontiguousarray(a)
        h.update(str((a.dtype.str, a.shape)).encode())
        h.update(a.tobytes())
    return h.hexdigest()


def text_key(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _atomic_save_npz(path: Path, arrays: dict[str, np.ndarray]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    with open(tmp, "wb") as f:
        np.savez(f, **arrays)
    os.replace(tmp, path)


class Cache:
    """A cache rooted at `root` (created on first write)."""

    def __init__(self, root: Path | str):
        self.root = Path(root)

    # -- whole-stage outputs -------------------------------------------------------------------
    def stage_path(self, stage: str, key: str) -> Path:
        return self.root / "stages" / stage / f"{key[:32]}.npz"

    def load_stage(self, stage: str, key: str) -> dict[str, np.ndarray] | None:
        path = self.stage_path(stage, key)
        if not path.is_file():
            return None
        try:
            with np.load(path, allow_pickle=False) as z:
                return {k: z[k] for k in z.files}
        except (OSError, ValueError):
            return None  # a damaged entry is recomputed, not trusted

    def save_stage(self, stage: str, key: str, arrays: dict[str, np.ndarray]) -> None:
        _atomic_save_npz(self.stage_path(stage, key), arrays)

    def cached(self, stage: str, version: int, inputs: list, params: dict, compute) -> tuple[dict, bool]:
        """The result of `compute()` for these inputs and parameters, from the cache or computed
        and stored. Returns (result, came_from_cache).

        stage    the stage's name, e.g. "knn", "saliency"
        version  the VERSION next to the stage's compute function
        inputs   hashes (str) of everything the result is computed from, e.g. the embeddings'
        params   the stage's parameters (JSON-able)
        compute  () -> dict of name -> numpy array or JSON-able value
        The result always comes back the way the cache stores it (arrays as saved, the rest as
        its JSON round trip), so a fresh and a cached build render from identical data."""
        key = hash_json([stage, version, list(inputs), params])
        hit = self.load_stage(stage, key)
        if hit is not None:
            result = _decode(hit)
            if result is not None:
                return result, True
        arrays = _encode(compute())
        self.save_stage(stage, key, arrays)
        return _decode(arrays), False

    def cached_files(self, stage: str, version: int, inputs: list, params: dict, compute) -> tuple[dict[str, bytes], bool]:
        """Like `cached`, for a result that is files: compute() -> {relative path: bytes} (encoded
        images, say, whose encoding is the slow part). Returns (files, came_from_cache)."""
        def pack() -> dict:
            files = compute()
            return {"names": list(files), **{f"f{i}": np.frombuffer(b, np.uint8) for i, b in enumerate(files.values())}}

        result, hit = self.cached(stage, version, inputs, params, pack)
        return {name: result[f"f{i}"].tobytes() for i, name in enumerate(result["names"])}, hit

    # -- per-item values -----------------------------------------------------------------------
    def _item_dir(self, namespace: str) -> Path:
        return self.root / "items" / hashlib.sha256(namespace.encode()).hexdigest()[:24]

    def load_items(self, namespace: str, keys: list[str]) -> dict[str, np.ndarray]:
        """Values found for `keys` (missing keys are simply absent)."""
        wanted = set(keys)
        found: dict[str, np.ndarray] = {}
        folder = self._item_dir(namespace)
        if not folder.is_dir():
            return found
        for chunk in sorted(folder.glob("chunk-*.npz")):
            try:
                with np.load(chunk, allow_pickle=False) as z:
                    chunk_keys, values = z["keys"], z["values"]
            except (OSError, ValueError, KeyError):
                continue
            for i, k in enumerate(chunk_keys.tolist()):
                if k in wanted and k not in found:
                    found[k] = values[i]
        return found

    def save_items(self, namespace: str, keys: list[str], values: np.ndarray) -> None:
        if len(keys) == 0:
            return
        folder = self._item_dir(namespace)
        (folder).mkdir(parents=True, exist_ok=True)
        (folder / "namespace.txt").write_text(namespace, encoding="utf-8")
        name = hashlib.sha256("\n".join(keys).encode()).hexdigest()[:24]
        _atomic_save_npz(folder / f"chunk-{name}.npz", {"keys": np.asarray(keys), "values": values})


def _encode(result: dict) -> dict[str, np.ndarray]:
    arrays = {k: np.asarray(v) for k, v in result.items() if isinstance(v, np.ndarray)}
    rest = {k: v for k, v in result.items() if not isinstance(v, np.ndarray)}
    if _JSON in arrays:
        raise ValueError(f"a stage result may not have a key named {_JSON!r}")
    arrays[_JSON] = np.frombuffer(json_bytes(rest), dtype=np.uint8)
    return arrays


def _decode(arrays: dict[str, np.ndarray]) -> dict | None:
    if _JSON not in arrays:
        return None
    try:
        rest = json.loads(arrays[_JSON].tobytes().decode("utf-8"))
    except (ValueError, UnicodeDecodeError):
        return None  # a damaged entry is recomputed, not trusted
    return {**{k: v for k, v in arrays.items() if k != _JSON}, **rest}

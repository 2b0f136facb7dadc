"""The one writer of `data/<dataset>/`: checks every buffer against the contract, then writes.

Nothing is written until `write()`: buffers are gathered first, validated against
`builder.contract`, and written with their sha256 into `manifest.json`.

Usage:
    w = ArtifactWriter("demo")
    w.add_buffer("positions", pos_f16)        # checked against contract.GLOBAL_BUFFERS
    w.add_local_views(fields, rows_per_shard)  # the sharded LOCAL_FIELDS
    w.add_text("captions", captions)           # UTF-8 blob + offsets buffer
    w.add_file("thumbs/atlas-000.webp", data)  # any other file (images, JSON)
    manifest = w.write(data_root, counts={...}, meta={...})
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import numpy as np

from builder import contract


from builder.errors import ContractError  # noqa: E402,F401 (re-exported)


def _le_bytes(array: np.ndarray, dtype: str) -> bytes:
    return np.ascontiguousarray(array, dtype=np.dtype(dtype).newbyteorder("<")).tobytes()


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


class ArtifactWriter:
    def __init__(self, dataset: str):
        self.dataset = dataset
        self._buffers: dict[str, np.ndarray] = {}
        self._local: dict[str, np.ndarray] | None = None
        self._rows_per_shard = contract.DEFAULT_ROWS_PER_SHARD
        self._files: dict[str, bytes] = {}
        self._texts: dict[str, bytes] = {}

    # -- gathering -----------------------------------------------------------------------------
    def add_buffer(self, name: str, array: np.ndarray) -> None:
        if name not in contract.GLOBAL_BUFFERS:
            raise ContractError(f"buffer {name!r} is not in the contract; known: {sorted(contract.GLOBAL_BUFFERS)}")
        self._buffers[name] = np.asarray(array)

    def add_local_views(self, fields: dict[str, np.ndarray], rows_per_shard: int) -> None:
        names = [f.name for f in contract.LOCAL_FIELDS]
        if sorted(fields) != sorted(names):
            raise ContractError(f"local views need exactly the fields {names}, got {sorted(fields)}")
        self._local = {k: np.asarray(v) for k, v in fields.items()}
        self._rows_per_shard = int(rows_per_shard)

    def add_text(self, name: str, texts: list[str]) -> None:
        """A list of strings as one UTF-8 file `<name>.txt`; offsets go in buffer `caption_offsets`."""
        encoded = [t.encode("utf-8") for t in texts]
        offsets = np.zeros(len(encoded) + 1, dtype=np.uint32)
        np.cumsum([len(e) for e in encoded], out=offsets[1:])
        self._texts[name] = b"".join(encoded)
        self.add_buffer("caption_offsets", offsets)

    def add_file(self, relpath: str, data: bytes) -> None:
        if relpath.startswith(("/", "..")) or ".." in Path(relpath).parts:
            raise ContractError(f"file path {relpath!r} must stay inside the dataset folder")
        self._files[relpath] = data

    def add_json(self, relpath: str, obj) -> None:
        self.add_file(relpath, json.dumps(obj, ensure_ascii=False, sort_keys=True, indent=1).encode("utf-8"))

    # -- checking ------------------------------------------------------------------------------
    def _check(self, spec: contract.BufferSpec, array: np.ndarray, counts: dict[str, int]) -> None:
        want = contract.resolve_shape(spec.shape, counts)
        if array.shape != want:
            raise ContractError(f"buffer {spec.name!r} has shape {array.shape}, contract says {want} {spec.shape}")
        if array.dtype != np.dtype(spec.dtype):
            raise ContractError(f"buffer {spec.name!r} has dtype {array.dtype}, contract says {spec.dtype}")
        if array.dtype.kind == "f" and not np.isfinite(array).all():
            raise ContractError(f"buffer {spec.name!r} contains NaN or infinite values")

    def _check_all(self, counts: dict[str, int]) -> None:
        missing = [n for n in contract.REQUIRED_GLOBAL if n not in self._buffers]
        if missing:
            raise ContractError(f"required buffers missing: {missing}")
        for name, array in self._buffers.items():
            self._check(contract.GLOBAL_BUFFERS[name], array, counts)
        if self._local is not None:
            for spec in contract.LOCAL_FIELDS:
                self._check(spec, self._local[spec.name], counts)
            if int(self._local["neighbours"].max(initial=0)) >= counts["N"]:
                raise ContractError("buffer 'neighbours' points past the last point")

    # -- writing -------------------------------------------------------------------------------
    def write(self, data_root: Path, counts: dict[str, int], meta: dict) -> dict:
        """Validate everything, then write into data_root/<dataset>/ and return the manifest."""
        self._check_all(counts)
        out = Path(data_root) / self.dataset
        out.mkdir(parents=True, exist_ok=True)
        buffers = {}
        for name in sorted(self._buffers):
            spec = contract.GLOBAL_BUFFERS[name]
            data = _le_bytes(self._buffers[name], spec.dtype)
            (out / f"{name}.bin").write_bytes(data)
            buffers[name] = {"file": f"{name}.bin", "dtype": spec.dtype, "shape": list(self._buffers[name].shape),
                             "bytes": len(data), "sha256": _sha256(data)}
        texts = {}
        for name, data in self._texts.items():
            (out / f"{name}.txt").write_bytes(data)
            texts[name] = {"file": f"{name}.txt", "encoding": "utf-8", "offsets": "caption_offsets",
                           "bytes": len(data), "sha256": _sha256(data)}
        local = self._write_local(out, counts) if self._local is not None else None
        files = {}
        for rel in sorted(self._files):
            path = out / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(self._files[rel])
            files[rel] = {"bytes": len(self._files[rel]), "sha256": _sha256(self._files[rel])}
        manifest = {"schema_version": contract.SCHEMA_VERSION, "dataset": self.dataset, "counts": counts,
                    "buffers": buffers, "texts": texts, "local": local, "files": files, **meta}
        (out / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False, indent=1, sort_keys=True),
                                           encoding="utf-8")
        return manifest

    def _write_local(self, out: Path, counts: dict[str, int]) -> dict:
        n, r = counts["N"], self._rows_per_shard
        n_shards = (n + r - 1) // r
        (out / "local").mkdir(exist_ok=True)
        shard_hashes, shard_bytes = [], []
        for s in range(n_shards):
            parts = [_le_bytes(self._local[f.name][s * r : (s + 1) * r], f.dtype) for f in contract.LOCAL_FIELDS]
            data = b"".join(parts)
            (out / "local" / f"shard-{s:05d}.bin").write_bytes(data)
            shard_hashes.append(_sha256(data))
            shard_bytes.append(len(data))
        return {
            "rows_per_shard": r,
            "shards": n_shards,
            "file_pattern": "local/shard-{index:05d}.bin",
            "fields": [{"name": f.name, "dtype": f.dtype,
                        "row_shape": list(contract.resolve_shape(f.shape, counts)[1:])} for f in contract.LOCAL_FIELDS],
            "sha256": shard_hashes,
            "bytes": shard_bytes,
        }

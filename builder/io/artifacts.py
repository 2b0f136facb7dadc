"""What goes into `data/<dataset>/`: gathered, checked against the contract, serialised.

Nothing is written here: `serialise()` checks every buffer against `builder.contract` and
returns the files (relative path -> bytes) with `manifest.json` recording each one's sha256 —
per-shard and bulk-folder checksums in `checksums.json`, whose own sha256 the manifest holds, so
what the first frame reads stays small at a million points; the one writer (`builder.io.writer.SiteWriter`) puts them on disk.

Usage:
    a = DatasetArtifacts("demo")
    a.add_buffer("positions", pos_f16)        # checked against contract.GLOBAL_BUFFERS
    a.add_local_views(fields, rows_per_shard)  # the sharded LOCAL_FIELDS
    a.add_text("captions", captions)           # UTF-8 blob + offsets buffer
    a.add_analysis_buffers("saliency", {"maps": maps_u8}, {"M": 40, "H": 8, "W": 8})
    a.add_file("thumbs/atlas-000.webp", data)  # any other file (images, JSON)
    files, manifest = a.serialise(counts={...}, meta={...})
"""

from __future__ import annotations

import hashlib
import json
from pathlib import PurePosixPath

import numpy as np

from builder import contract


from builder.errors import ContractError  # noqa: E402,F401 (re-exported)


def le_bytes(array: np.ndarray, dtype: str) -> bytes:
    return np.ascontiguousarray(array, dtype=np.dtype(dtype).newbyteorder("<")).tobytes()


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


class DatasetArtifacts:
    def __init__(self, dataset: str):
        self.dataset = dataset
        self._buffers: dict[str, np.ndarray] = {}
        self._local: dict[str, np.ndarray] | None = None
        self._rows_per_shard = contract.DEFAULT_ROWS_PER_SHARD
        self._files: dict[str, bytes] = {}
        self._texts: dict[str, bytes] = {}
        self._analysis: dict[str, tuple[dict[str, np.ndarray], dict[str, int]]] = {}

    # -- gathering -----------------------------------------------------------------------------
    def add_buffer(self, name: str, array: np.ndarray) -> None:
        if contract.global_spec(name) is None:
            raise ContractError(f"buffer {name!r} is not in the contract; known: {sorted(contract.GLOBAL_BUFFERS)} "
                                f"and label_0 .. label_{contract.MAX_LABEL_FIELDS - 1}")
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

    def add_analysis_buffers(self, analysis: str, buffers: dict[str, np.ndarray], counts: dict[str, int]) -> None:
        """An analysis's buffers, declared in contract.ANALYSIS_BUFFERS[analysis]; `counts` gives
        the sizes their shapes name. Written as <analysis>/<name>.bin."""
        known = contract.ANALYSIS_BUFFERS.get(analysis, {})
        for name in buffers:
            if name not in known:
                raise ContractError(f"buffer {analysis}/{name!r} is not in the contract; known: {sorted(known)}")
        self._analysis[analysis] = ({k: np.asarray(v) for k, v in buffers.items()}, dict(counts))

    def add_file(self, relpath: str, data: bytes) -> None:
        if relpath.startswith(("/", "..")) or ".." in PurePosixPath(relpath).parts:
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
            self._check(contract.global_spec(name), array, counts)
        if self._local is not None:
            for spec in contract.LOCAL_FIELDS:
                self._check(spec, self._local[spec.name], counts)
            if int(self._local["neighbours"].max(initial=0)) >= counts["N"]:
                raise ContractError("buffer 'neighbours' points past the last point")
        for analysis, (buffers, own) in self._analysis.items():
            for name, array in buffers.items():
                self._check(contract.ANALYSIS_BUFFERS[analysis][name], array, {**counts, **own})

    # -- serialising ---------------------------------------------------------------------------
    def serialise(self, counts: dict[str, int], meta: dict) -> tuple[dict[str, bytes], dict]:
        """Validate everything; return ({relpath under data/<dataset>/: bytes}, manifest)."""
        self._check_all(counts)
        out: dict[str, bytes] = {}
        buffers = {}
        for name in sorted(self._buffers):
            spec = contract.global_spec(name)
            data = out[f"{name}.bin"] = le_bytes(self._buffers[name], spec.dtype)
            buffers[name] = {"file": f"{name}.bin", "dtype": spec.dtype, "shape": list(self._buffers[name].shape),
                             "bytes": len(data), "sha256": _sha256(data)}
        texts = {}
        for name, data in self._texts.items():
            out[f"{name}.txt"] = data
            texts[name] = {"file": f"{name}.txt", "encoding": "utf-8", "offsets": "caption_offsets",
                           "bytes": len(data), "sha256": _sha256(data)}
        local, shard_sums = self._local_files(out, counts) if self._local is not None else (None, None)
        files = dict(self._files)
        for analysis, (arrays, _) in self._analysis.items():
            for name, array in arrays.items():
                files[f"{analysis}/{name}.bin"] = le_bytes(array, contract.ANALYSIS_BUFFERS[analysis][name].dtype)
        every, listed = {}, {}
        per_folder: dict[str, int] = {}
        for rel in files:
            per_folder[str(PurePosixPath(rel).parent)] = per_folder.get(str(PurePosixPath(rel).parent), 0) + 1
        for rel in sorted(files):
            out[rel] = files[rel]
            every[rel] = {"bytes": len(files[rel]), "sha256": _sha256(files[rel])}
            if per_folder[str(PurePosixPath(rel).parent)] <= contract.BULK_FOLDER_FILES:
                listed[rel] = every[rel]
        sums = json.dumps({"local": shard_sums, "files": every}, separators=(",", ":"), sort_keys=True).encode("utf-8")
        out[contract.CHECKSUMS_FILE] = sums
        checksums = {"file": contract.CHECKSUMS_FILE, "bytes": len(sums), "sha256": _sha256(sums)}
        manifest = {"schema_version": contract.SCHEMA_VERSION, "dataset": self.dataset, "counts": counts,
                    "buffers": buffers, "texts": texts, "local": local, "files": listed, "checksums": checksums, **meta}
        out["manifest.json"] = json.dumps(manifest, ensure_ascii=False, indent=1, sort_keys=True).encode("utf-8")
        return out, manifest

    def _local_files(self, out: dict[str, bytes], counts: dict[str, int]) -> tuple[dict, dict]:
        """Write the shards into `out`; -> (the manifest's "local", the shards' checksums)."""
        n, r = counts["N"], self._rows_per_shard
        n_shards = (n + r - 1) // r
        shard_hashes, shard_bytes = [], []
        for s in range(n_shards):
            parts = [le_bytes(self._local[f.name][s * r : (s + 1) * r], f.dtype) for f in contract.LOCAL_FIELDS]
            data = b"".join(parts)
            out[f"local/shard-{s:05d}.bin"] = data
            shard_hashes.append(_sha256(data))
            shard_bytes.append(len(data))
        return {
            "rows_per_shard": r,
            "shards": n_shards,
            "file_pattern": "local/shard-{index:05d}.bin",
            "fields": [{"name": f.name, "dtype": f.dtype,
                        "row_shape": list(contract.resolve_shape(f.shape, counts)[1:])} for f in contract.LOCAL_FIELDS],
        }, {"sha256": shard_hashes, "bytes": shard_bytes}

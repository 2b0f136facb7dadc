"""Precomputed embeddings: build a site from what clip-retrieval (or any tool) already computed,
without the model.

Two layouts:
- clip-retrieval's output folder: `img_emb/img_emb_<i>.npy` float[n_i, D], optional
  `text_emb/text_emb_<i>.npy` (the caption of the same row), `metadata/metadata_<i>.parquet` (rows
  aligned with the arrays: `image_path`, `caption`, ...), parts taken in the order of <i>;
- one Parquet table (Embedding Atlas style): a vector column (`dataset.vector_column`, a list of
  floats per row) holding the image embedding, optionally a caption vector column
  (`dataset.text_vector_column`), `caption` / `text`, `image_path`, `id`, and `label:<field>` columns.

Rows whose vector is missing or not finite are skipped and reported; a caption without a text
embedding is kept as text only. Image paths are used for thumbnails when they lie inside the
dataset root and are readable (checked by the pipeline), else the points have no thumbnail.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np

from builder.datasets.common import safe_path
from builder.errors import DatasetNotFound
from builder.records import BadItem, Collection, Issue, Record


def _parts(folder: Path, stem: str, suffix: str) -> list[Path]:
    found = [(int(m.group(1)), p) for p in folder.glob(f"{stem}_*{suffix}")
             if (m := re.fullmatch(rf"{stem}_(\d+){re.escape(suffix)}", p.name))]
    return [p for _, p in sorted(found)]


def _table(paths: list[Path]):
    import pyarrow as pa
    import pyarrow.parquet as pq

    return pa.concat_tables([pq.read_table(p) for p in paths]) if paths else None


def read_clip_retrieval(root: Path) -> tuple[np.ndarray, np.ndarray | None, dict]:
    """(image emb float32[n, D], text emb float32[n, D] | None, metadata columns {name: list})."""
    imgs = _parts(root / "img_emb", "img_emb", ".npy")
    if not imgs:
        raise DatasetNotFound(f"no img_emb/img_emb_0.npy in {str(root)!r}: a clip-retrieval output folder has "
                              "img_emb/, text_emb/ and metadata/ (or give a .parquet table with a vector column)")
    img = np.concatenate([np.load(p, mmap_mode="r") for p in imgs]).astype(np.float32, copy=False)
    texts = _parts(root / "text_emb", "text_emb", ".npy")
    txt = np.concatenate([np.load(p, mmap_mode="r") for p in texts]).astype(np.float32, copy=False) if texts else None
    table = _table(_parts(root / "metadata", "metadata", ".parquet"))
    meta = table.to_pydict() if table is not None else {}
    for what, n in (("text_emb", None if txt is None else len(txt)), ("metadata", table.num_rows if table else None)):
        if n is not None and n != len(img):
            raise DatasetNotFound(f"{what} has {n:,} rows but img_emb has {len(img):,} in {str(root)!r}; "
                                  "the parts must list the same rows in the same order")
    return img, txt, meta


def read_parquet_vectors(path: Path, vector_column: str, text_vector_column: str):
    """(image emb float32[n, D] with NaN rows for missing vectors, text emb | None, other columns)."""
    table = _table([path])
    if vector_column not in table.column_names:
        raise DatasetNotFound(f"{str(path)!r} has no vector column {vector_column!r} (dataset.vector_column); "
                              f"columns found: {', '.join(table.column_names)}")
    meta = {c: table.column(c).to_pylist() for c in table.column_names if c not in (vector_column, text_vector_column)}
    img = _vectors(table.column(vector_column), vector_column)
    txt = _vectors(table.column(text_vector_column), text_vector_column) if text_vector_column in table.column_names else None
    return img, txt, meta


def _vectors(column, name: str) -> np.ndarray:
    """A list<float> column -> float32[n, D]; a missing or wrongly sized row becomes NaN."""
    import pyarrow.compute as pc

    arr = column.combine_chunks()
    if len(arr) and arr.null_count == 0:  # the usual case, without a Python list per row
        lengths = pc.list_value_length(arr).to_numpy(zero_copy_only=False)
        if (lengths == lengths[0]).all() and lengths[0] > 0:
            flat = pc.list_flatten(arr).to_numpy(zero_copy_only=False).astype(np.float32)
            return flat.reshape(len(arr), int(lengths[0]))
    rows = column.to_pylist()
    dims = {len(r) for r in rows if r is not None}
    if not dims:
        raise DatasetNotFound(f"column {name!r} holds no vector")
    d = max(dims, key=lambda k: sum(1 for r in rows if r is not None and len(r) == k))
    out = np.full((len(rows), d), np.nan, np.float32)
    for i, r in enumerate(rows):
        if r is not None and len(r) == d:
            out[i] = r
    return out


def _unit(x: np.ndarray, block: int = 65536) -> np.ndarray:
    """x float32[n, D] L2-normalised in place, in blocks (no second copy of a large array)."""
    x = np.asarray(x, np.float32)
    for s in range(0, len(x), block):
        x[s : s + block] /= np.maximum(np.linalg.norm(x[s : s + block], axis=1, keepdims=True), 1e-12)
    return x


def collect_embeddings(path: Path, name: str, limit: int = 0, seed: int = 0, vector_column: str = "vector",
                       text_vector_column: str = "text_vector") -> Collection:
    """The Collection of a precomputed-embeddings dataset, its embeddings in `precomputed`
    ({"image": unit float32[I, D], "text": unit float32[C, D]}: C = the records' captions)."""
    path = Path(path)
    if path.is_dir():
        root, (img, txt, meta) = path, read_clip_retrieval(path)
        description = f"precomputed embeddings (clip-retrieval layout) in {path.name}"
    elif path.is_file() and path.suffix == ".parquet":
        root, (img, txt, meta) = path.parent, read_parquet_vectors(path, vector_column, text_vector_column)
        description = f"precomputed embeddings, table {path.name}"
    else:
        raise DatasetNotFound(f"embeddings dataset {str(path)!r} is neither a clip-retrieval output folder "
                              "nor a .parquet file")
    if txt is not None and txt.shape[1] != img.shape[1]:
        raise DatasetNotFound(f"text embeddings have {txt.shape[1]} dimensions, image embeddings {img.shape[1]}")
    n = len(img)
    col = lambda *names: next((meta[c] for c in names if c in meta), [None] * n)  # noqa: E731
    ids, caps, paths = col("id", "key"), col("caption", "text"), col("image_path", "image")
    labels = {c[6:]: meta[c] for c in meta if c.startswith("label:")}
    ok = np.isfinite(img).all(axis=1) & (np.abs(img).sum(axis=1) > 0)
    keep = np.flatnonzero(ok)
    issues = [Issue(str(ids[i] if ids[i] is not None else i), f"row {i}", "skipped", "no usable image embedding")
              for i in np.flatnonzero(~ok)]
    sampled_out = 0
    if limit and len(keep) > limit:
        keep = keep[np.sort(np.random.default_rng(seed).choice(len(keep), size=limit, replace=False))]
        sampled_out = int(ok.sum()) - limit
    root_r = root.resolve()
    records, text_rows = [], []
    for i in keep.tolist():
        rid = str(ids[i]) if ids[i] is not None else str(i)
        image, file = _image(root_r, paths[i])
        text = " ".join(str(caps[i]).split())[:1000] if caps[i] is not None else ""
        has_text = bool(text) and txt is not None and bool(np.isfinite(txt[i]).all())
        if has_text:
            text_rows.append(i)
        records.append(Record(rid, image, (text,) if has_text else (), {k: str(v[i]) for k, v in labels.items()
                                                                     if v[i] is not None}, None,
                              {"caption": text} if text and not has_text else {}, file))
    pre = {"image": _unit(img if len(keep) == n else img[keep]), "text": _unit(txt[text_rows]) if text_rows else np.zeros((0, img.shape[1]), np.float32)}
    return Collection(name, records, issues, n, description, sampled_out, precomputed=pre)


def _image(root: Path, rel) -> tuple[Path, str]:
    """(the image file, its path relative to the root) when `rel` names a file inside the root,
    else (an empty Path, "")."""
    if not isinstance(rel, str) or not rel:
        return Path(), ""
    try:
        p = Path(rel)
        full = p.resolve() if p.is_absolute() else safe_path(root, rel)
    except (BadItem, OSError):
        return Path(), ""
    if not full.is_relative_to(root) or not full.is_file():
        return Path(), ""
    return full, full.relative_to(root).as_posix()

"""The artifact contract between the Python builder and the JavaScript explorer.

Every binary buffer the site ships is declared here: its name, dtype and shape (in terms of
the counts below). The one writer (`builder.io.artifacts`) refuses any buffer that does not
match, and the explorer reads only what `manifest.json` declares.

Counts:
  N  points in the global view: all images first, then all captions (ordered by image)
  I  images
  C  captions
  K  neighbours per point in the local views
  L  number of category labels (legend entries)

Point p < I is image p; point I + c is caption c, which belongs to image caption_image[c].

Buffers are little-endian raw arrays. Per-point local views are *sharded*: rows
[s*R, (s+1)*R) of every local buffer live together in shard s, one file per shard, so a click
fetches one small file. A shard file is the concatenation, in the order of LOCAL_FIELDS, of each
field's rows for that shard.
"""

from __future__ import annotations

from dataclasses import dataclass

SCHEMA_VERSION = 1

# dtype names follow numpy and map 1:1 to JS typed arrays (float16 is decoded by the explorer).
JS_TYPED_ARRAYS = {
    "float16": "Uint16Array",
    "float32": "Float32Array",
    "uint8": "Uint8Array",
    "uint16": "Uint16Array",
    "uint32": "Uint32Array",
}


@dataclass(frozen=True)
class BufferSpec:
    """One buffer: `shape` uses count names (str) or fixed ints, e.g. ("N", 3)."""

    name: str
    dtype: str
    shape: tuple
    description: str


GLOBAL_BUFFERS: dict[str, BufferSpec] = {
    spec.name: spec
    for spec in [
        BufferSpec("positions", "float16", ("N", 3), "UMAP 3D coordinates, centred, unit radius"),
        BufferSpec("modality", "uint8", ("N",), "0 = image, 1 = caption"),
        BufferSpec("category", "uint8", ("N",), "index into manifest.legends.category (255 = none)"),
        BufferSpec("cluster", "uint8", ("N",), "k-means cluster of the embedding (loaded on demand)"),
        BufferSpec("caption_image", "uint32", ("C",), "image index of each caption"),
        BufferSpec("caption_offsets", "uint32", ("C+1",), "UTF-8 byte offsets into captions.txt"),
    ]
}
REQUIRED_GLOBAL = ("positions", "modality", "category", "cluster", "caption_image",
                   "caption_offsets")

# Per-point local views, sharded by rows of N.
LOCAL_FIELDS: tuple[BufferSpec, ...] = (
    BufferSpec("neighbours", "uint32", ("N", "K"), "k nearest points (cosine), nearest first"),
    BufferSpec("local_xy", "float16", ("N", "K", 2), "2D PCA of the neighbourhood (point itself at 0,0 is not included)"),
    BufferSpec("local_dist", "float16", ("N", "K"), "cosine distance from the point to each neighbour"),
    BufferSpec("local_evr", "float16", ("N", 2), "explained-variance ratio of the two PCA axes"),
)
DEFAULT_ROWS_PER_SHARD = 256

# Buffers of the analyses, written as data/<dataset>/<analysis>/<name>.bin and listed under the
# manifest's "files". Their shapes use the analysis's own counts (given with the buffers), and
# the analysis's index.json describes them to its page script.
ANALYSIS_BUFFERS: dict[str, dict[str, BufferSpec]] = {
    "saliency": {spec.name: spec for spec in [
        BufferSpec("maps", "uint8", ("M", "GH", "GW"), "gradient saliency map of each (image, prompt), scaled per map"),
        BufferSpec("tokens", "uint8", ("M", "TH", "TW"), "gradient-free token map of the same pairs, scaled per map"),
    ]},
}


def resolve_shape(shape: tuple, counts: dict[str, int]) -> tuple[int, ...]:
    """Turn a symbolic shape like ("N", "K", 2) into ints using `counts`.

    A symbol may be a count name or "<name>+<int>" (e.g. "C+1").
    Raises KeyError naming the missing count.
    """
    out = []
    for dim in shape:
        if isinstance(dim, int):
            out.append(dim)
            continue
        name, _, extra = dim.partition("+")
        if name not in counts:
            raise KeyError(f"shape {shape} needs count {name!r}; known counts: {sorted(counts)}")
        out.append(counts[name] + (int(extra) if extra else 0))
    return tuple(out)


# Keys of manifest.json besides the buffers (written by the pipeline, read by the explorer):
#   schema_version  int, must equal SCHEMA_VERSION
#   dataset         the dataset slug (folder name under data/)
#   counts          {"N", "I", "C", "K", "L"} as above
#   buffers         {name: {file, dtype, shape, bytes, sha256}}
#   texts           {"captions": {file, encoding, offsets: "caption_offsets", bytes, sha256}}
#   local           {rows_per_shard, shards, file_pattern, fields: [{name, dtype, row_shape}], sha256: [...], bytes: [...]}
#   files           {relpath: {bytes, sha256}} for every other file (atlas pages, JSON)
#   legends         {"category": {"field": str, "names": [str]}, "cluster": {"names": [str]},
#                    "modality": ["image", "caption"]}
#   atlas           {"cell": px, "cols": int, "rows": int, "pages": [relpath], "count": I}
#                   thumbnail of image i is cell (i % (cols*rows)) of page i // (cols*rows),
#                   row-major from the top-left
#   model, dataset, build   descriptions shown on the site (dicts of strings and numbers)
MANIFEST_KEYS = ("schema_version", "dataset", "counts", "buffers", "texts", "local", "files", "legends",
                 "atlas", "model", "build")

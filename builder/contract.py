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

Label fields: every label field of the dataset (the demo world's shape, colour, size,
background, position; COCO's category and supercategory; a folder dataset's folder) gets one
uint8[N] buffer `label_<f>`, f being the field's place in manifest.legends.fields: the index of
each point's value in that field's `names` (values sorted; beyond 254 the rarest share "other"),
captions taking their image's value, 255 = the image has no value for the field. The explorer
loads one only when the reader colours by its field. `category` is the default field's buffer
(with a "(none)" entry instead of 255), kept for the first frame's hover card.

Buffers are little-endian raw arrays. Per-point local views are *sharded*: rows
[s*R, (s+1)*R) of every local buffer live together in shard s, one file per shard, so a click
fetches one small file. A shard file is the concatenation, in the order of LOCAL_FIELDS, of each
field's rows for that shard.
"""

from __future__ import annotations

import re
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
        BufferSpec("positions", "float16", ("N", 3), "3D coordinates of the starting projection (manifest.projections), centred, unit radius"),
        BufferSpec("modality", "uint8", ("N",), "0 = image, 1 = caption"),
        BufferSpec("category", "uint8", ("N",), "index into manifest.legends.category (255 = none)"),
        BufferSpec("cluster", "uint8", ("N",), "k-means cluster of the embedding (loaded on demand)"),
        BufferSpec("caption_image", "uint32", ("C",), "image index of each caption"),
        BufferSpec("caption_offsets", "uint32", ("C+1",), "UTF-8 byte offsets into captions.txt"),
    ]
}
# One per label field, named label_<f> (see the module docstring); at most MAX_LABEL_FIELDS.
LABEL_BUFFER = BufferSpec("label_<f>", "uint8", ("N",),
                          "value of label field f: index into manifest.legends.fields[f].names (255 = none)")
MAX_LABEL_FIELDS = 32
_LABEL_NAME = re.compile(r"^label_(0|[1-9][0-9]?)$")


# One per further projection (manifest.projections), named positions_<method>: e.g. positions_pca.
PROJECTION_BUFFER = BufferSpec("positions_<method>", "float16", ("N", 3),
                               "3D coordinates of projection <method>, centred, unit radius")
_PROJECTION_NAME = re.compile(r"^positions_[a-z][a-z0-9]{0,15}$")


def label_buffer(f: int) -> str:
    """The buffer name of label field f (its index in manifest.legends.fields)."""
    if not 0 <= f < MAX_LABEL_FIELDS:
        raise ValueError(f"label field index {f} is outside 0..{MAX_LABEL_FIELDS - 1}")
    return f"label_{f}"


def global_spec(name: str) -> BufferSpec | None:
    """The spec of global buffer `name` (a label_<f> buffer included), or None if unknown."""
    if name in GLOBAL_BUFFERS:
        return GLOBAL_BUFFERS[name]
    m = _LABEL_NAME.match(name)
    if m and int(m.group(1)) < MAX_LABEL_FIELDS:
        return BufferSpec(name, LABEL_BUFFER.dtype, LABEL_BUFFER.shape, LABEL_BUFFER.description)
    if _PROJECTION_NAME.match(name):
        return BufferSpec(name, PROJECTION_BUFFER.dtype, PROJECTION_BUFFER.shape, PROJECTION_BUFFER.description)
    return None


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


# The model in the browser (builder.browser_model): files under data/<dataset>/model/, described by the
# manifest's "browser_model" entry (absent when the stage is off or the model's tokenizer is not CLIP's
# BPE) and listed, like every other file, under the manifest's "files" with bytes and sha256.
# int8 buffers are row-major int8; row r dequantises to int8[r] * scale[r] (scales float32
# little-endian, one per row); rows are L2-normalised before quantisation.
BROWSER_MODEL_FILES: dict[str, str] = {
    "model/tokenizer.json": "open_clip's CLIP BPE as a HuggingFace tokenizers file (tokenizer.kind clip-bpe; "
                            "html-unescape the text twice first: tokenizer.html_unescape)",
    "model/text.onnx": "text tower: tokens int64[batch, context_length] -> embedding float32[batch, D], unit norm",
    "model/image.onnx": "image tower (when small): pixels float32[batch, 3, H, W] -> embedding float32[batch, D], unit norm",
    "model/index.i8": "query index int8[N, D], row i = point i (images, then captions); with .scale.f32 float32[N]",
    "model/index.centroids.f32": "sharded index only: float32[S, D] unit-norm centroids, shard s = centroid row s",
    "model/index-<s>.i8": "sharded index only: shard s's rows int8[n_s, D], with .scale.f32 float32[n_s] and "
                          ".ids.u32 uint32[n_s] (the rows' point indices, ascending); fetched on demand",
    "model/index.assign.u16": "sharded index only: point i -> its shard, uint16[N] (index.assign_dtype; "
                              "index.assign.u32, uint32[N], when there are 65,536 shards or more); read by the "
                              "explorer for a point's own row",
    "model/dense.i8": "dense patch features int8[images * gh * gw, D] (image n, patch y, x -> row n*gh*gw + y*gw + x), "
                      "with dense.scale.f32 float32[rows]",
    "model/dense.boxes.json": "per dense image, the area [x0, y0, x1, y1] its grid covers, in the image's own pixels",
}
BROWSER_MODEL_VERSION = 1


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
#   local           {rows_per_shard, shards, file_pattern, fields: [{name, dtype, row_shape}]}
#   files           {relpath: {bytes, sha256}} for every other file (JSON, a few images), except
#                   those of a folder with more than BULK_FOLDER_FILES files (atlas pages)
#   checksums       {file: "checksums.json", bytes, sha256}: what the first frame does not need,
#                   read when a shard is loaded: {"local": {"sha256": [per shard], "bytes": [...]},
#                   "files": {relpath: {bytes, sha256}} for every other file, bulk folders too}
#   legends         {"category": {"field": str, "names": [str]}, "cluster": {"names": [str]},
#                    "modality": ["image", "caption"],
#                    "fields": [{"field": str, "buffer": "label_<f>", "names": [str]}] (one per label
#                    field, in the order fields first appear in the records)}
#   atlas           {"cell": px, "cols": int, "rows": int, "pages": [relpath], "count": I}
#                   thumbnail of image i is cell (i % (cols*rows)) of page i // (cols*rows),
#                   row-major from the top-left
#   projections     {"default": method, "methods": [{"key", "label", "buffer", "trustworthiness": {value, k,
#                   sample} | null}], "skipped": [{"key", "label", "reason"}]}: the 3D layouts, the
#                   default's buffer is "positions", each other's "positions_<key>" (loaded when chosen)
#   model, dataset, build   descriptions shown on the site (dicts of strings and numbers)
#   browser_model   (optional) the model in the browser: version, model, fingerprint, embed_dim,
#                   context_length, logit_scale, tokenizer, text, image, index, dense (see
#                   BROWSER_MODEL_FILES; README "The model in the browser" lists every field)
MANIFEST_KEYS = ("schema_version", "dataset", "counts", "buffers", "texts", "local", "files", "checksums",
                 "legends", "atlas", "model", "build")
CHECKSUMS_FILE = "checksums.json"
BULK_FOLDER_FILES = 32  # a folder with more files than this is listed in CHECKSUMS_FILE only

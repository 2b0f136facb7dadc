"""The core config sections: what every build uses (dataset, model, embedding, projection, local
views, clusters, site). Every field is declared with `setting`: its default, doc and allowed values."""

from __future__ import annotations

from dataclasses import dataclass

from builder.schema import setting

DATASET_KINDS = ("demo", "coco", "manifest", "folder", "embeddings")
UMAP_BACKENDS = ("auto", "umap-learn", "cuml")
KNN_METHODS = ("auto", "exact", "approx")
DEVICES = ("auto", "cpu", "cuda", "mps")
PROJECTIONS = ("umap", "pca", "tsne")  # builder.compute.projection: the 3D layouts the explorer can switch between


def _slug_ok(name: str) -> bool:
    """ASCII only: the name becomes a folder and a URL path (data/<name>/)."""
    return not name or (name.isascii() and name.replace("-", "").replace("_", "").isalnum())


@dataclass(frozen=True)
class DatasetConfig:
    """[dataset]: where the images and captions come from."""

    kind: str = setting("demo", choices=DATASET_KINDS, doc=(
        "demo: the generated shapes world; coco: a COCO folder; manifest: a .jsonl/.csv file of "
        "images and captions; folder: a folder of images (sub-folders are labels); embeddings: precomputed "
        "embeddings, a clip-retrieval output folder (img_emb/, text_emb/, metadata/) or a .parquet table "
        "with a vector column (no model needed; the analyses that need one are skipped)"))
    path: str = setting("", doc=(
        "dataset root (coco: the folder with the images; manifest: the .jsonl/.csv file; folder: "
        "the root); required unless kind = demo; relative to the config file"))
    name: str = setting("", check=_slug_ok, allowed="ASCII letters, digits, '-' and '_'", doc=(
        "short name used in URLs (data/<name>/); empty: the kind"))
    limit: int = setting(0, lo=0, allowed="0 (all) or a positive integer", doc=(
        "keep at most this many images (0 = all), a sample drawn with `seed`"))
    seed: int = setting(0, doc="sampling seed (and the demo world's generator seed)")
    size: int = setting(5000, lo=1, allowed="a positive integer", doc=(
        "demo world only: number of images to generate"))
    world: int = setting(1, lo=1, hi=2, doc=(
        "demo world only: 1 (shapes, colours, sizes, backgrounds, a few written words) or 2 (written words "
        "in three sizes that captions mention, synonyms and prefixes in captions, 4:3 and 3:4 images; "
        "train a model for it with `train-demo --world 2` and build with --checkpoint FILE)"))
    captions: str = setting("", doc="coco: the captions_*.json file; required when kind = coco")
    instances: str = setting("", doc="coco: the instances_*.json file (optional; category labels and object boxes)")
    karpathy: str = setting("", doc="coco: the Karpathy split file dataset_coco.json (optional)")
    split: str = setting("", doc="coco: keep this Karpathy split only, e.g. \"test\"; needs `karpathy`")
    vector_column: str = setting("vector", doc="embeddings (.parquet): the column holding each row's image embedding")
    text_vector_column: str = setting("text_vector", doc=(
        "embeddings (.parquet): the column holding each row's caption embedding (optional)"))

    @property
    def slug(self) -> str:
        return self.name or self.kind

    def rules(self):
        if self.kind != "demo" and not self.path:
            yield f"dataset.path is required when dataset.kind = {self.kind!r}"
        if self.kind == "coco" and not self.captions:
            yield "dataset.captions (the captions_*.json file) is required when dataset.kind = 'coco'"
        if self.split and not self.karpathy:
            yield "dataset.split needs dataset.karpathy (the dataset_coco.json split file)"


@dataclass(frozen=True)
class ModelConfig:
    """[model]: which CLIP to use, a registry name or an open_clip architecture with weights."""

    name: str = setting("demo", doc=(
        "registry name (see `python -m builder info --models`), e.g. \"demo\", \"ViT-B-32/openai\"; "
        "ignored when `arch` is set"))
    arch: str = setting("", doc="open_clip architecture name, e.g. \"ViT-B-32-quickgelu\"")
    pretrained: str = setting("", doc=(
        "open_clip pretrained tag for `arch`, e.g. \"openai\" (downloaded once into the usual cache)"))
    checkpoint: str = setting("", doc="path to a local checkpoint file for `arch`")


@dataclass(frozen=True)
class EmbedConfig:
    """[embed]: how images and captions are run through the model."""

    batch_size: int = setting(64, lo=1, doc="images or captions per forward pass")
    workers: int = setting(2, lo=0, doc="image-loading worker processes (0 = load in the main process)")
    device: str = setting("auto", choices=DEVICES, doc="where the model runs; auto: cuda, else mps, else cpu")
    checkpoint_every: int = setting(2048, lo=1, doc=(
        "images embedded between two cache checkpoints (an interrupted build resumes from the last one)"))


@dataclass(frozen=True)
class ProjectionConfig:
    """[projection]: the 3-D layouts of images and captions together (UMAP, PCA, t-SNE)."""

    methods: tuple = setting(PROJECTIONS, item=str, choices=PROJECTIONS, min_len=1, doc=(
        "the 3D projections to build, the first is the explorer's starting one: umap (non-linear, "
        "local neighbourhoods), pca (linear: the modality gap and global directions stay visible), "
        "tsne (openTSNE, Barnes-Hut); a method listed twice is built once"))
    tsne_max_points: int = setting(20000, lo=0, doc=(
        "t-SNE is skipped, and the skip reported, above this many points (0 = never skip); its "
        "3D Barnes-Hut method costs minutes at tens of thousands of points"))
    tsne_perplexity: float = setting(30.0, lo=2.0, hi=100.0, doc="t-SNE perplexity (capped at (points - 1) / 3)")

    n_neighbors: int = setting(15, lo=2, hi=200, doc="UMAP neighbourhood size (cosine metric)")
    min_dist: float = setting(0.1, lo=0.0, hi=1.0, doc="UMAP minimum distance between laid-out points")
    seed: int = setting(0, doc="UMAP and t-SNE random seed")
    parallel: bool = setting(False, doc=(
        "run umap-learn on every core (faster, but not seeded: positions change between builds); "
        "false: seeded and single-threaded, the same bytes every build (--umap-parallel)"))
    fit_sample_above: int = setting(200000, lo=0, doc=(
        "above this many distinct points UMAP is fitted on a seeded sample of `fit_sample` points and "
        "the rest are placed by umap-learn's transform (0 = always fit on all)"))
    fit_sample: int = setting(100000, lo=100, doc="points UMAP is fitted on above `fit_sample_above`")
    backend: str = setting("auto", choices=UMAP_BACKENDS, doc=(
        "auto: RAPIDS cuML's UMAP on a CUDA device when installed (pip install clip-atlas[gpu]), else "
        "umap-learn; cuml: require it"))


@dataclass(frozen=True)
class LocalConfig:
    """[local]: each point's neighbourhood view (nearest neighbours and their local PCA)."""

    k: int = setting(30, lo=2, hi=256, doc="nearest neighbours per point (capped at the number of points - 1)")
    rows_per_shard: int = setting(256, lo=1, doc="points per neighbourhood data file the explorer fetches")
    knn: str = setting("auto", choices=KNN_METHODS, doc=(
        "nearest neighbours (of the local views and UMAP): exact (blocked matmul + top-k), approx "
        "(pynndescent's index), auto: exact on a GPU or up to `exact_max` points, approx above"))
    exact_max: int = setting(200000, lo=1, doc="auto: the most distinct points whose kNN is exact on a CPU")
    recall_sample: int = setting(1000, lo=10, doc="approx kNN: points whose recall@k against exact is measured")


@dataclass(frozen=True)
class MetricsConfig:
    """[metrics]: retrieval recall and zero-shot accuracy."""

    recall_queries_above: int = setting(20000, lo=0, doc=(
        "above this many images (or captions), retrieval recall uses a seeded sample of `recall_queries` "
        "queries each way, ranked against the whole gallery (0 = always all)"))
    recall_queries: int = setting(5000, lo=100, doc="query sample size above `recall_queries_above`")
    seed: int = setting(0, doc="query sample seed")


@dataclass(frozen=True)
class ClusterConfig:
    """[cluster]: k-means clusters of the joint embedding."""

    n_clusters: int = setting(12, lo=1, hi=254, doc="number of k-means clusters (capped at the number of points)")
    seed: int = setting(0, doc="k-means random seed")


@dataclass(frozen=True)
class SiteConfig:
    """[site]: the generated site."""

    title: str = setting("CLIP Atlas", doc="site title, shown in the header and the page titles")
    thumb_size: int = setting(64, lo=16, hi=256, doc="side of the image thumbnails in the explorer's atlas, in pixels")
    category_field: str = setting("", doc="label field the explorer colours by (\"\" = the one rule: the field most "
                                          "images have, ties to the first; see records.Collection.category_field)")


@dataclass(frozen=True)
class BrowserModelConfig:
    """[browser_model]: the model in the reader's browser (builder.browser_model): the text tower (and
    a small image tower) as ONNX, the tokenizer, a query index and dense patch features."""

    enabled: bool = setting(True, doc="export the model for the explorer's Ask box (false: word search only)")
    int8: bool = setting(True, doc="ship int8 (dynamically quantised) towers when their parity holds, else fp32")
    min_cosine: float = setting(0.99, lo=0.0, hi=1.0, doc="int8 parity: least cosine to torch on the parity inputs")
    parity_texts: int = setting(256, lo=1, hi=100000, doc="captions (and prompts) the text tower's parity is measured on")
    parity_images: int = setting(64, lo=1, hi=10000, doc="dataset images the image tower's parity is measured on")
    image_tower: str = setting("auto", choices=("auto", "on", "off"), doc=(
        "auto: export the image tower when its int8 file stays under image_max_mb; on: always; off: never"))
    image_max_mb: float = setting(20.0, lo=0.0, doc="auto: the largest image tower (int8, about 1 byte per weight) exported")
    shard_rows: int = setting(200000, lo=1, doc="query index: above this many points, split into k-means shards")
    shard_clusters: int = setting(0, lo=0, allowed="0 (about 2 sqrt(points)) or a positive integer", doc=(
        "query index: number of shards (coarse clusters) when sharded"))
    probe: int = setting(12, lo=1, doc="query index: shards probed per query (recall@10 is measured with this)")
    recall_queries: int = setting(1000, lo=1, doc="query index: rows used as queries to measure recall@10")
    dense_images: int = setting(500, lo=0, allowed="0 (no dense features) or a positive integer", doc=(
        "images with dense patch features for any-prompt saliency (all images when fewer; a seeded sample otherwise)"))
    dense_method: str = setting("clearclip", choices=("clearclip", "tokens"), doc=(
        "ViT dense features: clearclip (last block's query-query attention, no residual/MLP) or tokens "
        "(the output tokens); ResNets always use tokens"))
    seed: int = setting(0, doc="sampling and k-means seed")


CORE_SECTIONS = {
    "dataset": DatasetConfig, "model": ModelConfig, "embed": EmbedConfig, "projection": ProjectionConfig,
    "local": LocalConfig, "cluster": ClusterConfig, "metrics": MetricsConfig, "site": SiteConfig,
    "browser_model": BrowserModelConfig,
}

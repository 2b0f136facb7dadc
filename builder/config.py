"""Build configuration: frozen dataclasses, loaded from TOML and validated once.

Errors name the offending field and the values it allows. Every section and field is optional;
the defaults build the demo world with the demo model.
"""

from __future__ import annotations

import dataclasses
import tomllib
from dataclasses import dataclass, field, fields
from pathlib import Path


class ConfigError(ValueError):
    """A configuration value is missing, of the wrong type or not among the allowed values."""


DATASET_KINDS = ("demo", "coco", "manifest", "folder")
DEVICES = ("auto", "cpu", "cuda", "mps")


@dataclass(frozen=True)
class DatasetConfig:
    """Where the images and captions come from.

    kind      one of demo, coco, manifest, folder
    path      dataset root (coco: folder with images; manifest: the .jsonl/.csv file; folder: root)
    name      short name used in URLs (data/<name>/); defaults to the kind
    limit     keep at most this many images (0 = all), sampled with `seed`
    seed      sampling seed (and the demo world's generator seed)
    size      demo world only: number of images to generate
    """

    kind: str = "demo"
    path: str = ""
    name: str = ""
    limit: int = 0
    seed: int = 0
    size: int = 5000
    captions: str = ""  # coco: captions_*.json
    instances: str = ""  # coco: instances_*.json (optional)
    karpathy: str = ""  # coco: dataset_coco.json (optional)
    split: str = ""  # coco karpathy split, e.g. "test"

    @property
    def slug(self) -> str:
        return self.name or self.kind


@dataclass(frozen=True)
class ModelConfig:
    """Which CLIP to use: a registry name (see `builder.models.registry`), or arch + weights.

    name        registry name, e.g. "demo", "ViT-B-32/openai"; ignored when `arch` is set
    arch        open_clip architecture name, e.g. "ViT-B-32-quickgelu"
    pretrained  open_clip pretrained tag, e.g. "openai" (downloaded once into the usual cache)
    checkpoint  path to a local checkpoint file for `arch`
    """

    name: str = "demo"
    arch: str = ""
    pretrained: str = ""
    checkpoint: str = ""


@dataclass(frozen=True)
class EmbedConfig:
    batch_size: int = 64
    workers: int = 2
    device: str = "auto"


@dataclass(frozen=True)
class ProjectionConfig:
    n_neighbors: int = 15
    min_dist: float = 0.1
    seed: int = 0


@dataclass(frozen=True)
class LocalConfig:
    k: int = 30
    rows_per_shard: int = 256


@dataclass(frozen=True)
class ClusterConfig:
    n_clusters: int = 12
    seed: int = 0


@dataclass(frozen=True)
class SiteConfig:
    title: str = "CLIP Atlas"
    thumb_size: int = 64
    category_field: str = ""  # label field the explorer colours by; "" = the dataset's one rule (records.Collection)


# -- analyses (each section belongs to builder.analyses.<name>) -----------------------------------

DEFAULT_PREFIXES = ("a photo of ", "", "an image of ")


@dataclass(frozen=True)
class SaliencyConfig:
    """Saliency maps for curated (image, prompt) sets; see `builder.analyses.saliency`.

    enabled           run the analysis
    images            images that get a curated prompt set (a seeded sample; 1..1000)
    word_images       of those, how many carry a written word (typographic attacks), if the
                      dataset has any (0..1000; capped at `images`)
    seed              sampling seed
    prefixes          prompt primes: the object phrase ("a red circle") is shown with each
                      prefix side by side, e.g. ["a photo of ", "", "an image of "]; the first
                      one also starts the other prompts
    prompts           extra prompts for every curated image; "{field}" is replaced by the image's
                      label of that field (e.g. "a {colour} thing"); images lacking it skip it
    category_prompts  extra prompts per value of the category (first label) field, a table:
                      circle = ["a round thing", "a ball"]
    image_prompts     extra prompts per image id, a table: "item-0007" = ["a red ball"]
    max_prompts       at most this many prompts per image (2..32)
    vit_blocks        ViT towers: propagate the relevancy through the last n blocks (0 = all)
    batch             (image, prompt) pairs per backward pass (1..1024)
    image_px          side of the images written for the page, in pixels (32..512)
    eval_images       images with a ground-truth box used for the pointing game and the deletion
                      curves (0 = skip both)
    deletion_steps    steps of the deletion curves (2..100)
    """

    enabled: bool = False
    images: int = 48
    word_images: int = 12
    seed: int = 0
    prefixes: tuple = field(default_factory=lambda: DEFAULT_PREFIXES)
    prompts: tuple = field(default_factory=tuple)
    category_prompts: dict = field(default_factory=dict)
    image_prompts: dict = field(default_factory=dict)
    max_prompts: int = 12
    vit_blocks: int = 0
    batch: int = 32
    image_px: int = 128
    eval_images: int = 100
    deletion_steps: int = 10


@dataclass(frozen=True)
class NeuronsConfig:
    """Neuron galleries: images optimised to excite single units, beside their dataset exemplars.

    layers          layer names from `python -m builder info --layers` (MLP units after the GELU
                    "visual.transformer.resblocks.3.mlp.gelu", residual stream
                    "visual.transformer.resblocks.3", attention heads "...resblocks.3.attn",
                    ResNet stages "visual.layer3", blocks, convs); empty: an early, a middle and
                    the last block's MLP (ResNet: layer2, layer3, layer4)
    units           which units of every chosen layer: "0:16", "0:64:4", "all", "3,17,42" or a
                    list of integers
    steps           optimisation steps per image (the usual recipe: 512)
    lr              Adam learning rate
    batch_size      units optimised together in one batch (one image each)
    size            optimised image side in pixels (0: the model's input size)
    robustness      random pad, jitter, scale and rotation while optimising
    fourier         decorrelated Fourier parameterisation (false: plain pixels)
    decorrelate     colour decorrelation
    seed            seed of every image's start and transforms
    top_k           dataset exemplars shown per unit
    exemplars       how exemplars are ranked: "peak" (the unit's strongest position in the image,
                    as OpenAI Microscope does) or "mean" (its mean over positions, the quantity the
                    optimisation maximises)
    crop            side of an exemplar crop around the unit's strongest position (fraction of the image)
    captions        captions shown per unit (nearest to the mean embedding of its exemplars)
    image_px        side of the stored optimised images
    tile_px         side of the stored exemplar tiles
    sequential_check  re-run this many units one at a time, to time the batching and check that
                    both routes give the same images (0: skip)
    """

    enabled: bool = False
    layers: tuple = ()
    units: str = field(default="0:16", metadata={"types": (str, tuple)})
    steps: int = 512
    lr: float = 0.05
    batch_size: int = 64
    size: int = 0
    robustness: bool = True
    fourier: bool = True
    decorrelate: bool = True
    seed: int = 0
    top_k: int = 8
    exemplars: str = "peak"
    crop: float = 0.5
    captions: int = 5
    image_px: int = 128
    tile_px: int = 64
    sequential_check: int = 0


@dataclass(frozen=True)
class TopologyConfig:
    """Persistence diagrams, diagram distances, subspace angles, modality gap (analyses.topology).

    category_field        label field whose values are the categories; "" = "colour" if the
                          dataset has it, else the field with the fewest (>= 2) values
    max_points            each point set is cut to this many points by greedy (farthest-point)
                          subsampling, ripser's n_perm, before its diagram is computed
    exact_max_points      diagrams with more finite points than this are compared with the sliced
                          Wasserstein approximation instead of exact Wasserstein and bottleneck
    sliced_directions     directions of the sliced Wasserstein approximation
    blur_sigmas           Gaussian blur levels (pixels of the model's input); 0 = the original
    noise_std             Gaussian pixel-noise levels (standard deviation, pixel values in 0..1)
    salt_pepper           salt-and-pepper levels (fraction of pixels set to black or white)
    perturb_per_category  images per category that are re-embedded at every blur / noise level
    subspace_energy       a category's principal subspace keeps this share of its energy ...
    subspace_max_dim      ... with at most this many dimensions
    seed                  sampling and noise seed
    """

    enabled: bool = False
    category_field: str = ""
    max_points: int = 200
    exact_max_points: int = 300
    sliced_directions: int = 50
    blur_sigmas: tuple = (0.0, 1.0, 2.0, 3.0, 4.0, 5.0)
    noise_std: tuple = (0.05, 0.1)
    salt_pepper: tuple = (0.02, 0.05)
    perturb_per_category: int = 20
    subspace_energy: float = 0.9
    subspace_max_dim: int = 10
    seed: int = 0


@dataclass(frozen=True)
class RobustnessConfig:
    """Similarity under perturbation, preprocessing choices, activation sparsity, few-pixel
    attacks (analyses.robustness).

    images          seeded sample of images that every sweep uses
    grey_fractions  fractions of pixels replaced by grey
    blur_sigmas     Gaussian blur levels (pixels of the model's input)
    noise_std       Gaussian pixel-noise levels (standard deviation, pixel values in 0..1)
    salt_pepper     salt-and-pepper levels (fraction of pixels set to black or white)
    sparsity_eps    an activation a counts as near zero when |a| < sparsity_eps
    blend_steps     steps of the noise -> image blend for the activation dynamics
    attack_images   images for the few-pixel attack (0 = no attack)
    attack_pixels   pixel budgets of the attack, increasing
    category_field  label field the attack's zero-shot classifier predicts; "" = as topology
    seed            sampling and noise seed
    """

    enabled: bool = False
    images: int = 64
    grey_fractions: tuple = (0.0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0)
    blur_sigmas: tuple = (0.0, 0.5, 1.0, 2.0, 3.0, 4.0, 5.0)
    noise_std: tuple = (0.0, 0.02, 0.05, 0.1, 0.2, 0.4)
    salt_pepper: tuple = (0.0, 0.01, 0.02, 0.05, 0.1, 0.2)
    sparsity_eps: float = 0.05
    blend_steps: int = 5
    attack_images: int = 16
    attack_pixels: tuple = (1, 4, 16, 64, 256)
    category_field: str = ""
    seed: int = 0


@dataclass(frozen=True)
class Config:
    dataset: DatasetConfig = field(default_factory=DatasetConfig)
    model: ModelConfig = field(default_factory=ModelConfig)
    embed: EmbedConfig = field(default_factory=EmbedConfig)
    projection: ProjectionConfig = field(default_factory=ProjectionConfig)
    local: LocalConfig = field(default_factory=LocalConfig)
    cluster: ClusterConfig = field(default_factory=ClusterConfig)
    site: SiteConfig = field(default_factory=SiteConfig)
    saliency: SaliencyConfig = field(default_factory=SaliencyConfig)
    neurons: NeuronsConfig = field(default_factory=NeuronsConfig)
    topology: TopologyConfig = field(default_factory=TopologyConfig)
    robustness: RobustnessConfig = field(default_factory=RobustnessConfig)
    cache_dir: str = ""
    strict: bool = False
    base_dir: str = "."  # folder relative paths are resolved against (the config file's)

    def as_dict(self) -> dict:
        return dataclasses.asdict(self)

    def resolve(self, path: str) -> Path:
        """A path from the config, relative to the config file's folder."""
        p = Path(path).expanduser()
        return p if p.is_absolute() else (Path(self.base_dir) / p)


_TYPE_WORDS = {tuple: "a list", str: "a string"}  # as a TOML file calls them


def _build(cls, data: dict, where: str):
    """Instantiate dataclass `cls` from `data`, checking names and types field by field."""
    if not isinstance(data, dict):
        raise ConfigError(f"[{where}] must be a table, got {type(data).__name__}")
    known = {f.name: f for f in fields(cls)}
    unknown = sorted(set(data) - set(known))
    if unknown:
        raise ConfigError(
            f"unknown field {where + '.' if where else ''}{unknown[0]}; allowed: {', '.join(sorted(known))}"
        )
    kwargs = {}
    for name, value in data.items():
        f = known[name]
        full = f"{where}.{name}" if where else name
        if dataclasses.is_dataclass(f.default_factory if f.default_factory is not dataclasses.MISSING else None):
            kwargs[name] = _build(f.default_factory, value, full)
            continue
        expected = f.metadata.get("types") or (type(f.default) if f.default is not dataclasses.MISSING else None)
        if expected is None and f.default_factory is not dataclasses.MISSING:  # a collection (tuple or table)
            expected = type(f.default_factory())
        if expected is float and isinstance(value, int) and not isinstance(value, bool):
            value = float(value)
        if isinstance(value, list) and (expected is tuple or isinstance(expected, tuple) and tuple in expected):  # TOML arrays
            value = tuple(value)
        if expected is not None and not isinstance(value, expected) or (
            expected is int and isinstance(value, bool)
        ):
            what = " or ".join(_TYPE_WORDS.get(t, t.__name__) for t in (expected if isinstance(expected, tuple) else (expected,)))
            raise ConfigError(f"{full} must be {what}, got {value!r}")
        kwargs[name] = value
    return cls(**kwargs)


def validate(cfg: Config) -> Config:
    """Check values that types alone cannot; returns `cfg` unchanged or raises ConfigError."""
    checks = [
        (cfg.dataset.kind in DATASET_KINDS, "dataset.kind", cfg.dataset.kind, ", ".join(DATASET_KINDS)),
        (cfg.embed.device in DEVICES, "embed.device", cfg.embed.device, ", ".join(DEVICES)),
        (cfg.embed.batch_size >= 1, "embed.batch_size", cfg.embed.batch_size, "an integer >= 1"),
        (cfg.embed.workers >= 0, "embed.workers", cfg.embed.workers, "an integer >= 0"),
        (cfg.dataset.limit >= 0, "dataset.limit", cfg.dataset.limit, "0 (all) or a positive integer"),
        (cfg.dataset.size >= 1, "dataset.size", cfg.dataset.size, "a positive integer"),
        (2 <= cfg.projection.n_neighbors <= 200, "projection.n_neighbors", cfg.projection.n_neighbors, "2..200"),
        (0.0 <= cfg.projection.min_dist <= 1.0, "projection.min_dist", cfg.projection.min_dist, "0.0..1.0"),
        (2 <= cfg.local.k <= 256, "local.k", cfg.local.k, "2..256"),
        (cfg.local.rows_per_shard >= 1, "local.rows_per_shard", cfg.local.rows_per_shard, "an integer >= 1"),
        (1 <= cfg.cluster.n_clusters <= 254, "cluster.n_clusters", cfg.cluster.n_clusters, "1..254"),
        (16 <= cfg.site.thumb_size <= 256, "site.thumb_size", cfg.site.thumb_size, "16..256"),
    ] + _neuron_checks(cfg.neurons)
    checks += _analysis_checks(cfg)
    for ok, name, value, allowed in checks:
        if not ok:
            raise ConfigError(f"{name} = {value!r} is not allowed; allowed: {allowed}")
    if cfg.dataset.kind != "demo" and not cfg.dataset.path:
        raise ConfigError(f"dataset.path is required when dataset.kind = {cfg.dataset.kind!r}")
    if cfg.dataset.kind == "coco" and not cfg.dataset.captions:
        raise ConfigError("dataset.captions (the captions_*.json file) is required when dataset.kind = 'coco'")
    if cfg.dataset.split and not cfg.dataset.karpathy:
        raise ConfigError("dataset.split needs dataset.karpathy (the dataset_coco.json split file)")
    _validate_saliency(cfg.saliency)
    slug = cfg.dataset.slug
    if not slug.replace("-", "").replace("_", "").isalnum():
        raise ConfigError(f"dataset.name = {slug!r} is not allowed; allowed: letters, digits, '-' and '_'")
    return cfg


def _is_str_list(value) -> bool:
    return isinstance(value, (list, tuple)) and all(isinstance(v, str) for v in value)


def _validate_saliency(s: SaliencyConfig) -> None:
    checks = [
        (1 <= s.images <= 1000, "saliency.images", s.images, "1..1000"),
        (0 <= s.word_images <= 1000, "saliency.word_images", s.word_images, "0..1000 (at most saliency.images are used)"),
        (2 <= s.max_prompts <= 32, "saliency.max_prompts", s.max_prompts, "2..32"),
        (s.vit_blocks >= 0, "saliency.vit_blocks", s.vit_blocks, "0 (all blocks) or a positive integer"),
        (1 <= s.batch <= 1024, "saliency.batch", s.batch, "1..1024"),
        (32 <= s.image_px <= 512, "saliency.image_px", s.image_px, "32..512"),
        (0 <= s.eval_images <= 10000, "saliency.eval_images", s.eval_images, "0 (skip) .. 10000"),
        (2 <= s.deletion_steps <= 100, "saliency.deletion_steps", s.deletion_steps, "2..100"),
        (_is_str_list(s.prefixes) and len(s.prefixes) >= 1, "saliency.prefixes", s.prefixes,
         "a non-empty list of strings, e.g. [\"a photo of a \", \"\"]"),
        (_is_str_list(s.prompts), "saliency.prompts", s.prompts, "a list of strings"),
    ]
    for ok, name, value, allowed in checks:
        if not ok:
            raise ConfigError(f"{name} = {value!r} is not allowed; allowed: {allowed}")
    for name in ("category_prompts", "image_prompts"):
        table = getattr(s, name)
        if not isinstance(table, dict):
            raise ConfigError(f"saliency.{name} must be a table of lists of strings, got {type(table).__name__}")
        for key, prompts in table.items():
            if not _is_str_list(prompts):
                raise ConfigError(f"saliency.{name}.{key} = {prompts!r} is not allowed; allowed: a list of strings")
    for p in (*s.prefixes, *s.prompts, *(q for t in (s.category_prompts, s.image_prompts) for v in t.values() for q in v)):
        if len(p) > 200:
            raise ConfigError(f"saliency prompt {p[:40]!r}... is {len(p)} characters long; allowed: at most 200")


def _neuron_checks(n: NeuronsConfig) -> list:
    layers_ok = isinstance(n.layers, (list, tuple)) and all(isinstance(x, str) and x for x in n.layers)
    units_ok = isinstance(n.units, str) and n.units.strip() != "" or isinstance(n.units, (list, tuple)) and bool(
        n.units) and all(isinstance(u, int) and not isinstance(u, bool) and u >= 0 for u in n.units)
    return [
        (layers_ok, "neurons.layers", n.layers, "a list of layer names (see `python -m builder info --layers`)"),
        (units_ok, "neurons.units", n.units, "'all', a range like '0:64', '1,5,9' or a list of integers >= 0"),
        (1 <= n.steps <= 10000, "neurons.steps", n.steps, "1..10000"),
        (0.0 < n.lr <= 10.0, "neurons.lr", n.lr, "a number in (0, 10]"),
        (1 <= n.batch_size <= 4096, "neurons.batch_size", n.batch_size, "1..4096"),
        (n.size == 0 or 16 <= n.size <= 1024, "neurons.size", n.size, "0 (the model's input size) or 16..1024"),
        (1 <= n.top_k <= 64, "neurons.top_k", n.top_k, "1..64"),
        (n.exemplars in ("peak", "mean"), "neurons.exemplars", n.exemplars, "peak, mean"),
        (0.0 < n.crop <= 1.0, "neurons.crop", n.crop, "a fraction in (0, 1]"),
        (0 <= n.captions <= 50, "neurons.captions", n.captions, "0..50"),
        (32 <= n.image_px <= 512, "neurons.image_px", n.image_px, "32..512"),
        (16 <= n.tile_px <= 256, "neurons.tile_px", n.tile_px, "16..256"),
        (n.sequential_check >= 0, "neurons.sequential_check", n.sequential_check, "an integer >= 0"),
    ]


def _levels(values, lo: float, hi: float, kind=(int, float)) -> bool:
    """A non-empty tuple of numbers in lo..hi."""
    return bool(values) and all(isinstance(v, kind) and not isinstance(v, bool) and lo <= v <= hi
                                for v in values)


def _analysis_checks(cfg: Config) -> list[tuple]:
    t, r = cfg.topology, cfg.robustness
    return [
        (8 <= t.max_points <= 20000, "topology.max_points", t.max_points, "8..20000"),
        (t.exact_max_points >= 1, "topology.exact_max_points", t.exact_max_points, "an integer >= 1"),
        (1 <= t.sliced_directions <= 1000, "topology.sliced_directions", t.sliced_directions, "1..1000"),
        (_levels(t.blur_sigmas, 0, 50) and t.blur_sigmas[0] == 0, "topology.blur_sigmas", t.blur_sigmas,
         "numbers in 0..50, starting with 0 (the original)"),
        (_levels(t.noise_std, 0, 1) or t.noise_std == (), "topology.noise_std", t.noise_std, "numbers in 0..1"),
        (_levels(t.salt_pepper, 0, 1) or t.salt_pepper == (), "topology.salt_pepper", t.salt_pepper,
         "numbers in 0..1"),
        (2 <= t.perturb_per_category <= 5000, "topology.perturb_per_category", t.perturb_per_category, "2..5000"),
        (0.0 < t.subspace_energy <= 1.0, "topology.subspace_energy", t.subspace_energy, "a number in (0, 1]"),
        (1 <= t.subspace_max_dim <= 256, "topology.subspace_max_dim", t.subspace_max_dim, "1..256"),
        (2 <= r.images <= 4096, "robustness.images", r.images, "2..4096"),
        (_levels(r.grey_fractions, 0, 1), "robustness.grey_fractions", r.grey_fractions, "numbers in 0..1"),
        (_levels(r.blur_sigmas, 0, 50), "robustness.blur_sigmas", r.blur_sigmas, "numbers in 0..50"),
        (_levels(r.noise_std, 0, 1), "robustness.noise_std", r.noise_std, "numbers in 0..1"),
        (_levels(r.salt_pepper, 0, 1), "robustness.salt_pepper", r.salt_pepper, "numbers in 0..1"),
        (0.0 <= r.sparsity_eps <= 10.0, "robustness.sparsity_eps", r.sparsity_eps, "a number in 0..10"),
        (2 <= r.blend_steps <= 50, "robustness.blend_steps", r.blend_steps, "2..50"),
        (0 <= r.attack_images <= 1024, "robustness.attack_images", r.attack_images, "0..1024"),
        (_levels(r.attack_pixels, 1, 1 << 20, int) and list(r.attack_pixels) == sorted(set(r.attack_pixels)),
         "robustness.attack_pixels", r.attack_pixels, "increasing integers >= 1"),
    ]


def from_dict(data: dict, base_dir: str = ".") -> Config:
    cfg = _build(Config, {**data, "base_dir": data.get("base_dir", base_dir)}, "")
    return validate(cfg)


def load(path: str | Path | None = None, **overrides) -> Config:
    """Load a TOML config (or the defaults when `path` is None) and apply dotted overrides.

    `overrides` maps "section.field" (with "." replaced by "__") to a value; None values are
    ignored, so CLI options can be passed straight through.
    """
    data: dict = {}
    base = "."
    if path is not None:
        p = Path(path)
        if not p.is_file():
            raise ConfigError(f"config file {str(p)!r} does not exist")
        try:
            data = tomllib.loads(p.read_text(encoding="utf-8"))
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(f"config file {str(p)!r} is not valid TOML: {exc}") from None
        base = str(p.resolve().parent)
    for key, value in overrides.items():
        if value is None:
            continue
        section, _, name = key.partition("__")
        if name:
            data.setdefault(section, {})[name] = value
        else:
            data[section] = value
    return from_dict(data, base_dir=base)

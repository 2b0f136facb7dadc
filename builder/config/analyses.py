"""The analyses' config sections, one per analysis in `builder.analyses`.

Each section is self-contained (its class, defaults, allowed values and rules) so that it can
move into its analysis package; `ANALYSIS_SECTIONS` is what the top-level Config reads: adding
an analysis adds one entry there.
"""

from __future__ import annotations

from dataclasses import dataclass

from builder.config.schema import NUMBER, Spec, setting

DEFAULT_PREFIXES = ("a photo of ", "", "an image of ")
MAX_PROMPT_CHARS = 200
_STR_LIST = Spec(types=(tuple,), item=str, allowed="a list of strings")


@dataclass(frozen=True)
class SaliencyConfig:
    """[saliency]: saliency maps for curated (image, prompt) sets (builder.analyses.saliency)."""

    enabled: bool = setting(False, doc="run the analysis")
    images: int = setting(48, lo=1, hi=1000, doc="images that get a curated prompt set (a seeded sample)")
    word_images: int = setting(12, lo=0, hi=1000, allowed="0..1000 (at most saliency.images are used)", doc=(
        "of those, how many carry a written word (typographic attacks), if the dataset has any"))
    seed: int = setting(0, doc="sampling seed")
    prefixes: tuple = setting(DEFAULT_PREFIXES, item=str, min_len=1, doc=(
        "prompt primes: the object phrase (\"a red circle\") is shown with each prefix side by side; "
        "the first one also starts the other prompts"),
        allowed="a non-empty list of strings, e.g. [\"a photo of a \", \"\"]")
    prompts: tuple = setting((), item=str, allowed="a list of strings", doc=(
        "extra prompts for every curated image; \"{field}\" is replaced by the image's label of that "
        "field (e.g. \"a {colour} thing\"); images lacking the label skip the prompt"))
    category_prompts: dict = setting({}, item=_STR_LIST, allowed="a table of lists of strings", doc=(
        "extra prompts per value of the category (first label) field, a table: "
        "circle = [\"a round thing\", \"a ball\"]"))
    image_prompts: dict = setting({}, item=_STR_LIST, allowed="a table of lists of strings", doc=(
        "extra prompts per image id, a table: \"item-0007\" = [\"a red ball\"]"))
    max_prompts: int = setting(12, lo=2, hi=32, doc="at most this many prompts per image")
    vit_blocks: int = setting(0, lo=0, allowed="0 (all blocks) or a positive integer", doc=(
        "ViT towers: propagate the relevancy through the last n blocks (0 = all)"))
    batch: int = setting(32, lo=1, hi=1024, doc="(image, prompt) pairs per backward pass")
    image_px: int = setting(128, lo=32, hi=512, doc="side of the images written for the page, in pixels")
    eval_images: int = setting(100, lo=0, hi=10000, allowed="0 (skip) .. 10000", doc=(
        "images with a ground-truth box used for the pointing game and the deletion curves (0 = skip both)"))
    deletion_steps: int = setting(10, lo=2, hi=100, doc="steps of the deletion curves")

    def rules(self):
        tables = (self.category_prompts, self.image_prompts)
        for p in (*self.prefixes, *self.prompts, *(q for t in tables for v in t.values() for q in v)):
            if len(p) > MAX_PROMPT_CHARS:
                yield f"saliency prompt {p[:40]!r}... is {len(p)} characters long; allowed: at most {MAX_PROMPT_CHARS}"
                return


def _units_ok(units) -> bool:
    if isinstance(units, str):
        return units.strip() != ""
    return bool(units) and all(isinstance(u, int) and not isinstance(u, bool) and u >= 0 for u in units)


@dataclass(frozen=True)
class NeuronsConfig:
    """[neurons]: neuron galleries, images optimised to excite single units beside their dataset
    exemplars (builder.analyses.neurons)."""

    enabled: bool = setting(False, doc="run the analysis")
    layers: tuple = setting((), item=str, check=all, doc=(
        "layer names from `python -m builder info --layers` (MLP units after the GELU "
        "\"visual.transformer.resblocks.3.mlp.gelu\", residual stream \"visual.transformer.resblocks.3\", "
        "attention heads \"...resblocks.3.attn\", ResNet stages \"visual.layer3\", blocks, convs); empty: "
        "an early, a middle and the last block's MLP (ResNet: layer2, layer3, layer4)"),
        allowed="a list of layer names (see `python -m builder info --layers`)")
    units: str = setting("0:16", types=(str, tuple), check=_units_ok, doc=(
        "which units of every chosen layer: \"0:16\", \"0:64:4\", \"all\", \"3,17,42\" or a list of integers"),
        allowed="'all', a range like '0:64', '1,5,9' or a list of integers >= 0")
    steps: int = setting(512, lo=1, hi=10000, doc="optimisation steps per image (the usual recipe: 512)")
    lr: float = setting(0.05, lo=0.0, lo_open=True, hi=10.0, allowed="a number in (0, 10]", doc="Adam learning rate")
    batch_size: int = setting(64, lo=1, hi=4096, doc="units optimised together in one batch (one image each)")
    size: int = setting(0, lo=16, hi=1024, also=(0,), allowed="0 (the model's input size) or 16..1024", doc=(
        "optimised image side in pixels (0: the model's input size)"))
    robustness: bool = setting(True, doc="random pad, jitter, scale and rotation while optimising")
    fourier: bool = setting(True, doc="decorrelated Fourier parameterisation (false: plain pixels)")
    decorrelate: bool = setting(True, doc="colour decorrelation")
    seed: int = setting(0, doc="seed of every image's start and transforms")
    top_k: int = setting(8, lo=1, hi=64, doc="dataset exemplars shown per unit")
    exemplars: str = setting("peak", choices=("peak", "mean"), doc=(
        "how exemplars are ranked: \"peak\" (the unit's strongest position in the image, as OpenAI "
        "Microscope does) or \"mean\" (its mean over positions, the quantity the optimisation maximises)"))
    crop: float = setting(0.5, lo=0.0, lo_open=True, hi=1.0, allowed="a fraction in (0, 1]", doc=(
        "side of an exemplar crop around the unit's strongest position (fraction of the image)"))
    captions: int = setting(5, lo=0, hi=50, doc=(
        "captions shown per unit (nearest to the mean embedding of its exemplars)"))
    image_px: int = setting(128, lo=32, hi=512, doc="side of the stored optimised images, in pixels")
    tile_px: int = setting(64, lo=16, hi=256, doc="side of the stored exemplar tiles, in pixels")
    sequential_check: int = setting(0, lo=0, doc=(
        "re-run this many units one at a time, to time the batching and check that both routes give "
        "the same images (0: skip)"))


def _starts_at_zero(levels) -> bool:
    return levels[0] == 0


def _increasing(values) -> bool:
    return list(values) == sorted(set(values))


_BLUR = "Gaussian blur levels (pixels of the model's input)"
_NOISE = "Gaussian pixel-noise levels (standard deviation, pixel values in 0..1)"
_SALT = "salt-and-pepper levels (fraction of pixels set to black or white)"


@dataclass(frozen=True)
class TopologyConfig:
    """[topology]: persistence diagrams, diagram distances, subspace angles and the modality gap
    (builder.analyses.topology)."""

    enabled: bool = setting(False, doc="run the analysis")
    category_field: str = setting("", doc=(
        "label field whose values are the categories; empty: \"colour\" if the dataset has it, else "
        "the field with the fewest (>= 2) values"))
    max_points: int = setting(200, lo=8, hi=20000, doc=(
        "each point set is cut to this many points by greedy (farthest-point) subsampling, ripser's "
        "n_perm, before its diagram is computed"))
    exact_max_points: int = setting(300, lo=1, doc=(
        "diagrams with more finite points than this are compared with the sliced Wasserstein "
        "approximation instead of exact Wasserstein and bottleneck"))
    sliced_directions: int = setting(50, lo=1, hi=1000, doc="directions of the sliced Wasserstein approximation")
    blur_sigmas: tuple = setting((0.0, 1.0, 2.0, 3.0, 4.0, 5.0), item=NUMBER, lo=0, hi=50, min_len=1,
                                 check=_starts_at_zero, allowed="numbers in 0..50, starting with 0 (the original)",
                                 doc=_BLUR + "; 0 = the original")
    noise_std: tuple = setting((0.05, 0.1), item=NUMBER, lo=0, hi=1, allowed="numbers in 0..1", doc=_NOISE)
    salt_pepper: tuple = setting((0.02, 0.05), item=NUMBER, lo=0, hi=1, allowed="numbers in 0..1", doc=_SALT)
    perturb_per_category: int = setting(20, lo=2, hi=5000, doc=(
        "images per category that are re-embedded at every blur / noise level"))
    subspace_energy: float = setting(0.9, lo=0.0, lo_open=True, hi=1.0, allowed="a number in (0, 1]", doc=(
        "a category's principal subspace keeps this share of its energy ..."))
    subspace_max_dim: int = setting(10, lo=1, hi=256, doc="... with at most this many dimensions")
    seed: int = setting(0, doc="sampling and noise seed")


@dataclass(frozen=True)
class RobustnessConfig:
    """[robustness]: similarity under perturbation, preprocessing choices, activation sparsity and
    few-pixel attacks (builder.analyses.robustness)."""

    enabled: bool = setting(False, doc="run the analysis")
    images: int = setting(64, lo=2, hi=4096, doc="seeded sample of images that every sweep uses")
    grey_fractions: tuple = setting((0.0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0), item=NUMBER, lo=0,
                                    hi=1, min_len=1, allowed="numbers in 0..1",
                                    doc="fractions of pixels replaced by grey")
    blur_sigmas: tuple = setting((0.0, 0.5, 1.0, 2.0, 3.0, 4.0, 5.0), item=NUMBER, lo=0, hi=50, min_len=1,
                                 allowed="numbers in 0..50", doc=_BLUR)
    noise_std: tuple = setting((0.0, 0.02, 0.05, 0.1, 0.2, 0.4), item=NUMBER, lo=0, hi=1, min_len=1,
                               allowed="numbers in 0..1", doc=_NOISE)
    salt_pepper: tuple = setting((0.0, 0.01, 0.02, 0.05, 0.1, 0.2), item=NUMBER, lo=0, hi=1, min_len=1,
                                 allowed="numbers in 0..1", doc=_SALT)
    sparsity_eps: float = setting(0.05, lo=0.0, hi=10.0, allowed="a number in 0..10", doc=(
        "an activation a counts as near zero when |a| < sparsity_eps"))
    blend_steps: int = setting(5, lo=2, hi=50, doc="steps of the noise -> image blend for the activation dynamics")
    attack_images: int = setting(16, lo=0, hi=1024, doc="images for the few-pixel attack (0 = no attack)")
    attack_pixels: tuple = setting((1, 4, 16, 64, 256), item=int, lo=1, hi=1 << 20, min_len=1, check=_increasing,
                                   allowed="increasing integers >= 1", doc="pixel budgets of the attack, increasing")
    category_field: str = setting("", doc=(
        "label field the attack's zero-shot classifier predicts; empty: as topology.category_field"))
    seed: int = setting(0, doc="sampling and noise seed")


ANALYSIS_SECTIONS = {
    "saliency": SaliencyConfig, "neurons": NeuronsConfig, "topology": TopologyConfig, "robustness": RobustnessConfig,
}

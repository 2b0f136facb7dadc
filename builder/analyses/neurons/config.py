"""[neurons]: its config section."""

from __future__ import annotations

from dataclasses import dataclass

from builder.schema import setting


def _units_ok(units) -> bool:
    if isinstance(units, str):
        return units.strip() != ""
    return bool(units) and all(isinstance(u, int) and not isinstance(u, bool) and u >= 0 for u in units)


@dataclass(frozen=True)
class NeuronsConfig:
    """[neurons]: neuron galleries, images optimised to excite single units beside their dataset
    exemplars (builder.analyses.neurons)."""

    enabled: bool = setting(True, doc="run the analysis (false: leave it out of the site)")
    layers: tuple = setting((), item=str, check=all, doc=(
        "layer names from `python -m builder info --layers` (MLP units after the GELU "
        "\"visual.transformer.resblocks.3.mlp.gelu\", residual stream \"visual.transformer.resblocks.3\", "
        "attention heads \"...resblocks.3.attn\", attention output channels \"...resblocks.3.attn.out_proj\", "
        "ResNet stages \"visual.layer3\", blocks, convs); empty: every kind of every block for the demo model, "
        "of an early, a middle and the last block for any other ViT (ResNet: layer2, layer3, layer4)"),
        allowed="a list of layer names (see `python -m builder info --layers`)")
    units: str = setting("0:8", types=(str, tuple), check=_units_ok, doc=(
        "which units of every chosen layer: \"0:16\", \"0:64:4\", \"all\", \"3,17,42\" or a list of integers"),
        allowed="'all', a range like '0:64', '1,5,9' or a list of integers >= 0")
    steps: int = setting(0, lo=0, hi=10000, allowed="0 (auto) or 1..10000", doc=(
        "optimisation steps per image; 0: 64 for the demo model (its 64-pixel pictures need fewer: with the "
        "polish every one of its default units beats every dataset image), 512 for any other model (the usual recipe)"))
    polish: float = setting(0.1, lo=0.0, hi=1.0, allowed="a fraction in [0, 1]", doc=(
        "the last share of the steps optimises the image as it is measured, without the robustness transforms "
        "(0: transforms to the end; the measured activation then trails what the transforms let the image reach)"))
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
    concepts: str = setting("labels+captions", choices=("labels+captions", "labels", "captions", "none"), doc=(
        "the vocabulary units are named from (CLIP-Dissect style): the dataset's label values, the words "
        "of its captions, both, or none (no names)"))
    concept_min_count: int = setting(5, lo=1, doc="a caption word joins the vocabulary when it occurs this often")
    concept_limit: int = setting(400, lo=1, hi=20000, doc="most concepts in the vocabulary (label values first)")
    concept_template: str = setting("{}", check=lambda s: "{}" in s, allowed="a text containing {}", doc=(
        "the text each concept is embedded as (\"{}\": the concept alone; e.g. \"a photo of {}\")"))
    names: int = setting(3, lo=1, hi=20, doc="concepts listed per unit, best match first")

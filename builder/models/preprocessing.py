"""What a model's preprocessing does, read once from open_clip's eval transform.

Every stage that needs the model's input size, its normalisation or whether it centre-crops
(resize the short side, then crop) or squashes reads `LoadedModel.preprocessing`, a
`Preprocessing` made here when the model loads.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Preprocessing:
    """input_size  (h, w) the vision tower takes
    mean, std    the final Normalize's per-channel values
    crop         True: resize the short side, then centre-crop; False: squash to input_size
    to_pixels    PIL image -> float[3, H, W] in 0..1 (every step but the final Normalize), or
                 None when the transform is not a torchvision Compose ending with Normalize
    why_not      why to_pixels is None ("" otherwise)"""

    input_size: tuple[int, int]
    mean: tuple[float, ...]
    std: tuple[float, ...]
    crop: bool
    to_pixels: object = None
    why_not: str = ""


def _pair(size, default: int = 224) -> tuple[int, int]:
    if size is None:
        return default, default
    if isinstance(size, int):
        return int(size), int(size)
    return int(size[0]), int(size[1])


def describe(preprocess, visual) -> Preprocessing:
    """The facts of `preprocess` (open_clip's eval transform) for the vision tower `visual`."""
    from open_clip.constants import OPENAI_DATASET_MEAN, OPENAI_DATASET_STD
    from torchvision.transforms import Compose, Normalize

    steps = list(getattr(preprocess, "transforms", []) or [])
    norms = [t for t in steps if isinstance(t, Normalize)]
    if norms:
        mean, std = tuple(float(v) for v in norms[-1].mean), tuple(float(v) for v in norms[-1].std)
    else:
        mean = tuple(getattr(visual, "image_mean", None) or OPENAI_DATASET_MEAN)
        std = tuple(getattr(visual, "image_std", None) or OPENAI_DATASET_STD)
    crop = any(type(t).__name__ == "CenterCrop" for t in steps)
    to_pixels, why_not = None, ""
    if norms and steps[-1] is norms[-1]:
        to_pixels = Compose(steps[:-1])
    else:
        why_not = "the model's preprocessing is not a torchvision Compose ending with Normalize"
    return Preprocessing(_pair(getattr(visual, "image_size", None)), mean, std, crop, to_pixels, why_not)

"""[robustness]: its config section."""

from __future__ import annotations

from dataclasses import dataclass

from builder.analyses.levels import BLUR, NOISE, SALT, increasing
from builder.schema import NUMBER, setting


@dataclass(frozen=True)
class RobustnessConfig:
    """[robustness]: similarity under perturbation, preprocessing choices, activation sparsity and
    few-pixel attacks (builder.analyses.robustness)."""

    enabled: bool = setting(True, doc="run the analysis (false: leave it out of the site)")
    images: int = setting(64, lo=2, hi=4096, doc="seeded sample of images that every sweep uses")
    grey_fractions: tuple = setting((0.0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0), item=NUMBER, lo=0,
                                    hi=1, min_len=1, allowed="numbers in 0..1",
                                    doc="fractions of pixels replaced by grey")
    blur_sigmas: tuple = setting((0.0, 0.5, 1.0, 2.0, 3.0, 4.0, 5.0), item=NUMBER, lo=0, hi=50, min_len=1,
                                 allowed="numbers in 0..50", doc=BLUR)
    noise_std: tuple = setting((0.0, 0.02, 0.05, 0.1, 0.2, 0.4), item=NUMBER, lo=0, hi=1, min_len=1,
                               allowed="numbers in 0..1", doc=NOISE)
    salt_pepper: tuple = setting((0.0, 0.01, 0.02, 0.05, 0.1, 0.2), item=NUMBER, lo=0, hi=1, min_len=1,
                                 allowed="numbers in 0..1", doc=SALT)
    sparsity_eps: float = setting(0.05, lo=0.0, hi=10.0, allowed="a number in 0..10", doc=(
        "an activation a counts as near zero when |a| < sparsity_eps"))
    blend_steps: int = setting(5, lo=2, hi=50, doc="steps of the noise -> image blend for the activation dynamics")
    attack_images: int = setting(16, lo=0, hi=1024, doc="images for the few-pixel attack (0 = no attack)")
    attack_pixels: tuple = setting((1, 4, 16, 64, 256), item=int, lo=1, hi=1 << 20, min_len=1, check=increasing,
                                   allowed="increasing integers >= 1", doc="pixel budgets of the attack, increasing")
    category_field: str = setting("", doc=(
        "label field the attack's zero-shot classifier predicts; empty: as topology.category_field"))
    seed: int = setting(0, doc="sampling and noise seed")

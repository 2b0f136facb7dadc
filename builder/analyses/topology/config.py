"""[topology]: its config section."""

from __future__ import annotations

from dataclasses import dataclass

from builder.analyses.levels import BLUR, NOISE, SALT, starts_at_zero
from builder.schema import NUMBER, setting


@dataclass(frozen=True)
class TopologyConfig:
    """[topology]: persistence diagrams, diagram distances, subspace angles and the modality gap
    (builder.analyses.topology)."""

    enabled: bool = setting(True, doc="run the analysis (false: leave it out of the site)")
    category_field: str = setting("", doc=(
        "label field whose values are the categories; empty: the dataset's one rule (the field most "
        "images have, ties to the first; see records.Collection.category_field)"))
    max_points: int = setting(200, lo=8, hi=20000, doc=(
        "each point set is cut to this many points by greedy (farthest-point) subsampling, ripser's "
        "n_perm, before its diagram is computed"))
    exact_max_points: int = setting(300, lo=1, doc=(
        "diagrams with more finite points than this are compared with the sliced Wasserstein "
        "approximation instead of exact Wasserstein and bottleneck"))
    sliced_directions: int = setting(50, lo=1, hi=1000, doc="directions of the sliced Wasserstein approximation")
    blur_sigmas: tuple = setting((0.0, 1.0, 2.0, 3.0, 4.0, 5.0), item=NUMBER, lo=0, hi=50, min_len=1,
                                 check=starts_at_zero, allowed="numbers in 0..50, starting with 0 (the original)",
                                 doc=BLUR + "; 0 = the original")
    noise_std: tuple = setting((0.05, 0.1), item=NUMBER, lo=0, hi=1, allowed="numbers in 0..1", doc=NOISE)
    salt_pepper: tuple = setting((0.02, 0.05), item=NUMBER, lo=0, hi=1, allowed="numbers in 0..1", doc=SALT)
    perturb_per_category: int = setting(20, lo=2, hi=5000, doc=(
        "images per category that are re-embedded at every blur / noise level"))
    subspace_energy: float = setting(0.9, lo=0.0, lo_open=True, hi=1.0, allowed="a number in (0, 1]", doc=(
        "a category's principal subspace keeps this share of its energy ..."))
    subspace_max_dim: int = setting(10, lo=1, hi=256, doc="... with at most this many dimensions")
    seed: int = setting(0, doc="sampling and noise seed")

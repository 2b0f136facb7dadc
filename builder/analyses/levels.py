"""What the perturbation sweeps of the topology and robustness sections share: the wording of
their levels and the checks on them (kept light: read whenever a config loads)."""

BLUR = "Gaussian blur levels (pixels of the model's input)"
NOISE = "Gaussian pixel-noise levels (standard deviation, pixel values in 0..1)"
SALT = "salt-and-pepper levels (fraction of pixels set to black or white)"


def starts_at_zero(levels) -> bool:
    return levels[0] == 0


def increasing(values) -> bool:
    return list(values) == sorted(set(values))

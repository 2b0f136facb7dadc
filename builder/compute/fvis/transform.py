"""Transformation robustness: factories returning inner(image) -> image, for float[B, 3, H, W].

An image optimised through random small shifts, rescalings and rotations cannot rely on
pixel-exact patterns (high-frequency adversarial noise); what survives is a feature the unit
responds to wherever and however large it appears. Unlike lucent, which draws one transform for
the whole batch, every image draws its own from its own stream (`Streams`), so an image's
optimisation does not depend on which other units share its batch: batched and one-at-a-time
runs agree. Every transform keeps the image size; the border is filled with grey (0.5).
"""

from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F


class Streams:
    """One random generator per image of the batch, seeded by that image's own seed."""

    def __init__(self, seeds: list[int]):
        self.gens = [np.random.default_rng([int(s) & 0xFFFFFFFF, 7919]) for s in seeds]

    def __len__(self) -> int:
        return len(self.gens)

    def integers(self, low: int, high: int) -> np.ndarray:
        """int[B], each in [low, high)."""
        return np.array([g.integers(low, high) for g in self.gens])

    def choice(self, values) -> np.ndarray:
        """float[B], each one of `values`."""
        values = np.asarray(values, dtype=np.float64)
        return np.array([values[g.integers(0, len(values))] for g in self.gens])


def shifted_crops(image: torch.Tensor, dx: np.ndarray, dy: np.ndarray, h: int, w: int) -> torch.Tensor:
    """image[i, :, dy[i]:dy[i]+h, dx[i]:dx[i]+w] for every i, as one gather: its backward is one
    scatter (slicing image by image and stacking made a full-batch zero gradient per image, so a
    batch of B images cost O(B^2) in the backward pass)."""
    b, c, full_h, full_w = image.shape
    dev = image.device
    rows = torch.as_tensor(dy, device=dev).view(-1, 1, 1) + torch.arange(h, device=dev).view(1, -1, 1)
    cols = torch.as_tensor(dx, device=dev).view(-1, 1, 1) + torch.arange(w, device=dev).view(1, 1, -1)
    flat = (rows * full_w + cols).view(b, 1, h * w).expand(b, c, h * w)  # [B, C, h*w] into H*W
    return image.reshape(b, c, full_h * full_w).gather(2, flat).view(b, c, h, w)


def pad(w: int, value: float = 0.5):
    """Grow every side by w pixels of constant `value`."""

    def inner(image: torch.Tensor) -> torch.Tensor:
        return F.pad(image, [w] * 4, mode="constant", value=value) if w > 0 else image

    return inner


def jitter(d: int, streams: Streams):
    """Shift each image by its own random (dx, dy) in [0, d) pixels, cropping d - 1 pixels
    (lucent's jitter translates and fills zeros; a crop keeps only real pixels)."""

    def inner(image: torch.Tensor) -> torch.Tensor:
        if d <= 1:
            return image
        b, c, h, w = image.shape
        dx, dy = streams.integers(0, d), streams.integers(0, d)
        return shifted_crops(image, dx, dy, h - d + 1, w - d + 1)

    return inner


def _affine(image: torch.Tensor, scale: np.ndarray, angle_deg: np.ndarray, fill: float) -> torch.Tensor:
    """Per-image zoom by `scale` and rotation by `angle_deg` about the centre, same size, `fill` outside."""
    a = np.deg2rad(angle_deg)
    cos, sin = np.cos(a) / scale, np.sin(a) / scale  # the grid maps output -> input coordinates
    theta = torch.tensor(np.stack([np.stack([cos, -sin, np.zeros_like(cos)], 1),
                                   np.stack([sin, cos, np.zeros_like(cos)], 1)], 1),
                         dtype=image.dtype, device=image.device)
    grid = F.affine_grid(theta, list(image.shape), align_corners=False)
    return F.grid_sample(image - fill, grid, mode="bilinear", padding_mode="zeros", align_corners=False) + fill


def random_scale(scales, streams: Streams, fill: float = 0.5):
    """Zoom each image by its own factor from `scales` (> 1 enlarges), keeping its size."""

    def inner(image: torch.Tensor) -> torch.Tensor:
        return _affine(image, streams.choice(scales), np.zeros(len(streams)), fill)

    return inner


def random_rotate(angles, streams: Streams, fill: float = 0.5):
    """Rotate each image by its own angle from `angles` (degrees), keeping its size."""

    def inner(image: torch.Tensor) -> torch.Tensor:
        return _affine(image, np.ones(len(streams)), streams.choice(angles), fill)

    return inner


def resize(size: int | tuple[int, int]):
    """Bilinear resize to the model's input size."""
    size = (size, size) if isinstance(size, int) else tuple(size)

    def inner(image: torch.Tensor) -> torch.Tensor:
        if tuple(image.shape[-2:]) == size:
            return image
        return F.interpolate(image, size=size, mode="bilinear", align_corners=False, antialias=False)

    return inner


def normalize(mean, std):
    """(image - mean) / std with the model's own per-channel statistics."""

    def inner(image: torch.Tensor) -> torch.Tensor:
        m = torch.as_tensor(mean, dtype=image.dtype, device=image.device).view(1, -1, 1, 1)
        s = torch.as_tensor(std, dtype=image.dtype, device=image.device).view(1, -1, 1, 1)
        return (image - m) / s

    return inner


def compose(transforms):
    def inner(image: torch.Tensor) -> torch.Tensor:
        for t in transforms:
            image = t(image)
        return image

    return inner


def standard_transforms(size: int, streams: Streams) -> list:
    """Lucent's standard robustness recipe, with pixel amounts scaled to the image size
    (lucent's 12 / 8 / 4 px are for its usual 128 px images): pad, jitter, scale 0.9-1.1,
    rotate -10..10 degrees (0 more often), jitter."""
    unit = size / 128.0
    p, j1, j2 = max(1, round(12 * unit)), max(2, round(8 * unit)), max(2, round(4 * unit))
    return [
        pad(p),
        jitter(j1, streams),
        random_scale([1 + (i - 5) / 50.0 for i in range(11)], streams),
        random_rotate(list(range(-10, 11)) + 5 * [0], streams),
        jitter(j2, streams),
    ]


def pipeline(size: int, input_size, mean, std, streams: Streams | None, robust: bool = True):
    """The full image -> model-input function: robustness transforms (when `robust`), resize, normalise."""
    ts = standard_transforms(size, streams) if robust and streams is not None else []
    return compose(ts + [resize(input_size), normalize(mean, std)])


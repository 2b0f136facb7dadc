"""Image parameterisations: (params, image_f) pairs, image_f() -> float[B, 3, H, W] in [0, 1].

`fft_image` spreads the image over a scaled Fourier basis (1/f decay: natural images have most
energy at low frequencies, so steps in this basis are roughly whitened); `to_valid_rgb`
decorrelates colour (the square root of natural-image RGB correlation, as in lucid) and squashes
into [0, 1] with a sigmoid. Each image's initial values come from its own seeded generator, so an
image is the same whatever else shares its batch.
"""

from __future__ import annotations

import numpy as np
import torch

# The square root of the colour correlation of ImageNet pixels (lucid's, via SVD), columns
# scaled so that the largest has norm 1.
COLOR_CORRELATION_SVD_SQRT = np.asarray(
    [[0.26, 0.09, 0.02], [0.27, 0.00, -0.05], [0.27, -0.09, 0.03]], dtype=np.float32)


def rfft2d_freqs(h: int, w: int) -> np.ndarray:
    """Spatial frequency magnitude of every coefficient of an rfft2 of an h x w image: float[h, w//2+1]
    (one more column when w is odd, cut off again after the inverse transform)."""
    fy = np.fft.fftfreq(h)[:, None]
    fx = np.fft.fftfreq(w)[: w // 2 + (2 if w % 2 else 1)]
    return np.sqrt(fx * fx + fy * fy)


def seeded_normal(shape: tuple[int, ...], seeds: list[int], sd: float) -> torch.Tensor:
    """float[len(seeds), *shape]: row i drawn from a generator seeded with seeds[i]."""
    rows = []
    for s in seeds:
        g = torch.Generator().manual_seed(int(s))
        rows.append(torch.randn(*shape, generator=g) * sd)
    return torch.stack(rows)


def fft_image(size: int, seeds: list[int], sd: float = 0.01, decay_power: float = 1.0,
              device: str | torch.device = "cpu"):
    """A batch of len(seeds) images of size x size, parameterised by scaled Fourier coefficients.

    Returns ([spectrum], image_f); image_f() -> float[B, 3, size, size], roughly zero-centred
    (before `to_valid_rgb`).
    """
    h = w = int(size)
    freqs = rfft2d_freqs(h, w)
    spectrum = seeded_normal((3,) + freqs.shape + (2,), seeds, sd).to(device).requires_grad_(True)
    scale = 1.0 / np.maximum(freqs, 1.0 / max(w, h)) ** decay_power
    scale = torch.tensor(scale, dtype=torch.float32, device=device)[None, None, ..., None]

    def image_f() -> torch.Tensor:
        coeffs = torch.view_as_complex((scale * spectrum).contiguous())
        image = torch.fft.irfftn(coeffs, s=(h, w), norm="ortho")
        return image[:, :, :h, :w] / 4.0  # lucid's constant: keeps the initial image unsaturated

    return [spectrum], image_f


def pixel_image(size: int, seeds: list[int], sd: float = 0.01, device: str | torch.device = "cpu"):
    """The plain pixel basis (for comparison): ([pixels], image_f)."""
    pixels = seeded_normal((3, size, size), seeds, sd).to(device).requires_grad_(True)
    return [pixels], lambda: pixels


def decorrelate_colour(image: torch.Tensor) -> torch.Tensor:
    """Map from the decorrelated colour basis to RGB: float[B, 3, H, W] -> float[B, 3, H, W]."""
    m = COLOR_CORRELATION_SVD_SQRT / np.max(np.linalg.norm(COLOR_CORRELATION_SVD_SQRT, axis=0))
    m = torch.tensor(m.T, dtype=image.dtype, device=image.device)
    return torch.einsum("bchw,cd->bdhw", image, m)


def to_valid_rgb(image_f, decorrelate: bool = True):
    """Wrap image_f so that it returns RGB in [0, 1]: optional colour decorrelation, then sigmoid."""

    def inner() -> torch.Tensor:
        image = image_f()
        if decorrelate:
            image = decorrelate_colour(image)
        return torch.sigmoid(image)

    return inner


def image(size: int, seeds: list[int], *, fourier: bool = True, decorrelate: bool = True,
          device: str | torch.device = "cpu"):
    """The usual parameterisation: ([params], image_f) with image_f() -> float[B, 3, size, size] in [0, 1]."""
    params, image_f = (fft_image if fourier else pixel_image)(size, seeds, device=device)
    return params, to_valid_rgb(image_f, decorrelate)

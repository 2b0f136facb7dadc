"""Safe image decoding: every way an image file can be bad becomes a `BadItem` with a reason.

Handles truncated and zero-byte files, non-images, decompression bombs (declared size over a
limit, checked before decoding), EXIF orientation, and every mode (CMYK, 16-bit, palette, LA,
RGBA...) converted to 8-bit RGB, alpha composited onto white.
"""

from __future__ import annotations

import hashlib
import warnings
from pathlib import Path

import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

from builder.records import BadItem

MAX_PIXELS = 64_000_000  # larger declared sizes are refused before any pixel is decoded


def file_sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def _to_rgb(img: Image.Image) -> Image.Image:
    if img.mode in ("I;16", "I;16B", "I;16L", "I"):
        arr = np.asarray(img, dtype=np.float64)
        hi = arr.max() if arr.size else 1.0
        arr = arr / (hi if hi > 255 else 255.0) * 255.0 if hi > 255 else arr
        img = Image.fromarray(np.clip(arr, 0, 255).astype(np.uint8), "L")
    elif img.mode == "F":
        arr = np.asarray(img, dtype=np.float64)
        lo, hi = (arr.min(), arr.max()) if arr.size else (0.0, 1.0)
        img = Image.fromarray(((arr - lo) / max(hi - lo, 1e-12) * 255).astype(np.uint8), "L")
    if img.mode == "P":
        img = img.convert("RGBA")
    if img.mode in ("RGBA", "LA", "PA"):
        img = img.convert("RGBA")
        background = Image.new("RGBA", img.size, (255, 255, 255, 255))
        img = Image.alpha_composite(background, img)
    return img.convert("RGB")


def load_rgb(path: Path, max_pixels: int = MAX_PIXELS) -> Image.Image:
    """Open `path` as an upright 8-bit RGB image, or raise BadItem saying why not."""
    path = Path(path)
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        raise BadItem("missing file") from None
    except OSError as exc:
        raise BadItem(f"cannot read file: {exc.strerror or exc}") from None
    if size == 0:
        raise BadItem("zero-byte file")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(path) as img:
                w, h = img.size
                if w * h > max_pixels:
                    raise BadItem(f"declared size {w}x{h} exceeds {max_pixels} pixels (decompression bomb guard)")
                img.load()
                img = ImageOps.exif_transpose(img)
                return _to_rgb(img)
    except BadItem:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise BadItem(f"decompression bomb: {exc}") from None
    except UnidentifiedImageError:
        raise BadItem("not an image file") from None
    except (OSError, ValueError, SyntaxError) as exc:
        raise BadItem(f"cannot decode image: {exc}") from None


def thumbnail(img: Image.Image, size: int) -> np.ndarray:
    """Centre-cropped square thumbnail: uint8[size, size, 3]."""
    return np.asarray(ImageOps.fit(img, (size, size), Image.Resampling.BICUBIC), dtype=np.uint8)

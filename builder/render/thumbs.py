"""Pack thumbnails into atlas pages: a grid of square cells, row-major from the top-left."""

from __future__ import annotations

import io

import numpy as np
from PIL import Image

VERSION = 1  # bump when the pages' bytes change for the same thumbnails (they are cached)
COLS = ROWS = 32


def atlas_pages(thumbs: np.ndarray, cols: int = COLS, rows: int = ROWS, quality: int = 82) -> list[bytes]:
    """thumbs uint8[I, s, s, 3] -> WebP-encoded pages of cols x rows cells (the last page is cut
    to the rows it uses). Thumbnail i is cell i % (cols*rows) of page i // (cols*rows)."""
    n, s = len(thumbs), thumbs.shape[1] if len(thumbs) else 0
    per_page = cols * rows
    pages = []
    for start in range(0, n, per_page):
        chunk = thumbs[start : start + per_page]
        used_rows = (len(chunk) + cols - 1) // cols
        canvas = np.zeros((used_rows * s, cols * s, 3), dtype=np.uint8)
        for j, t in enumerate(chunk):
            r, c = divmod(j, cols)
            canvas[r * s : (r + 1) * s, c * s : (c + 1) * s] = t
        buf = io.BytesIO()
        Image.fromarray(canvas).save(buf, format="WEBP", quality=quality, method=4)
        pages.append(buf.getvalue())
    return pages

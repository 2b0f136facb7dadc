"""JSON as the site and the cache store it: numpy values made plain, non-finite floats as null,
floats rounded to 6 digits, keys sorted, compact, UTF-8."""

from __future__ import annotations

import json
import math

import numpy as np


def clean(obj):
    """A JSON-able copy: numpy values to Python, non-finite floats to None."""
    if isinstance(obj, dict):
        return {str(k): clean(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [clean(v) for v in obj]
    if isinstance(obj, np.ndarray):
        return clean(obj.tolist())
    if isinstance(obj, (np.integer,)):
        return int(obj)
    if isinstance(obj, (float, np.floating)):
        v = float(obj)
        return round(v, 6) if math.isfinite(v) else None
    return obj


def json_bytes(obj) -> bytes:
    return json.dumps(clean(obj), ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode("utf-8")

"""Neuron galleries, pure: which units, their optimised images, and their dataset exemplars.

Arrays and tensors in, arrays out; no files. The pieces:

parse_units(spec, n)          "0:64" | "all" | [3, 17] -> sorted unit indices
visualise(model, probes, jobs, ...)
                              one optimised image per (layer, unit) job, many jobs per batch
dataset_activations(model, probes, units, batches)
                              one no-grad pass over the dataset: each unit's activation on
                              every image and its best position
top_exemplars(acts, k)        the k images that excite each unit most
crop_box(position, grid, frac)
                              the square around a unit's best position, as image fractions
text_neighbours(...)          captions aligned with the mean embedding of a unit's exemplars
"""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass

import numpy as np
import torch

from builder.compute.fvis import objectives, param
from builder.compute.grad import frozen
from builder.compute.fvis import transform as T
from builder.compute.fvis.probes import Probe, Reader


from builder.errors import UnitSpecError  # noqa: E402,F401 (re-exported)


def parse_units(spec, n: int) -> list[int]:
    """Unit indices for `spec`: "all", "a:b" (Python slice, b clipped to n), "a:b:step", "5",
    "1,4,9", or a list of ints. Raises UnitSpecError naming the valid range."""
    if isinstance(spec, (list, tuple)):
        items = list(spec)
        if not all(isinstance(i, int) and not isinstance(i, bool) for i in items):
            raise UnitSpecError(f"units list must hold integers, got {spec!r}")
    elif isinstance(spec, str):
        s = spec.strip()
        if s == "all":
            return list(range(n))
        if ":" in s:
            parts = s.split(":")
            try:
                nums = [int(p) if p.strip() else None for p in parts]
            except ValueError:
                raise UnitSpecError(f"units {spec!r} is not a range like '0:64'") from None
            if len(nums) > 3 or (len(nums) == 3 and nums[2] is not None and nums[2] <= 0):
                raise UnitSpecError(f"units {spec!r} is not a range like '0:64' or '0:64:2'")
            start, stop = nums[0] or 0, nums[1] if nums[1] is not None else n
            if start < 0 or start >= n:
                raise UnitSpecError(f"units {spec!r} starts outside 0..{n - 1}")
            step = nums[2] if len(nums) == 3 and nums[2] else 1
            items = list(range(start, min(stop, n), step))
        else:
            try:
                items = [int(p) for p in s.split(",") if p.strip()]
            except ValueError:
                raise UnitSpecError(f"units {spec!r} is not 'all', a range like '0:64' or a list like '1,5,9'") from None
    else:
        raise UnitSpecError(f"units must be a string or a list of integers, got {spec!r}")
    bad = [i for i in items if not 0 <= i < n]
    if bad:
        raise UnitSpecError(f"unit {bad[0]} is outside this layer's units 0..{n - 1}")
    if not items:
        raise UnitSpecError(f"units {spec!r} selects no unit (the layer has {n})")
    return sorted(set(items))


@dataclass(frozen=True)
class Job:
    """One image to optimise: unit `unit` of layer `layer`, from its own seed."""

    layer: str
    unit: int
    seed: int


def job_seed(seed: int, layer: str, unit: int) -> int:
    """A stable per-unit seed: the same unit gets the same start and transforms in any batch."""
    return int.from_bytes(hashlib.sha256(f"{seed}:{layer}:{unit}".encode()).digest()[:4], "little") & 0x7FFFFFFF


def make_jobs(layers: dict[str, list[int]], seed: int) -> list[Job]:
    return [Job(name, u, job_seed(seed, name, u)) for name, units in layers.items() for u in units]


@dataclass(frozen=True)
class Recipe:
    """How images are optimised. size: the image side in pixels (then resized to the model input)."""

    size: int
    input_size: tuple[int, int]
    mean: tuple[float, float, float]
    std: tuple[float, float, float]
    steps: int = 512
    lr: float = 0.05
    robust: bool = True
    fourier: bool = True
    decorrelate: bool = True
    polish: float = 0.0  # the last share of the steps climbs the plain image (no robustness transforms)


def polish_from(recipe: Recipe) -> int:
    """The first step of the polish: from it on, the image is optimised as it is measured."""
    return recipe.steps - int(round(recipe.steps * min(max(recipe.polish, 0.0), 1.0)))


def _objective(jobs: list[Job]) -> objectives.Objective:
    total = None
    for layer in dict.fromkeys(j.layer for j in jobs):
        rows = [i for i, j in enumerate(jobs) if j.layer == layer]
        term = objectives.units_per_image(layer, rows, [jobs[i].unit for i in rows], len(jobs))
        total = term if total is None else total + term
    return total


def visualise_batch(model: torch.nn.Module, probes: dict[str, Probe], jobs: list[Job], recipe: Recipe,
                    device: torch.device | str = "cpu", on_step=None) -> dict[str, np.ndarray]:
    """Optimise one image per job, all in one batch.

    Returns images float32[B, 3, size, size] in [0, 1], activation float32[B] (each image's own
    unit, mean over positions, measured on the final image without transforms), peak float32[B]
    (the unit's strongest position on that image) and curve float32[steps, B] (the objective at
    every step, under transforms).
    """
    device = torch.device(device)
    seeds = [j.seed for j in jobs]
    dtype = next(model.parameters()).dtype
    params, image_f = param.image(recipe.size, seeds, fourier=recipe.fourier, decorrelate=recipe.decorrelate,
                                  device=device)
    streams = T.Streams(seeds)
    robust = T.pipeline(recipe.size, recipe.input_size, recipe.mean, recipe.std, streams, recipe.robust)
    plain = T.pipeline(recipe.size, recipe.input_size, recipe.mean, recipe.std, None, False)
    layers = [probes[name] for name in dict.fromkeys(j.layer for j in jobs)]
    reader, climber = Reader(model, layers), Reader(model, layers, climb=True)
    objective = _objective(jobs)
    opt = torch.optim.Adam(params, lr=recipe.lr)
    curve = np.zeros((recipe.steps, len(jobs)), dtype=np.float32)
    polish = polish_from(recipe)
    with frozen(model):
        for step in range(recipe.steps):
            opt.zero_grad(set_to_none=True)
            score = objective(climber((robust if step < polish else plain)(image_f()).to(dtype)))
            (-score.float().sum()).backward()
            opt.step()
            curve[step] = score.detach().float().cpu().numpy()
            if on_step is not None:
                on_step(1)
        with torch.no_grad():
            images = image_f()
            acts = reader(plain(images).to(dtype))
            activation = objective(acts).float().cpu().numpy()
            peak = torch.stack([acts[j.layer][i, j.unit].max() for i, j in enumerate(jobs)]).float().cpu().numpy()
    return {"images": images.detach().float().cpu().numpy(), "activation": activation, "peak": peak, "curve": curve}


def plan_batches(jobs: list[Job], batch_size: int) -> list[list[int]]:
    """Job indices per batch: consecutive chunks of at most `batch_size` jobs of one layer each.
    A batch never mixes layers, so its forward pass stops right after its layer (an early
    layer's batch costs a fraction of a late one's)."""
    by_layer: dict[str, list[int]] = {}
    for i, j in enumerate(jobs):
        by_layer.setdefault(j.layer, []).append(i)
    size = max(1, batch_size)
    return [idx[s: s + size] for idx in by_layer.values() for s in range(0, len(idx), size)]


def visualise(model: torch.nn.Module, probes: dict[str, Probe], jobs: list[Job], recipe: Recipe,
              batch_size: int = 64, device: torch.device | str = "cpu", on_step=None) -> dict[str, np.ndarray]:
    """`visualise_batch` over the batches of `plan_batches`; the same keys, in job order, plus
    seconds float64[n_batches] (wall time of each batch)."""
    n = len(jobs)
    images = np.zeros((n, 3, recipe.size, recipe.size), np.float32)
    activation = np.zeros(n, np.float32)
    peak = np.zeros(n, np.float32)
    curve = np.zeros((recipe.steps, n), np.float32)
    seconds = []
    for idx in plan_batches(jobs, batch_size):
        t0 = time.perf_counter()
        part = visualise_batch(model, probes, [jobs[i] for i in idx], recipe, device, on_step)
        images[idx], activation[idx], peak[idx] = part["images"], part["activation"], part["peak"]
        curve[:, idx] = part["curve"]
        seconds.append(time.perf_counter() - t0)
    return {"images": images, "activation": activation, "peak": peak, "curve": curve, "seconds": np.asarray(seconds)}


def dataset_activations(model: torch.nn.Module, probes: list[Probe], units: dict[str, list[int]], batches,
                        device: torch.device | str = "cpu") -> dict[str, dict[str, np.ndarray]]:
    """One no-grad pass over `batches` (an iterable of preprocessed float[b, 3, H, W] tensors).

    Returns per layer {"mean": float32[I, U], "peak": float32[I, U], "argmax": int32[I, U],
    "grid": int32[2]}: each chosen unit's activation on every image (the mean over positions: the
    reduction the optimisation maximises), its strongest single position's value, and that
    position's flat index in the layer's grid.
    """
    device = torch.device(device)
    reader = Reader(model, probes, keep=units)
    dtype = next(model.parameters()).dtype
    means: dict[str, list] = {p.name: [] for p in probes}
    peaks: dict[str, list] = {p.name: [] for p in probes}
    best: dict[str, list] = {p.name: [] for p in probes}
    with torch.no_grad():
        for x in batches:
            acts = reader(x.to(device=device, dtype=dtype))
            for name, maps in acts.items():
                maps = maps.float()
                means[name].append(maps.mean(-1).cpu().numpy())
                peak, where = maps.max(-1)
                peaks[name].append(peak.cpu().numpy())
                best[name].append(where.to(torch.int32).cpu().numpy())
    out = {}
    for p in probes:
        n_units = len(units.get(p.name, range(p.units)))
        out[p.name] = {
            "mean": np.concatenate(means[p.name]) if means[p.name] else np.zeros((0, n_units), np.float32),
            "peak": np.concatenate(peaks[p.name]) if peaks[p.name] else np.zeros((0, n_units), np.float32),
            "argmax": np.concatenate(best[p.name]) if best[p.name] else np.zeros((0, n_units), np.int32),
            "grid": np.asarray(reader.grids.get(p.name, (1, 1)), dtype=np.int32),
        }
    return out


def top_exemplars(acts: np.ndarray, k: int) -> np.ndarray:
    """int64[U, k']: for each unit (column of float[I, U]) the rows of its k largest values,
    largest first; ties broken by the lower row (deterministic). k' = min(k, I)."""
    k = min(k, acts.shape[0])
    order = np.lexsort((np.broadcast_to(np.arange(acts.shape[0])[:, None], acts.shape), -acts), axis=0)
    return order[:k].T.astype(np.int64)


def crop_box(position: int, grid: tuple[int, int], frac: float = 0.5) -> tuple[float, float, float, float]:
    """The square of side `frac` (of the image side, at least one grid cell) centred on grid cell
    `position` (row-major), moved inside the image: (x0, y0, x1, y1) as fractions of the model input."""
    rows, cols = int(grid[0]), int(grid[1])
    r, c = divmod(int(position), cols)
    cx, cy = (c + 0.5) / cols, (r + 0.5) / rows
    side = min(1.0, max(frac, 1.0 / min(rows, cols)))
    x0 = min(max(cx - side / 2, 0.0), 1.0 - side)
    y0 = min(max(cy - side / 2, 0.0), 1.0 - side)
    return (round(x0, 4), round(y0, 4), round(x0 + side, 4), round(y0 + side, 4))


def text_neighbours(image_emb: np.ndarray, text_emb: np.ndarray, rows: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """The k captions most aligned (cosine) with the normalised mean embedding of images `rows`:
    (caption indices int64[k'], cosine float32[k'])."""
    if len(rows) == 0 or len(text_emb) == 0:
        return np.zeros(0, np.int64), np.zeros(0, np.float32)
    m = image_emb[rows].mean(0)
    m = m / max(float(np.linalg.norm(m)), 1e-12)
    sims = text_emb @ m
    k = min(k, len(sims))
    idx = np.lexsort((np.arange(len(sims)), -sims))[:k]
    return idx.astype(np.int64), sims[idx].astype(np.float32)


def exceed_share(optimised: np.ndarray, dataset_max: np.ndarray) -> float:
    """Share of units whose optimised image beats the best dataset image."""
    return float(np.mean(optimised > dataset_max)) if len(optimised) else float("nan")


def to_uint8(images: np.ndarray) -> np.ndarray:
    """float[B, 3, H, W] in [0, 1] -> uint8[B, H, W, 3]."""
    return (np.clip(images, 0, 1).transpose(0, 2, 3, 1) * 255 + 0.5).astype(np.uint8)

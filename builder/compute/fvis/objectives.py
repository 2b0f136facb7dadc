"""Objectives: per-image scores to maximise, composable like numbers.

An Objective wraps fn(acts) -> float[B], where acts maps a layer name to its per-unit maps
float[B, U, S] (see probes.Reader). Each image of the batch has its own score; the optimiser
maximises their sum, and since images share no parameters, each image climbs its own score.
"""

from __future__ import annotations

import torch


class Objective:
    def __init__(self, fn, name: str = ""):
        self.fn = fn
        self.name = name

    def __call__(self, acts: dict[str, torch.Tensor]) -> torch.Tensor:
        return self.fn(acts)

    def __add__(self, other):
        if isinstance(other, (int, float)):
            return Objective(lambda a: self(a) + other, self.name)
        return Objective(lambda a: self(a) + other(a), f"{self.name} + {other.name}")

    __radd__ = __add__

    def __neg__(self):
        return Objective(lambda a: -self(a), f"-({self.name})")

    def __sub__(self, other):
        return self + (-other)

    def __mul__(self, k: float):
        return Objective(lambda a: k * self(a), f"{k} * ({self.name})")

    __rmul__ = __mul__


def unit(layer: str, index: int) -> Objective:
    """Every image scores the mean activation of unit `index` of `layer`."""
    return Objective(lambda a: a[layer][:, index].mean(-1), f"{layer}:{index}")


def units_per_image(layer: str, rows: list[int], indices: list[int], batch: int) -> Objective:
    """Image rows[j] scores the mean activation of unit indices[j] of `layer`; other images score 0.

    This is how a whole batch of different units is optimised together: one term per layer,
    summed over the layers present in the batch.
    """

    def fn(a: dict[str, torch.Tensor]) -> torch.Tensor:
        maps = a[layer]
        r = torch.as_tensor(rows, device=maps.device)
        u = torch.as_tensor(indices, device=maps.device)
        out = torch.zeros(batch, dtype=maps.dtype, device=maps.device)
        return out.index_put((r,), maps[r, u].mean(-1))

    return Objective(fn, f"{layer}:{len(rows)} units")

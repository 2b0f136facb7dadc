"""Gradient helpers shared by the analyses that optimise or attack an input image."""

from __future__ import annotations

import contextlib

import torch


@contextlib.contextmanager
def frozen(model: torch.nn.Module):
    """Parameters stop requiring gradients (only the input's gradient is wanted); restored after."""
    flags = [p.requires_grad for p in model.parameters()]
    for p in model.parameters():
        p.requires_grad_(False)
    try:
        yield
    finally:
        for p, f in zip(model.parameters(), flags):
            p.requires_grad_(f)

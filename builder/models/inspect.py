"""The layer inspector: every layer of a vision tower with its kind and number of units."""

from __future__ import annotations

import torch


def _units(name: str, module: torch.nn.Module, parent: dict[str, torch.nn.Module]) -> tuple[str, int | None]:
    """(kind, units) of one module: what a 'unit' (neuron/channel/head) is for it."""
    cls = type(module).__name__
    if isinstance(module, torch.nn.Linear):
        owner = parent.get(name.rsplit(".", 1)[0]) if name.endswith(".out_proj") else None
        if isinstance(owner, torch.nn.MultiheadAttention):
            return "attention output channels", module.out_features  # what attention adds to the stream
        return "linear", module.out_features
    if isinstance(module, torch.nn.Conv2d):
        return "conv channels", module.out_channels
    if isinstance(module, torch.nn.MultiheadAttention):
        return "attention heads", module.num_heads
    if isinstance(module, torch.nn.LayerNorm):
        return "layernorm", int(module.normalized_shape[0])
    if isinstance(module, (torch.nn.GELU,)) or cls in ("QuickGELU", "GELU"):
        # the MLP hidden units: the width of the Linear before it in the same Sequential
        prefix = name.rsplit(".", 1)[0]
        fc = parent.get(prefix + ".c_fc")
        return "mlp hidden units", fc.out_features if isinstance(fc, torch.nn.Linear) else None
    if cls == "ResidualAttentionBlock":
        ln = getattr(module, "ln_1", None)
        return "residual stream", int(ln.normalized_shape[0]) if ln is not None else None
    if cls == "Bottleneck":
        conv = getattr(module, "conv3", None)
        return "resnet block channels", conv.out_channels if conv is not None else None
    if isinstance(module, torch.nn.Sequential) and len(module) and all(
            type(m).__name__ == "Bottleneck" for m in module):
        conv = getattr(module[-1], "conv3", None)  # a ResNet stage (layer1..layer4): its last block's output
        return "resnet stage channels", conv.out_channels if conv is not None else None
    return cls, None


def vision_layers(model: torch.nn.Module) -> list[dict]:
    """[{name, kind, units, params}] for every module of model.visual (names as hooks use them,
    relative to `visual`), in definition order; containers without units are left out."""
    visual = model.visual
    modules = dict(visual.named_modules())
    out = []
    for name, module in modules.items():
        if not name:
            continue
        kind, units = _units(name, module, modules)
        if units is None:
            continue
        params = sum(p.numel() for p in module.parameters(recurse=True))
        out.append({"name": f"visual.{name}", "kind": kind, "units": int(units), "params": int(params)})
    return out

"""What a 'unit' of a layer is, and reading many layers of an open_clip vision tower in one pass.

A probe turns a layer's output into per-unit activation maps float[B, U, S] over S spatial
positions; a unit's activation is the mean of its map (for ViT token layers: over the patch
tokens, the class token left out), and its best position is the argmax.

kind                      unit                          map over
mlp hidden units          one MLP neuron after the GELU patch tokens
residual stream           one channel of a block output patch tokens
attention heads           one head: the norm of what it  patch tokens
                          writes into the residual stream
attention output channels one channel of the attention  patch tokens
                          block's output (after out_proj,
                          before it joins the stream)
resnet block channels     one channel of a Bottleneck    the H x W grid
resnet stage channels     one channel of layer1..layer4  the H x W grid
conv channels             one channel of a Conv2d        the H x W grid

Climbing GELU units: GELU is not monotone (it falls from 0 to about -0.17 as its input goes from 0
to -0.75, then rises back towards 0 as the input goes to -inf). A unit that starts negative
everywhere is therefore trapped: raising its GELU output means pushing its input further *down*,
and the optimisation ends at about -0.02. With `climb=True` (used only while optimising images),
an image on which the unit fires nowhere (its input is below 0 at every position) reads the unit
as half its input (GELU's slope at 0), which always points up; as soon as the unit fires at one
position the map is the GELU output again, the issue's objective. Reported activations always
use the true GELU output.

Layer names are those of `builder.models.inspect.vision_layers` ("visual.transformer.resblocks.3.mlp.gelu").
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass

import torch
import torch.nn.functional as F

SUPPORTED_KINDS = ("mlp hidden units", "residual stream", "attention heads", "attention output channels",
                   "resnet block channels", "resnet stage channels", "conv channels")
TOKEN_KINDS = ("mlp hidden units", "residual stream", "attention heads", "attention output channels")
ATTENTION_KINDS = ("attention heads", "attention output channels")  # hooked on the MultiheadAttention


from builder.errors import UnknownLayer  # noqa: E402,F401 (re-exported)


@dataclass
class Probe:
    """One layer: name, kind, number of units, its module, and how its output becomes maps."""

    name: str
    kind: str
    units: int
    module: torch.nn.Module
    grid: tuple[int, int] | None = None  # ViT patch grid (rows, cols); None: read from the output
    batch_first: bool = True

    def maps(self, inputs: tuple, output, climb: bool = False) -> tuple[torch.Tensor, tuple[int, int]]:
        """(float[B, U, S] per-unit maps, (rows, cols)): S = rows * cols positions, row-major.
        `climb`: MLP units as read while optimising (see "Climbing GELU units" above)."""
        if self.kind == "attention heads":
            return self._head_maps(inputs[0]), self.grid
        x = output[0] if isinstance(output, tuple) else output
        if climb and self.kind == "mlp hidden units":
            return self._climb(self._token_maps(inputs[0]), self._token_maps(x)), self.grid
        if self.kind in TOKEN_KINDS:
            return self._token_maps(x), self.grid
        return x.flatten(2), (int(x.shape[-2]), int(x.shape[-1]))  # [B, C, H, W] -> [B, C, H*W]

    def _token_maps(self, x: torch.Tensor) -> torch.Tensor:
        """Token output [B, L, D] (or [L, B, D]) -> per-unit maps over patch tokens [B, D, S]."""
        if not self.batch_first:
            x = x.transpose(0, 1)
        return self._patch_tokens(x).transpose(1, 2)

    @staticmethod
    def _climb(pre: torch.Tensor, post: torch.Tensor) -> torch.Tensor:
        """The GELU maps, except where a unit fires at no position of an image: half its input there."""
        dead = (pre.amax(-1, keepdim=True) < 0)
        return torch.where(dead, 0.5 * pre, post)

    def _patch_tokens(self, x: torch.Tensor) -> torch.Tensor:
        """[B, L, D] -> [B, S, D]: the last gh*gw tokens (class or register tokens come first)."""
        n = self.grid[0] * self.grid[1] if self.grid else x.shape[1]
        return x[:, x.shape[1] - n:]

    def _head_maps(self, x: torch.Tensor) -> torch.Tensor:
        """Per head, the L2 norm of its contribution to the attention output at each patch token."""
        mha: torch.nn.MultiheadAttention = self.module
        if not self.batch_first:
            x = x.transpose(0, 1)
        b, n_tok, d = x.shape
        h = mha.num_heads
        dh = d // h
        q, k, v = F.linear(x, mha.in_proj_weight, mha.in_proj_bias).chunk(3, dim=-1)
        q, k, v = (t.reshape(b, n_tok, h, dh).transpose(1, 2) for t in (q, k, v))
        z = F.scaled_dot_product_attention(q, k, v)  # [B, H, L, dh]
        w_o = mha.out_proj.weight.view(d, h, dh)  # columns of head j: j*dh .. (j+1)*dh
        out = torch.einsum("bhld,ehd->bhle", z, w_o)  # [B, H, L, D]
        norms = out.norm(dim=-1)  # [B, H, L]
        return self._patch_tokens(norms.transpose(1, 2)).transpose(1, 2)


def _vit_grid(visual) -> tuple[int, int] | None:
    g = getattr(visual, "grid_size", None)
    return (int(g[0]), int(g[1])) if g is not None else None


def probes_for(model: torch.nn.Module) -> dict[str, Probe]:
    """Every supported layer of model.visual, by name, in definition order."""
    from builder.models.inspect import vision_layers

    visual = model.visual
    modules = dict(visual.named_modules())
    grid = _vit_grid(visual)
    transformer = getattr(visual, "transformer", None)
    batch_first = bool(getattr(transformer, "batch_first", True))
    out = {}
    for layer in vision_layers(model):
        if layer["kind"] not in SUPPORTED_KINDS:
            continue
        rel = layer["name"].removeprefix("visual.")
        module = modules[rel]
        if layer["kind"] == "attention output channels":
            module = modules[rel.rsplit(".", 1)[0]]  # out_proj is not called as a module: hook its attention
        if layer["kind"] in ATTENTION_KINDS:
            if not getattr(module, "_qkv_same_embed_dim", False) or ".resblocks." not in layer["name"]:
                continue  # only self-attention of the ViT blocks
            bf = bool(getattr(module, "batch_first", batch_first))
        else:
            bf = batch_first
        is_tokens = layer["kind"] in TOKEN_KINDS
        if is_tokens and grid is None:
            continue
        out[layer["name"]] = Probe(layer["name"], layer["kind"], layer["units"], module,
                                   grid if is_tokens else None, bf)
    return out


def resolve(model: torch.nn.Module, names: list[str]) -> list[Probe]:
    """The probes for `names`; UnknownLayer (listing the allowed names) for any other name."""
    available = probes_for(model)
    bad = [n for n in names if n not in available]
    if bad:
        listing = ", ".join(f"{n} ({p.kind}, {p.units})" for n, p in available.items())
        raise UnknownLayer(f"{bad[0]!r} is not a layer whose units can be visualised in this model; "
                           f"allowed: {listing}")
    return [available[n] for n in names]


class _Stop(Exception):
    """Raised by the last hook needed: the rest of the forward pass is skipped."""


class Reader:
    """Run model.visual on a batch and return {layer name: maps float[B, U, S]} for `probes`;
    `grids` then holds each layer's (rows, cols).

    The forward pass stops right after the deepest probed layer. `keep` may restrict a layer to a
    list of unit indices (maps then have those units only, in that order).
    """

    def __init__(self, model: torch.nn.Module, probes: list[Probe], keep: dict[str, list[int]] | None = None,
                 climb: bool = False):
        self.model = model
        self.climb = climb
        self.probes = probes
        self.keep = keep or {}
        self.grids: dict[str, tuple[int, int]] = {}

    @contextlib.contextmanager
    def _hooks(self, store: dict):
        handles = []
        wanted = {p.name for p in self.probes}

        def make(probe: Probe):
            def hook(module, inputs, output):
                maps, self.grids[probe.name] = probe.maps(inputs, output, self.climb)
                if probe.name in self.keep:
                    maps = maps[:, self.keep[probe.name]]
                store[probe.name] = maps
                if wanted <= set(store):
                    raise _Stop

            return hook

        try:
            for p in self.probes:
                handles.append(p.module.register_forward_hook(make(p)))
            yield
        finally:
            for h in handles:
                h.remove()

    def __call__(self, x: torch.Tensor) -> dict[str, torch.Tensor]:
        store: dict[str, torch.Tensor] = {}
        with self._hooks(store):
            try:
                self.model.visual(x)
            except _Stop:
                pass
        missing = [p.name for p in self.probes if p.name not in store]
        if missing:
            raise RuntimeError(f"layers {missing} were not reached by the forward pass")
        return store

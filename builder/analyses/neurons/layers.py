"""Where a layer's files live and how deep it sits in the vision tower (for the pages and index.json)."""

from __future__ import annotations

from builder.models.inspect import vision_layers


def layer_slug(name: str) -> str:
    return name.removeprefix("visual.")


def unit_files(layer: str, unit: int) -> dict[str, str]:
    base = f"units/{layer_slug(layer)}/{unit:04d}"
    return {"image": f"{base}.webp", "top": f"{base}-top.webp", "crops": f"{base}-crops.webp"}


def depth_word(model, layer: str) -> str:
    """'early', 'middle' or 'late': where the layer sits among the vision tower's blocks."""
    names = [entry["name"] for entry in vision_layers(model)]
    blocks = [n for n in names if n.count(".") == 3 and ".resblocks." in n] or [
        n for n in names if n in ("visual.layer1", "visual.layer2", "visual.layer3", "visual.layer4")]
    owner = next((b for b in blocks if layer == b or layer.startswith(b + ".")), None)
    frac = (blocks.index(owner) + 0.5) / len(blocks) if owner else (names.index(layer) + 0.5) / len(names)
    return "early" if frac < 1 / 3 else "middle" if frac < 2 / 3 else "late"

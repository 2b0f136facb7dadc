"""Model registry: our names -> an open_clip architecture and where its weights come from.

Architectures are open_clip's; this table only pairs them with weights and fixes known
pitfalls: OpenAI's weights were trained with QuickGELU, so they need the `-quickgelu`
architecture variants (plain `ViT-B-32` + `openai` silently changes the activations).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

from builder.config import ConfigError, ModelConfig


@dataclass(frozen=True)
class ModelSpec:
    """name: our name; arch: open_clip architecture; source: "demo", "pretrained" or "checkpoint";
    weights: the pretrained tag or the checkpoint path ("" for the demo model)."""

    name: str
    arch: str
    source: str
    weights: str = ""

    def describe(self) -> str:
        if self.source == "demo":
            return "demo model shipped in the package (trained by `python -m builder train-demo`)"
        if self.source == "checkpoint":
            return f"local checkpoint {self.weights}"
        return f"open_clip pretrained tag {self.weights!r}"


REGISTRY: dict[str, ModelSpec] = {
    s.name: s
    for s in [
        ModelSpec("demo", "atlas-demo", "demo"),
        ModelSpec("ViT-B-32/openai", "ViT-B-32-quickgelu", "pretrained", "openai"),
        ModelSpec("ViT-B-32/laion2b_s34b_b79k", "ViT-B-32", "pretrained", "laion2b_s34b_b79k"),
        ModelSpec("ViT-B-16/openai", "ViT-B-16-quickgelu", "pretrained", "openai"),
        ModelSpec("ViT-B-16/laion2b_s34b_b88k", "ViT-B-16", "pretrained", "laion2b_s34b_b88k"),
        ModelSpec("ViT-L-14/openai", "ViT-L-14-quickgelu", "pretrained", "openai"),
        ModelSpec("ViT-L-14-336/openai", "ViT-L-14-336-quickgelu", "pretrained", "openai"),
        ModelSpec("RN50/openai", "RN50-quickgelu", "pretrained", "openai"),
        ModelSpec("RN101/openai", "RN101-quickgelu", "pretrained", "openai"),
    ]
}


def quickgelu_arch(arch: str, tag: str) -> str:
    """The architecture to use for `tag`: OpenAI weights get the QuickGELU variant."""
    if tag == "openai" and not arch.endswith("-quickgelu"):
        return arch + "-quickgelu"
    return arch


def resolve(cfg: ModelConfig, base_dir: str | Path = ".") -> ModelSpec:
    """Turn the [model] config section into a ModelSpec, or raise ConfigError naming the choices.
    A relative checkpoint path is taken relative to `base_dir` (the config file's folder)."""
    if cfg.checkpoint and not Path(cfg.checkpoint).expanduser().is_absolute():
        cfg = replace(cfg, checkpoint=str(Path(base_dir) / cfg.checkpoint))
    if cfg.arch:
        if cfg.checkpoint and cfg.pretrained:
            raise ConfigError("model.checkpoint and model.pretrained are exclusive; set one of them")
        if cfg.checkpoint:
            return ModelSpec(f"{cfg.arch}/checkpoint", cfg.arch, "checkpoint", cfg.checkpoint)
        if not cfg.pretrained:
            raise ConfigError(f"model.arch = {cfg.arch!r} needs model.pretrained (a tag) or model.checkpoint (a file)")
        return ModelSpec(f"{cfg.arch}/{cfg.pretrained}", quickgelu_arch(cfg.arch, cfg.pretrained),
                         "pretrained", cfg.pretrained)
    if cfg.name not in REGISTRY:
        raise ConfigError(f"model.name = {cfg.name!r} is not registered; allowed: {', '.join(REGISTRY)} "
                          "(or set model.arch with model.pretrained or model.checkpoint)")
    spec = REGISTRY[cfg.name]
    if cfg.checkpoint and spec.source == "demo":  # demo weights of your own, from `train-demo --out FILE`
        return ModelSpec(f"{spec.name}/checkpoint", spec.arch, "checkpoint", cfg.checkpoint)
    if cfg.checkpoint:  # a registered architecture with weights from a local file
        return ModelSpec(spec.name, spec.arch, "checkpoint", cfg.checkpoint)
    return spec


# Published zero-shot retrieval figures, shown beside ours on the metrics page when the model and
# dataset match. Only figures stated in the source itself are listed.
PUBLISHED: dict[tuple[str, str], dict] = {
    ("ViT-L-14-336/openai", "coco-karpathy-test"): {
        "source": "Radford et al. 2021, Learning Transferable Visual Models From Natural Language "
                  "Supervision, Table 13 (zero-shot CLIP, MS-COCO 5K test)",
        "i2t@1": 0.584, "i2t@5": 0.815, "i2t@10": 0.881,
        "t2i@1": 0.378, "t2i@5": 0.624, "t2i@10": 0.722,
    },
}


def published_figures(model_name: str, dataset_key: str) -> dict | None:
    """Reference figures for (registered model name, dataset key), or None."""
    return PUBLISHED.get((model_name, dataset_key))

"""Load a registered model as an open_clip model, plus its exact preprocessing and tokenizer.

Every model, the demo one included, is an open_clip model, so every later stage hooks into it
the same way. Offline, weights that are not cached produce one `ModelUnavailable` message that
names the model and says how to supply the weights.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path

import torch

from builder.models.demo_paths import DEMO_ARCH
from builder.models.preprocessing import Preprocessing, describe
from builder.models.registry import ModelSpec


from builder.errors import ConfigError, ModelUnavailable  # noqa: E402,F401 (re-exported)


@dataclass
class LoadedModel:
    spec: ModelSpec
    model: torch.nn.Module
    preprocess: object  # open_clip's eval transform: PIL.Image -> tensor[3, H, W]
    tokenizer: object  # open_clip tokenizer: list[str] -> LongTensor[n, context_length]
    device: torch.device
    fingerprint: str  # identifies the weights, for cache keys
    preprocessing: Preprocessing = field(init=False)  # input size, mean/std, crop rule: read once

    def __post_init__(self) -> None:
        self.preprocessing = describe(self.preprocess, self.model.visual)

    def info(self) -> dict:
        visual = self.model.visual
        size = getattr(visual, "image_size", None)
        return {
            "name": self.spec.name,
            "arch": self.spec.arch,
            "weights_source": self.spec.describe(),
            "embed_dim": int(getattr(visual, "output_dim", 0)),
            "image_size": list(size) if isinstance(size, (tuple, list)) else size,
            "context_length": int(getattr(self.model, "context_length", 0) or 0),
            "params": int(sum(p.numel() for p in self.model.parameters())),
            "vision_tower": type(visual).__name__,
            "device": str(self.device),
        }


def pick_device(name: str = "auto") -> torch.device:
    """"auto" -> cuda if available, else mps, else cpu; "cuda"/"mps" must be available."""
    mps = getattr(torch.backends, "mps", None)
    if name == "auto":
        if torch.cuda.is_available():
            return torch.device("cuda")
        if mps and mps.is_available():
            return torch.device("mps")
        return torch.device("cpu")
    if name == "cuda" and not torch.cuda.is_available():
        raise ModelUnavailable("device 'cuda' was asked for but no CUDA device is available; use 'auto' or 'cpu'")
    if name == "mps" and not (mps and mps.is_available()):
        raise ModelUnavailable("device 'mps' was asked for but no Apple GPU is available; use 'auto' or 'cpu'")
    return torch.device(name)


def check_model_files(spec: ModelSpec) -> None:
    """Fail fast, before any dataset work, when the architecture is unknown to open_clip or a local
    checkpoint file is not there."""
    if spec.source != "demo":
        import difflib

        import open_clip

        if spec.arch == DEMO_ARCH:
            from builder.models.demo import register_demo_config

            register_demo_config()
        known = open_clip.list_models()
        if spec.arch not in known:
            close = difflib.get_close_matches(spec.arch, known, n=3)
            raise ConfigError(f"model architecture {spec.arch!r} (model {spec.name!r}) is not an open_clip "
                              f"architecture{'; did you mean ' + ', '.join(close) + '?' if close else '.'} "
                              "Set model.arch to one of open_clip.list_models(), or use --model NAME "
                              "(see `info --models`)")
    if spec.source == "checkpoint" and not Path(spec.weights).expanduser().is_file():
        raise ModelUnavailable(f"checkpoint file {str(Path(spec.weights).expanduser())!r} for model "
                               f"{spec.name!r} does not exist")


def _mismatch_message(path: Path, arch: str, exc: BaseException) -> str:
    """A few lines for a checkpoint whose state dict does not fit `arch` (torch lists every key)."""
    text = str(exc)
    if arch == DEMO_ARCH:  # --checkpoint without --model: read as demo weights
        return (f"cannot load checkpoint {str(path)!r} as demo model weights (a `train-demo --out FILE` file): "
                f"{text.splitlines()[0] if text else exc!r}\nFor another architecture's checkpoint choose the "
                "architecture with --model NAME (see `info --models`) or model.arch.")
    if "Error(s) in loading state_dict" not in text:
        return f"cannot load checkpoint {str(path)!r} into {arch}: {text.splitlines()[0] if text else exc!r}"
    lines = [f"checkpoint {str(path)!r} does not fit the architecture {arch}:"]
    for what in ("Missing", "Unexpected"):
        found = re.search(rf"{what} key\(s\) in state_dict: (.*?)\.\s*$", text, flags=re.M)
        keys = re.findall(r'"([^"]+)"', found.group(1)) if found else []
        if keys:
            shown = ", ".join(keys[:3]) + (", ..." if len(keys) > 3 else "")
            lines.append(f"  {len(keys)} {what.lower()} key(s): {shown}")
    sizes = re.findall(r"size mismatch for ([^:]+):", text)
    if sizes:
        lines.append(f"  {len(sizes)} tensor(s) of the wrong shape: {', '.join(sizes[:3])}{', ...' if len(sizes) > 3 else ''}")
    lines.append("Choose the checkpoint's architecture with --model NAME (see `info --models`) or model.arch.")
    return "\n".join(lines)


def _file_fingerprint(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 22), b""):
            h.update(chunk)
    return h.hexdigest()[:32]


def _offline_message(spec: ModelSpec, exc: BaseException) -> str:
    return (
        f"cannot load weights for model {spec.name!r} (open_clip {spec.arch}, {spec.describe()}): "
        f"{str(exc).splitlines()[0] if str(exc) else type(exc).__name__}.\n"
        "The weights are not in the local cache and could not be downloaded. Either build on a machine "
        "with network access once (open_clip caches the weights under ~/.cache/huggingface or "
        "$HF_HOME), or download the checkpoint elsewhere and pass it with "
        "`--checkpoint FILE` (or model.checkpoint in the config). The demo model (`--model demo`) "
        "needs no download."
    )


def _reachable(host: str, timeout: float = 3.0) -> bool:
    import socket

    try:
        socket.create_connection((host, 443), timeout=timeout).close()
        return True
    except OSError:
        return False


def check_weights_available(spec: ModelSpec) -> None:
    """Fail fast, with one clear message, when pretrained weights are neither cached nor
    downloadable (instead of open_clip's minute of retries and a traceback)."""
    import os
    from urllib.parse import urlparse

    import open_clip

    cfg = open_clip.get_pretrained_cfg(spec.arch, spec.weights)
    if not cfg:
        tags = open_clip.list_pretrained_tags_by_model(spec.arch)
        raise ModelUnavailable(f"open_clip has no weights {spec.weights!r} for {spec.arch}; "
                               f"known tags: {', '.join(tags) or 'none'}")
    hub, url = cfg.get("hf_hub", ""), cfg.get("url", "")
    if hub:
        from huggingface_hub import try_to_load_from_cache

        repo, filename = os.path.split(hub)
        for name in [filename] if filename else ["open_clip_model.safetensors", "open_clip_pytorch_model.bin"]:
            if isinstance(try_to_load_from_cache(repo, name), str):
                return
        host = urlparse(os.environ.get("HF_ENDPOINT", "https://huggingface.co")).hostname
    else:
        host = urlparse(url).hostname or ""
    if not _reachable(host):
        raise ModelUnavailable(_offline_message(spec, ConnectionError(f"{host} is unreachable")))


def load_model(spec: ModelSpec, device: str | torch.device = "auto") -> LoadedModel:
    """Build the open_clip model for `spec` on `device`, in eval mode."""
    import open_clip

    dev = device if isinstance(device, torch.device) else pick_device(device)
    if spec.source == "demo":
        from builder.models import demo

        model, preprocess, tokenizer = demo.create_demo_model(weights=True, device="cpu")
    elif spec.source == "checkpoint":
        check_model_files(spec)
        path = Path(spec.weights).expanduser()
        try:
            if spec.arch == DEMO_ARCH:  # a `train-demo --out FILE` weights file (sparse token rows)
                from builder.models import demo

                model, preprocess, tokenizer = demo.create_demo_model(weights=path, device="cpu")
            else:
                model, _, preprocess = open_clip.create_model_and_transforms(spec.arch, pretrained=str(path))
                tokenizer = open_clip.get_tokenizer(spec.arch)
        except Exception as exc:  # open_clip raises many types for a bad file
            raise ModelUnavailable(_mismatch_message(path, spec.arch, exc)) from None
    else:
        check_weights_available(spec)
        try:
            model, _, preprocess = open_clip.create_model_and_transforms(spec.arch, pretrained=spec.weights)
        except RuntimeError as exc:
            if "Unknown model" in str(exc) or "Pretrained weights" in str(exc):
                raise ModelUnavailable(f"open_clip does not know {spec.arch} with weights {spec.weights!r}: "
                                       f"{exc}") from None
            raise ModelUnavailable(_offline_message(spec, exc)) from None
        except Exception as exc:  # network and hub errors come in many types
            raise ModelUnavailable(_offline_message(spec, exc)) from None
        tokenizer = open_clip.get_tokenizer(spec.arch)
    model = model.to(dev).eval()
    return LoadedModel(spec, model, preprocess, tokenizer, dev, model_fingerprint(spec))


def model_fingerprint(spec: ModelSpec) -> str:
    """What identifies the weights in cache keys, known without loading them: the demo weights' or
    the checkpoint file's hash, or the architecture and pretrained tag."""
    if spec.source == "demo":
        from builder.models import demo

        return "demo-" + _file_fingerprint(Path(demo.WEIGHTS_PATH))
    if spec.source == "checkpoint":
        return f"{spec.arch}-" + _file_fingerprint(Path(spec.weights).expanduser())
    return f"{spec.arch}-{spec.weights}"


def random_model(arch: str, device: str = "cpu", seed: int = 0) -> LoadedModel:
    """An open_clip architecture with random (seeded) weights: for tests of mechanics only."""
    import open_clip

    torch.manual_seed(seed)
    model, _, preprocess = open_clip.create_model_and_transforms(arch, pretrained=None)
    spec = ModelSpec(f"{arch}/random", arch, "random", f"seed {seed}")
    return LoadedModel(spec, model.to(device).eval(), preprocess, open_clip.get_tokenizer(arch),
                       torch.device(device), f"{arch}-random-{seed}")

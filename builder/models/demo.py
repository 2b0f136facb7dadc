"""The demo model: a small open_clip ViT CLIP trained on the demo world by builder.training.

It is an ordinary open_clip model (architecture `atlas-demo`, configs/atlas-demo.json), so
saliency, neuron hooks and the layer inspector treat it exactly like ViT-B-32.

Weights file format (weights/atlas-demo.safetensors, fp16, a few MB): the model's state dict
except that the 49408-row token embedding is stored sparsely, as
    "token_embedding.weight.rows"    int32[K]     the token ids the demo captions use
    "token_embedding.weight.values"  float16[K, W] their rows
and every other row is zero (it is zero during training too: those tokens never occur in the
demo world's captions, so an unknown word contributes only its position). `load_state_file` and
`save_state_file` convert between this and a plain open_clip state dict.
"""

from __future__ import annotations

import logging
from contextlib import contextmanager
from pathlib import Path

import torch

from builder.models.demo_paths import CONFIG_PATH, DEMO_ARCH, METRICS_PATH, WEIGHTS_PATH  # noqa: F401 (re-exported)

_ROWS, _VALUES = "token_embedding.weight.rows", "token_embedding.weight.values"


from builder.errors import DemoWeightsMissing  # noqa: E402,F401 (re-exported)


def register_demo_config() -> None:
    """Make `atlas-demo` known to open_clip (idempotent)."""
    import open_clip

    if DEMO_ARCH not in open_clip.list_models():
        open_clip.add_model_config(CONFIG_PATH)


@contextmanager
def _quiet_open_clip():
    """Hide open_clip's 'initialized randomly' warning: we load our weights right after."""
    previous = logging.root.manager.disable
    logging.disable(logging.WARNING)
    try:
        yield
    finally:
        logging.disable(previous)


def save_state_file(state: dict[str, torch.Tensor], path: str | Path, rows: torch.Tensor) -> Path:
    """Write an open_clip state dict as fp16 safetensors, keeping only token-embedding `rows`."""
    from safetensors.torch import save_file

    out = {k: v.detach().to(torch.float16).contiguous() for k, v in state.items() if k != "token_embedding.weight"}
    rows = torch.as_tensor(rows, dtype=torch.int64).unique()
    out[_ROWS] = rows.to(torch.int32)
    out[_VALUES] = state["token_embedding.weight"].detach()[rows].to(torch.float16).contiguous()
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    save_file(out, str(tmp), metadata={"format": "atlas-demo-sparse-token-embedding-v1"})
    tmp.replace(path)
    return path


def load_state_file(path: str | Path, vocab_size: int) -> dict[str, torch.Tensor]:
    """Read a weights file written by `save_state_file` into a float32 open_clip state dict."""
    from safetensors.torch import load_file

    raw = load_file(str(path), device="cpu")
    rows, values = raw.pop(_ROWS).long(), raw.pop(_VALUES)
    state = {k: v.float() for k, v in raw.items()}
    emb = torch.zeros(vocab_size, values.shape[1], dtype=torch.float32)
    emb[rows] = values.float()
    state["token_embedding.weight"] = emb
    return state


def create_demo_model(weights: str | Path | None | bool = True, device: str | torch.device = "cpu"):
    """Build the demo CLIP: returns (model, preprocess, tokenizer), model in eval mode, float32.

    weights  True or None: the shipped file (WEIGHTS_PATH); a path: that file; False: random
             initialisation (seeded, for tests of mechanics).
    preprocess is open_clip's own validation transform for the architecture; tokenizer is
    open_clip's SimpleTokenizer with the architecture's context length. Reads only the weights file.
    """
    import open_clip

    register_demo_config()
    path = None
    if weights is not False:
        path = WEIGHTS_PATH if weights in (True, None) else Path(weights)
        if not path.is_file():
            raise DemoWeightsMissing(
                f"demo model weights not found at {path}; create them with `python -m builder train-demo`"
            )
    with torch.random.fork_rng(devices=[]), _quiet_open_clip():
        torch.manual_seed(0)
        model, _, preprocess = open_clip.create_model_and_transforms(DEMO_ARCH, pretrained=None)
    tokenizer = open_clip.get_tokenizer(DEMO_ARCH)
    if path is not None:
        model.load_state_dict(load_state_file(path, model.vocab_size), strict=True)
    model = model.to(device=device, dtype=torch.float32).eval()
    return model, preprocess, tokenizer

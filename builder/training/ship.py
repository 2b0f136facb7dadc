"""Train the demo CLIP and ship its weights with their metrics, or re-evaluate shipped weights;
`python -m builder train-demo` calls these.

    table, report_path = train_and_ship(out, steps=1400, device="cpu", ...)
    table, report_path, kept = evaluate_shipped(out, device="cpu", eval_n=1000)

write
    out                          the fp16 safetensors weights (train_and_ship only)
    <name>.metrics.json beside   {"model_config", "train", "heldout", "typographic_attack",
                                  "behaviours" (training/evaluation.py), ...}
"""

from __future__ import annotations

import json
from pathlib import Path

from builder.models.demo import CONFIG_PATH, create_demo_model, save_state_file
from builder.training.evaluation import behaviours, format_table
from builder.training.train_demo import HELDOUT_SEED, evaluate, train, typographic_attack


def metrics_path(weights: Path) -> Path:
    """atlas-demo.safetensors -> atlas-demo.metrics.json, beside it."""
    return weights.with_name(weights.name.removesuffix(".safetensors") + ".metrics.json")


def evaluate_shipped(out: Path, device: str, eval_n: int, world: int | None = None) -> tuple[str, Path, str | None]:
    """Load the weights `out`, measure them again on held-out items and update the figures in its
    metrics JSON; returns (table, metrics path, why the JSON was left as it was, or None if updated).
    `world`: the demo world to measure on (default: the one the weights were trained on, as their
    metrics JSON says, else 1). The recorded figures are replaced only by a measurement at least as
    large (eval_n >= the recorded n) on the world they were measured on: a quick check with a small
    --eval-n, or a look at another world, never overwrites them. Raises DemoWeightsMissing when
    `out` is not there."""
    model, preprocess, tokenizer = create_demo_model(out, device=device)
    path = metrics_path(out)
    report = json.loads(path.read_text(encoding="utf-8")) if path.is_file() else {}
    world = world or int((report.get("train") or {}).get("world", 1))
    figures = _measure(model, preprocess, tokenizer, eval_n, world)
    table = format_table(figures["heldout"], figures["typographic_attack"], figures["behaviours"])
    kept = _why_kept(report.get("heldout") or {}, eval_n, world)
    if kept is None:
        report.update({**figures, "weights_bytes": out.stat().st_size})
        path.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    return table, path, kept


def _why_kept(recorded: dict, eval_n: int, world: int) -> str | None:
    """Why a new measurement (eval_n items of `world`) must not replace the recorded held-out
    figures, or None when it may."""
    n, was = int(recorded.get("n", 0)), int(recorded.get("world", 1))
    if recorded and world != was:
        return f"these figures are on world {world}, the recorded ones on world {was}"
    if eval_n < n:
        return f"--eval-n {eval_n} is below the recorded n = {n}"
    return None


def _measure(model, preprocess, tokenizer, eval_n: int, world: int = 1) -> dict:
    """Every held-out figure of the weights on demo world `world`: {"heldout", "typographic_attack",
    "behaviours"}."""
    return {"heldout": evaluate(model, preprocess, tokenizer, n=eval_n, world=world),
            "typographic_attack": typographic_attack(model, preprocess, tokenizer, world=world),
            "behaviours": behaviours(model, preprocess, tokenizer, n=eval_n, seed=HELDOUT_SEED, world=world)}


def train_and_ship(out: Path, steps: int, device: str, eval_n: int, command: str = "python -m builder train-demo",
                   **train_kw) -> tuple[str, Path, dict]:
    """Train (train_kw go to train()), write the fp16 weights and their metrics; evaluates what
    ships (the fp16 file, loaded the way every user loads it). Returns (table, metrics path, info)."""
    model, info = train(steps=steps, warmup=max(1, min(100, steps // 20)), device=device, **train_kw)
    rows = info.pop("token_rows")
    info.pop("losses")
    save_state_file({k: v.cpu() for k, v in model.state_dict().items()}, out, rows)
    model, preprocess, tokenizer = create_demo_model(out, device=device)
    figures = _measure(model, preprocess, tokenizer, eval_n, info.get("world", 1))
    config = json.loads(CONFIG_PATH.read_text())
    report = {"model_config": config, "train": info, **figures,
              "weights_bytes": out.stat().st_size, "command": command}
    metrics_path(out).write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    return format_table(figures["heldout"], figures["typographic_attack"], figures["behaviours"]), metrics_path(out), info

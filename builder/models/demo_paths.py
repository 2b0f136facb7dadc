"""Where the demo model's files live in the package (stdlib only, so that `--help` stays fast)."""

from pathlib import Path

DEMO_ARCH = "atlas-demo"
CONFIG_PATH = Path(__file__).parent / "configs" / f"{DEMO_ARCH}.json"
WEIGHTS_PATH = Path(__file__).parent / "weights" / f"{DEMO_ARCH}.safetensors"
METRICS_PATH = WEIGHTS_PATH.with_name(f"{DEMO_ARCH}.metrics.json")

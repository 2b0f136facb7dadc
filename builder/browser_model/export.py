"""open_clip towers -> ONNX (torch.onnx.export), int8 dynamic quantisation (onnxruntime.quantization)
and the parity of onnxruntime against torch. Bytes in, bytes out; a temporary folder only for
the quantiser, which reads and writes files."""

from __future__ import annotations

import io
import tempfile
import warnings
from pathlib import Path

import numpy as np
import torch

OPSET = 17


class TextTower(torch.nn.Module):
    """tokens int64[batch, context_length] -> embedding float32[batch, D], L2-normalised."""

    def __init__(self, model):
        super().__init__()
        self.model = model

    def forward(self, tokens):
        return torch.nn.functional.normalize(self.model.encode_text(tokens).float(), dim=-1)


class ImageTower(torch.nn.Module):
    """pixels float32[batch, 3, H, W] (normalised) -> embedding float32[batch, D], L2-normalised."""

    def __init__(self, model):
        super().__init__()
        self.model = model

    def forward(self, pixels):
        return torch.nn.functional.normalize(self.model.encode_image(pixels).float(), dim=-1)


def _export(module: torch.nn.Module, example: torch.Tensor, name: str) -> bytes:
    buf = io.BytesIO()
    fast = torch.backends.mha.get_fastpath_enabled()
    torch.backends.mha.set_fastpath_enabled(False)  # its fused attention op has no ONNX export
    try:
        with warnings.catch_warnings(), torch.no_grad():
            warnings.simplefilter("ignore")
            torch.onnx.export(module.eval(), (example,), buf, input_names=[name], output_names=["embedding"],
                              dynamic_axes={name: {0: "batch"}, "embedding": {0: "batch"}}, opset_version=OPSET,
                              dynamo=False)
    finally:
        torch.backends.mha.set_fastpath_enabled(fast)
    return buf.getvalue()


def export_text(model, context_length: int) -> bytes:
    """The text tower as ONNX (fp32), dynamic batch."""
    example = torch.zeros(2, context_length, dtype=torch.long)
    example[:, 0], example[:, 1], example[:, 2] = 49406, 320, 49407
    return _export(TextTower(model).cpu(), example, "tokens")


def export_image(model, size: tuple[int, int]) -> bytes:
    """The image tower as ONNX (fp32), dynamic batch."""
    return _export(ImageTower(model).cpu(), torch.zeros(2, 3, *size), "pixels")


def quantise(onnx_bytes: bytes) -> bytes:
    """int8 dynamic quantisation of the weights (MatMul, Gemm, Gather...) by onnxruntime."""
    import logging

    from onnxruntime.quantization import QuantType, quantize_dynamic

    with tempfile.TemporaryDirectory(prefix="clip-atlas-onnx-") as d:
        src, dst = Path(d) / "fp32.onnx", Path(d) / "int8.onnx"
        src.write_bytes(onnx_bytes)
        level = logging.getLogger().level
        logging.getLogger().setLevel(logging.ERROR)  # "consider pre-processing" advice on every call
        try:
            quantize_dynamic(src, dst, weight_type=QuantType.QInt8)
        finally:
            logging.getLogger().setLevel(level)
        return dst.read_bytes()


def session(onnx_bytes: bytes):
    import onnxruntime as ort

    opts = ort.SessionOptions()
    opts.log_severity_level = 3
    opts.intra_op_num_threads = 1
    return ort.InferenceSession(onnx_bytes, opts, providers=["CPUExecutionProvider"])


def run(sess, array: np.ndarray, batch: int = 64) -> np.ndarray:
    """The session's output for `array`, in batches: float32[n, D]."""
    name = sess.get_inputs()[0].name
    out = [sess.run(None, {name: array[s : s + batch]})[0] for s in range(0, len(array), batch)]
    return np.concatenate(out).astype(np.float32) if out else np.zeros((0, 0), np.float32)


@torch.no_grad()
def reference(module: torch.nn.Module, array: np.ndarray, batch: int = 64) -> np.ndarray:
    """torch's output for the same inputs, on the CPU in float32."""
    module = module.cpu().eval()
    return np.concatenate([module(torch.from_numpy(array[s : s + batch])).numpy() for s in range(0, len(array), batch)])


def parity(ref: np.ndarray, got: np.ndarray, what: str = "strings") -> dict:
    """{what: n, min_cosine, mean_cosine} of the rows of `got` against `ref` (both unit norm)."""
    cos = np.sum(ref * got, axis=1) / np.maximum(np.linalg.norm(ref, axis=1) * np.linalg.norm(got, axis=1), 1e-12)
    return {what: int(len(cos)), "min_cosine": round(float(cos.min(initial=1.0)), 6),
            "mean_cosine": round(float(cos.mean()) if len(cos) else 1.0, 6)}


def tower(module: torch.nn.Module, fp32: bytes, inputs: np.ndarray, want_int8: bool, min_cosine: float,
          what: str) -> dict:
    """Choose the tower's file: int8 when asked and its parity on `inputs` is >= min_cosine, else fp32.
    -> {"bytes": file, "dtype", "parity", "fp32_bytes", "int8_bytes" (0 if not made), "why" (why fp32)}"""
    ref = reference(module, inputs)
    p32 = parity(ref, run(session(fp32), inputs), what)
    out = {"bytes": fp32, "dtype": "fp32", "parity": p32, "fp32_bytes": len(fp32), "int8_bytes": 0, "why": "",
           "fp32_parity": p32}
    if not want_int8:
        out["why"] = "int8 switched off in the config"
        return out
    q = quantise(fp32)
    p8 = parity(ref, run(session(q), inputs), what)
    out.update(int8_bytes=len(q), int8_parity=p8)
    if p8["min_cosine"] >= min_cosine:
        out.update(bytes=q, dtype="int8", parity=p8)
    else:
        out["why"] = f"int8 min cosine {p8['min_cosine']} < {min_cosine} on {p8[what]} {what}: fp32 shipped"
    return out

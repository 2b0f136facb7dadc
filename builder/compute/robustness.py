"""How image embeddings react to perturbations, preprocessing choices and adversarial pixels, and
how sparse the vision tower's activations are at each depth.

Pure: decoded images (PIL) and tensors in, tensors and arrays out; nothing here reads a file.
Pixel tensors are float[B, 3, H, W] in 0..1 at the model's input size, before the model's own
normalisation, which `normalise` applies. Random draws come from a seeded CPU generator and are
then moved to the device, so a CPU and a GPU build perturb the same pixels. Every perturbation
at level 0 returns its input unchanged.
"""

from __future__ import annotations

import math

import numpy as np
import torch
import torch.nn.functional as F

from builder.compute.embed import encode_image_batch
from builder.compute.grad import frozen

# -- preprocessing --------------------------------------------------------------------------------


def split_preprocess(preprocess):
    """open_clip's eval transform -> (to_pixels, mean, std): to_pixels maps a PIL image to
    float[3, H, W] in 0..1 (every step but the final Normalize). Raises ValueError otherwise."""
    from torchvision.transforms import Compose, Normalize

    steps = list(getattr(preprocess, "transforms", []) or [])
    norms = [t for t in steps if isinstance(t, Normalize)]
    if not norms or steps[-1] is not norms[-1]:
        raise ValueError("the model's preprocessing is not a torchvision Compose ending with Normalize")
    mean, std = tuple(float(v) for v in norms[-1].mean), tuple(float(v) for v in norms[-1].std)
    return Compose(steps[:-1]), mean, std


def normalise(x: torch.Tensor, mean, std) -> torch.Tensor:
    m = torch.as_tensor(mean, dtype=x.dtype, device=x.device).view(1, -1, 1, 1)
    s = torch.as_tensor(std, dtype=x.dtype, device=x.device).view(1, -1, 1, 1)
    return (x - m) / s


def preprocess_variants(size: int, crop_fraction: float = 0.875) -> dict:
    """Other ways to turn a PIL image into the model's float[3, size, size] (0..1).

    {name: (description, fn)}; "reference" is open_clip's default eval preprocessing (resize the
    short side with bicubic interpolation and antialiasing, centre crop), which the others are
    compared with.
    """
    import torchvision.transforms.functional as TF
    from torchvision.transforms import InterpolationMode as IM

    def crop(interp):
        return lambda im: TF.to_tensor(TF.center_crop(TF.resize(im, size, interp, antialias=True), [size, size]))

    def squash(im):
        return TF.to_tensor(TF.resize(im, [size, size], IM.BICUBIC, antialias=True))

    def pad(im):
        w, h = im.size
        s = size / max(w, h)
        nw, nh = max(1, round(w * s)), max(1, round(h * s))
        im = TF.resize(im, [nh, nw], IM.BICUBIC, antialias=True)
        left, top = (size - nw) // 2, (size - nh) // 2
        return TF.to_tensor(TF.pad(im, [left, top, size - nw - left, size - nh - top], fill=0))

    def tight(im):
        w, h = im.size
        c = max(1, round(min(w, h) * crop_fraction))
        return TF.to_tensor(TF.resize(TF.center_crop(im, [c, c]), [size, size], IM.BICUBIC, antialias=True))

    def no_antialias(im):
        return TF.to_tensor(TF.center_crop(TF.resize(TF.pil_to_tensor(im), size, IM.BILINEAR, antialias=False),
                                           [size, size]).permute(1, 2, 0).numpy())

    return {
        "reference": ("short side to the input size (bicubic), centre crop: open_clip's default", crop(IM.BICUBIC)),
        "squash": ("whole image resized to a square, aspect ratio not kept (bicubic)", squash),
        "pad": ("long side to the input size, black bars to a square (bicubic)", pad),
        "bilinear": ("as the reference, bilinear interpolation", crop(IM.BILINEAR)),
        "nearest": ("as the reference, nearest-neighbour interpolation (no smoothing)", crop(IM.NEAREST)),
        "no-antialias": ("as the reference, bilinear without antialiasing (what tensor resizing did "
                         "by default in older torchvision)", no_antialias),
        f"crop-{round(crop_fraction * 100)}": (f"centre {crop_fraction:.1%} of the short side, then resized "
                                               "(the classic ImageNet evaluation crop)", tight),
    }


# -- perturbations --------------------------------------------------------------------------------

def _rand(shape, seed: int, device) -> torch.Tensor:
    return torch.rand(shape, generator=torch.Generator().manual_seed(int(seed))).to(device)


def _pixel_mask(x: torch.Tensor, fraction: float, seed: int) -> torch.Tensor:
    """bool[B, 1, H, W] with exactly round(fraction * H * W) pixels set per image; for one seed the
    chosen sets are nested as the fraction grows (a smooth sweep)."""
    b, _, h, w = x.shape
    k = int(round(min(max(fraction, 0.0), 1.0) * h * w))
    rank = _rand((b, h * w), seed, "cpu").argsort(dim=1).argsort(dim=1)
    return (rank < k).view(b, 1, h, w).to(x.device)


def grey_pixels(x: torch.Tensor, fraction: float, seed: int = 0, grey: float = 0.5) -> torch.Tensor:
    """Replace a random `fraction` of the pixel positions (all channels) with grey."""
    if fraction <= 0:
        return x.clone()
    return torch.where(_pixel_mask(x, fraction, seed), torch.full_like(x, grey), x)


def gaussian_noise(x: torch.Tensor, std: float, seed: int = 0) -> torch.Tensor:
    """Add N(0, std^2) to every channel value, clip to 0..1."""
    if std <= 0:
        return x.clone()
    noise = torch.randn(x.shape, generator=torch.Generator().manual_seed(int(seed))).to(x.device, x.dtype)
    return (x + std * noise).clamp(0.0, 1.0)


def salt_and_pepper(x: torch.Tensor, fraction: float, seed: int = 0) -> torch.Tensor:
    """Set a random `fraction` of the pixel positions to black or white (half each on average)."""
    if fraction <= 0:
        return x.clone()
    mask = _pixel_mask(x, fraction, seed)
    white = (_rand(mask.shape, seed + 1, "cpu") < 0.5).to(x.device)
    return torch.where(mask, white.to(x.dtype).expand_as(x), x)


def gaussian_blur(x: torch.Tensor, sigma: float, seed: int = 0) -> torch.Tensor:
    """Separable Gaussian blur with standard deviation `sigma` pixels (kernel radius 3 sigma,
    reflected borders). sigma = 0 returns the input unchanged."""
    if sigma <= 0:
        return x.clone()
    _, c, h, w = x.shape
    r = max(1, min(int(math.ceil(3 * sigma)), h - 1, w - 1))
    t = torch.arange(-r, r + 1, dtype=x.dtype, device=x.device)
    k = torch.exp(-0.5 * (t / sigma) ** 2)
    k = k / k.sum()
    y = F.pad(x, (r, r, 0, 0), mode="reflect")
    y = F.conv2d(y, k.view(1, 1, 1, -1).repeat(c, 1, 1, 1), groups=c)
    y = F.pad(y, (0, 0, r, r), mode="reflect")
    return F.conv2d(y, k.view(1, 1, -1, 1).repeat(c, 1, 1, 1), groups=c)


PERTURBATIONS = {"grey": grey_pixels, "gaussian": gaussian_noise, "salt_pepper": salt_and_pepper,
                 "blur": gaussian_blur}


def perturb(x: torch.Tensor, kind: str, level: float, seed: int = 0) -> torch.Tensor:
    """One of PERTURBATIONS (grey, gaussian, salt_pepper, blur) at `level`."""
    if kind not in PERTURBATIONS:
        raise ValueError(f"unknown perturbation {kind!r}; allowed: {', '.join(PERTURBATIONS)}")
    return PERTURBATIONS[kind](x, float(level), seed=seed)


# -- embedding sweeps -----------------------------------------------------------------------------

def embed_pixels(model, x: torch.Tensor, mean, std, device, batch_size: int = 64) -> np.ndarray:
    """float[B, 3, H, W] pixels (0..1) -> float32[B, D] unit embeddings."""
    out = [encode_image_batch(model, normalise(x[s : s + batch_size].to(device), mean, std), device)
           for s in range(0, len(x), batch_size)]
    return np.concatenate(out) if out else np.zeros((0, 0), np.float32)


def similarity_sweep(model, x: torch.Tensor, mean, std, kind: str, levels, device, seed: int = 0,
                     batch_size: int = 64, reference: np.ndarray | None = None) -> np.ndarray:
    """float32[L, B]: cosine similarity of each image's embedding at each level with its
    unperturbed embedding (`reference`, computed when not given). One seed for every level, so
    the grey pixels at 20 % include those at 10 %."""
    x = x.to(device)
    ref = embed_pixels(model, x, mean, std, device, batch_size) if reference is None else reference
    out = np.zeros((len(levels), len(x)), np.float32)
    for i, level in enumerate(levels):
        if level <= 0:  # every perturbation is the identity at level 0
            out[i] = (ref * ref).sum(1)
            continue
        e = embed_pixels(model, perturb(x, kind, level, seed), mean, std, device, batch_size)
        out[i] = (e * ref).sum(1)
    return out


# -- activation sparsity --------------------------------------------------------------------------

def tower_kind(visual) -> str | None:
    """"vit" (open_clip VisionTransformer), "resnet" (ModifiedResNet) or None (unsupported)."""
    if hasattr(getattr(visual, "transformer", None), "resblocks"):
        return "vit"
    if all(hasattr(visual, f"layer{i}") for i in (1, 2, 3, 4)):
        return "resnet"
    return None


def _activation_of(mlp: torch.nn.Module) -> torch.nn.Module:
    act = getattr(mlp, "gelu", None)
    if act is not None:
        return act
    skip = (torch.nn.Linear, torch.nn.LayerNorm, torch.nn.Dropout, torch.nn.Identity)
    for m in mlp.children():
        if not isinstance(m, skip):
            return m
    raise ValueError("no activation module in the MLP")


def sparsity_targets(visual) -> tuple[str, str, list[tuple[str, int, torch.nn.Module]]]:
    """(tower kind, what is measured, [(block name, stage, module to hook)]) in depth order."""
    kind = tower_kind(visual)
    if kind == "vit":
        blocks = list(visual.transformer.resblocks)
        return kind, "MLP hidden units after the activation (GELU), every token", [
            (f"block {i}", i, _activation_of(b.mlp)) for i, b in enumerate(blocks)]
    if kind == "resnet":
        out = []
        for s in (1, 2, 3, 4):
            for j, b in enumerate(getattr(visual, f"layer{s}")):
                out.append((f"layer{s}.{j}", s, b))
        return kind, "output of each bottleneck block (after its final ReLU), every position and channel", out
    raise ValueError(f"activation sparsity supports open_clip ViT and ModifiedResNet towers, "
                     f"not {type(visual).__name__}")


@torch.no_grad()
def activation_sparsity(model, x_norm: torch.Tensor, eps: float, device, batch_size: int = 64) -> dict:
    """Per block of the vision tower, over all images of x_norm (already normalised):
    near_zero = share of activations with |a| < eps, nonpositive = share with a <= 0 (for GELU,
    the unit's suppressed side; for ReLU, exact zeros), mean_abs = mean |a|.
    Returns {"tower", "what", "blocks": [{"name", "stage", "near_zero", "nonpositive", "mean_abs"}],
    "embeddings": float32[B, D] unit embeddings of the same forward passes}."""
    kind, what, targets = sparsity_targets(model.visual)
    stats = [[0, 0, 0.0, 0] for _ in targets]  # near, nonpos, sum|a|, total

    def hook(i):
        def fn(_module, _inputs, output):
            a = (output[0] if isinstance(output, (tuple, list)) else output).detach().float()
            s = stats[i]
            s[0] += int((a.abs() < eps).sum())
            s[1] += int((a <= 0).sum())
            s[2] += float(a.abs().sum())
            s[3] += a.numel()
        return fn

    handles = [m.register_forward_hook(hook(i)) for i, (_, _, m) in enumerate(targets)]
    try:
        emb = [encode_image_batch(model, x_norm[s : s + batch_size].to(device), device)
               for s in range(0, len(x_norm), batch_size)]
    finally:
        for h in handles:
            h.remove()
    blocks = [{"name": name, "stage": stage, "near_zero": n / max(t, 1), "nonpositive": z / max(t, 1),
               "mean_abs": a / max(t, 1)} for (name, stage, _), (n, z, a, t) in zip(targets, stats)]
    return {"tower": kind, "what": what, "blocks": blocks, "embeddings": np.concatenate(emb)}


def blend_dynamics(model, x: torch.Tensor, mean, std, ts, eps: float, device, seed: int = 0,
                   batch_size: int = 64) -> dict:
    """Activations as images emerge from noise: for each t in `ts`, pixels (1 - t) * noise + t * x
    (uniform noise, seeded). Returns {"t", "near_zero": float[T, blocks], "nonpositive": [T, blocks],
    "similarity": float[T] mean cosine of the blend's embedding with the clean image's, "blocks"}."""
    x = x.to(device)
    noise = _rand(x.shape, seed, device).to(x.dtype)
    ref = embed_pixels(model, x, mean, std, device, batch_size)
    near, nonpos, sim, names = [], [], [], []
    for t in ts:
        xt = (1.0 - t) * noise + t * x
        r = activation_sparsity(model, normalise(xt, mean, std), eps, device, batch_size)
        names = [b["name"] for b in r["blocks"]]
        near.append([b["near_zero"] for b in r["blocks"]])
        nonpos.append([b["nonpositive"] for b in r["blocks"]])
        sim.append(float((r["embeddings"] * ref).sum(1).mean()))
    return {"t": [float(t) for t in ts], "near_zero": np.asarray(near), "nonpositive": np.asarray(nonpos),
            "similarity": np.asarray(sim), "blocks": names}


# -- few-pixel attack -----------------------------------------------------------------------------

def _logits(model, x, mean, std, classes):
    f = F.normalize(model.encode_image(normalise(x, mean, std)).float(), dim=-1)
    return f @ classes.T, f


def few_pixel_attack(model, x: torch.Tensor, mean, std, class_emb: np.ndarray, labels: np.ndarray,
                     budgets, device, refine: int = 1) -> dict:
    """Greedy, gradient-guided, untargeted attack on the zero-shot classifier `class_emb`
    (float[K, D] unit text embeddings; labels int[B] the true classes).

    For each budget in increasing order, the pixels (positions, all channels) whose loss
    gradient is largest are added to the changed set, and every changed channel value is pushed
    to the extreme (0 or 1) that lowers the margin between the true class and the best other
    class; `refine` extra gradient steps re-decide the extremes. Only images classified
    correctly before the attack are attacked. Returns {"budgets", "share" (of the image's pixels),
    "flip_rate", "cosine" (mean, attacked images, with their clean embedding), "attacked",
    "images", "clean_accuracy", "example": None or {"index", "budget", "clean": uint8[H,W,3],
    "adversarial": uint8[H,W,3], "before", "after"}} (before/after: class indices).
    """
    x = x.to(device).float()
    classes = torch.as_tensor(np.asarray(class_emb, np.float32), device=device)
    y = torch.as_tensor(np.asarray(labels), device=device).long()
    b, _, h, w = x.shape
    with frozen(model), torch.no_grad():
        logits, clean_f = _logits(model, x, mean, std, classes)
    ok = logits.argmax(1) == y
    out = {"budgets": [int(v) for v in budgets], "share": [int(v) / (h * w) for v in budgets], "flip_rate": [],
           "cosine": [], "attacked": int(ok.sum()), "images": int(b), "clean_accuracy": float(ok.float().mean()),
           "example": None}
    if not ok.any():
        out["flip_rate"] = [float("nan")] * len(budgets)
        out["cosine"] = [float("nan")] * len(budgets)
        return out
    xa, clean_f, y = x[ok].clone(), clean_f[ok], y[ok]
    x0 = xa.clone()
    n = len(xa)
    chosen = torch.zeros(n, h * w, dtype=torch.bool, device=device)
    first_flip = torch.full((n,), -1, dtype=torch.long, device=device)
    snapshots = {}

    def margin_grad(img):
        img = img.clone().requires_grad_(True)
        with torch.enable_grad():
            lg, _ = _logits(model, img, mean, std, classes)
            true = lg.gather(1, y[:, None])[:, 0]
            other = lg.masked_fill(F.one_hot(y, lg.shape[1]).bool(), -1e9).max(1).values
            (true - other).sum().backward()
        return img.grad.detach()

    with frozen(model):
        for bi, budget in enumerate(budgets):
            g = margin_grad(xa)
            score = g.abs().sum(1).flatten(1).masked_fill(chosen, -1.0)
            new = int(min(budget, h * w) - chosen[0].sum())
            if new > 0:
                chosen.scatter_(1, score.topk(new, dim=1).indices, True)
            cm = chosen.view(n, 1, h, w)
            for step in range(1 + refine):
                if step:
                    g = margin_grad(xa)
                xa = torch.where(cm, (g < 0).float(), xa)  # lower the margin: 1 where grad < 0
            with torch.no_grad():
                lg, f = _logits(model, xa, mean, std, classes)
            flipped = lg.argmax(1) != y
            first_flip[(first_flip < 0) & flipped] = bi
            out["flip_rate"].append(float(flipped.float().mean()))
            out["cosine"].append(float((f * clean_f).sum(1).mean()))
            snapshots[bi] = (xa.clone(), lg.argmax(1))
    flips = first_flip.clone()
    flips[flips < 0] = len(budgets)
    if (first_flip >= 0).any():
        j = int(torch.argmin(flips))  # first image that flips at the smallest budget
        bi = int(first_flip[j])
        adv, pred = snapshots[bi]
        to_u8 = lambda t: (t.permute(1, 2, 0).clamp(0, 1) * 255).round().byte().cpu().numpy()  # noqa: E731
        out["example"] = {"index": int(torch.nonzero(ok)[j]), "budget": int(budgets[bi]),
                          "clean": to_u8(x0[j]), "adversarial": to_u8(adv[j]),
                          "before": int(y[j]), "after": int(pred[j])}
    return out

"""The demo model's held-out figures on the metrics page: what `train-demo` measured on the demo
world's held-out seed (never shown on the site), beside the targets the project set for it. Pure:
report dict in, markdown lines out."""

from __future__ import annotations

from builder.datasets.demo import ATTRIBUTES, SYNONYMS
from builder.render.markdown import fmt_pct, md_table, md_text

# (label, path into the metrics JSON, target or None)
HELDOUT_ROWS: tuple[tuple[str, tuple[str, ...], float | None], ...] = (
    ("Zero-shot colour", ("heldout", "zeroshot_colour"), 0.97),
    ("Zero-shot shape", ("heldout", "zeroshot_shape"), 0.95),
    ("Zero-shot size", ("heldout", "zeroshot_size"), 0.95),
    ("Zero-shot background", ("heldout", "zeroshot_background"), 0.90),
    ("Zero-shot position", ("heldout", "zeroshot_position"), 0.70),
    ("Top caption names colour and shape (match@1)", ("heldout", "attribute_match@1"), 0.90),
    ("Held-out synonym prompts, relative to canonical: colour", ("heldout", "synonym_relative_colour"), 0.90),
    ("… shape", ("heldout", "synonym_relative_shape"), 0.90),
    ("… size", ("heldout", "synonym_relative_size"), 0.90),
    ("… background", ("heldout", "synonym_relative_background"), 0.90),
    ("… position", ("heldout", "synonym_relative_position"), 0.90),
    ("Typographic attack: a shape word beats the drawn shape", ("typographic_attack", "shape", "word_beats_object"), 0.30),
    ("Typographic attack: a colour word beats the drawn colour", ("typographic_attack", "colour", "word_beats_object"), None),
)


def _get(d, path):
    for k in path:
        if not isinstance(d, dict) or k not in d:
            return None
        d = d[k]
    return d


def _above_chance(dm: dict, key: str) -> bool:
    """Whether the canonical prompts of synonym_relative_<attribute> read the attribute at twice
    chance or better: relative to chance-level prompts, synonyms "keep" nothing."""
    attribute = key.removeprefix("synonym_relative_")
    canon = _get(dm, ("heldout", f"zeroshot_{attribute}"))
    values = len(ATTRIBUTES.get(attribute, ())) or 1
    return isinstance(canon, (int, float)) and canon >= 2 / values


def demo_model_section(report: dict) -> list[str]:
    """Markdown for report["demo_model"] (absent for other models: nothing)."""
    dm = report.get("demo_model") if isinstance(report, dict) else None
    if not isinstance(dm, dict) or not isinstance(dm.get("heldout"), dict):
        return []
    n, seed = dm["heldout"].get("n"), dm["heldout"].get("seed")
    out = ["## The demo model on held-out items\n",
           f"Measured by `python -m builder train-demo` on {n} items of the demo world's seed {seed}, which "
           "neither its training (seed 1) nor this site (seed 0) uses; `train-demo --eval-only` measures "
           "them again.\n"]
    rows = []
    for label, path, target in HELDOUT_ROWS:
        v = _get(dm, path)
        if isinstance(v, (int, float)):
            met = "" if target is None else ("yes" if v >= target else "no")
            if target is not None and path[-1].startswith("synonym_relative_") and not _above_chance(dm, path[-1]):
                met = "no: the canonical prompts are at chance"
            rows.append([md_text(label), fmt_pct(v), "" if target is None else f"≥ {fmt_pct(target)}", met])
    by_size = _get(dm, ("typographic_attack", "shape", "by_word_size")) or {}
    for size, fig in by_size.items():
        if isinstance(fig, dict) and isinstance(fig.get("word_beats_object"), (int, float)):
            rows.append([md_text(f"… {size} words ({fig.get('n')} images)"), fmt_pct(fig["word_beats_object"]), "", ""])
    out.append(md_table(["Measure", "Value", "Target", "Met"], rows, "lrrl"))
    if any(isinstance(_get(dm, ("heldout", f"synonym_relative_{a}")), (int, float)) for a in ATTRIBUTES):
        examples = ", ".join(f"{SYNONYMS[a][v]} for {v}" for a, v in (("colour", "red"), ("shape", "circle"), ("size", "large")))
        seen = "that its captions use but the zero-shot label prompts never do" if (_get(dm, ("heldout", "world")) or 1) >= 2 \
            else "that no caption of the demo world uses"
        out.append(f"\nThe synonym prompts write each value with a word {seen} "
                   f"({examples}); the ratio is their zero-shot accuracy over that of the canonical prompts.\n")
    beh = dm.get("behaviours") if isinstance(dm.get("behaviours"), dict) else {}
    pre = _get(beh, ("prefixes",)) or {}
    prefix_rows = [[md_text(p), f"{f['cosine_change']:+.4f}", fmt_pct(f.get("accuracy")), f"{100 * f['accuracy_change']:+.1f} points"]
                   for p, f in pre.items() if isinstance(f, dict) and "cosine_change" in f]
    if prefix_rows:
        out.append("\nPrefixes: the mean change in cosine between each image and the prompt naming its colour "
                   "and shape, and zero-shot accuracy over the 64 colour–shape prompts "
                   f"({fmt_pct(_get(pre, ('none', 'accuracy')))} without a prefix).\n")
        out.append(md_table(["Prefix", "Cosine change", "Accuracy", "Change"], prefix_rows, "lrrr"))
    pp = _get(beh, ("preprocessing",)) or {}
    if all(isinstance(pp.get(k), dict) for k in ("reference", "squash", "pad")):
        made = ("the demo world's own 4:3 and 3:4 held-out items" if (pp.get("world") or beh.get("world") or 1) >= 2 else
                "held-out renders widened to 4:3 or heightened to 3:4 by repeating their border pixels")
        out.append(f"\nNon-square images ({pp.get('n')} of them: {made}, the object in the centred square): each way of "
                   "making them square against the model's own preprocessing (reference: the centre crop).\n")
        out.append(md_table(["Preprocessing", "Mean cosine to the crop", "Zero-shot shape"],
                            [[md_text(k), f"{pp[k]['cosine_to_crop']:.4f}", fmt_pct(pp[k]["zeroshot_shape"])]
                             for k in ("reference", "squash", "pad")], "lrr"))
    sp = _get(beh, ("sparsity",)) or {}
    blocks = [b for b in sp.get("blocks") or [] if isinstance(b, dict) and "near_zero" in b]
    if blocks:
        out.append(f"\nActivations near zero (|a| < {sp.get('eps')}) on {sp.get('n')} of the held-out images, "
                   f"by block: {md_text(str(sp.get('what', '')))}.\n")
        out.append(md_table(["Block", "Near zero", "At most 0"],
                            [[md_text(str(b["name"])), fmt_pct(b["near_zero"]), fmt_pct(b.get("nonpositive"))]
                             for b in blocks], "lrr"))
    return out

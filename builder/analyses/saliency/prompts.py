"""Curated prompt sets for the saliency analysis: which texts each image is asked about.

A set shows what miniClip showed: the correct description beside near misses (another colour,
another shape, another label), the same description under several prefixes ("primes"), the
image's own caption, and, for an image with a written word, the word against the object (a
typographic attack). Everything from the dataset here is data, never markup.

    prompt_set(record, cfg, values, category_field)  -> PromptSet
    select_images(records, cfg)                      -> indices of the curated images
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

ROLE_NAMES = {
    "object": "the object",
    "prefix": "same, another prefix",
    "wrong-colour": "wrong colour",
    "wrong-shape": "wrong shape",
    "wrong-label": "wrong label",
    "caption": "caption",
    "word": "the written word",
    "custom": "configured",
}


def article(phrase: str) -> str:
    """'an' before a vowel, else 'a' (good enough for colour and shape names)."""
    return "an" if phrase[:1].lower() in "aeiou" else "a"


@dataclass
class PromptSet:
    """Prompts of one image, in display order. `prefixes` lists (prefix, position) of the object
    phrase under each prefix; `typographic` names the word prompt and the object prompt it
    competes with; `object_prompt` is the position of the correct description."""

    prompts: list[tuple[str, str]] = field(default_factory=list)  # (text, role)
    prefixes: list[tuple[str, int]] = field(default_factory=list)
    typographic: dict | None = None
    object_prompt: int = 0

    def add(self, text: str, role: str) -> int:
        text = " ".join(text.split())
        for i, (t, _) in enumerate(self.prompts):
            if t == text:
                return i
        self.prompts.append((text, role))
        return len(self.prompts) - 1


def _other(rng: np.random.Generator, values, exclude) -> str | None:
    choices = [v for v in values if v not in exclude]
    return choices[int(rng.integers(len(choices)))] if choices else None


def object_phrase(labels: dict, category_field: str | None) -> str | None:
    """The object named from its labels: "a red circle" (colour and shape), else "a dog" (the
    category), else None."""
    if "colour" in labels and "shape" in labels:
        phrase = f"{labels['colour']} {labels['shape']}"
    elif category_field and category_field in labels:
        phrase = str(labels[category_field])
    else:
        return None
    return f"{article(phrase)} {phrase}"


def prompt_set(record, cfg, values: dict[str, list[str]], category_field: str | None,
               rng: np.random.Generator) -> PromptSet:
    """The prompts for `record` (a builder.records.Record) under SaliencyConfig `cfg`.

    values          every value of every label field in the dataset, for the near misses
    category_field  the label field that names the object when there is no colour+shape
    """
    s = PromptSet()
    labels = {k: str(v) for k, v in record.labels.items()}
    first, *others = cfg.prefixes
    phrase = object_phrase(labels, category_field)
    word = str(record.extra.get("word") or "").strip() if isinstance(record.extra, dict) else ""
    if phrase:
        s.object_prompt = s.add(first + phrase, "object")
        s.prefixes.append((first, s.object_prompt))
        if "colour" in labels and "shape" in labels:
            colour, shape = labels["colour"], labels["shape"]
            c = _other(rng, values.get("colour", []), {colour, word})
            if c:
                s.add(f"{first}{article(c)} {c} {shape}", "wrong-colour")
            sh = _other(rng, values.get("shape", []), {shape, word})
            if sh:
                s.add(f"{first}{article(colour)} {colour} {sh}", "wrong-shape")
        else:
            v = _other(rng, values.get(category_field, []), {labels.get(category_field)})
            if v:
                s.add(f"{first}{article(v)} {v}", "wrong-label")
        for p in others:
            s.prefixes.append((p, s.add(p + phrase, "prefix")))
    if word:
        s.typographic = typographic_pair(s, labels, word, first, values)
    for caption in record.captions[: 1 if phrase else 2]:
        s.add(caption, "caption")
    for template in cfg.prompts:
        try:
            s.add(template.format(**labels), "custom")
        except (KeyError, IndexError, ValueError):
            continue  # a template naming a field this image lacks, or malformed
    for p in cfg.category_prompts.get(labels.get(category_field or "", ""), ()):
        s.add(p, "custom")
    for p in cfg.image_prompts.get(record.id, ()):
        s.add(p, "custom")
    _cap(s, cfg.max_prompts)
    return s


def typographic_pair(s: PromptSet, labels: dict, word: str, prefix: str, values: dict) -> dict | None:
    """Add the prompt naming the written word, matched to the object prompt it competes with:
    a shape word replaces the shape ("a red star" vs "a red circle"), a colour word the colour,
    any other word is asked about on its own ("a dog" vs "a red circle"). None when the word
    names the object itself (nothing to attack)."""
    colour, shape = labels.get("colour"), labels.get("shape")
    lw = word.lower()
    if lw in (str(colour).lower(), str(shape).lower()):
        return None
    if shape and lw in values.get("shape", []):
        kind, text = "shape", f"{prefix}{article(colour)} {colour} {lw}"
    elif colour and lw in values.get("colour", []):
        kind, text = "colour", f"{prefix}{article(lw)} {lw} {shape}"
    else:
        kind, text = "other", f"{prefix}{article(word)} {word}"
    if not s.prompts:
        return None
    return {"word": word, "kind": kind, "word_prompt": s.add(text, "word"), "object_prompt": s.object_prompt}


def _cap(s: PromptSet, n: int) -> None:
    """Keep at most n prompts; the object, word and prefix prompts are kept first."""
    if len(s.prompts) <= n:
        return
    keep = [s.object_prompt] + [p for _, p in s.prefixes]
    if s.typographic:
        keep.append(s.typographic["word_prompt"])
    keep = list(dict.fromkeys(keep))[:n]
    keep += [i for i in range(len(s.prompts)) if i not in keep][: n - len(keep)]
    keep.sort()
    new = {old: i for i, old in enumerate(keep)}
    s.prompts = [s.prompts[i] for i in keep]
    s.prefixes = [(p, new[i]) for p, i in s.prefixes if i in new]
    s.object_prompt = new.get(s.object_prompt, 0)
    if s.typographic:
        t = s.typographic
        if t["word_prompt"] in new and t["object_prompt"] in new:
            t["word_prompt"], t["object_prompt"] = new[t["word_prompt"]], new[t["object_prompt"]]
        else:
            s.typographic = None


def select_images(records, n: int, n_word: int, seed: int, prefer=()) -> list[int]:
    """Indices (sorted) of `n` curated images: up to `n_word` that carry a written word, the rest
    without, a seeded sample of each. Up to half of the word images come from `prefer` (the
    images where the word wins), so that a rare attack still shows in the gallery."""
    rng = np.random.default_rng(seed)
    has_word = np.array([bool(isinstance(r.extra, dict) and r.extra.get("word")) for r in records], dtype=bool)
    words, plain = np.flatnonzero(has_word), np.flatnonzero(~has_word)
    k_word = min(n_word, len(words), n)
    k_plain = min(n - k_word, len(plain))
    k_word = min(n - k_plain, len(words))  # fill up with word images when plain ones run out
    preferred = np.array(sorted(set(int(i) for i in prefer) & set(words.tolist())), dtype=np.int64)
    k_pref = min(len(preferred), k_word // 2 if k_word > 1 else k_word)
    first = rng.choice(preferred, k_pref, replace=False) if k_pref else np.zeros(0, np.int64)
    rest = np.setdiff1d(words, first)
    pick = [*first, *rng.choice(rest, k_word - k_pref, replace=False), *rng.choice(plain, k_plain, replace=False)]
    return sorted(int(i) for i in pick)

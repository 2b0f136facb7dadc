"""[saliency]: its config section."""

from __future__ import annotations

from dataclasses import dataclass

from builder.schema import Spec, setting

DEFAULT_PREFIXES = ("a photo of ", "", "an image of ")
MAX_PROMPT_CHARS = 200
_STR_LIST = Spec(types=(tuple,), item=str, allowed="a list of strings")


@dataclass(frozen=True)
class SaliencyConfig:
    """[saliency]: saliency maps for curated (image, prompt) sets (builder.analyses.saliency)."""

    enabled: bool = setting(True, doc="run the analysis (false: leave it out of the site)")
    images: int = setting(48, lo=1, hi=1000, doc="images that get a curated prompt set (a seeded sample)")
    word_images: int = setting(12, lo=0, hi=1000, allowed="0..1000 (at most saliency.images are used)", doc=(
        "of those, how many carry a written word (typographic attacks), if the dataset has any"))
    seed: int = setting(0, doc="sampling seed")
    prefixes: tuple = setting(DEFAULT_PREFIXES, item=str, min_len=1, doc=(
        "prompt primes: the object phrase (\"a red circle\") is shown with each prefix side by side; "
        "the first one also starts the other prompts"),
        allowed="a non-empty list of strings, e.g. [\"a photo of a \", \"\"]")
    prompts: tuple = setting((), item=str, allowed="a list of strings", doc=(
        "extra prompts for every curated image; \"{field}\" is replaced by the image's label of that "
        "field (e.g. \"a {colour} thing\"); images lacking the label skip the prompt"))
    category_prompts: dict = setting({}, item=_STR_LIST, allowed="a table of lists of strings", doc=(
        "extra prompts per value of the category (first label) field, a table: "
        "circle = [\"a round thing\", \"a ball\"]"))
    image_prompts: dict = setting({}, item=_STR_LIST, allowed="a table of lists of strings", doc=(
        "extra prompts per image id, a table: \"item-0007\" = [\"a red ball\"]"))
    max_prompts: int = setting(12, lo=2, hi=32, doc="at most this many prompts per image")
    vit_blocks: int = setting(0, lo=0, allowed="0 (all blocks) or a positive integer", doc=(
        "ViT towers: propagate the relevancy through the last n blocks (0 = all)"))
    batch: int = setting(32, lo=1, hi=1024, doc="(image, prompt) pairs per backward pass")
    image_px: int = setting(128, lo=32, hi=512, doc="side of the images written for the page, in pixels")
    eval_images: int = setting(100, lo=0, hi=10000, allowed="0 (skip) .. 10000", doc=(
        "images with a ground-truth box used for the pointing game and the deletion curves (0 = skip both)"))
    deletion_steps: int = setting(10, lo=2, hi=100, doc="steps of the deletion curves")

    def rules(self):
        tables = (self.category_prompts, self.image_prompts)
        for p in (*self.prefixes, *self.prompts, *(q for t in tables for v in t.values() for q in v)):
            if len(p) > MAX_PROMPT_CHARS:
                yield f"saliency prompt {p[:40]!r}... is {len(p)} characters long; allowed: at most {MAX_PROMPT_CHARS}"
                return

"""The insights the earlier tools reported (seeds/), each with the measurement of this build that
tests it and the rule that turns the numbers into a verdict (builder.render.claims).

    INSIGHTS["typographic"].measure(rate=0.003, images=312).html()

Each analysis's pages state the claims whose numbers they show (saliency: descriptions, prefix,
typographic; robustness: grey, sparsity, blend; topology: gap, blur, angles); the build report
carries them under metrics.<analysis>.claims and the home page lists them.
"""

from __future__ import annotations

from builder.render.claims import COUNT, DEG, NUM, PCT, POINTS, RATIO, ClaimSpec, Rule, levels, parts

MINICLIP = "miniClip"
AWESOME = "the CLIP-is-awesome notebooks"
TOPOLOGY = "the CLIP topology study"
EPS = 1e-9  # numbers are compared as shown; differences of shown shares carry float noise


def _at_least(d: float, step: float) -> bool:
    return d >= step - EPS


def _opposite(v: dict) -> str:
    f, last = v["first"], v["last"]
    if f * last >= 0:
        return "absent"
    return "shows" if _at_least(abs(f), 0.01) and _at_least(abs(last), 0.01) else "partly"


SPECS = (
    ClaimSpec(
        "descriptions", MINICLIP, "descriptions are not labels",
        "The text side is a language model: related descriptions (synonyms, properties of an object, "
        "\u201cwood\u201d and \u201cbarrel\u201d) get similar scores for the same image, so a prompt does not "
        "work like a class label.",
        "a description with one wrong word (another colour, shape or label) gets on average {weight} of the "
        "softmax weight of the right description, over {images} curated images",
        {"weight": PCT, "images": COUNT}, levels("weight", 0.5, 0.2)),
    ClaimSpec(
        "prefix", MINICLIP, "a prefix changes the result",
        "A prime such as \u201can image of\u201d changes how similar a description is to the image.",
        "changing the prefix moves the similarity of the right description by {spread} on average (cosine), "
        "{ratio} times its margin of {margin} over a description with one wrong word",
        {"spread": NUM, "ratio": RATIO, "margin": NUM}, levels("ratio", 0.5, 0.2, RATIO)),
    ClaimSpec(
        "typographic", MINICLIP, "written words dominate",
        "Text written on an image dominates what the image shows: asked about the written word and about "
        "the object, the model prefers the word.",
        "the prompt naming the written word beats the prompt naming the object on {rate} of {images} "
        "images with a word",
        {"rate": PCT, "images": COUNT}, levels("rate", 0.5, 0.1)),
    ClaimSpec(
        "grey", AWESOME, "similarity falls linearly with grey pixels",
        "The cosine similarity between an image's embedding and that of a copy with pixels replaced by grey "
        "decreases linearly with the number of grey pixels.",
        "a straight line through the mean similarities has slope {slope} per unit share and R\u00b2 = {r2}",
        {"slope": NUM, "r2": NUM},
        parts(("the similarity falls (slope below 0)", lambda v: v["slope"] < 0),
              ("the fall is close to a line (R\u00b2 at least 0.950)", lambda v: v["r2"] >= 0.95))),
    ClaimSpec(
        "sparsity", AWESOME, "sparsity rises with depth and the last layer is dense again",
        "Towards the last blocks more activations are near zero (sparser, more abstract features), and the "
        "last block is dense again, pushed by the gradient flow.",
        "near-zero activations are {first} of the first block's, {penult} of the second-to-last block's "
        "and {last} of the last block's",
        {"first": PCT, "penult": PCT, "last": PCT},
        parts(("the second-to-last block is at least 5 points sparser than the first",
               lambda v: _at_least(v["penult"] - v["first"], 0.05)),
              ("the last block is at least 5 points denser than the second-to-last",
               lambda v: _at_least(v["penult"] - v["last"], 0.05)))),
    ClaimSpec(
        "blend", AWESOME, "first and last blocks react oppositely",
        "As the input goes from noise to the image, activations change progressively, and the first "
        "block's dynamics are the opposite of the last block's.",
        "from noise to image, the share of near-zero activations changes by {first} in the first block "
        "and by {last} in the last",
        {"first": POINTS, "last": POINTS},
        Rule("shows it when the two change in opposite directions, each by at least 1 point; partly when "
             "they are opposite but one changes by less", _opposite)),
    ClaimSpec(
        "gap", TOPOLOGY, "the modality gap",
        "Images and captions are embedded in two separate regions of the space (the modality gap), even "
        "an image and its own caption.",
        "whether a point is an image or a caption explains {share} of the variance of all embeddings "
        "(distance between the two centroids {distance})",
        {"share": PCT, "distance": NUM}, levels("share", 0.10, 0.02)),
    ClaimSpec(
        "blur", TOPOLOGY, "Wasserstein distance grows with blur",
        "The persistence diagram of a category's blurred images moves further from the original's as the "
        "blur grows (sigma 1 less than sigma 2, less than sigma 3, ...), for every category.",
        "the distance to the original rises with the blur (rank correlation with sigma at least 0.8) on "
        "{share} of the {curves} curves (H0 and H1 of each category)",
        {"share": PCT, "curves": COUNT}, levels("share", 0.8, 0.5)),
    ClaimSpec(
        "angles", TOPOLOGY, "categories occupy different subspaces",
        "Each category's embeddings span a subspace of their own; the principal angles between two "
        "categories' subspaces say how different the categories are.",
        "the mean angle between two categories' image subspaces is {between}, against {within} between two "
        "halves of one category and {random} between random groups; {share} of the {pairs} pairs lie "
        "above both yardsticks",
        {"between": DEG, "within": DEG, "random": DEG, "share": PCT, "pairs": COUNT}, levels("share", 0.8, 0.5)),
)
SPECS += (
    ClaimSpec(
        "optimised", "the CLIP neuron visualizer", "optimised images beat the dataset",
        "An image optimised to excite one unit excites it more than any image of the dataset does, for "
        "every kind of unit (MLP neurons, residual-stream and attention channels, attention heads).",
        "the optimised image beats every dataset image for {weakest} of the units of the kind where it "
        "does least, and for {share} of all {units} units",
        {"weakest": PCT, "share": PCT, "units": COUNT}, levels("weakest", 0.9, 0.5)),
)
INSIGHTS = {s.key: s for s in SPECS}

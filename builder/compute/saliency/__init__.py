"""Saliency maps of text prompts on images, for any open_clip image tower. Pure: tensors in,
arrays out; no file, config or site knowledge.

Two methods with gradients, one per tower type, chosen by `tower_kind`:

* ViT towers: gradient-weighted attention relevancy (Chefer, Gur and Wolf 2021, "Generic
  Attention-model Explainability for Interpreting Bi-Modal and Encoder-Decoder Transformers").
  R = I; for each block b: A_b = mean_heads(clamp(dS/dA_b * A_b, min=0)); R += A_b @ R. The map is
  the pooled token's row of R over the patch tokens. S is the cosine similarity of the image
  embedding and the prompt's text embedding. open_clip's blocks call attention with
  need_weights=False, so `block_with_attention` re-computes each block from its own weights and
  returns the attention probabilities too (tests check it reproduces the block's output).
* ResNet towers (ModifiedResNet): Grad-CAM on the output of `layer4`, S as above.

And one without gradients (`token_maps`): every spatial token mapped into the joint embedding
space (ViT: ln_post and proj; ResNet: the attention pool's value and output projections) and
scored against every prompt in one matmul.

Batching: the trunk (everything below the first block that needs gradients) runs once per image
without gradients; the head runs forward once per image too, and its backward pass is
vectorised over the image's prompts (about `batch` pairs per pass). `reference_map` is the plain
one-pair-at-a-time route, used by tests and the benchmark.

towers.py holds the towers' internals, maps.py the batched and reference maps, scores.py their
storage and scoring. Their public names (and the internals tests reach for) are importable from
here: `from builder.compute import saliency as sal; sal.saliency_maps(...)`.
"""

from builder.compute.saliency.maps import (_head_maps, _token_maps, _trunk, group_pairs, reference_map,  # noqa: F401
                                           saliency_maps, token_maps)
from builder.compute.saliency.scores import (deletion_curves, deletion_figures, energy_in_box, pointing_figures,  # noqa: F401
                                             pointing_game, quantise, softmax, spearman, typographic_figures,
                                             upsample, view_box)
from builder.compute.saliency.towers import (UnsupportedTower, _cosine, _pair, _pool_rows,  # noqa: F401
                                             _resnet_trunk, _resnet_value_tokens, _run_blocks, _vit_head,
                                             attention_with_probs, block_with_attention, gradcam, grid_shape,
                                             method_name, relevancy_rows, token_method_name, tower_kind,
                                             vit_start)

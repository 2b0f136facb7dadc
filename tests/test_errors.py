"""Expected failures: one base class (builder.errors.AtlasError), and on the command line one
`Error: <message>` line (or a few) with exit code 1, never a traceback. One real trigger per class."""

from __future__ import annotations

import contextlib
import io
import json
import shutil
from pathlib import Path

import pytest
import torch
from click.testing import CliRunner

from builder import errors, resources
from builder.cli import cli

FIXTURES = Path(__file__).parent / "fixtures"


def _fails(args: list[str], *needles: str) -> str:
    """Run the command; it must end with `Error: ...` (returned, with the log before it) and exit 1."""
    result = CliRunner().invoke(cli, [str(a) for a in args])
    out = result.output
    assert result.exit_code == 1 and "Error: " in out and "Traceback" not in out, out
    message = out[out.index("Error: "):]
    for needle in needles:
        assert needle in message, out
    return out


def test_every_expected_error_is_an_atlas_error_importable_where_it_was():
    from builder.compute.fvis.probes import UnknownLayer
    from builder.compute.neurons import UnitSpecError
    from builder.compute.saliency import UnsupportedTower
    from builder.config import ConfigError
    from builder.io.artifacts import ContractError
    from builder.io.output import OutputError
    from builder.models.demo import DemoWeightsMissing
    from builder.models.loading import ModelUnavailable
    from builder.pipeline import BuildError
    from builder.render.docs import DocsBuildError
    from builder.render.site import BundleError

    old = [UnknownLayer, UnitSpecError, UnsupportedTower, ConfigError, ContractError, OutputError,
           DemoWeightsMissing, ModelUnavailable, BuildError, DocsBuildError, BundleError]
    defined = {c for c in vars(errors).values() if isinstance(c, type) and issubclass(c, errors.AtlasError)}
    assert set(old) | {errors.DatasetNotFound, errors.AtlasError} == defined
    assert issubclass(ConfigError, ValueError) and issubclass(DemoWeightsMissing, FileNotFoundError)


def test_config_typo(tmp_path):
    (tmp_path / "c.toml").write_text('[embed]\ndevise = "cpu"\n')
    _fails(["build", "--config", tmp_path / "c.toml", "--out", tmp_path / "s"], "unknown field embed.devise")


def test_missing_dataset_folder(tmp_path):
    _fails(["build", "--dataset", "folder", "--data", tmp_path / "nope", "--out", tmp_path / "s",
            "--cache-dir", tmp_path / "c"], "dataset folder", "does not exist")


def test_missing_checkpoint_fails_before_the_dataset_is_read(tmp_path):
    # the dataset folder is missing too: the checkpoint is checked first, before `collect`
    out = _fails(["build", "--model", "ViT-B-32/openai", "--checkpoint", tmp_path / "none.pt",
                  "--dataset", "folder", "--data", tmp_path / "nope", "--out", tmp_path / "s",
                  "--cache-dir", tmp_path / "c"], "none.pt", "does not exist")
    assert "dataset folder" not in out and "[collect]" not in out


def test_checkpoint_without_an_architecture_says_which_option_is_missing(tmp_path):
    # read as demo weights (train-demo --out FILE); a file that is not says how to name its architecture
    (tmp_path / "w.pt").write_bytes(b"x")
    _fails(["info", "--no-dataset", "--checkpoint", tmp_path / "w.pt"], "demo model weights", "--model NAME", "model.arch")


def _register(name: str) -> str:
    import open_clip

    if name not in open_clip.list_models():
        open_clip.add_model_config(FIXTURES / f"{name}.json")
    return name


def test_checkpoint_of_another_architecture_is_summarised(tmp_path):
    from builder.models.loading import random_model

    with contextlib.redirect_stderr(io.StringIO()):
        rn = random_model(_register("tiny-rn"), seed=0)
    _register("tiny-vit")
    torch.save(rn.model.state_dict(), tmp_path / "rn.pt")
    (tmp_path / "c.toml").write_text(f'[model]\narch = "tiny-vit"\ncheckpoint = "{tmp_path / "rn.pt"}"\n')
    out = _fails(["info", "--no-dataset", "--config", tmp_path / "c.toml"],
                 "does not fit the architecture tiny-vit", "missing key(s): visual.", "unexpected key(s): visual.")
    assert len(out) < 1200 and len(out.splitlines()) <= 6, out  # not the 17 KB list of every key


def test_missing_demo_weights(tmp_path):
    _fails(["train-demo", "--eval-only", "--out", tmp_path / "absent.safetensors"], "python -m builder train-demo")


def test_no_usable_item(tmp_path):
    """The error groups the issues by kind (a line each, with an example) and says where the first
    missing file was looked for; the model is never loaded and the output folder not made."""
    rows = [{"id": f"a{i}", "image": f"img/gone{i}.png", "captions": ["x"]} for i in range(3)]
    (tmp_path / "m.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows) + "oops\n")
    out = _fails(["build", "--dataset", "manifest", "--data", tmp_path / "m.jsonl", "--out", tmp_path / "s",
                  "--cache-dir", tmp_path / "c", "--no-progress"],
                 "the dataset has no usable item (4 read, 4 skipped):",
                 "  3 skipped: missing file … (e.g. m.jsonl:1: missing file 'img/gone0.png')",
                 "  1 skipped: invalid JSON: Expecting value (e.g. m.jsonl:4: invalid JSON: Expecting value)",
                 f"  3 of the 4 rows of m.jsonl name an image file that does not exist: e.g. 'img/gone0.png', "
                 f"looked for at '{tmp_path / 'img' / 'gone0.png'}'")
    assert "see the issues in the build report" not in out and "[model]" not in out and not (tmp_path / "s").exists()


def test_csv_without_a_caption_column_names_the_columns_found(tmp_path):
    (tmp_path / "a.png").write_bytes(b"x")
    (tmp_path / "m.csv").write_text("image,text\na.png,a cat\na.png,a dog\n")
    _fails(_build_args(tmp_path, "--dataset", "manifest", "--data", tmp_path / "m.csv"),
           "no usable item (1 read, 1 skipped):", "1 skipped: no usable caption",
           "m.csv has no 'caption' column; columns found: 'image', 'text'.")


def test_jsonl_without_a_caption_field_names_the_fields_found(tmp_path):
    (tmp_path / "a.png").write_bytes(b"x")
    (tmp_path / "m.jsonl").write_text(json.dumps({"image": "a.png", "text": "a cat", "labels": {}}) + "\n")
    _fails(_build_args(tmp_path, "--dataset", "manifest", "--data", tmp_path / "m.jsonl"),
           "no line of m.jsonl has a 'captions' (a list of texts) or 'caption' (a text) field; "
           "fields found: 'image', 'text', 'labels'")


def test_coco_captions_whose_images_match_no_file(tmp_path):
    (tmp_path / "val").mkdir()
    images = [{"id": i, "file_name": f"COCO_{i:06d}.jpg"} for i in (3, 1, 2)]
    caps = {"images": images, "annotations": [{"id": i, "image_id": i, "caption": "a cat"} for i in (1, 2, 3)]}
    (tmp_path / "captions.json").write_text(json.dumps(caps))
    (tmp_path / "c.toml").write_text('[dataset]\nkind = "coco"\npath = "val"\ncaptions = "captions.json"\n')
    _fails(_build_args(tmp_path, "--config", tmp_path / "c.toml"), "3 skipped: missing file …",
           "3 of the 3 image ids looked up in captions.json name an image file that does not exist: "
           f"e.g. 'COCO_000001.jpg', looked for at '{tmp_path / 'val' / 'COCO_000001.jpg'}'")


def test_folder_without_images_says_what_was_looked_for(tmp_path):
    (tmp_path / "pics").mkdir()
    (tmp_path / "pics" / "notes.txt").write_text("x")
    _fails(_build_args(tmp_path, "--dataset", "folder", "--data", tmp_path / "pics"),
           "no usable item (0 read, 0 skipped)",
           f"no image file in '{tmp_path / 'pics'}' or its sub-folders (looked for .bmp, .gif, .jpeg, .jpg, .png, "
           ".tif, .tiff, .webp;")


def test_folder_without_caption_files_says_how_to_name_them(tmp_path):
    (tmp_path / "pics").mkdir()
    for name in ("a.png", "b.png"):
        (tmp_path / "pics" / name).write_bytes(b"x")
    _fails(_build_args(tmp_path, "--dataset", "folder", "--data", tmp_path / "pics"),
           "2 skipped: no caption file … (e.g. a.png: no caption file a.txt)",
           "every image needs a caption file beside it, with the same name ending in .txt")


def test_no_image_decodes(tmp_path):
    """Every file is there but none is an image: found while embedding, said the same way."""
    (tmp_path / "a.png").write_bytes(b"not an image")
    (tmp_path / "b.png").write_bytes(b"")
    rows = [{"id": n, "image": f"{n}.png", "captions": ["x"]} for n in ("a", "b")]
    (tmp_path / "m.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    _fails(_build_args(tmp_path, "--dataset", "manifest", "--data", tmp_path / "m.jsonl"),
           "the dataset has no usable image, none could be decoded (2 read, 2 skipped):",
           "1 skipped: not an image file (e.g. a.png: not an image file)",
           "1 skipped: zero-byte file (e.g. b.png: zero-byte file)")


def test_output_folder_not_ours(tmp_path):
    from builder.io.output import staging_folder

    (tmp_path / "mine").mkdir()
    (tmp_path / "mine" / "thesis.tex").write_text("precious")
    with pytest.raises(errors.OutputError, match="was not made by CLIP Atlas"):
        with staging_folder(tmp_path / "mine"):
            pass


def test_contract_unit_layer_and_tower_errors():
    import numpy as np

    from builder.compute import neurons, saliency
    from builder.compute.fvis.probes import resolve
    from builder.io.artifacts import DatasetArtifacts

    with pytest.raises(errors.ContractError, match="not in the contract"):
        DatasetArtifacts("d").add_buffer("nonsense", np.zeros(3))
    with pytest.raises(errors.UnitSpecError, match="outside"):
        neurons.parse_units("9:12", 4)
    with pytest.raises(errors.UnsupportedTower, match="not Linear"):
        saliency.tower_kind(torch.nn.Linear(2, 2))
    with contextlib.redirect_stderr(io.StringIO()):
        from builder.models.loading import random_model

        vit = random_model(_register("tiny-vit"), seed=0)
    with pytest.raises(errors.UnknownLayer, match="visual.nope"):
        resolve(vit.model, ["visual.nope"])


def test_bundler_without_node_modules(tmp_path):
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "main.js").write_text("console.log(1)")
    with pytest.raises(errors.BundleError, match="make setup"):
        resources.bundler.run_bundler(tmp_path)


@pytest.mark.slow
def test_build_reports_bundle_and_docs_errors(tmp_path, monkeypatch):
    """The two errors that used to escape as tracebacks, through a real `build`."""
    from builder.render import assemble as write

    args = ["build", "--demo-size", "20", "--out", tmp_path / "s", "--cache-dir", tmp_path / "c", "--no-progress",
            "--workers", "0", "--analyses", "none"]
    content = shutil.copytree(resources.content(), tmp_path / "content")
    (content / "reading.md").write_text("# Reading\n\n[broken](nowhere.md)\n")
    monkeypatch.setattr(write, "CONTENT_DIR", content)
    _fails(args, "MkDocs build failed", "nowhere.md")
    monkeypatch.undo()
    fake = tmp_path / "explorer"
    (fake / "src").mkdir(parents=True)
    (fake / "src" / "main.js").write_text("console.log(1)")
    monkeypatch.setattr(resources, "EXPLORER_SRC", fake)
    _fails(args, "node_modules", "make setup")
    assert not (tmp_path / "s").exists()


# -- bad input files and options: one line naming the input, before any compute ----------------------

def _build_args(tmp_path, *args) -> list:
    return ["build", *args, "--out", tmp_path / "s", "--cache-dir", tmp_path / "c", "--no-progress", "--workers", "0"]


def test_config_that_is_not_utf8(tmp_path):
    (tmp_path / "c.toml").write_bytes(b'[site]\ntitle = "caf\xe9"\n')  # Latin-1
    _fails(_build_args(tmp_path, "--config", tmp_path / "c.toml"), "c.toml' is not UTF-8 text", "save it again as UTF-8")


def test_coco_captions_file_that_is_a_json_list(tmp_path):
    (tmp_path / "images").mkdir()
    (tmp_path / "captions.json").write_text("[]")
    (tmp_path / "c.toml").write_text('[dataset]\nkind = "coco"\npath = "images"\ncaptions = "captions.json"\n')
    _fails(_build_args(tmp_path, "--config", tmp_path / "c.toml"), "captions.json' is a JSON list",
           "expected an object with an 'images' list")


def test_csv_without_an_image_column_names_the_columns_found(tmp_path):
    (tmp_path / "m.csv").write_text("file,caption\na.png,a cat\n")
    _fails(_build_args(tmp_path, "--dataset", "manifest", "--data", tmp_path / "m.csv"),
           "m.csv' has no 'image' column; columns found: 'file', 'caption'")


def test_folder_given_as_a_manifest(tmp_path):
    _fails(_build_args(tmp_path, "--dataset", "manifest", "--data", tmp_path), "is a folder",
           "a manifest is a .jsonl or .csv file", "--dataset folder")


def test_non_ascii_name_is_refused_by_the_config_check(tmp_path):
    out = _fails(_build_args(tmp_path, "--demo-size", "20", "--name", "café"),
                 "dataset.name = 'café' is not allowed", "ASCII letters")
    assert "[collect]" not in out and "[model]" not in out


def test_unknown_model_fails_before_the_dataset_is_read(tmp_path):
    # the dataset folder is missing too: the model name is checked first, before `collect`
    out = _fails(_build_args(tmp_path, "--model", "ViT-B-99/nobody", "--dataset", "folder", "--data", tmp_path / "nope"),
                 "model.name = 'ViT-B-99/nobody' is not registered", "allowed: demo, ")
    assert "dataset folder" not in out and "[collect]" not in out


def test_unknown_architecture_fails_before_the_dataset_is_read(tmp_path):
    (tmp_path / "c.toml").write_text('[model]\narch = "ViT-B-321"\npretrained = "laion2b"\n')
    out = _fails(_build_args(tmp_path, "--config", tmp_path / "c.toml", "--demo-size", "20"),
                 "'ViT-B-321' (model 'ViT-B-321/laion2b') is not an open_clip architecture", "did you mean ViT-B-32")
    assert "[collect]" not in out and "[model]" not in out


def test_unknown_analysis_is_named_with_the_allowed_ones(tmp_path):
    out = _fails(_build_args(tmp_path, "--demo-size", "20", "--analyses", "saliency,nope"),
                 "--analyses: unknown analysis 'nope'", "allowed: none, or a comma-separated list of saliency, neurons")
    assert "[collect]" not in out

"""The output folder: what the builder may replace (its stamp, never a .git), what dead builds
leave beside it and how the next build cleans up, and the paths it cannot write. Real folders,
real processes; the failing builds stop before any compute, so each test takes a second or two."""

from __future__ import annotations

import ctypes
import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from builder.cli import cli
from builder.errors import ContractError, OutputError
from builder.io import output
from builder.io.writer import SiteWriter

PR_CAPBSET_DROP, CAP_DAC_OVERRIDE = 24, 1


def _site(root: Path, **files: str) -> Path:
    """A site as the builder writes it (stamp included)."""
    w = SiteWriter()
    w.add_files({"build-report.json": "{}", "index.html": "previous", **files})
    w.write(root)
    return root


def _build(out: Path, tmp_path: Path, *extra: str):
    """`build` through the command line; its checks fail before the model or dataset is touched."""
    return CliRunner().invoke(cli, ["build", "--out", str(out), "--demo-size", "20", "--cache-dir",
                                    str(tmp_path / "cache"), "--no-progress", *extra])


def _one_error_line(result, *needles: str) -> str:
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert result.exit_code == 1 and len(lines) == 1 and lines[0].startswith("Error: "), result.output
    for needle in needles:
        assert needle in lines[0], lines[0]
    return lines[0]


def test_the_writer_stamps_the_site_and_the_stamp_recognises_it(tmp_path):
    site = _site(tmp_path / "site", **{"data/x.bin": "1", "data//./y.bin": "2"})
    assert (site / output.MARKER).is_file()
    assert output.site_files(site) == ["build-report.json", "data/x.bin", "data/y.bin", "index.html"]
    output.check_replaceable(site)  # ours, unchanged: no error
    (site / "CNAME").write_text("atlas.example.org")  # added by hand: replacing would lose it
    with pytest.raises(OutputError, match="has changed since CLIP Atlas built it"):
        output.check_replaceable(site)
    (site / "CNAME").unlink()
    (site / "index.html").unlink()  # a file gone is a change too
    with pytest.raises(OutputError, match="has changed"):
        output.check_replaceable(site)
    with pytest.raises(ContractError, match="stamp"):
        SiteWriter().add_files({output.MARKER: "{}"})


def test_a_folder_holding_git_is_never_replaced_whatever_its_stamp_says(tmp_path):
    site = _site(tmp_path / "site")
    (site / ".git").mkdir()
    (site / ".git" / "HEAD").write_text("ref: refs/heads/main\n")
    (site / output.MARKER).write_text(output.stamp(output.site_files(site)))  # a stamp that matches
    _one_error_line(_build(site, tmp_path), "Git repository", "never replaces", "--out")
    assert (site / ".git" / "HEAD").is_file() and (site / "index.html").read_text() == "previous"
    nested = _site(tmp_path / "nested")
    (nested / "docs" / ".git").mkdir(parents=True)
    _one_error_line(_build(nested, tmp_path), "Git repository (docs/.git)")


def test_a_site_without_the_stamp_is_refused_with_a_way_out(tmp_path):
    old = tmp_path / "old-site"
    old.mkdir()
    (old / "build-report.json").write_text("{}")  # what the previous version left (or anyone)
    (old / "notes.txt").write_text("precious")
    _one_error_line(_build(old, tmp_path), "build-report.json but no .clip-atlas-site.json",
                    "delete the folder", "choose another --out")
    assert (old / "notes.txt").read_text() == "precious"
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".old-site.")]


def test_leftovers_of_dead_builds_are_removed_and_a_cut_swap_is_undone(tmp_path):
    old = _site(tmp_path / ".site.old-99999999")  # killed between `site` -> old and staging -> `site`
    for kind in ("staging", "tmp"):
        (tmp_path / f".site.{kind}-99999998" / "docs").mkdir(parents=True)
    alive = tmp_path / f".site.staging-{os.getppid()}"  # a build that is still running: not ours to touch
    alive.mkdir()
    other = tmp_path / ".other.tmp-99999999"  # another output's
    other.mkdir()
    done = output.recover(tmp_path / "site")
    assert done[0] == "restored site from .site.old-99999999 (a build died while replacing it)"
    assert (tmp_path / "site" / "index.html").read_text() == "previous" and not old.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(["site", alive.name, other.name])
    output.check_replaceable(tmp_path / "site")  # the restored site is still recognised as ours


def test_an_interrupted_swap_leaves_the_previous_site(tmp_path):
    site = _site(tmp_path / "site")
    with pytest.raises(KeyboardInterrupt):
        with output.staging_folder(site) as staging:
            (staging / "index.html").write_text("new")
            raise KeyboardInterrupt
    assert (site / "index.html").read_text() == "previous"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["site"]


def test_out_under_a_regular_file_fails_in_one_line(tmp_path):
    (tmp_path / "notes.txt").write_text("x")
    _one_error_line(_build(tmp_path / "notes.txt" / "site", tmp_path), "is a file, not a folder")
    # fails after the output is prepared (its folders made), before any compute
    failed = _build(tmp_path / "new" / "sub" / "site", tmp_path, "--model", "ViT-B-32/openai", "--checkpoint",
                    str(tmp_path / "none.pt"))
    _one_error_line(failed, "none.pt' for model 'ViT-B-32/openai' does not exist")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes.txt"]  # no folder left by a failed build
    assert not (tmp_path / "cache").exists()  # nothing was computed


def _without_dac_override() -> None:
    """In the child, before exec: root loses the right to ignore file modes (a real read-only folder)."""
    if os.geteuid() == 0:
        libc = ctypes.CDLL(None, use_errno=True)
        if libc.prctl(PR_CAPBSET_DROP, CAP_DAC_OVERRIDE, 0, 0, 0) != 0:
            os._exit(99)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="drops a Linux capability to honour file modes as root")
def test_read_only_output_parent_fails_in_one_line_before_any_compute(tmp_path):
    parent = tmp_path / "ro"
    parent.mkdir()
    parent.chmod(0o555)
    try:
        r = subprocess.run([sys.executable, "-m", "builder", "build", "--out", str(parent / "site"), "--demo-size",
                            "20", "--cache-dir", str(tmp_path / "cache"), "--no-progress"],
                           preexec_fn=_without_dac_override, capture_output=True, text=True, timeout=120)
    finally:
        parent.chmod(0o755)
    if r.returncode == 99:
        pytest.skip("cannot drop CAP_DAC_OVERRIDE here, and root ignores a read-only mode")
    assert r.returncode == 1 and r.stdout == "", (r.stdout, r.stderr)
    assert r.stderr.strip().splitlines() == [r.stderr.strip()] and "Traceback" not in r.stderr
    assert r.stderr.startswith(f"Error: cannot write in {str(parent)!r}") and "Permission denied" in r.stderr
    assert not (tmp_path / "cache").exists() and list(parent.iterdir()) == []


def test_a_full_disk_while_writing_fails_cleanly_and_keeps_the_previous_site(tmp_path):
    """A 1 MB file size limit (RLIMIT_FSIZE, in a child process) stands in for a full disk."""
    site = _site(tmp_path / "site")
    script = f"""
import resource, sys
from builder.io.output import staging_folder
from builder.io.writer import SiteWriter
from builder.errors import AtlasError
resource.setrlimit(resource.RLIMIT_FSIZE, (1 << 20, 1 << 20))
w = SiteWriter()
w.add_files({{"index.html": "new", "data/big.bin": b"x" * (2 << 20)}})
try:
    with staging_folder({str(site)!r}) as staging:
        w.write(staging)
except AtlasError as exc:
    print(exc)
    sys.exit(1)
"""
    r = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert r.returncode == 1 and "Traceback" not in r.stderr, r.stderr
    assert r.stdout.startswith("cannot write the site file data/big.bin: File too large")
    assert (site / "index.html").read_text() == "previous"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["site"]

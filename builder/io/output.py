"""Safe output: recognise our own sites, build beside the target, swap in only on success.

Everything temporary lives beside the output folder `out`, named after it and this process:

    .NAME.tmp-PID       scratch space for the build (the docs' MkDocs run), see `scratch_folder`
    .NAME.staging-PID   the new site, written by the one writer; it becomes `out` on success
    .NAME.old-PID       the previous site during the swap, deleted right after

A build that dies (SIGKILL, power cut) leaves some of these; the next build into `out`
removes those whose PID is no longer running and, if the swap was cut between its two renames
(`out` missing), first puts the previous site back from `.NAME.old-PID`.

A folder is ours to replace only if it is empty or carries the stamp the writer leaves in every
site (MARKER: the stamp's schema and a sha256 of the site's sorted file list) and its files
still match that stamp. A folder holding a `.git` is never replaced, whatever it says. A site
built before the stamp existed (a build-report.json, no stamp) is refused with a message that
says what to do: the builder cannot tell its files from files added by hand.
"""

from __future__ import annotations

import contextlib
import contextvars
import hashlib
import json
import os
import re
import shutil
from pathlib import Path

from builder.errors import OutputError  # noqa: F401 (re-exported)

MARKER = ".clip-atlas-site.json"
MARKER_SCHEMA = 1
REPORT = "build-report.json"
LEFTOVER = re.compile(r"\.(?P<name>.+)\.(?P<kind>tmp|staging|old)-(?P<pid>\d+)")

_scratch: contextvars.ContextVar[Path | None] = contextvars.ContextVar("atlas_scratch", default=None)


def site_files(root: Path) -> list[str]:
    """Every file (and link) under `root` as a sorted relative POSIX path, the stamp left out."""
    found = []
    for folder, dirs, files in os.walk(root):
        rel = Path(folder).relative_to(root)
        links = [d for d in dirs if os.path.islink(os.path.join(folder, d))]
        found += [(rel / f).as_posix() for f in files + links]
    return sorted(f for f in found if f != MARKER)


def stamp(files: list[str]) -> str:
    """The stamp's text for a site made of `files` (relative POSIX paths)."""
    listing = "\n".join(sorted(files)).encode("utf-8")
    return json.dumps({"generator": "clip-atlas", "schema_version": MARKER_SCHEMA, "files": len(files),
                       "files_sha256": hashlib.sha256(listing).hexdigest()}, indent=1) + "\n"


def check_replaceable(out: Path) -> None:
    """Raise OutputError unless `out` is missing, empty, or a site this builder made and nobody
    changed since."""
    out = Path(out)
    if out.exists() and not out.is_dir():
        raise OutputError(f"output path {str(out)!r} exists and is not a folder; choose another --out")
    if not out.exists():
        for parent in out.parents:
            if parent.exists():
                if not parent.is_dir():
                    raise OutputError(f"cannot create the output folder {str(out)!r}: {str(parent)!r} is a file, "
                                      f"not a folder; choose another --out")
                break
        return
    entries = list(out.iterdir())
    if not entries:
        return
    git = next((p for p in [out / ".git", *out.rglob(".git")] if os.path.lexists(p)), None)
    if git is not None:
        raise OutputError(f"output folder {str(out)!r} holds a Git repository ({git.relative_to(out)}); "
                          f"CLIP Atlas never replaces such a folder: choose another --out")
    marker = out / MARKER
    if not marker.is_file():
        if (out / REPORT).is_file():
            raise OutputError(f"output folder {str(out)!r} has a {REPORT} but no {MARKER}: a site from an "
                              f"older CLIP Atlas, or a folder it did not make, so it cannot tell its files from "
                              f"yours; delete the folder (keep what you added) or choose another --out")
        raise OutputError(f"output folder {str(out)!r} is not empty and was not made by CLIP Atlas "
                          f"(no {MARKER}); choose another --out or empty it")
    files = site_files(out)
    try:
        ok = json.loads(marker.read_text("utf-8")) == json.loads(stamp(files))
    except (OSError, ValueError):
        ok = False
    if not ok:
        raise OutputError(f"output folder {str(out)!r} has changed since CLIP Atlas built it (its {len(files)} "
                          f"files do not match {MARKER}); move what you added elsewhere, delete the folder "
                          f"or choose another --out")


def pid_alive(pid: int) -> bool:
    if pid == os.getpid():
        return False  # a leftover of an earlier process that had our PID (containers reuse them)
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def recover(out: Path) -> list[str]:
    """Remove what dead builds into `out` left beside it, first restoring `out` from a leftover
    previous site if a swap was cut short. Returns what was done, one line each."""
    done = []
    if not out.parent.is_dir():
        return done
    leftovers = {"tmp": [], "staging": [], "old": []}
    for p in out.parent.iterdir():
        m = LEFTOVER.fullmatch(p.name)
        if m and m["name"] == out.name and not pid_alive(int(m["pid"])):
            leftovers[m["kind"]].append(p)
    olds = sorted(leftovers["old"], key=lambda p: p.stat().st_mtime)
    if olds and not os.path.lexists(out):
        old = olds.pop()
        os.replace(old, out)
        done.append(f"restored {out.name} from {old.name} (a build died while replacing it)")
    for p in leftovers["tmp"] + leftovers["staging"] + olds:
        shutil.rmtree(p, ignore_errors=True)
        done.append(f"removed the leftover {p.name}")
    return done


def _make_folder(path: Path, out: Path) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.mkdir()
    except OSError as exc:
        raise OutputError(f"cannot write in {str(path.parent)!r}, the folder that holds --out {str(out)!r}: "
                          f"{exc.strerror or exc}; choose another --out or make it writable") from None


@contextlib.contextmanager
def prepared(out: Path, log=print):
    """The start of a build into `out`: clean up after dead builds, refuse a folder we may not
    replace, and hold a scratch folder beside it (see `scratch_folder`) until the end."""
    out = Path(out).absolute()
    check_replaceable(out)  # a bad path fails before recover() touches anything
    for line in recover(out):
        log(f"[output] {line}")
    check_replaceable(out)  # `out` may just have been restored
    work = out.parent / f".{out.name}.tmp-{os.getpid()}"
    created = [p for p in out.parents if not p.exists()]  # deepest first
    _make_folder(work, out)
    token = _scratch.set(work)
    try:
        yield work
    finally:
        _scratch.reset(token)
        shutil.rmtree(work, ignore_errors=True)
        for folder in created if not out.exists() else []:  # a failed build leaves no empty folders
            with contextlib.suppress(OSError):
                folder.rmdir()


def scratch_folder() -> Path | None:
    """The running build's scratch folder (beside its output), or None outside a build."""
    return _scratch.get()


@contextlib.contextmanager
def staging_folder(out: Path):
    """Yield an empty staging folder; on normal exit it replaces `out` (old site removed).
    Interrupted anywhere, `out` is left as it was (or is put back by the next build)."""
    out = Path(out).absolute()
    check_replaceable(out)
    staging = out.parent / f".{out.name}.staging-{os.getpid()}"
    old = out.parent / f".{out.name}.old-{os.getpid()}"
    shutil.rmtree(staging, ignore_errors=True)
    _make_folder(staging, out)
    try:
        yield staging
        check_replaceable(out)  # someone may have put files there while we built
        if out.exists():
            os.replace(out, old)
        os.replace(staging, out)
    except BaseException:
        if os.path.lexists(old) and not os.path.lexists(out):
            os.replace(old, out)
        shutil.rmtree(staging, ignore_errors=True)
        raise
    shutil.rmtree(old, ignore_errors=True)

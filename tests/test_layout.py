"""The architecture stays legible: no import cycles, a pure compute core, analyses that do not
reach into the CLI, short files. Read from the source (module-level imports), not from a run."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1] / "builder"
MAX_LINES = 400


def _modules() -> dict[str, Path]:
    out = {}
    for path in sorted(ROOT.rglob("*.py")):
        rel = path.relative_to(ROOT.parent).with_suffix("")
        parts = list(rel.parts[:-1]) if rel.name == "__init__" else list(rel.parts)
        out[".".join(parts)] = path
    return out


MODULES = _modules()


def _imports(name: str, path: Path, top_level_only: bool = True) -> set[str]:
    """builder modules `name` imports (at module level unless top_level_only is False)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    nodes = tree.body if top_level_only else list(ast.walk(tree))
    found = set()
    for node in nodes:
        if isinstance(node, ast.Import):
            targets = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module:
            base = node.module
            if node.level:  # relative import
                pkg = name.split(".")[: -node.level if path.name != "__init__.py" else len(name.split(".")) - node.level + 1]
                base = ".".join(pkg + [node.module])
            targets = [base] + [f"{base}.{a.name}" for a in node.names]
        else:
            continue
        found.update(t for t in targets if t in MODULES and t != name)
    return found


def test_the_scan_sees_the_package():
    assert len(MODULES) > 60 and "builder.compute.neighbours" in MODULES and "builder.analyses.registry" in MODULES
    assert "builder.io.cache" in _imports("builder.pipeline", MODULES["builder.pipeline"])


def test_no_import_cycles_at_module_level():
    graph = {m: _imports(m, p) for m, p in MODULES.items()}
    # a package's __init__ importing its own submodules is fine; a submodule importing its
    # package is implied by Python, so only edges between distinct non-ancestor modules count
    graph = {m: {t for t in ts if not m.startswith(t + ".") and not t.startswith(m + ".")} for m, ts in graph.items()}
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(m: str) -> None:
        state[m] = 1
        stack.append(m)
        for t in sorted(graph[m]):
            if state.get(t) == 1:
                pytest.fail("import cycle: " + " -> ".join(stack[stack.index(t):] + [t]))
            if t not in state:
                visit(t)
        stack.pop()
        state[m] = 2

    for m in sorted(graph):
        if m not in state:
            visit(m)


@pytest.mark.parametrize("name", sorted(m for m in MODULES if m.startswith("builder.compute")))
def test_compute_is_pure(name):
    """compute/ never imports I/O, rendering, analyses, datasets, the pipeline or the CLI (at any level)."""
    banned = ("builder.io", "builder.render", "builder.analyses", "builder.datasets", "builder.cli",
              "builder.pipeline", "builder.resources")
    bad = sorted(t for t in _imports(name, MODULES[name], top_level_only=False) if t.startswith(banned))
    assert not bad, f"{name} imports {bad}"


@pytest.mark.parametrize("name", sorted(m for m in MODULES if m.startswith("builder.analyses")))
def test_analyses_do_not_use_the_cli(name):
    source = MODULES[name].read_text(encoding="utf-8")
    tree = ast.parse(source)
    mods = {a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
    mods |= {n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) and n.module}
    assert not {m for m in mods if m == "click" or m.startswith(("click.", "builder.cli"))}, name


@pytest.mark.parametrize("path", sorted(p.relative_to(ROOT).as_posix() for p in ROOT.rglob("*.py")))
def test_files_stay_short(path):
    n = len((ROOT / path).read_text(encoding="utf-8").splitlines())
    assert n <= MAX_LINES, f"builder/{path} has {n} lines (at most {MAX_LINES})"


def test_the_cli_and_the_config_load_without_torch():
    """`--help` and reading a config stay fast: importing the CLI, the config and the analyses'
    registry imports neither torch nor open_clip (an analysis's module is imported when it runs)."""
    import subprocess
    import sys
    script = ("import sys, builder.cli, builder.config, builder.analyses.registry; "
              "print(sorted(m for m in ('torch', 'open_clip', 'umap', 'ripser') if m in sys.modules))")
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120, check=True)
    assert done.stdout.strip() == "[]", done.stdout + done.stderr

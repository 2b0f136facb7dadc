"""Wheel build: everything `clip-atlas build` reads goes into the wheel as package data of
builder.resources (the metadata lives in pyproject.toml).

build_py copies content/ and the site templates (site_templates/**/*.j2) and runs the explorer's
bundler (`node build.mjs OUTDIR` in site_templates/explorer, so Node and `npm ci` are needed to
build a wheel, not to use one) into build_lib/builder/resources/{content,templates,bundle}/.
Editable installs skip this: they read the repository's folders (see builder/resources).
"""

import shutil
import sys
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

HERE = Path(__file__).resolve().parent


class BuildPyWithResources(build_py):
    def run(self):
        editable = getattr(self, "editable_mode", False)
        if not editable:  # a module deleted from the sources must not linger in build/lib
            shutil.rmtree(Path(self.build_lib) / "builder", ignore_errors=True)
        super().run()
        if editable:
            return
        sys.path.insert(0, str(HERE))  # builder.errors and builder.resources are stdlib only
        from builder.resources import PACKAGED_DIRS, bundler

        out = Path(self.build_lib) / "builder" / "resources"
        for name in PACKAGED_DIRS:  # made here only, never taken from the sources
            shutil.rmtree(out / name, ignore_errors=True)
        shutil.copytree(HERE / "content", out / "content")
        src = HERE / "site_templates"
        for path in sorted(src.rglob("*.j2")):
            if "node_modules" not in path.relative_to(src).parts:
                (out / "templates" / path.relative_to(src)).parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(path, out / "templates" / path.relative_to(src))
        bundler.write_tree(out / "bundle", bundler.run_bundler(src / "explorer"))
        print(f"bundled the explorer and copied content/ and templates into {out}")


setup(cmdclass={"build_py": BuildPyWithResources})

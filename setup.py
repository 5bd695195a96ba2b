"""Build hook: put the npm-pinned browser assets into the package before it is built.

htmx comes from the npm registry, pinned by package-lock.json; `npm ci` fetches exactly that
version and the file is copied into helpdesk/inbox/static/vendor/, which is gitignored, so no
third-party code is committed and every wheel (and every `pip install .`) carries the asset.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

ROOT = Path(__file__).resolve().parent
# (file under node_modules, destination under the source tree)
ASSETS = [
    ("htmx.org/dist/htmx.min.js", "helpdesk/inbox/static/vendor/htmx.min.js"),
]


def build_assets() -> None:
    modules = ROOT / "node_modules"
    lock = ROOT / "package-lock.json"
    stamp = modules / ".package-lock.json"  # npm writes it on every install
    if not stamp.exists() or stamp.stat().st_mtime < lock.stat().st_mtime:
        npm = shutil.which("npm")
        if npm is None:
            raise SystemExit(
                "npm is needed to build the inbox's browser assets (htmx, pinned by "
                "package-lock.json): install Node.js 18+ (`apt-get install -y npm`)"
            )
        subprocess.run([npm, "ci", "--no-audit", "--no-fund"], cwd=ROOT, check=True)  # noqa: S603
    for source, target in ASSETS:
        destination = ROOT / target
        destination.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(modules / source, destination)


class BuildPyWithAssets(build_py):
    def run(self) -> None:
        build_assets()
        super().run()


setup(cmdclass={"build_py": BuildPyWithAssets})

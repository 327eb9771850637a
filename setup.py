"""Build hook: the wheel carries the curated datasets and the shipped fits as package data.

``datasets/*.csv`` and ``fits/*.json``/``fits/*.nc`` stay the source at the top level of
the repository; building the package copies them into ``scaling/_shipped/datasets`` and
``scaling/_shipped/fits`` inside the wheel, where :func:`scaling.datasets.datasets_dir`
and :func:`scaling.paths.shipped_fits_dir` find them when the package is installed
outside a checkout. (A source checkout or editable install reads the top-level folders
directly.) Everything else is configured in ``pyproject.toml``.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

ROOT = Path(__file__).resolve().parent

#: (source folder, file patterns) copied to scaling/_shipped/<folder> in the wheel.
SHIPPED = {
    "datasets": ("*.csv",),
    "fits": ("chinchilla_*.json", "chinchilla_*.nc", "trend_*.json", "price_backtests_record.json",
             "capability_*.json"),
}


def shipped_files() -> list[tuple[Path, str]]:
    """(source file, destination relative to the package) for every shipped file."""
    out = []
    for folder, patterns in SHIPPED.items():
        for pattern in patterns:
            for src in sorted((ROOT / folder).glob(pattern)):
                out.append((src, f"_shipped/{folder}/{src.name}"))
    return out


class BuildPyWithData(build_py):
    """``build_py`` that also copies the shipped datasets and fits into the package."""

    def run(self):
        super().run()
        if getattr(self, "editable_mode", False):
            return  # an editable install reads the checkout's folders
        target = Path(self.build_lib) / "scaling"
        for src, rel in shipped_files():
            dest = target / rel
            dest.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(src, dest)

    def get_outputs(self, include_bytecode=True):
        outputs = super().get_outputs(include_bytecode)
        if getattr(self, "editable_mode", False):
            return outputs
        return outputs + [str(Path(self.build_lib) / "scaling" / rel) for _, rel in shipped_files()]


setup(cmdclass={"build_py": BuildPyWithData})

"""Build hook: ship the top-level ``resources/`` folder inside the installed package.

Metadata lives in pyproject.toml; this file only copies resources into the wheel so a regular
(non-editable) install finds profiles, guides and fonts beside the code.
"""

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py


class BuildWithResources(build_py):
    def run(self) -> None:
        super().run()
        if getattr(self, "editable_mode", False):
            return  # an editable install reads resources/ from the checkout
        source = Path(__file__).parent / "resources"
        target = Path(self.build_lib) / "advisor_desktop" / "resources"
        if target.exists():
            shutil.rmtree(target)
        shutil.copytree(source, target)


setup(cmdclass={"build_py": BuildWithResources})

"""Build hooks: ship ``resources/`` inside the package, and compile the message catalogs.

Metadata lives in pyproject.toml. The ``.po`` files in ``translations/`` are the sources; the
``.mo`` files the application reads are built from them here, by the Babel that is a build
requirement, so a committed binary can never be stale:

- a regular install (``pip install .``, a wheel, the installers) gets them in the build folder;
- an editable install (``pip install -e .``) writes them into ``src/advisor_desktop/locale/``
  of the checkout, where the code looks for them (that folder is ignored by git).

After editing a ``.po`` file in a checkout, ``python translations/manage.py compile`` rebuilds
them without reinstalling.
"""

import importlib.util
import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

ROOT = Path(__file__).resolve().parent


def _catalog_tool():
    spec = importlib.util.spec_from_file_location(
        "advisor_translations", ROOT / "translations" / "manage.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


class BuildWithResources(build_py):
    def run(self) -> None:
        super().run()
        tool = _catalog_tool()
        if getattr(self, "editable_mode", False):
            # An editable install reads resources/ from the checkout, and the catalogs from
            # src/advisor_desktop/locale/.
            tool.compile_all()
            return
        package = Path(self.build_lib) / "advisor_desktop"
        tool.compile_all(package / "locale")
        target = package / "resources"
        if target.exists():
            shutil.rmtree(target)
        shutil.copytree(ROOT / "resources", target)


setup(cmdclass={"build_py": BuildWithResources})

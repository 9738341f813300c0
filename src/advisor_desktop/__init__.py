"""Advisor Desktop: an offline-first, encrypted casebook for confidential advisors."""

from __future__ import annotations

#: The distribution whose metadata holds the version (pyproject.toml is the one place for it).
DISTRIBUTION = "advisor-desktop"
#: Written beside the package by packaging/build.py: a frozen bundle may carry no metadata.
VERSION_FILE = "VERSION"


def _read_version() -> str:
    import sys
    from pathlib import Path

    if getattr(sys, "frozen", False):
        try:
            text = (Path(__file__).resolve().parent / VERSION_FILE).read_text(encoding="utf-8")
            return text.strip()
        except OSError:
            pass
    import importlib.metadata

    try:
        return importlib.metadata.version(DISTRIBUTION)
    except importlib.metadata.PackageNotFoundError:
        return "0+unknown"  # a source tree on sys.path that was never installed


_version: str | None = None


def __getattr__(name: str) -> str:
    # ``__version__`` is read on first use, not on import: the metadata machinery costs tens of
    # milliseconds that the first window should not wait for (docs/benchmarks.md).
    global _version
    if name == "__version__":
        if _version is None:
            _version = _read_version()
        return _version
    raise AttributeError(name)

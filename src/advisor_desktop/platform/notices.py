"""The licence of Advisor Desktop and the notices of the third-party software it runs on.

One implementation for three readers: the About box (later), a normal install, and the build
of the installers. A frozen bundle carries the notices as a file that packaging/build.py wrote
at build time from the metadata of exactly the distributions PyInstaller put into it; a normal
install computes the same text here from ``importlib.metadata`` (the closure of this project's
requirements). Nothing is written by hand, so a new dependency cannot be forgotten.
"""

from __future__ import annotations

import importlib.metadata
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from advisor_desktop import DISTRIBUTION

#: The notices file in a bundle (inside the package folder; a copy beside the programs).
NOTICES_FILE = "THIRD-PARTY-NOTICES.txt"
#: The project's own licence text in a bundle, copied from its metadata at build time.
LICENCE_FILE = "LICENSE.txt"

# Names of files in a distribution that hold licence or notice texts, when its metadata
# lists none (older metadata has no License-File field).
_LICENCE_NAME = re.compile(r"(^|/)(LICEN[CS]E|COPYING|NOTICE|AUTHORS)[^/]*$", re.IGNORECASE)
_REQUIREMENT_NAME = re.compile(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)")
_RULE = "=" * 78


@dataclass(frozen=True)
class LicenceText:
    """One licence or notice file of a distribution."""

    name: str
    text: str


@dataclass(frozen=True)
class Notice:
    """What the notices say about one distribution."""

    name: str
    version: str
    licence: str
    homepage: str
    texts: tuple[LicenceText, ...]


def canonical_name(name: str) -> str:
    """A distribution's name as PEP 503 compares names (``PySide6_Essentials`` →
    ``pyside6-essentials``)."""
    return re.sub(r"[-_.]+", "-", name).lower()


def _field(meta: importlib.metadata.PackageMetadata, name: str) -> str:
    value = meta.get_all(name)
    return str(value[0]).strip() if value else ""


def _licence_of(meta: importlib.metadata.PackageMetadata) -> str:
    expression = _field(meta, "License-Expression")
    if expression:
        return expression
    licence = _field(meta, "License")
    if licence and "\n" not in licence and len(licence) < 200:
        return licence
    classifiers = [
        c.split("::")[-1].strip()
        for c in meta.get_all("Classifier") or []
        if c.startswith("License ::") and c.count("::") >= 2
    ]
    return " / ".join(classifiers) or "see the licence text below"


def _homepage_of(meta: importlib.metadata.PackageMetadata) -> str:
    if _field(meta, "Home-page"):
        return _field(meta, "Home-page")
    for entry in meta.get_all("Project-URL") or []:
        label, _sep, url = str(entry).partition(",")
        if label.strip().lower() in {"homepage", "home", "source", "repository", "source code"}:
            return url.strip()
    return ""


def _licence_texts(dist: importlib.metadata.Distribution) -> tuple[LicenceText, ...]:
    texts: list[LicenceText] = []
    for file in dist.files or ():
        path = str(file)
        if ".dist-info/" not in path or not _LICENCE_NAME.search(path):
            continue
        try:
            text = file.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            continue
        texts.append(LicenceText(path.split(".dist-info/", 1)[1], text.strip()))
    return tuple(sorted(texts, key=lambda t: t.name))


def notice_for(dist: importlib.metadata.Distribution) -> Notice:
    """The notice of one installed distribution, from its metadata and licence files."""
    meta = dist.metadata
    return Notice(
        name=str(meta["Name"]),
        version=dist.version,
        licence=_licence_of(meta),
        homepage=_homepage_of(meta),
        texts=_licence_texts(dist),
    )


def collect_notices(names: Iterable[str]) -> list[Notice]:
    """The notices of the named installed distributions, sorted by name (unknown names are
    skipped: a name the caller found in a bundle may belong to no distribution)."""
    found: dict[str, Notice] = {}
    for name in names:
        try:
            dist = importlib.metadata.distribution(name)
        except importlib.metadata.PackageNotFoundError:
            continue
        found[canonical_name(str(dist.metadata["Name"]))] = notice_for(dist)
    return [found[key] for key in sorted(found)]


def _applies(requirement: str) -> bool:
    """False for a requirement of an extra or one whose marker is false here."""
    _name, _sep, marker = requirement.partition(";")
    marker = marker.strip()
    if not marker:
        return True
    if re.search(r"\bextra\b", marker):
        return False
    try:
        from packaging.markers import Marker
    except ImportError:  # not a dependency: then a requirement that is installed counts
        return True
    return bool(Marker(marker).evaluate())


def runtime_distributions(root: str = DISTRIBUTION) -> list[str]:
    """The installed distributions ``root`` runs on: the closure of its requirements, extras
    left out, ``root`` itself excluded; canonical names, sorted."""
    seen: set[str] = set()
    todo = [root]
    while todo:
        try:
            dist = importlib.metadata.distribution(todo.pop())
        except importlib.metadata.PackageNotFoundError:
            continue
        for requirement in dist.requires or ():
            match = _REQUIREMENT_NAME.match(requirement)
            if not match or not _applies(requirement):
                continue
            name = canonical_name(match.group(1))
            if name not in seen:
                seen.add(name)
                todo.append(name)
    seen.discard(canonical_name(root))
    return sorted(seen)


def format_notices(
    notices: Sequence[Notice],
    *,
    title: str = "Advisor Desktop",
    extra: Sequence[tuple[str, str]] = (),
    fallback_texts: dict[str, str] | None = None,
) -> str:
    """The notices as one plain text: a list, then each component with its licence texts.

    ``extra`` adds sections (heading, text) for components that are not Python
    distributions (the Python runtime, system libraries); ``fallback_texts`` maps a licence
    name to its text, for a distribution whose metadata ships no licence file.
    """
    fallback_texts = fallback_texts or {}
    lines = [
        f"{title}: third-party notices",
        "",
        f"{title} includes the following third-party software. Each is distributed under its",
        "own licence, reproduced below as shipped with it.",
        "",
    ]
    lines += [f"  {n.name} {n.version} ({n.licence})" for n in notices]
    lines += [f"  {heading}" for heading, _text in extra]
    given: dict[str, str] = {}  # a fallback text is given once, then referred to
    for notice in notices:
        lines += ["", _RULE, f"{notice.name} {notice.version}", f"Licence: {notice.licence}"]
        if notice.homepage:
            lines.append(f"Home page: {notice.homepage}")
        texts = list(notice.texts)
        referred = False
        if not texts:
            for name in re.split(r"\s+OR\s+|\s+AND\s+|[()\s]", notice.licence):
                if name in given:
                    referred = True
                    lines += ["", f"--- {name}: the text is given above, under {given[name]} ---"]
                elif name in fallback_texts:
                    given[name] = notice.name
                    texts.append(LicenceText(name, fallback_texts[name].strip()))
        if not texts and not referred:
            lines += ["", "(The distribution ships no licence file; see its home page.)"]
        for text in texts:
            lines += ["", f"--- {text.name} ---", "", text.text]
    for heading, body in extra:
        lines += ["", _RULE, heading, "", body.strip()]
    return "\n".join(lines).rstrip() + "\n"


def _bundled(folder: Path | None, name: str) -> str | None:
    from advisor_desktop.platform.paths import package_dir

    path = (folder or package_dir()) / name
    try:
        return path.read_text(encoding="utf-8")
    except OSError:
        return None


# Shipped resources that are not Python distributions, with the licence file beside them.
RESOURCE_LICENCES = (
    ("Noto fonts (SIL Open Font License 1.1)", ("fonts", "OFL.txt")),
    ("Phosphor Icons 2.1.1 (MIT)", ("icons", "phosphor", "LICENSE")),
)


def resource_sections(resources: Path | None = None) -> list[tuple[str, str]]:
    """(heading, licence text) for the fonts and icons shipped in ``resources/``."""
    from advisor_desktop.platform.paths import resources_dir

    root = resources or resources_dir()
    sections = []
    for heading, parts in RESOURCE_LICENCES:
        try:
            sections.append((heading, root.joinpath(*parts).read_text(encoding="utf-8")))
        except OSError:
            continue
    return sections


def third_party_notices(folder: Path | None = None) -> str:
    """The third-party notices: the file a bundle carries (in ``folder``, by default the
    package folder), else computed from the installed distributions' metadata and the
    licences of the shipped fonts and icons."""
    bundled = _bundled(folder, NOTICES_FILE)
    if bundled is not None:
        return bundled
    return format_notices(collect_notices(runtime_distributions()), extra=resource_sections())


def licence_text(folder: Path | None = None) -> str:
    """Advisor Desktop's own licence: the text a bundle carries, else the licence files of
    the installed distribution, else a statement of its licence from the metadata."""
    bundled = _bundled(folder, LICENCE_FILE)
    if bundled is not None:
        return bundled
    try:
        dist = importlib.metadata.distribution(DISTRIBUTION)
    except importlib.metadata.PackageNotFoundError:
        return "Advisor Desktop is licensed under the European Union Public Licence (EUPL-1.2).\n"
    own = notice_for(dist)
    if own.texts:
        return "\n\n".join(t.text for t in own.texts) + "\n"
    return f"Advisor Desktop {own.version} is licensed under {own.licence}.\n"

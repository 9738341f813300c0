"""The guides benchmark: one command, a table on stdout and a JSON file.

    python -m tests.benchmarks.guides_bench [--quick] [--out FILE.json]

Measures, offscreen: switching the guide language in the browser (first visit, which parses
the files, and later visits, which use the cache), opening the visitor view, and writing one
guide as a PDF. Aims: ≤ 100 ms per language switch and per visitor view, ≤ 1 s per PDF.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import tempfile
from pathlib import Path
from typing import Any

from tests.benchmarks.timing import stats, timed

AIMS_MS = {"switch_first": 100.0, "switch_cached": 100.0, "visitor_open": 100.0, "pdf": 1000.0}


def run(quick: bool, app: Any) -> dict[str, Any]:
    """Run every measurement in the running ``QApplication``; returns the results document."""
    from advisor_desktop.guides import GuideLibrary
    from advisor_desktop.guides.render import load_bundled_fonts
    from advisor_desktop.protocol.profile import load_profile
    from advisor_desktop.ui.guides import GuideBrowser, VisitorView

    load_bundled_fonts()
    library = GuideLibrary(load_profile())
    langs = [info.code for info in library.languages()]
    browser = GuideBrowser(library)
    browser.resize(1200, 800)
    browser.show()
    app.processEvents()

    def switch(code: str) -> None:
        browser.set_language(code)
        app.processEvents()

    first = [timed(lambda c=code: switch(c)) for code in langs[1:] + langs[:1]]
    rounds = 1 if quick else 4
    cached = [timed(lambda c=code: switch(c)) for _ in range(rounds) for code in langs]

    def open_visitor(code: str) -> None:
        view = VisitorView(library, code, lambda secret: False)
        view.resize(1280, 800)
        view.show()
        app.processEvents()
        view._may_close = True
        view.close()
        view.deleteLater()

    visitor = [timed(lambda c=code: open_visitor(c)) for code in langs]
    pdf_langs = ["en", "ar", "zh-Hans", "hi", "am"] if quick else langs
    pdf: dict[str, float] = {}
    with tempfile.TemporaryDirectory() as tmp:
        for code in pdf_langs:
            if code in langs:
                browser.set_language(code)
                pdf[code] = timed(lambda c=code: browser.save_pdf(Path(tmp) / f"{c}.pdf"))
    browser.close()
    browser.deleteLater()
    app.processEvents()
    results = {
        "switch_first": stats(first),
        "switch_cached": stats(cached),
        "visitor_open": stats(visitor),
        "pdf": stats(list(pdf.values())),
    }
    return {
        "benchmark": "guides",
        "python": sys.version.split()[0],
        "platform": platform.platform(),
        "languages": len(langs),
        "results": results,
        "pdf_ms_by_language": {k: round(v, 1) for k, v in pdf.items()},
        "aims_ms": AIMS_MS,
        "aims_met": {k: results[k]["p95_ms"] <= AIMS_MS[k] for k in AIMS_MS},
    }


def print_table(doc: dict[str, Any]) -> None:
    """The results as a fixed-width table."""
    print(f"guides benchmark — {doc['languages']} languages, {doc['platform']}")
    print(
        f"{'measure':16} {'n':>4} {'median ms':>10} {'p95 ms':>9} {'max ms':>9} {'aim ms':>8}  met"
    )
    for key, row in doc["results"].items():
        met = "yes" if doc["aims_met"][key] else "NO"
        print(
            f"{key:16} {row['n']:>4} {row['median_ms']:>10.1f} {row['p95_ms']:>9.1f} "
            f"{row['max_ms']:>9.1f} {doc['aims_ms'][key]:>8.0f}  {met}"
        )


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark, print the table and write the JSON file."""
    parser = argparse.ArgumentParser(prog="python -m tests.benchmarks.guides_bench")
    parser.add_argument("--quick", action="store_true", help="fewer rounds and PDFs")
    parser.add_argument("--out", default="guides-bench.json", help="where to write the JSON")
    args = parser.parse_args(argv)
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtWidgets import QApplication

    # Created here so it outlives every widget the measurements make.
    app = QApplication.instance() or QApplication([])
    doc = run(args.quick, app)
    print_table(doc)
    Path(args.out).write_text(json.dumps(doc, indent=2, ensure_ascii=False) + "\n")
    print(f"written: {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Runtime hook of the bundled ``advisor``: answer the Qt probe of ``advisor selftest``.

The selftest checks Qt in a child process started as ``sys.executable -c PROBE``. In a bundle
``sys.executable`` is ``advisor`` itself, not a Python interpreter, so this hook runs that one
probe (compared with the selftest's own text, so nothing else is ever executed) and exits.
Any other ``-c`` falls through to the command-line parser, which refuses it.
"""

import sys


def _answer_probe() -> None:
    if len(sys.argv) != 3 or sys.argv[1] != "-c":
        return
    from advisor_desktop.cli.advisor.selftest import _QT_PROBE

    if sys.argv[2] != _QT_PROBE:
        return
    sys.argv = [sys.argv[0]]
    exec(compile(_QT_PROBE, "<selftest Qt probe>", "exec"), {"__name__": "__main__"})  # noqa: S102
    sys.exit(0)


_answer_probe()

"""PyInstaller entry point of the bundled ``advisor-desktop`` (pyproject's gui-script)."""

import sys

from advisor_desktop.ui.shell.start import main

sys.exit(main())

"""PyInstaller entry point of the bundled ``advisor-desk`` (pyproject's console script)."""

import sys

from advisor_desktop.cli.desk.main import main

sys.exit(main())

"""PyInstaller entry point of the bundled ``advisor`` (pyproject's console script)."""

import sys

from advisor_desktop.cli.advisor.main import main

sys.exit(main())

"""Headless command-line interfaces: ``advisor`` (the advisor) and ``advisor-desk`` (the desk)."""

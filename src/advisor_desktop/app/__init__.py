"""The use-case layer: one function per user action, shared by the desktop and the CLI (Qt-free)."""

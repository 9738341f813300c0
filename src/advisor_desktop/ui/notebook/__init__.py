"""The notebook's widgets: list, search, editor, follow-ups."""

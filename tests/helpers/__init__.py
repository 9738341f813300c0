"""Helpers shared by the foundation tests (record factories, child-process scripts)."""

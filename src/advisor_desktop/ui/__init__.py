"""The Qt skin over the core: widgets and windows only (no SQL, no crypto, no HTTP)."""
